// The journal's hand-off to its writer thread: the ring between them, records that find it full, the bound on
// a record's size, and durability taken by polling without the event loop turning.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Journal, RECORD_HEADER_BYTES, type RecoveredRecord } from '../../src/journal/index.ts';
import { payloadFor, payloadMatches, withTempDir } from './helpers.ts';

const SMALL_RING_BYTES = 1024; // the smallest ring: a quarter is 256 bytes, and payloadFor's records fit

async function replayAll(journal: Journal): Promise<RecoveredRecord[]> {
  const records: RecoveredRecord[] = [];
  await journal.replay(0, (record) => records.push(record));
  return records;
}

function assertAllRecords(records: RecoveredRecord[], lastSequence: number): void {
  assert.equal(records.length, lastSequence);
  records.forEach((record, i) => {
    assert.equal(record.sequence, i + 1);
    assert.ok(payloadMatches(record.payload, record.sequence), `payload of record ${record.sequence}`);
  });
}

describe('journal writer thread', () => {
  it('keeps records that find the ring full in order, behind those in the ring, and makes them all durable', async () => {
    await withTempDir(async (dir) => {
      const journal = await Journal.open({ dir, ringBytes: SMALL_RING_BYTES, segmentBytes: 64 * 1024 });
      const durable: number[] = [];
      journal.onDurable = (sequence) => durable.push(sequence);
      let sequence = 0;
      // Far more than the ring holds in each tick, and appends in later ticks while earlier ones still wait:
      // a record that went into the ring ahead of older waiting ones would reach the writer out of order.
      for (let tick = 0; tick < 20; tick++) {
        for (let i = 0; i < 300; i++) journal.append(++sequence, payloadFor(sequence));
        await new Promise((resolve) => setImmediate(resolve));
      }
      await journal.flush();
      assert.equal(journal.lastSequence, sequence);
      assert.equal(durable.at(-1), sequence);
      for (let i = 1; i < durable.length; i++) assert.ok(durable[i] > durable[i - 1], 'durability is reported in order');
      assert.ok(journal.stats.batches > 20, `${journal.stats.batches} batches: the ring was full many times`);
      await journal.close();
      const reopened = await Journal.open({ dir });
      assertAllRecords(await replayAll(reopened), sequence);
      await reopened.close();
    });
  });

  it('refuses a payload larger than a quarter of the ring, and appends normally afterwards', async () => {
    await withTempDir(async (dir) => {
      const journal = await Journal.open({ dir, ringBytes: SMALL_RING_BYTES });
      assert.equal(journal.maxPayloadBytes, SMALL_RING_BYTES / 4 - RECORD_HEADER_BYTES);
      journal.append(1, payloadFor(1));
      assert.throws(() => journal.append(2, new Uint8Array(journal.maxPayloadBytes + 1)), /more than the maximum/);
      assert.equal(journal.lastAppendedSequence, 1);
      journal.append(2, new Uint8Array(journal.maxPayloadBytes).fill(7));
      await journal.close();
      const reopened = await Journal.open({ dir });
      const records = await replayAll(reopened);
      assert.deepEqual(records.map((record) => [record.sequence, record.payload.length]), [[1, payloadFor(1).length], [2, journal.maxPayloadBytes]]);
      await reopened.close();
    });
  });

  it('reports durability to pollDurable while the event loop is blocked', async () => {
    await withTempDir(async (dir) => {
      const journal = await Journal.open({ dir });
      const durable: number[] = [];
      journal.onDurable = (sequence) => durable.push(sequence);
      for (let sequence = 1; sequence <= 10; sequence++) journal.append(sequence, payloadFor(sequence));
      // The records go to the writer at the end of this synchronous run (a microtask), not before.
      await Promise.resolve();
      // From here on the event loop does not turn: only polling can take the writer's report.
      const sleepCell = new Int32Array(new SharedArrayBuffer(4));
      const deadlineMs = Date.now() + 10_000;
      while (journal.lastSequence < 10 && Date.now() < deadlineMs) {
        journal.pollDurable();
        Atomics.wait(sleepCell, 0, 0, 1);
      }
      assert.equal(journal.lastSequence, 10);
      assert.deepEqual(durable, [10]);
      await journal.close();
    });
  });
});
