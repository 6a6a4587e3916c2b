// One side of one book: its levels in a sorted array of level ids with the best level LAST, so the
// busy end (the touch) is where inserts and removals move the fewest entries, and the best level is
// one read away. Lookups by price are binary searches.
import type { LevelPool } from './level-pool.ts';
import { NIL } from './order-pool.ts';

export class BookSide {
  /** Level ids; prices ascending for bids and descending for asks, so the best is at size - 1. */
  levels: Int32Array = new Int32Array(64);
  size = 0;
  private readonly levelPool: LevelPool;
  /** +1 for bids (higher is better), -1 for asks (lower is better). */
  readonly direction: 1 | -1;

  constructor(levelPool: LevelPool, isBid: boolean) {
    this.levelPool = levelPool;
    this.direction = isBid ? 1 : -1;
  }

  best(): number {
    return this.size === 0 ? NIL : this.levels[this.size - 1];
  }

  /** Index of the first entry whose price is not worse than `priceCents` (insertion point). */
  private lowerBound(priceCents: number): number {
    const prices = this.levelPool.priceCents;
    const key = priceCents * this.direction;
    let low = 0;
    let high = this.size;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (prices[this.levels[mid]] * this.direction < key) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  find(priceCents: number): number {
    const index = this.lowerBound(priceCents);
    if (index < this.size) {
      const level = this.levels[index];
      if (this.levelPool.priceCents[level] === priceCents) return level;
    }
    return NIL;
  }

  /** The level at this price, created (empty) when there is none. */
  findOrCreate(priceCents: number): number {
    const index = this.lowerBound(priceCents);
    if (index < this.size) {
      const level = this.levels[index];
      if (this.levelPool.priceCents[level] === priceCents) return level;
    }
    if (this.size === this.levels.length) {
      const bigger = new Int32Array(this.levels.length * 2);
      bigger.set(this.levels);
      this.levels = bigger;
    }
    this.levels.copyWithin(index + 1, index, this.size);
    const level = this.levelPool.allocate(priceCents);
    this.levels[index] = level;
    this.size++;
    return level;
  }

  /** Removes an (empty) level from the side and returns it to the pool. */
  remove(level: number): void {
    let index: number;
    if (this.size > 0 && this.levels[this.size - 1] === level) index = this.size - 1;
    else index = this.lowerBound(this.levelPool.priceCents[level]);
    this.levels.copyWithin(index, index + 1, this.size);
    this.size--;
    this.levelPool.free(level);
  }

  /** The i-th best level (0 = best), or NIL. */
  levelAt(rank: number): number {
    return rank < this.size ? this.levels[this.size - 1 - rank] : NIL;
  }
}
