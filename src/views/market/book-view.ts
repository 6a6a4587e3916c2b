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

export class BookView {
  readonly bids = new SideView(true);
  readonly asks = new SideView(false);
  version = 0;
  /** Resting order id -> levelKey(side, priceCents): numbers only, no object per resting order. */
  private readonly resting = new Map<number, number>();
  /**
   * Levels touched by the command being applied, each once, as levelKey(side, priceCents), in the first
   * `touchedCount` slots: a reused array of numbers (a command touches a handful, so a scan beats a Set,
   * whose clear() would allocate a new table per command).
   */
  readonly touched: number[] = [];
  touchedCount = 0;

  private touch(key: number): void {
    for (let i = 0; i < this.touchedCount; i++) if (this.touched[i] === key) return;
    this.touched[this.touchedCount++] = key;
  }
  /**
   * Order changes of the command being applied, in event order: [orderId, side, priceCents, quantity];
   * quantity 0 removes the order, an unknown order with a quantity joins the back of its level. This is
   * exactly what an L3 subscriber replays.
   */
  ops: Array<[number, Side, number, number]> = [];
  /** Whether to fill `ops` (only someone streaming L3 needs them; off, a change allocates nothing for it). */
  recordOps = true;

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
    this.resting.set(orderId, levelKey(side, priceCents));
    this.touch(levelKey(side, priceCents));
    if (this.recordOps) this.ops.push([orderId, side, priceCents, quantity]);
  }

  /** Sets a resting order's remaining quantity in place (0 removes it). */
  setRemaining(orderId: number, remaining: number): void {
    const key = this.resting.get(orderId);
    if (key === undefined) return;
    const side = sideOfLevelKey(key);
    const priceCents = priceOfLevelKey(key);
    const bookSide = this.side(side);
    const level = bookSide.level(priceCents);
    level.totalQuantity += remaining - (level.orders.get(orderId) ?? 0);
    if (remaining > 0) level.orders.set(orderId, remaining);
    else {
      level.orders.delete(orderId);
      this.resting.delete(orderId);
      bookSide.dropIfEmpty(level);
    }
    this.touch(key);
    if (this.recordOps) this.ops.push([orderId, side, priceCents, remaining]);
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

  /** The best price on a side (0: the side is empty). */
  bestPrice(side: Side): number {
    const prices = this.side(side).prices;
    return prices.length > 0 ? prices[0] : 0;
  }

  levelQuantity(side: Side, priceCents: number): number {
    return this.side(side).levels.get(priceCents)?.totalQuantity ?? 0;
  }
}
