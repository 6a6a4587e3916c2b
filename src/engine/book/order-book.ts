// One instrument's book: two sides of price levels, each level a FIFO queue threaded through the order
// pool. Appending, unlinking and reducing an order are O(1) once its level is found; the best level of a
// side is O(1).
import { Side, SymbolStatus } from '../types.ts';
import type { LevelPool } from './level-pool.ts';
import { BookSide } from './book-side.ts';
import { NIL, type OrderPool } from './order-pool.ts';

export class OrderBook {
  readonly symbolId: number;
  readonly bids: BookSide;
  readonly asks: BookSide;
  status: SymbolStatus = SymbolStatus.Trading;
  /** 0 before the first trade. */
  lastTradePriceCents = 0;
  private readonly orders: OrderPool;
  private readonly levels: LevelPool;

  constructor(symbolId: number, orders: OrderPool, levels: LevelPool) {
    this.symbolId = symbolId;
    this.orders = orders;
    this.levels = levels;
    this.bids = new BookSide(levels, true);
    this.asks = new BookSide(levels, false);
  }

  sideOf(side: Side): BookSide {
    return side === Side.Buy ? this.bids : this.asks;
  }

  /** Puts the order at the back of its price level's queue. */
  append(slot: number): void {
    const orders = this.orders;
    const levels = this.levels;
    const level = this.sideOf(orders.side[slot] as Side).findOrCreate(orders.priceCents[slot]);
    const tail = levels.tail[level];
    orders.level[slot] = level;
    orders.prev[slot] = tail;
    orders.next[slot] = NIL;
    if (tail === NIL) levels.head[level] = slot;
    else orders.next[tail] = slot;
    levels.tail[level] = slot;
    levels.orderCount[level]++;
    levels.totalQuantity[level] += orders.remaining[slot];
  }

  /** Takes the order out of its level (and the level out of the book when it empties). */
  unlink(slot: number): void {
    const orders = this.orders;
    const levels = this.levels;
    const level = orders.level[slot];
    const prev = orders.prev[slot];
    const next = orders.next[slot];
    if (prev === NIL) levels.head[level] = next;
    else orders.next[prev] = next;
    if (next === NIL) levels.tail[level] = prev;
    else orders.prev[next] = prev;
    orders.level[slot] = NIL;
    orders.prev[slot] = NIL;
    orders.next[slot] = NIL;
    levels.totalQuantity[level] -= orders.remaining[slot];
    if (--levels.orderCount[level] === 0) this.sideOf(orders.side[slot] as Side).remove(level);
  }

  /** Lowers a resting order's remaining quantity in place, keeping its queue position. */
  reduce(slot: number, quantity: number): void {
    this.orders.remaining[slot] -= quantity;
    this.levels.totalQuantity[this.orders.level[slot]] -= quantity;
  }

  bestPrice(side: Side): number {
    const level = this.sideOf(side).best();
    return level === NIL ? 0 : this.levels.priceCents[level];
  }
}
