// One symbol's order book as the outside world sees it, rebuilt from events alone: every resting order
// in time priority per price level (L3), aggregated levels (L2), and a version that goes up by one with
// each command that changed the book.
import { Side } from '../../engine/index.ts';

export interface LevelView {
  priceCents: number;
  totalQuantity: number;
  /** orderId -> remaining quantity, in time priority (Map keeps insertion order). */
  orders: Map<number, number>;
}

class SideView {
  readonly levels = new Map<number, LevelView>();
  /** Prices, best first. */
  prices: number[] = [];

  constructor(private readonly isBid: boolean) {}

  private better(a: number, b: number): boolean {
    return this.isBid ? a > b : a < b;
  }

  level(priceCents: number): LevelView {
    let level = this.levels.get(priceCents);
    if (!level) {
      level = { priceCents, totalQuantity: 0, orders: new Map() };
      this.levels.set(priceCents, level);
      let low = 0;
      let high = this.prices.length;
      while (low < high) {
        const mid = (low + high) >>> 1;
        if (this.better(this.prices[mid], priceCents)) low = mid + 1;
        else high = mid;
      }
      this.prices.splice(low, 0, priceCents);
    }
    return level;
  }

  dropIfEmpty(level: LevelView): void {
    if (level.orders.size > 0) return;
    this.levels.delete(level.priceCents);
    const index = this.prices.indexOf(level.priceCents);
    if (index >= 0) this.prices.splice(index, 1);
  }
}

/** One number per (side, price): price * 2 + side, exact for every safe price below 2^52. */
export function levelKey(side: Side, priceCents: number): number {
  return priceCents * 2 + side;
}

export function sideOfLevelKey(key: number): Side {
  return (key % 2) as Side;
}

export function priceOfLevelKey(key: number): number {
  return Math.floor(key / 2);
}

export interface RestingOrderView {
  orderId: number;
  side: Side;
  priceCents: number;
}

export class BookView {
  readonly bids = new SideView(true);
  readonly asks = new SideView(false);
  version = 0;
  private readonly resting = new Map<number, RestingOrderView>();
  /** Levels touched by the command being applied, as levelKey(side, priceCents) (numbers: no string per change). */
  readonly touched = new Set<number>();
  /**
   * Order changes of the command being applied, in event order: [orderId, side, priceCents, quantity];
   * quantity 0 removes the order, an unknown order with a quantity joins the back of its level. This is
   * exactly what an L3 subscriber replays.
   */
  ops: Array<[number, Side, number, number]> = [];

  side(side: Side): SideView {
    return side === Side.Buy ? this.bids : this.asks;
  }

  has(orderId: number): boolean {
    return this.resting.has(orderId);
  }

  add(orderId: number, side: Side, priceCents: number, quantity: number): void {
    const level = this.side(side).level(priceCents);
    level.orders.set(orderId, quantity);
    level.totalQuantity += quantity;
    this.resting.set(orderId, { orderId, side, priceCents });
    this.touched.add(levelKey(side, priceCents));
    this.ops.push([orderId, side, priceCents, quantity]);
  }

  /** Sets a resting order's remaining quantity in place (0 removes it). */
  setRemaining(orderId: number, remaining: number): void {
    const order = this.resting.get(orderId);
    if (!order) return;
    const bookSide = this.side(order.side);
    const level = bookSide.level(order.priceCents);
    level.totalQuantity += remaining - (level.orders.get(orderId) ?? 0);
    if (remaining > 0) level.orders.set(orderId, remaining);
    else {
      level.orders.delete(orderId);
      this.resting.delete(orderId);
      bookSide.dropIfEmpty(level);
    }
    this.touched.add(levelKey(order.side, order.priceCents));
    this.ops.push([orderId, order.side, order.priceCents, remaining]);
  }

  remove(orderId: number): void {
    this.setRemaining(orderId, 0);
  }

  /** [priceCents, quantity] per level, best first. */
  depth(side: Side, maxLevels: number): Array<[number, number]> {
    const bookSide = this.side(side);
    const count = Math.min(maxLevels, bookSide.prices.length);
    const out: Array<[number, number]> = [];
    for (let i = 0; i < count; i++) {
      const price = bookSide.prices[i];
      out.push([price, bookSide.levels.get(price)!.totalQuantity]);
    }
    return out;
  }

  /** Every resting order, best price first, time priority within a price. */
  orders(side: Side): Array<{ orderId: number; priceCents: number; quantity: number }> {
    const bookSide = this.side(side);
    const out: Array<{ orderId: number; priceCents: number; quantity: number }> = [];
    for (const price of bookSide.prices) {
      for (const [orderId, quantity] of bookSide.levels.get(price)!.orders) out.push({ orderId, priceCents: price, quantity });
    }
    return out;
  }

  levelQuantity(side: Side, priceCents: number): number {
    return this.side(side).levels.get(priceCents)?.totalQuantity ?? 0;
  }
}
