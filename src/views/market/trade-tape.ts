// The last N trades of one symbol in a fixed ring of columns: a trade costs five stores and no object, so
// the tape never hands the garbage collector thousands of medium-lived objects a second. Objects are made
// only when someone reads the tape.
import type { Side } from '../../engine/index.ts';

export interface TradeView {
  tradeId: number;
  priceCents: number;
  quantity: number;
  aggressorSide: Side;
  timeMs: number;
}

export class TradeTape {
  private readonly tradeId: Float64Array;
  private readonly priceCents: Float64Array;
  private readonly quantity: Float64Array;
  private readonly timeMs: Float64Array;
  private readonly aggressorSide: Uint8Array;
  /** Trades held, and the slot the next one goes into. */
  private count = 0;
  private next = 0;

  constructor(readonly capacity: number) {
    this.tradeId = new Float64Array(capacity);
    this.priceCents = new Float64Array(capacity);
    this.quantity = new Float64Array(capacity);
    this.timeMs = new Float64Array(capacity);
    this.aggressorSide = new Uint8Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  add(tradeId: number, priceCents: number, quantity: number, aggressorSide: Side, timeMs: number): void {
    const slot = this.next;
    this.tradeId[slot] = tradeId;
    this.priceCents[slot] = priceCents;
    this.quantity[slot] = quantity;
    this.aggressorSide[slot] = aggressorSide;
    this.timeMs[slot] = timeMs;
    this.next = (slot + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  /** The i-th newest trade (0 = the newest); i < size. */
  newest(i: number): TradeView {
    const slot = (this.next - 1 - i + 2 * this.capacity) % this.capacity;
    return {
      tradeId: this.tradeId[slot], priceCents: this.priceCents[slot], quantity: this.quantity[slot],
      aggressorSide: this.aggressorSide[slot] as Side, timeMs: this.timeMs[slot],
    };
  }

  /** At most `limit` trades, newest first. */
  recent(limit: number): TradeView[] {
    const out: TradeView[] = [];
    for (let i = 0; i < Math.min(limit, this.count); i++) out.push(this.newest(i));
    return out;
  }

  /** Every trade held, oldest first (snapshots). */
  all(): TradeView[] {
    return this.recent(this.count).reverse();
  }

  /** Replaces the tape with `trades` (oldest first); only the newest `capacity` are kept. */
  load(trades: readonly TradeView[]): void {
    this.count = 0;
    this.next = 0;
    for (const t of trades) this.add(t.tradeId, t.priceCents, t.quantity, t.aggressorSide, t.timeMs);
  }
}
