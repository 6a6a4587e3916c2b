import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommandKind } from '../../src/engine/index.ts';
import { ReportingConsumer } from '../../src/reporting/consumer.ts';
import { decodeReleasedBatch } from '../../src/reporting/released-batch.ts';
import type { Released } from '../../src/sequencer/index.ts';

function deposit(sequence: number): Released {
  return {
    command: { kind: CommandKind.Deposit, sequence, timestampMs: 1_795_000_000_000, accountId: 1, asset: 0, amount: sequence, idempotencyKey: '' },
    events: [], balances: Float64Array.of(1, 0, sequence, 0), balanceCount: 1,
  };
}

/** A store that takes `writeMs` per batch and records the sequences it was given. */
function slowStore(writeMs: number) {
  const written: number[] = [];
  return {
    written,
    store: {
      offset: async () => 0,
      write: async () => assert.fail('the consumer must send encoded batches'),
      writeEncoded: async (buffer: ArrayBuffer) => {
        await new Promise((resolve) => setTimeout(resolve, writeMs));
        for (const released of decodeReleasedBatch(buffer)) written.push(released.command.sequence);
      },
    },
  };
}

describe('reporting consumer: close', () => {
  it('writes a small backlog in full before it stops', async () => {
    const { store, written } = slowStore(1);
    const consumer = await ReportingConsumer.open(store, { maxBatchCommands: 10, batchDelayMs: 1, retryDelayMs: 1, log: () => {} });
    for (let sequence = 1; sequence <= 95; sequence++) consumer.onRelease(deposit(sequence));
    await consumer.close(5_000);
    assert.deepEqual(written, Array.from({ length: 95 }, (_, i) => i + 1));
    assert.equal(consumer.lag, 0);
  });

  it('stops after the grace period with a gapless prefix written, and says how far behind it stopped', async () => {
    // 1,000 batches of 20 ms: about 10 s to write in full (two in flight), far past the 100 ms of grace.
    const { store, written } = slowStore(20);
    const logs: string[] = [];
    const consumer = await ReportingConsumer.open(store, { maxBatchCommands: 10, batchDelayMs: 1, retryDelayMs: 1, log: (m) => logs.push(m) });
    const commands = 10_000;
    for (let sequence = 1; sequence <= commands; sequence++) consumer.onRelease(deposit(sequence));
    const startedMs = Date.now();
    await consumer.close(100);
    const tookMs = Date.now() - startedMs;
    assert.ok(tookMs < 2_000, `close took ${tookMs} ms`);
    assert.ok(written.length > 0 && written.length < commands, `written ${written.length} of ${commands}`);
    assert.deepEqual(written, Array.from({ length: written.length }, (_, i) => i + 1), 'a prefix, in order, without gaps');
    assert.equal(consumer.writtenThrough, written.length);
    assert.equal(consumer.lag, commands - written.length);
    assert.ok(logs.some((m) => m.includes(`stopped ${commands - written.length} commands behind`)), logs.join('; '));
    // Nothing is taken after close: what is left is for the next start to replay from the journal.
    consumer.onRelease(deposit(commands + 1));
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(written.includes(commands + 1), false);
  });
});
