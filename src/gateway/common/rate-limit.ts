// Token-bucket rate limiting, one bucket per key (an API key, an IP address). A bucket holds at most
// `burst` tokens and gains `ratePerSecond` tokens a second; a request takes `cost` tokens or is refused
// with the whole seconds to wait (for Retry-After). A refused request takes nothing.
//
// Memory is bounded by `maxKeys`. The buckets live in a Map kept in least-recently-used order (a take
// moves its key to the end). When a new key arrives and the map is full, the least recently used bucket is
// evicted. Usually that bucket has been idle long enough to be full again, and a full bucket is the same
// as no bucket, so nothing is lost; if every bucket is busy, the evicted key merely starts again with a
// full burst when it comes back. `prune()` drops every bucket that has refilled completely, for a periodic
// sweep that keeps the map small between bursts of new keys.
//
// The clock is injected (ms, e.g. Date.now or performance.now); a clock that steps back adds no tokens.

export interface TokenBucketOptions {
  /** Tokens added per second (the sustained request rate). > 0. */
  ratePerSecond: number;
  /** Bucket capacity (the largest burst). >= 1. */
  burst: number;
  /** Most buckets kept at once; default 100,000. */
  maxKeys?: number;
  /** Milliseconds, monotonic preferably. */
  clock: () => number;
}

export type TakeResult = { allowed: true } | { allowed: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  updatedMs: number;
}

/** Absorbs float drift from many small refills (0.1 added ten times is 0.9999999999999999). */
const EPSILON = 1e-9;
const ALLOWED: TakeResult = Object.freeze({ allowed: true });

export class TokenBucketLimiter {
  readonly ratePerSecond: number;
  readonly burst: number;
  readonly maxKeys: number;
  private readonly clock: () => number;
  private readonly buckets = new Map<string, Bucket>();
  /** Time for an empty bucket to fill up, ms. */
  private readonly fillMs: number;

  constructor(options: TokenBucketOptions) {
    const { ratePerSecond, burst, maxKeys = 100_000, clock } = options;
    if (!(Number.isFinite(ratePerSecond) && ratePerSecond > 0)) {
      throw new RangeError(`rate limit: ratePerSecond must be a finite number > 0, got ${String(ratePerSecond)}`);
    }
    if (!(Number.isFinite(burst) && burst >= 1)) {
      throw new RangeError(`rate limit: burst must be a finite number >= 1, got ${String(burst)}`);
    }
    if (!(Number.isSafeInteger(maxKeys) && maxKeys >= 1)) {
      throw new RangeError(`rate limit: maxKeys must be an integer >= 1, got ${String(maxKeys)}`);
    }
    this.ratePerSecond = ratePerSecond;
    this.burst = burst;
    this.maxKeys = maxKeys;
    this.clock = clock;
    this.fillMs = (burst / ratePerSecond) * 1000;
  }

  /** Number of buckets currently kept. */
  get size(): number {
    return this.buckets.size;
  }

  /** Takes `cost` tokens from `key`'s bucket, or says how many whole seconds until there are enough. */
  take(key: string, cost = 1): TakeResult {
    if (!(Number.isFinite(cost) && cost > 0 && cost <= this.burst)) {
      throw new RangeError(`rate limit: cost must be > 0 and <= burst (${this.burst}), got ${String(cost)}`);
    }
    const now = this.clock();
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      if (this.buckets.size >= this.maxKeys) this.evictOne();
      bucket = { tokens: this.burst, updatedMs: now };
    } else {
      this.buckets.delete(key); // re-inserted below: most recently used goes last
      this.refill(bucket, now);
    }
    this.buckets.set(key, bucket);

    if (bucket.tokens + EPSILON >= cost) {
      bucket.tokens = Math.max(0, bucket.tokens - cost);
      return ALLOWED;
    }
    const waitSeconds = (cost - bucket.tokens) / this.ratePerSecond;
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitSeconds)) };
  }

  /** Drops every bucket that has refilled completely (equivalent to having none); returns how many. */
  prune(): number {
    const now = this.clock();
    let dropped = 0;
    for (const [key, bucket] of this.buckets) {
      this.refill(bucket, now);
      if (bucket.tokens + EPSILON >= this.burst) {
        this.buckets.delete(key);
        dropped++;
      }
    }
    return dropped;
  }

  /** Forgets a key (its next request starts with a full burst). */
  reset(key: string): void {
    this.buckets.delete(key);
  }

  private refill(bucket: Bucket, now: number): void {
    const elapsed = now - bucket.updatedMs;
    if (elapsed > 0) {
      bucket.tokens = elapsed >= this.fillMs ? this.burst : Math.min(this.burst, bucket.tokens + (elapsed * this.ratePerSecond) / 1000);
      bucket.updatedMs = now;
    } else if (elapsed < 0) {
      bucket.updatedMs = now; // clock stepped back: no tokens, restart the count from here
    }
  }

  private evictOne(): void {
    const oldest = this.buckets.keys().next();
    if (!oldest.done) this.buckets.delete(oldest.value);
  }
}
