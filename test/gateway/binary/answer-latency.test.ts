// The answer stage's bookkeeping on a gateway thread: each burst's answers are observed once each, at the
// time they were written, against the time their burst was published; and the counts cross to the engine
// thread as bytes without change.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { addStageCounts, AnswerLatency, encodeStageCounts, STAGE_COUNTS_BYTES } from '../../../src/gateway/binary/answer-latency.ts';
import { LatencyBuckets, STAGE_BUCKETS_SECONDS } from '../../../src/ops/index.ts';

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

  it('counts cross to the engine thread as bytes and add up there; another layout is refused', () => {
    const sent = new LatencyBuckets();
    for (const seconds of [0.00005, 0.0003, 0.0003, 0.004, 9]) sent.observe(seconds);
    const bytes = new Uint8Array(STAGE_COUNTS_BYTES + 3).subarray(3); // not at the buffer's start
    encodeStageCounts(sent, bytes);
    const received = new LatencyBuckets();
    received.observe(0.0003);
    const view = new DataView(bytes.buffer);
    assert.equal(addStageCounts(view, 3, STAGE_COUNTS_BYTES, received), true);
    const expected = [...sent.counts];
    expected[STAGE_BUCKETS_SECONDS.indexOf(0.0005)]++;
    assert.deepEqual([...received.counts], expected);
    assert.equal(received.count, 6);
    assert.ok(Math.abs(received.sumSeconds - (sent.sumSeconds + 0.0003)) < 1e-12);
    assert.equal(addStageCounts(view, 3, STAGE_COUNTS_BYTES - 8, received), false);
    view.setUint16(3, STAGE_BUCKETS_SECONDS.length, true);
    assert.equal(addStageCounts(view, 3, STAGE_COUNTS_BYTES, received), false);
    assert.equal(received.count, 6, 'nothing added from a refused body');
  });
});
