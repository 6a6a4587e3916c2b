// orderId -> pool slot, as an open-addressing hash table over typed arrays (linear probing, deletion by
// backward shift, so no tombstones ever slow lookups down). About 24 bytes per order at half load.
import { NIL } from './order-pool.ts';

const EMPTY = 0; // order ids start at 1

export class OrderIndex {
  private keys: Float64Array;
  private slots: Int32Array;
  private mask: number;
  size = 0;

  constructor(initialCapacity: number) {
    let capacity = 16;
    while (capacity < initialCapacity * 2) capacity *= 2;
    this.keys = new Float64Array(capacity);
    this.slots = new Int32Array(capacity);
    this.mask = capacity - 1;
  }

  private home(orderId: number): number {
    const low = orderId >>> 0;
    const high = (orderId / 0x1_0000_0000) | 0;
    return (Math.imul(low ^ Math.imul(high, 0x85ebca6b), 0x9e3779b1) >>> 0) & this.mask;
  }

  get(orderId: number): number {
    let i = this.home(orderId);
    for (;;) {
      const key = this.keys[i];
      if (key === orderId) return this.slots[i];
      if (key === EMPTY) return NIL;
      i = (i + 1) & this.mask;
    }
  }

  set(orderId: number, slot: number): void {
    if ((this.size + 1) * 2 > this.keys.length) this.rehash(this.keys.length * 2);
    let i = this.home(orderId);
    for (;;) {
      const key = this.keys[i];
      if (key === EMPTY) {
        this.keys[i] = orderId;
        this.slots[i] = slot;
        this.size++;
        return;
      }
      if (key === orderId) {
        this.slots[i] = slot;
        return;
      }
      i = (i + 1) & this.mask;
    }
  }

  delete(orderId: number): void {
    let i = this.home(orderId);
    for (;;) {
      const key = this.keys[i];
      if (key === EMPTY) return;
      if (key === orderId) break;
      i = (i + 1) & this.mask;
    }
    // Backward-shift: pull later entries of the probe run into the hole when their home allows it.
    let hole = i;
    let j = (i + 1) & this.mask;
    for (;;) {
      const key = this.keys[j];
      if (key === EMPTY) break;
      const home = this.home(key);
      const distanceToHole = (hole - home) & this.mask;
      const distanceToJ = (j - home) & this.mask;
      if (distanceToHole < distanceToJ) {
        this.keys[hole] = key;
        this.slots[hole] = this.slots[j];
        hole = j;
      }
      j = (j + 1) & this.mask;
    }
    this.keys[hole] = EMPTY;
    this.size--;
  }

  private rehash(capacity: number): void {
    const oldKeys = this.keys;
    const oldSlots = this.slots;
    this.keys = new Float64Array(capacity);
    this.slots = new Int32Array(capacity);
    this.mask = capacity - 1;
    this.size = 0;
    for (let i = 0; i < oldKeys.length; i++) {
      if (oldKeys[i] !== EMPTY) this.set(oldKeys[i], oldSlots[i]);
    }
  }
}
