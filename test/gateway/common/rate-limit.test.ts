import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TokenBucketLimiter } from '../../../src/gateway/common/index.ts';

function fakeClock(start = 1_000_000): { now: () => number; advance: (ms: number) => void; set: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms), set: (ms) => (t = ms) };
}

describe('TokenBucketLimiter', () => {
  it('allows a burst, then refuses with Retry-After', () => {
    const clock = fakeClock();
    const limiter = new TokenBucketLimiter({ ratePerSecond: 10, burst: 5, clock: clock.now });
    for (let i = 0; i < 5; i++) assert.deepEqual(limiter.take('k'), { allowed: true }, `request ${i}`);
    assert.deepEqual(limiter.take('k'), { allowed: false, retryAfterSeconds: 1 });
    // a refusal takes nothing: still refused, still 1 s
    assert.deepEqual(limiter.take('k'), { allowed: false, retryAfterSeconds: 1 });
  });

  it('refills at the rate, never above the burst', () => {
    const clock = fakeClock();
    const limiter = new TokenBucketLimiter({ ratePerSecond: 10, burst: 5, clock: clock.now });
    for (let i = 0; i < 5; i++) limiter.take('k');
    clock.advance(99);
    assert.equal(limiter.take('k').allowed, false);
    clock.advance(1); // 100 ms = one token
    assert.equal(limiter.take('k').allowed, true);
    assert.equal(limiter.take('k').allowed, false);
    clock.advance(60_000); // long idle: full burst again, not 600 tokens
    for (let i = 0; i < 5; i++) assert.equal(limiter.take('k').allowed, true);
    assert.equal(limiter.take('k').allowed, false);
  });

  it('adds up many small refills exactly enough (no float drift)', () => {
    const clock = fakeClock();
    const limiter = new TokenBucketLimiter({ ratePerSecond: 10, burst: 1, clock: clock.now });
    assert.equal(limiter.take('k').allowed, true);
    for (let i = 0; i < 9; i++) {
      clock.advance(10);
      assert.equal(limiter.take('k').allowed, false, `after ${(i + 1) * 10} ms`);
    }
    clock.advance(10);
    assert.equal(limiter.take('k').allowed, true);
  });

  it('retryAfterSeconds is the whole seconds until enough tokens, at least 1', () => {
    const clock = fakeClock();
    const slow = new TokenBucketLimiter({ ratePerSecond: 0.25, burst: 2, clock: clock.now });
    slow.take('k');
    slow.take('k');
    assert.deepEqual(slow.take('k'), { allowed: false, retryAfterSeconds: 4 });
    clock.advance(1500); // 0.375 tokens; 0.625 missing = 2.5 s
    assert.deepEqual(slow.take('k'), { allowed: false, retryAfterSeconds: 3 });
    clock.advance(2500);
    assert.deepEqual(slow.take('k'), { allowed: true });
    const fast = new TokenBucketLimiter({ ratePerSecond: 1000, burst: 1, clock: clock.now });
    fast.take('k');
    assert.deepEqual(fast.take('k'), { allowed: false, retryAfterSeconds: 1 });
  });

  it('honours cost', () => {
    const clock = fakeClock();
    const limiter = new TokenBucketLimiter({ ratePerSecond: 1, burst: 10, clock: clock.now });
    assert.equal(limiter.take('k', 7).allowed, true);
    assert.deepEqual(limiter.take('k', 5), { allowed: false, retryAfterSeconds: 2 });
    assert.equal(limiter.take('k', 3).allowed, true);
    assert.throws(() => limiter.take('k', 11), RangeError);
    assert.throws(() => limiter.take('k', 0), RangeError);
  });

  it('keeps keys apart', () => {
    const clock = fakeClock();
    const limiter = new TokenBucketLimiter({ ratePerSecond: 1, burst: 1, clock: clock.now });
    assert.equal(limiter.take('a').allowed, true);
    assert.equal(limiter.take('a').allowed, false);
    assert.equal(limiter.take('b').allowed, true);
  });

  it('a clock stepping back adds no tokens', () => {
    const clock = fakeClock(10_000);
    const limiter = new TokenBucketLimiter({ ratePerSecond: 1, burst: 1, clock: clock.now });
    limiter.take('k');
    clock.set(5_000);
    assert.equal(limiter.take('k').allowed, false);
    clock.advance(1000);
    assert.equal(limiter.take('k').allowed, true);
  });

  it('bounds memory by evicting the least recently used bucket', () => {
    const clock = fakeClock();
    const limiter = new TokenBucketLimiter({ ratePerSecond: 1, burst: 1, maxKeys: 3, clock: clock.now });
    limiter.take('a');
    limiter.take('b');
    limiter.take('c');
    limiter.take('a'); // a is now the most recent; b is the least recent
    limiter.take('d'); // evicts b
    assert.equal(limiter.size, 3);
    assert.equal(limiter.take('a').allowed, false, 'a kept its (empty) bucket');
    assert.equal(limiter.take('c').allowed, false, 'c kept its bucket');
    assert.equal(limiter.take('b').allowed, true, 'b was evicted and starts full');
    for (let i = 0; i < 10_000; i++) limiter.take(`ip-${i}`);
    assert.equal(limiter.size, 3);
  });

  it('prune drops full buckets only', () => {
    const clock = fakeClock();
    const limiter = new TokenBucketLimiter({ ratePerSecond: 1, burst: 2, clock: clock.now });
    limiter.take('a');
    clock.advance(1000);
    limiter.take('b', 2);
    assert.equal(limiter.prune(), 1); // a is full again, b is empty
    assert.equal(limiter.size, 1);
    assert.equal(limiter.take('b').allowed, false);
    limiter.reset('b');
    assert.equal(limiter.take('b').allowed, true);
  });

  it('validates its options', () => {
    const clock = fakeClock();
    assert.throws(() => new TokenBucketLimiter({ ratePerSecond: 0, burst: 1, clock: clock.now }), RangeError);
    assert.throws(() => new TokenBucketLimiter({ ratePerSecond: 1, burst: 0.5, clock: clock.now }), RangeError);
    assert.throws(() => new TokenBucketLimiter({ ratePerSecond: 1, burst: 1, maxKeys: 0, clock: clock.now }), RangeError);
    assert.throws(() => new TokenBucketLimiter({ ratePerSecond: Number.NaN, burst: 1, clock: clock.now }), RangeError);
  });
});
