// The stage histogram: bucket counts from another thread and values observed here add up, and the scrape
// shows them as a Prometheus histogram (cumulative buckets, +Inf, sum, count) per stage; and the counts'
// bytes, the one layout they cross threads in; and the clock read once per synchronous run.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BinaryReader, BinaryWriter, CodecError } from '../../src/codec/index.ts';
import { burstNowMs, epochNowMs, LatencyBuckets, Metrics, readStageCounts, STAGE_BUCKETS_SECONDS, writeStageCounts } from '../../src/ops/index.ts';

function sample(text: string, line: string): number {
  const found = text.split('\n').find((l) => l.startsWith(line + ' '));
  assert.ok(found, `no line ${line} in the scrape`);
  return Number(found.slice(line.length + 1));
}

describe('stage latency', () => {
  it('LatencyBuckets puts each value in the first bucket whose bound it does not exceed', () => {
    const buckets = new LatencyBuckets();
    for (const seconds of [0, 0.0001, 0.00011, 0.003, 2.5, 7, -1]) buckets.observe(seconds);
    const expected = new Array(STAGE_BUCKETS_SECONDS.length + 1).fill(0);
    expected[0] = 3; // 0, the bound itself, and a negative clock difference counted as 0
    expected[1] = 1;
    expected[STAGE_BUCKETS_SECONDS.indexOf(0.005)] = 1;
    expected[STAGE_BUCKETS_SECONDS.indexOf(2.5)] = 1;
    expected[STAGE_BUCKETS_SECONDS.length] = 1;
    assert.deepEqual([...buckets.counts], expected);
    assert.equal(buckets.count, 7);
    assert.ok(Math.abs(buckets.sumSeconds - 9.50321) < 1e-9);
  });

  it('counts sent from another thread and values observed here are scraped as one histogram per stage', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    const remote = new LatencyBuckets();
    remote.observe(0.0004);
    remote.observe(0.03);
    metrics.stageSeconds.add('durable', remote.counts, remote.sumSeconds);
    metrics.stageSeconds.add('durable', remote.counts, remote.sumSeconds);
    metrics.stageSeconds.observe('stream', 0.00005);
    const text = await metrics.scrape();
    assert.match(text, /# TYPE exchange_stage_seconds histogram/);
    assert.equal(sample(text, 'exchange_stage_seconds_bucket{le="0.0002",stage="durable"}'), 0);
    assert.equal(sample(text, 'exchange_stage_seconds_bucket{le="0.0005",stage="durable"}'), 2);
    assert.equal(sample(text, 'exchange_stage_seconds_bucket{le="0.02",stage="durable"}'), 2);
    assert.equal(sample(text, 'exchange_stage_seconds_bucket{le="0.05",stage="durable"}'), 4);
    assert.equal(sample(text, 'exchange_stage_seconds_bucket{le="+Inf",stage="durable"}'), 4);
    assert.equal(sample(text, 'exchange_stage_seconds_count{stage="durable"}'), 4);
    assert.ok(Math.abs(sample(text, 'exchange_stage_seconds_sum{stage="durable"}') - 0.0608) < 1e-9);
    assert.equal(sample(text, 'exchange_stage_seconds_bucket{le="0.0001",stage="stream"}'), 1);
    assert.equal(sample(text, 'exchange_stage_seconds_count{stage="stream"}'), 1);
  });

  it('counts cross threads as bytes and add up on the other side to what was observed, sum within a microsecond', () => {
    const seconds = fc.double({ min: 0, max: 5, noNaN: true });
    fc.assert(fc.property(fc.array(seconds, { maxLength: 200 }), fc.array(seconds, { maxLength: 20 }), fc.nat(7), (sent, already, padding) => {
      const buckets = new LatencyBuckets();
      for (const value of sent) buckets.observe(value);
      const writer = new BinaryWriter(16);
      for (let i = 0; i < padding; i++) writer.u8(0xee); // not at the buffer's start
      writeStageCounts(buckets, writer);
      const bytes = writer.bytes();
      const received = new LatencyBuckets();
      for (const value of already) received.observe(value);
      const expected = new LatencyBuckets();
      for (const value of [...already, ...sent]) expected.observe(value);
      const reader = new BinaryReader(new Uint8Array(0)).window(bytes, padding, bytes.length);
      const { counts, sumSeconds } = readStageCounts(reader);
      received.add(counts, sumSeconds);
      assert.equal(reader.remaining, 0);
      assert.deepEqual([...received.counts], [...expected.counts]);
      assert.equal(received.count, expected.count);
      assert.ok(Math.abs(received.sumSeconds - expected.sumSeconds) <= 1e-6 + 1e-12 * expected.sumSeconds);
    }));
  });

  it('burstNowMs is read once per synchronous run: the same within it, read again after it', async () => {
    const waitForClock = (afterMs: number): void => {
      while (epochNowMs() < afterMs + 2); // the clock moves on inside the run
    };
    const first = burstNowMs();
    waitForClock(first);
    assert.equal(burstNowMs(), first);
    await Promise.resolve();
    const second = burstNowMs();
    assert.ok(second >= first + 2, `a new run reads the clock again (${first} then ${second})`);
    waitForClock(second);
    assert.equal(burstNowMs(), second);
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(burstNowMs() >= second + 2);
  });

  it('refuses counts with another bucket count or cut short', () => {
    const buckets = new LatencyBuckets();
    buckets.observe(0.003);
    const writer = new BinaryWriter();
    writeStageCounts(buckets, writer);
    const bytes = writer.bytes().slice();
    assert.throws(() => readStageCounts(new BinaryReader(bytes.subarray(0, bytes.length - 1))), CodecError);
    new DataView(bytes.buffer).setUint16(0, STAGE_BUCKETS_SECONDS.length, true);
    assert.throws(() => readStageCounts(new BinaryReader(bytes)), /stage counts with 14 buckets; this build has 15/);
  });
});
