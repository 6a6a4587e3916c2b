// Orders by id, for ids that are command sequences (dense, increasing): arrays of 16,384 slots indexed by
// the id's high bits, instead of one Map. A Map of millions of entries rehashes everything each time it
// doubles (a pause of tens of milliseconds on the engine's thread); pages are allocated one at a time and
// never copied.
const PAGE_BITS = 14;
const PAGE_SLOTS = 1 << PAGE_BITS;
const SLOT_MASK = PAGE_SLOTS - 1;

export class OrderTable<T> {
  private readonly pages: Array<Array<T | undefined> | undefined> = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(id: number): T | undefined {
    return this.pages[Math.floor(id / PAGE_SLOTS)]?.[id & SLOT_MASK];
  }

  set(id: number, value: T): void {
    if (!Number.isSafeInteger(id) || id < 0) throw new RangeError(`order id must be a safe integer >= 0, got ${id}`);
    const pageIndex = Math.floor(id / PAGE_SLOTS);
    while (this.pages.length <= pageIndex) this.pages.push(undefined);
    let page = this.pages[pageIndex];
    if (page === undefined) this.pages[pageIndex] = page = new Array<T | undefined>(PAGE_SLOTS).fill(undefined);
    if (page[id & SLOT_MASK] === undefined) this.count++;
    page[id & SLOT_MASK] = value;
  }

  delete(id: number): void {
    const page = this.pages[Math.floor(id / PAGE_SLOTS)];
    if (page === undefined || page[id & SLOT_MASK] === undefined) return;
    page[id & SLOT_MASK] = undefined;
    this.count--;
  }

  /** Every value, in id order. */
  *values(): IterableIterator<T> {
    for (const page of this.pages) {
      if (page === undefined) continue;
      for (const value of page) if (value !== undefined) yield value;
    }
  }
}
