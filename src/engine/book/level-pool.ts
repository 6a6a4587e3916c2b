// Price levels as columns of typed arrays, shared by every book: a level is a FIFO queue of orders
// (head and tail into the order pool's intrusive links) with its price and total quantity.
import { NIL } from './order-pool.ts';

export class LevelPool {
  capacity = 0;
  priceCents = new Float64Array(0);
  totalQuantity = new Float64Array(0);
  orderCount = new Int32Array(0);
  head = new Int32Array(0);
  tail = new Int32Array(0);
  private nextFree = new Int32Array(0);
  private freeHead = NIL;
  used = 0;

  constructor(initialCapacity: number) {
    this.grow(initialCapacity);
  }

  allocate(priceCents: number): number {
    if (this.freeHead === NIL) this.grow(this.capacity * 2);
    const level = this.freeHead;
    this.freeHead = this.nextFree[level];
    this.used++;
    this.priceCents[level] = priceCents;
    this.totalQuantity[level] = 0;
    this.orderCount[level] = 0;
    this.head[level] = NIL;
    this.tail[level] = NIL;
    return level;
  }

  free(level: number): void {
    this.nextFree[level] = this.freeHead;
    this.freeHead = level;
    this.used--;
  }

  private grow(newCapacity: number): void {
    const old = this.capacity;
    const f64 = (array: Float64Array): Float64Array<ArrayBuffer> => {
      const bigger = new Float64Array(newCapacity);
      bigger.set(array);
      return bigger;
    };
    const i32 = (array: Int32Array): Int32Array<ArrayBuffer> => {
      const bigger = new Int32Array(newCapacity);
      bigger.set(array);
      return bigger;
    };
    this.priceCents = f64(this.priceCents);
    this.totalQuantity = f64(this.totalQuantity);
    this.orderCount = i32(this.orderCount);
    this.head = i32(this.head);
    this.tail = i32(this.tail);
    this.nextFree = i32(this.nextFree);
    for (let level = newCapacity - 1; level >= old; level--) {
      this.nextFree[level] = this.freeHead;
      this.freeHead = level;
    }
    this.capacity = newCapacity;
  }
}
