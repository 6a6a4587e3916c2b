// One symbol's order book as the outside world sees it, rebuilt from events alone: every resting order
// in time priority per price level (L3), aggregated levels (L2), and a version that goes up by one with
// each command that changed the book.
// The book is kept in the engine's own typed-array structures (order pool, level pool, sorted level ids per
// side, orderId index): a resting order and a level are slots in typed arrays, not Map entries, so keeping
// the view allocates nothing per order (its Maps were a fifth of what the engine thread allocated per order).
import { LevelPool, NIL, OrderBook, OrderIndex, OrderPool, Side } from '../../engine/index.ts';

const INITIAL_ORDERS = 1024;
const INITIAL_LEVELS = 256;

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
  version = 0;
  private readonly pool = new OrderPool(INITIAL_ORDERS);
  private readonly levels = new LevelPool(INITIAL_LEVELS);
  private readonly book = new OrderBook(0, this.pool, this.levels);
  /** Resting order id -> its slot in the pool. */
  private readonly index = new OrderIndex(INITIAL_ORDERS);
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

  has(orderId: number): boolean {
    return this.index.get(orderId) !== NIL;
  }

  add(orderId: number, side: Side, priceCents: number, quantity: number): void {
    const slot = this.pool.allocate(orderId, 0, 0, side, 0, 0, false, priceCents, quantity, 0);
    this.index.set(orderId, slot);
    this.book.append(slot);
    this.touch(levelKey(side, priceCents));
    if (this.recordOps) this.ops.push([orderId, side, priceCents, quantity]);
  }

  /** Sets a resting order's remaining quantity in place (0 removes it). */
  setRemaining(orderId: number, remaining: number): void {
    const slot = this.index.get(orderId);
    if (slot === NIL) return;
    const side = this.pool.side[slot] as Side;
    const priceCents = this.pool.priceCents[slot];
    if (remaining > 0) {
      this.book.reduce(slot, this.pool.remaining[slot] - remaining);
    } else {
      this.book.unlink(slot);
      this.index.delete(orderId);
      this.pool.free(slot);
    }
    this.touch(levelKey(side, priceCents));
    if (this.recordOps) this.ops.push([orderId, side, priceCents, remaining]);
  }

  remove(orderId: number): void {
    this.setRemaining(orderId, 0);
  }

  /** [priceCents, quantity] per level, best first. */
  depth(side: Side, maxLevels: number): Array<[number, number]> {
    const bookSide = this.book.sideOf(side);
    const count = Math.min(maxLevels, bookSide.size);
    const out: Array<[number, number]> = [];
    for (let rank = 0; rank < count; rank++) {
      const level = bookSide.levelAt(rank);
      out.push([this.levels.priceCents[level], this.levels.totalQuantity[level]]);
    }
    return out;
  }

  /** Every resting order, best price first, time priority within a price. */
  orders(side: Side): Array<{ orderId: number; priceCents: number; quantity: number }> {
    const bookSide = this.book.sideOf(side);
    const out: Array<{ orderId: number; priceCents: number; quantity: number }> = [];
    for (let rank = 0; rank < bookSide.size; rank++) {
      const level = bookSide.levelAt(rank);
      const priceCents = this.levels.priceCents[level];
      for (let slot = this.levels.head[level]; slot !== NIL; slot = this.pool.next[slot]) {
        out.push({ orderId: this.pool.orderId[slot], priceCents, quantity: this.pool.remaining[slot] });
      }
    }
    return out;
  }

  /** The best price on a side (0: the side is empty). */
  bestPrice(side: Side): number {
    return this.book.bestPrice(side);
  }

  levelQuantity(side: Side, priceCents: number): number {
    const level = this.book.sideOf(side).find(priceCents);
    return level === NIL ? 0 : this.levels.totalQuantity[level];
  }
}
