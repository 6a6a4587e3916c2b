// Records that found a ring full, oldest first. A producer that must not drop nor reorder what it writes
// (the journal's records, the engine thread's answers, a gateway's JSON and HTTP requests) keeps them here
// and writes them, before anything newer, as the consumer makes room. A queue with a moving head: taking
// the oldest is O(1), where Array.shift() moves every record behind it.

export class Backlog<T> {
  private items: T[] = [];
  private head = 0;

  /** True when nothing waits: a producer may then write to the ring directly. */
  get isEmpty(): boolean {
    return this.head === this.items.length;
  }

  push(item: T): void {
    this.items.push(item);
  }

  /**
   * Offers the records to `write`, oldest first, until it says the ring is full (false) or none is left;
   * returns how many it took. Those are let go of at once (a long backlog must not hold its bytes until it
   * is empty).
   */
  drain(write: (item: T) => boolean): number {
    const start = this.head;
    while (this.head < this.items.length && write(this.items[this.head])) {
      this.items[this.head++] = undefined as T;
    }
    const taken = this.head - start;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    }
    return taken;
  }
}
