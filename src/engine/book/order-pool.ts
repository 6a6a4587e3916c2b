// Orders as columns of typed arrays: one slot per live order, reused through a free list, so adding,
// filling and canceling orders allocates nothing once the pool is warm and the GC has nothing to trace.
// ~64 bytes per slot.
import type { OrderType, Side, TimeInForce } from '../types.ts';

export const NIL = -1;

export class OrderPool {
  capacity: number;
  orderId: Float64Array;
  accountId: Int32Array;
  symbolId: Int32Array;
  side: Uint8Array;
  orderType: Uint8Array;
  timeInForce: Uint8Array;
  postOnly: Uint8Array;
  /** Limit price; for a market order, the band edge it may sweep to. */
  priceCents: Float64Array;
  /** Total quantity, filled part included. */
  quantity: Float64Array;
  remaining: Float64Array;
  creationTimeMs: Float64Array;
  /** Neighbours in the price level's FIFO queue; `next` doubles as the free-list link. */
  prev: Int32Array;
  next: Int32Array;
  /** The level the order rests in, or NIL while it is not on the book. */
  level: Int32Array;
  private freeHead = NIL;
  /** Slots in use. */
  used = 0;

  constructor(initialCapacity: number) {
    this.capacity = 0;
    this.orderId = new Float64Array(0);
    this.accountId = new Int32Array(0);
    this.symbolId = new Int32Array(0);
    this.side = new Uint8Array(0);
    this.orderType = new Uint8Array(0);
    this.timeInForce = new Uint8Array(0);
    this.postOnly = new Uint8Array(0);
    this.priceCents = new Float64Array(0);
    this.quantity = new Float64Array(0);
    this.remaining = new Float64Array(0);
    this.creationTimeMs = new Float64Array(0);
    this.prev = new Int32Array(0);
    this.next = new Int32Array(0);
    this.level = new Int32Array(0);
    this.grow(initialCapacity);
  }

  allocate(
    orderId: number,
    accountId: number,
    symbolId: number,
    side: Side,
    orderType: OrderType,
    timeInForce: TimeInForce,
    postOnly: boolean,
    priceCents: number,
    quantity: number,
    creationTimeMs: number,
  ): number {
    if (this.freeHead === NIL) this.grow(this.capacity * 2);
    const slot = this.freeHead;
    this.freeHead = this.next[slot];
    this.used++;
    this.orderId[slot] = orderId;
    this.accountId[slot] = accountId;
    this.symbolId[slot] = symbolId;
    this.side[slot] = side;
    this.orderType[slot] = orderType;
    this.timeInForce[slot] = timeInForce;
    this.postOnly[slot] = postOnly ? 1 : 0;
    this.priceCents[slot] = priceCents;
    this.quantity[slot] = quantity;
    this.remaining[slot] = quantity;
    this.creationTimeMs[slot] = creationTimeMs;
    this.prev[slot] = NIL;
    this.next[slot] = NIL;
    this.level[slot] = NIL;
    return slot;
  }

  free(slot: number): void {
    this.orderId[slot] = 0;
    this.level[slot] = NIL;
    this.next[slot] = this.freeHead;
    this.freeHead = slot;
    this.used--;
  }

  private grow(newCapacity: number): void {
    const old = this.capacity;
    const copy = <T extends Float64Array | Int32Array | Uint8Array>(array: T, make: (n: number) => T): T => {
      const bigger = make(newCapacity);
      bigger.set(array);
      return bigger;
    };
    this.orderId = copy(this.orderId, (n) => new Float64Array(n));
    this.accountId = copy(this.accountId, (n) => new Int32Array(n));
    this.symbolId = copy(this.symbolId, (n) => new Int32Array(n));
    this.side = copy(this.side, (n) => new Uint8Array(n));
    this.orderType = copy(this.orderType, (n) => new Uint8Array(n));
    this.timeInForce = copy(this.timeInForce, (n) => new Uint8Array(n));
    this.postOnly = copy(this.postOnly, (n) => new Uint8Array(n));
    this.priceCents = copy(this.priceCents, (n) => new Float64Array(n));
    this.quantity = copy(this.quantity, (n) => new Float64Array(n));
    this.remaining = copy(this.remaining, (n) => new Float64Array(n));
    this.creationTimeMs = copy(this.creationTimeMs, (n) => new Float64Array(n));
    this.prev = copy(this.prev, (n) => new Int32Array(n));
    this.next = copy(this.next, (n) => new Int32Array(n));
    this.level = copy(this.level, (n) => new Int32Array(n));
    // Thread the new slots onto the free list, lowest first, ahead of any free slots left.
    for (let slot = newCapacity - 1; slot >= old; slot--) {
      this.next[slot] = this.freeHead;
      this.freeHead = slot;
    }
    this.capacity = newCapacity;
  }
}
