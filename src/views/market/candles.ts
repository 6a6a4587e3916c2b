// Candlesticks per resolution for one symbol, kept in fixed-size rings: bounded memory, and a trade
// updates the current candle in place (a new bucket reuses the oldest slot).
export const RESOLUTIONS = { '1m': 60_000, '5m': 300_000, '15m': 900_000, '1h': 3_600_000, '1d': 86_400_000 } as const;
export type Resolution = keyof typeof RESOLUTIONS;
export const RESOLUTION_NAMES = Object.keys(RESOLUTIONS) as Resolution[];

export interface Candle {
  timeMs: number;
  openCents: number;
  highCents: number;
  lowCents: number;
  closeCents: number;
  volume: number;
}

export class CandleRing {
  private readonly timeMs: Float64Array;
  private readonly open: Float64Array;
  private readonly high: Float64Array;
  private readonly low: Float64Array;
  private readonly close: Float64Array;
  private readonly volume: Float64Array;
  /** Candles held, and the slot of the newest. */
  count = 0;
  private newest = -1;

  /** Called with the oldest candle just before a new one overwrites it. */
  onEvict: (candle: Candle) => void = () => {};

  constructor(readonly intervalMs: number, readonly capacity: number) {
    this.timeMs = new Float64Array(capacity);
    this.open = new Float64Array(capacity);
    this.high = new Float64Array(capacity);
    this.low = new Float64Array(capacity);
    this.close = new Float64Array(capacity);
    this.volume = new Float64Array(capacity);
  }

  /** Adds a trade; returns the slot of the candle it went into. */
  trade(timeMs: number, priceCents: number, quantity: number): number {
    const bucketMs = Math.floor(timeMs / this.intervalMs) * this.intervalMs;
    const slot = this.newest;
    if (slot >= 0 && this.timeMs[slot] === bucketMs) {
      if (priceCents > this.high[slot]) this.high[slot] = priceCents;
      if (priceCents < this.low[slot]) this.low[slot] = priceCents;
      this.close[slot] = priceCents;
      this.volume[slot] += quantity;
      return slot;
    }
    // Sequencer time never goes backwards, so a trade is never older than the newest candle.
    const next = (this.newest + 1) % this.capacity;
    if (this.count === this.capacity) this.onEvict(this.at(next));
    this.newest = next;
    if (this.count < this.capacity) this.count++;
    this.timeMs[next] = bucketMs;
    this.open[next] = this.high[next] = this.low[next] = this.close[next] = priceCents;
    this.volume[next] = quantity;
    return next;
  }

  /** Time of the oldest candle held, Infinity when empty. */
  oldestTimeMs(): number {
    return this.count === 0 ? Infinity : this.timeMs[(this.newest - this.count + 1 + this.capacity) % this.capacity];
  }

  latest(): Candle | null {
    return this.newest < 0 ? null : this.at(this.newest);
  }

  /** The newest candle's volume (0 when there is none), without building a Candle. */
  latestVolume(): number {
    return this.newest < 0 ? 0 : this.volume[this.newest];
  }

  at(slot: number): Candle {
    return {
      timeMs: this.timeMs[slot], openCents: this.open[slot], highCents: this.high[slot], lowCents: this.low[slot],
      closeCents: this.close[slot], volume: this.volume[slot],
    };
  }

  /** Candles with startMs <= time <= endMs, oldest first. */
  range(startMs: number, endMs: number): Candle[] {
    const out: Candle[] = [];
    for (let i = this.count - 1; i >= 0; i--) {
      const slot = (this.newest - i + this.capacity) % this.capacity;
      const time = this.timeMs[slot];
      if (time >= startMs && time <= endMs) out.push(this.at(slot));
    }
    return out;
  }

  all(): Candle[] {
    return this.range(-Infinity, Infinity);
  }

  /** Rebuilds from candles oldest first (a snapshot). */
  load(candles: Candle[]): void {
    for (const candle of candles) {
      const next = (this.newest + 1) % this.capacity;
      if (this.count === this.capacity) this.onEvict(this.at(next));
      this.newest = next;
      if (this.count < this.capacity) this.count++;
      this.timeMs[next] = candle.timeMs;
      this.open[next] = candle.openCents;
      this.high[next] = candle.highCents;
      this.low[next] = candle.lowCents;
      this.close[next] = candle.closeCents;
      this.volume[next] = candle.volume;
    }
  }
}
