// The consumer when the stream starts after the store's offset (the engine recovered from a snapshot newer
// than the store): the missing commands are written from the journal (the store's catchUp) before anything
// the stream brought (or at once, when told the stream has delivered all it will through a sequence),
// batches never span a gap, a failed catch-up is tried again, close ends one in
// progress, and a store that cannot catch up stops the consumer instead of writing past a hole.
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

/**
 * A store at `offset` that, like the real one, refuses a batch that does not follow its offset, and
 * catches up by "writing" commands one batch of 10 at a time (`catchUpMs` each); `failures` catch-ups fail first.
 */
function storeAt(offset: number, options: { catchUpMs?: number; failures?: number; canCatchUp?: boolean } = {}) {
  const state = { offset, written: [] as number[], calls: [] as string[], stopRequested: false, failures: options.failures ?? 0 };
  const take = (sequence: number): void => {
    if (sequence <= state.offset) return;
    assert.equal(sequence, state.offset + 1, `the store got ${sequence} after ${state.offset}`);
    state.written.push(sequence);
    state.offset = sequence;
  };
  const store = {
    offset: async () => state.offset,
    write: async () => assert.fail('the consumer must send encoded batches'),
    writeEncoded: async (buffer: ArrayBuffer) => {
      const batch = decodeReleasedBatch(buffer);
      state.calls.push(`write ${batch[0].command.sequence}..${batch.at(-1)!.command.sequence}`);
      if (batch[0].command.sequence > state.offset + 1) {
        const error = new Error(`gap: ${batch[0].command.sequence} after ${state.offset}`);
        error.name = 'SequenceGapError';
        throw error;
      }
      for (const released of batch) take(released.command.sequence);
    },
    ...(options.canCatchUp === false ? {} : {
      catchUp: async (through: number, onProgress?: (offset: number) => void) => {
        state.calls.push(`catchUp ${through}`);
        state.stopRequested = false;
        if (state.failures > 0) {
          state.failures--;
          throw new Error('journal not readable yet');
        }
        while (state.offset < through && !state.stopRequested) {
          await new Promise((resolve) => setTimeout(resolve, options.catchUpMs ?? 0));
          for (let i = 0; i < 10 && state.offset < through; i++) take(state.offset + 1);
          onProgress?.(state.offset);
        }
        return state.offset;
      },
      stopCatchUp: async () => {
        state.calls.push('stopCatchUp');
        state.stopRequested = true;
      },
    }),
  };
  return { state, store };
}

const range = (from: number, through: number): number[] => Array.from({ length: through - from + 1 }, (_, i) => from + i);

describe('reporting consumer: commands before the engine\'s snapshot', { timeout: 20_000 }, () => {
  it('writes them from the journal first, then what the stream brought, every command once and in order', async () => {
    const { state, store } = storeAt(40, { catchUpMs: 1 });
    const logs: string[] = [];
    const consumer = await ReportingConsumer.open(store, { maxBatchCommands: 25, batchDelayMs: 1, retryDelayMs: 1, log: (m) => logs.push(m) });
    // The engine started from its snapshot at 300: the stream begins at 301.
    for (let sequence = 301; sequence <= 420; sequence++) consumer.onRelease(deposit(sequence));
    assert.equal(consumer.lag, 420 - 40);
    assert.equal(await consumer.caughtUp(420, 5_000), true);
    assert.deepEqual(state.written, range(41, 420));
    assert.equal(state.calls[0], 'catchUp 300');
    assert.equal(state.calls.filter((c) => c.startsWith('catchUp')).length, 1);
    assert.ok(logs.some((m) => m.includes('commands 41..300 came before the engine\'s snapshot')), logs.join('; '));
    assert.equal(consumer.lag, 0);
    await consumer.close();
  });

  it('catches up when told the stream has delivered everything through a sequence, even if no command follows', async () => {
    const { state, store } = storeAt(12);
    const consumer = await ReportingConsumer.open(store, { maxBatchCommands: 25, batchDelayMs: 1, retryDelayMs: 1, log: () => {} });
    consumer.deliveredThrough(10); // behind the store: nothing to do
    consumer.deliveredThrough(200); // the engine started from its snapshot at 200 and nothing has been sent since
    assert.equal(consumer.lag, 188);
    assert.equal(await consumer.caughtUp(200, 5_000), true);
    assert.deepEqual(state.written, range(13, 200));
    for (let sequence = 201; sequence <= 230; sequence++) consumer.onRelease(deposit(sequence));
    assert.equal(await consumer.caughtUp(230, 5_000), true);
    assert.deepEqual(state.written, range(13, 230));
    assert.deepEqual(state.calls, ['catchUp 200', 'write 201..225', 'write 226..230']);
    await consumer.close();
  });

  it('follows the store\'s offset batch by batch during a catch-up: the lag falls and waiters wake before it ends', async () => {
    const { state, store } = storeAt(0, { catchUpMs: 2 });
    const consumer = await ReportingConsumer.open(store, { maxBatchCommands: 25, batchDelayMs: 1, retryDelayMs: 1, log: () => {} });
    consumer.deliveredThrough(3_000); // 300 batches of 2 ms or more
    assert.equal(await consumer.caughtUp(50, 5_000), true);
    assert.ok(state.offset < 3_000, `the catch-up had already ended (${state.offset}) when the waiter for 50 woke`);
    const lagDuring = consumer.lag;
    assert.ok(lagDuring < 3_000 - 40 && lagDuring > 0, `lag ${lagDuring} during the catch-up`);
    assert.equal(await consumer.caughtUp(3_000, 10_000), true);
    assert.equal(consumer.lag, 0);
    await consumer.close();
  });

  it('never lets a batch span a gap in the stream, and catches up each gap', async () => {
    const { state, store } = storeAt(0);
    const consumer = await ReportingConsumer.open(store, { maxBatchCommands: 1000, batchDelayMs: 1, retryDelayMs: 1, log: () => {} });
    for (const sequence of [...range(1, 10), ...range(20, 30), ...range(50, 55)]) consumer.onRelease(deposit(sequence));
    assert.equal(await consumer.caughtUp(55, 5_000), true);
    assert.deepEqual(state.written, range(1, 55));
    assert.deepEqual(state.calls, ['write 1..10', 'catchUp 19', 'write 20..30', 'catchUp 49', 'write 50..55']);
    await consumer.close();
  });

  it('tries a failed catch-up again, and writes nothing past the gap meanwhile', async () => {
    const { state, store } = storeAt(5, { failures: 2 });
    const logs: string[] = [];
    const consumer = await ReportingConsumer.open(store, { maxBatchCommands: 10, batchDelayMs: 1, retryDelayMs: 1, log: (m) => logs.push(m) });
    for (let sequence = 101; sequence <= 130; sequence++) consumer.onRelease(deposit(sequence));
    assert.equal(await consumer.caughtUp(130, 5_000), true);
    assert.deepEqual(state.written, range(6, 130));
    assert.deepEqual(state.calls.slice(0, 3), ['catchUp 100', 'catchUp 100', 'catchUp 100']);
    assert.equal(logs.filter((m) => m.includes('writing from the journal failed (journal not readable yet)')).length, 2);
    await consumer.close();
  });

  it('close ends a catch-up in progress, with a gapless prefix in the store', async () => {
    const { state, store } = storeAt(0, { catchUpMs: 5 });
    const logs: string[] = [];
    const consumer = await ReportingConsumer.open(store, { maxBatchCommands: 10, batchDelayMs: 1, retryDelayMs: 1, log: (m) => logs.push(m) });
    for (let sequence = 100_001; sequence <= 100_050; sequence++) consumer.onRelease(deposit(sequence));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const startedMs = Date.now();
    await consumer.close(50);
    assert.ok(Date.now() - startedMs < 1_000, 'close does not wait for the whole catch-up (about 50 s)');
    assert.ok(state.calls.includes('stopCatchUp'), state.calls.join(', '));
    assert.ok(state.written.length > 0 && state.written.length < 100_000, `${state.written.length} written`);
    assert.deepEqual(state.written, range(1, state.written.length));
    assert.equal(consumer.writtenThrough, state.written.length);
    assert.ok(logs.some((m) => m.includes(`stopped ${100_050 - state.written.length} commands behind`)), logs.join('; '));
  });

  it('a store that cannot catch up stops the consumer and says so, writing nothing past the hole', async () => {
    const { state, store } = storeAt(10, { canCatchUp: false });
    const logs: string[] = [];
    const consumer = await ReportingConsumer.open(store, { maxBatchCommands: 10, batchDelayMs: 1, retryDelayMs: 1, log: (m) => logs.push(m) });
    for (let sequence = 51; sequence <= 60; sequence++) consumer.onRelease(deposit(sequence));
    await new Promise((resolve) => setTimeout(resolve, 200)); // (caughtUp's own timer does not hold the process)
    assert.equal(consumer.writtenThrough, 10);
    assert.deepEqual(state.written, []);
    assert.ok(logs.some((m) => m.includes('STOPPED: commands 11..50 are not in the store')), logs.join('; '));
    await consumer.close();
  });
});
