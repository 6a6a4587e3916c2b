// The answer stage's bookkeeping on a gateway thread: each burst's answers are observed once each, at the
// time they were written, against the time their burst was published.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { AnswerLatency } from '../../../src/gateway/binary/answer-latency.ts';
import { LatencyBuckets } from '../../../src/ops/index.ts';

describe('answer latency', () => {
  it('observes every answer once, with its own burst\'s publish time, whatever the reads and writes interleave', () => {
    // Steps: an answer read, a burst's end (published `ago` ms before the write), or a write to the sockets.
    const step = fc.oneof(fc.constant({ kind: 'answer' as const, ago: 0 }), fc.nat(3000).map((ago) => ({ kind: 'published' as const, ago })), fc.constant({ kind: 'written' as const, ago: 0 }));
    fc.assert(fc.property(fc.array(step, { maxLength: 300 }), (steps) => {
      const nowMs = 1_000_000;
      const latency = new AnswerLatency();
      const model = new LatencyBuckets();
      let unmarked = 0;
      let pending: Array<[number, number]> = [];
      for (const { kind, ago } of steps) {
        if (kind === 'answer') {
          latency.answer();
          unmarked++;
        } else if (kind === 'published') {
          latency.published(nowMs - ago);
          if (unmarked > 0) pending.push([ago, unmarked]);
          unmarked = 0;
        } else {
          latency.written(nowMs);
          for (const [agoMs, answers] of pending) for (let i = 0; i < answers; i++) model.observe(agoMs / 1000);
          pending = [];
        }
      }
      assert.deepEqual([...latency.buckets.counts], [...model.counts]);
      assert.equal(latency.buckets.count, model.count);
      assert.ok(Math.abs(latency.buckets.sumSeconds - model.sumSeconds) < 1e-6);
    }));
  });
});
