import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { CommandKind } from '../../src/engine/index.ts';
import { ReportingConsumer } from '../../src/reporting/consumer.ts';
import { decodeReleasedBatch } from '../../src/reporting/released-batch.ts';
import { type EncodedBatch, SpillQueue } from '../../src/reporting/spill-queue.ts';
import type { Released } from '../../src/sequencer/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'spill-queue-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const nextPath = (): string => join(dir, `spill-${files++}.bin`);

/** A batch whose bytes say which one it is, so a mix-up or a torn read shows. */
function batchOf(id: number, byteLength: number): EncodedBatch {
  const bytes = new Uint8Array(byteLength);
  for (let i = 0; i < byteLength; i++) bytes[i] = (id * 31 + i) & 0xff;
  return { count: id + 1, lastSequence: id * 1_000, encoded: bytes.buffer };
}

describe('reporting spill queue', () => {
  it('is a FIFO whatever the memory bound, and never holds much more than the bound in memory', () => {
    // ops: a batch size to push, or -1..-3 to take and drop that many.
    const op = fc.oneof(fc.integer({ min: 1, max: 700 }), fc.integer({ min: -3, max: -1 }));
    fc.assert(fc.property(fc.integer({ min: 0, max: 2_000 }), fc.array(op, { maxLength: 120 }), (maxMemoryBytes, ops) => {
      const path = nextPath();
      const queue = new SpillQueue(path, maxMemoryBytes);
      const model: EncodedBatch[] = [];
      let next = 0;
      for (const o of ops) {
        if (o > 0) {
          const batch = batchOf(next++, o);
          queue.push(batch);
          model.push(batch);
        } else {
          const n = -o;
          const got = queue.first(n);
          assert.deepEqual(got.map((b) => [b.count, b.lastSequence, Buffer.from(b.encoded).toString('hex')]),
            model.slice(0, n).map((b) => [b.count, b.lastSequence, Buffer.from(b.encoded).toString('hex')]));
          queue.drop(got.length);
          model.splice(0, got.length);
        }
        assert.equal(queue.length, model.length);
        // At most the bound, plus the (at most 3) batches read back to be written.
        assert.ok(queue.bytesInMemory <= maxMemoryBytes + 3 * 700, `${queue.bytesInMemory} bytes in memory`);
      }
      if (queue.spilled === 0) assert.equal(existsSync(path), false, 'the file goes once everything is read back');
      queue.close();
      assert.equal(existsSync(path), false);
    }), { numRuns: 200 });
  });

  it('starts empty even when a crash left a spill file behind', () => {
    const path = nextPath();
    writeFileSync(path, Buffer.alloc(64, 7));
    const queue = new SpillQueue(path, 0);
    assert.equal(queue.length, 0);
    assert.deepEqual(queue.first(2), []);
    queue.push(batchOf(1, 10));
    assert.deepEqual(new Uint8Array(queue.first(1)[0].encoded), new Uint8Array(batchOf(1, 10).encoded));
    queue.close();
  });

  it('lets the consumer write every command once, in order, through a store slower than the flow', async () => {
    const written: number[] = [];
    let spilledAtMost = 0;
    const store = {
      offset: async () => 0,
      write: async () => assert.fail('the consumer must send encoded batches'),
      writeEncoded: async (buffer: ArrayBuffer) => {
        await new Promise((resolve) => setTimeout(resolve, 2));
        for (const released of decodeReleasedBatch(buffer)) written.push(released.command.sequence);
      },
    };
    const path = nextPath();
    const logs: string[] = [];
    const consumer = await ReportingConsumer.open(store, {
      maxBatchCommands: 50, batchDelayMs: 1, retryDelayMs: 1, log: (m) => logs.push(m), spill: { path, maxMemoryBytes: 4_096 },
    });
    const commands = 5_000;
    for (let sequence = 1; sequence <= commands; sequence++) {
      const released: Released = {
        command: { kind: CommandKind.Deposit, sequence, timestampMs: 1_795_000_000_000, accountId: 1, asset: 0, amount: sequence, idempotencyKey: '' },
        events: [], balances: Float64Array.of(1, 0, sequence, 0), balanceCount: 1,
      };
      consumer.onRelease(released);
      if (sequence % 500 === 0) {
        spilledAtMost = Math.max(spilledAtMost, consumer.lag);
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    assert.equal(await consumer.caughtUp(commands, 30_000), true);
    await consumer.close();
    assert.deepEqual(written, Array.from({ length: commands }, (_, i) => i + 1));
    assert.ok(logs.some((m) => m.includes('spilling')), `the backlog went to disk: ${logs.join('; ')}`);
    assert.ok(spilledAtMost > 1_000, 'the store really lagged');
    assert.equal(existsSync(path), false);
  });
});
