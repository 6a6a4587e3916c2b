// The released stream's records round-trip, in order, also when the ring is too small for a burst (the
// rest waits in the writer's backlog until the reader makes room).
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { SpscRing } from '../../src/bus/index.ts';
import { CommandKind, EventKind, OrderType, Side, TimeInForce } from '../../src/engine/index.ts';
import { readStreamRecord, ReleasedStreamWriter, ReleasedThrough, type StreamHandlers } from '../../src/node/released-stream.ts';
import { BinaryWriter } from '../../src/codec/index.ts';
import { epochNowMs, LatencyBuckets } from '../../src/ops/index.ts';
import { encodeReleased, type Released } from '../../src/sequencer/index.ts';

function released(sequence: number): Released {
  const order = {
    accountId: 3, symbolId: 1, side: Side.Buy, orderType: OrderType.Limit, priceCents: 10_000 + sequence, quantity: 5,
    timeInForce: TimeInForce.GTC, postOnly: false, clientOrderId: `c-${sequence}`,
  };
  const timestampMs = 1_700_000_000_000 + sequence;
  return {
    command: { kind: CommandKind.NewOrder, sequence, timestampMs, ...order },
    events: [{ kind: EventKind.OrderAccepted, eventSequence: sequence, commandSequence: sequence, timestampMs, orderId: sequence, ...order }],
    balances: new Float64Array([3, 0, 1_000 - sequence, sequence, 0, 0, 0, 0]),
    balanceCount: 1,
  };
}

function collector(): { seen: unknown[]; handlers: StreamHandlers } {
  const seen: unknown[] = [];
  return {
    seen,
    handlers: {
      released: (requestId, r, encoded, releasedAtMs) => {
        assert.ok(Math.abs(epochNowMs() - releasedAtMs) < 5_000, `released at ${releasedAtMs}, a moment ago`);
        // The bytes handed on (to the reporting consumer) are the command's own encoding.
        const writer = new BinaryWriter();
        encodeReleased(r, writer);
        assert.deepEqual([...encoded], [...writer.bytes()]);
        seen.push(['released', requestId, r.command, r.events, [...r.balances], r.balanceCount]);
      },
      failed: (requestId, message) => seen.push(['failed', requestId, message]),
      journalBatch: (...args) => seen.push(['journalBatch', ...args]),
      gcPauses: (micros) => seen.push(['gcPauses', micros]),
      marketDump: (sequence) => seen.push(['marketDump', sequence]),
      stageLatency: (stage, counts, sumSeconds) => seen.push(['stageLatency', stage, counts, sumSeconds]),
    },
  };
}

describe('released stream', () => {
  it('every kind of record round-trips, with the request id of the command it answers', async () => {
    const ring = SpscRing.create(64 * 1024);
    const releasedThrough = new ReleasedThrough();
    const writer = new ReleasedStreamWriter(SpscRing.attach(ring.buffers), new ReleasedThrough(releasedThrough.buffer));
    writer.expect(2, 77);
    writer.onRelease(released(1));
    writer.onRelease(released(2));
    writer.failed(78, 'the sequencer is paused');
    writer.journalBatch(12, 3456, 789, 42);
    writer.gcPauses([1500, 20_000]);
    writer.marketDump(2);
    const durable = new LatencyBuckets();
    durable.observe(0.0015);
    durable.observe(0.0015);
    durable.observe(3);
    writer.stageLatency('durable', durable);
    await sleep(0); // published at the end of the run
    assert.equal(releasedThrough.load(), 2, 'the last released sequence is shared before the burst is published');
    const { seen, handlers } = collector();
    ring.poll((data, offset, length) => readStreamRecord(data, offset, length, handlers));
    const expected = (sequence: number, requestId: number): unknown => {
      const r = released(sequence);
      return ['released', requestId, r.command, r.events, [...r.balances.subarray(0, 4)], 1];
    };
    assert.deepEqual(seen, [
      expected(1, 0), expected(2, 77), ['failed', 78, 'the sequencer is paused'], ['journalBatch', 12, 3456, 789, 42],
      ['gcPauses', [1500, 20_000]], ['marketDump', 2],
      ['stageLatency', 'durable', [...durable.counts], 3.003],
    ]);
  });

  it('a burst larger than the ring waits in the writer and arrives whole and in order as the reader makes room', async () => {
    const ring = SpscRing.create(4096);
    const writer = new ReleasedStreamWriter(SpscRing.attach(ring.buffers), new ReleasedThrough());
    const count = 500;
    for (let sequence = 1; sequence <= count; sequence++) writer.onRelease(released(sequence));
    assert.equal(writer.drained, false, 'the ring cannot hold the burst');
    const sequences: number[] = [];
    const { handlers } = collector();
    handlers.released = (_requestId, r) => sequences.push(r.command.sequence);
    const deadline = Date.now() + 10_000;
    while (sequences.length < count && Date.now() < deadline) {
      ring.poll((data, offset, length) => readStreamRecord(data, offset, length, handlers));
      await sleep(1);
    }
    assert.deepEqual(sequences, Array.from({ length: count }, (_, i) => i + 1));
    assert.equal(writer.drained, true);
  });
});
