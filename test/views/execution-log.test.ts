// The execution log keeps its columns in pages of 16,384 rows: executions around and across page boundaries
// read back as they were added, per account and in all, and through a dump (as a snapshot stores it: one
// array per column end to end, of the column's own type) into a new log.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeSnapshotBody, encodeSnapshotBody } from '../../src/node/snapshot-body.ts';
import type { Side, OrderType } from '../../src/engine/index.ts';
import type { ExecutionRecord } from '../../src/views/index.ts';
import { type ExecutionColumnsDump, ExecutionLog } from '../../src/views/execution-log.ts';

const PAGE_ROWS = 16_384;

function executionAt(row: number, seed: number): ExecutionRecord {
  const mix = (row * 2_654_435_761 + seed) >>> 0;
  return {
    executionId: row * 2 + 1, tradeId: row + 1, orderId: 1_000_000 + (mix % 99_991), accountId: 1 + (mix % 7), symbolId: mix % 187,
    side: (mix & 1) as Side, orderType: ((mix >> 1) & 1) as OrderType, priceCents: 10_000 + (mix % 5_000), quantity: 1 + (mix % 900),
    feeCents: mix % 13, isMaker: ((mix >> 2) & 1) === 1, timeMs: 1_700_000_000_000 + row,
  };
}

function checkLog(log: ExecutionLog, expected: ExecutionRecord[]): void {
  assert.equal(log.size, expected.length);
  assert.deepEqual(log.all(), expected);
  for (let accountId = 1; accountId <= 7; accountId++) {
    const mine = expected.filter((e) => e.accountId === accountId).reverse();
    assert.deepEqual(log.newestFirst(accountId, () => true, Number.MAX_SAFE_INTEGER), mine, `account ${accountId}`);
    assert.deepEqual(log.newestFirst(accountId, (e) => e.isMaker, 5), mine.filter((e) => e.isMaker).slice(0, 5));
  }
}

describe('execution log', () => {
  it('reads back every execution around page boundaries, and after a dump through snapshot bytes', () => {
    const counts = fc.oneof(fc.constantFrom(0, 1, PAGE_ROWS - 1, PAGE_ROWS, PAGE_ROWS + 1, 2 * PAGE_ROWS + 7), fc.nat(3 * PAGE_ROWS));
    fc.assert(fc.property(counts, fc.nat(), fc.nat(), (count, seed, extra) => {
      const expected = Array.from({ length: count }, (_, row) => executionAt(row, seed));
      const log = new ExecutionLog();
      for (const execution of expected) log.add(execution);
      checkLog(log, expected);

      const dump = log.dump();
      const decoded = decodeSnapshotBody(Buffer.concat(encodeSnapshotBody(dump))) as ExecutionColumnsDump;
      assert.ok(decoded.symbolId instanceof Uint32Array && decoded.meta instanceof Uint8Array && decoded.priceCents instanceof Float64Array);
      const restored = new ExecutionLog();
      restored.load(decoded);
      checkLog(restored, expected);
      // The dump as given (no bytes in between) loads too.
      const direct = new ExecutionLog();
      direct.load(dump);
      checkLog(direct, expected);
      // What a snapshot writes is what the log held when dump() returned: rows added after it (some landing in
      // the page being filled, some in new pages) change neither the dump nor its bytes.
      const bytesThen = Buffer.concat(encodeSnapshotBody(dump));
      for (let i = 0; i < (extra % 100) + PAGE_ROWS / 4; i++) log.add(executionAt(count + i, seed + 1));
      assert.deepEqual(Buffer.concat(encodeSnapshotBody(dump)), bytesThen);
      // A restored log goes on filling its last page and opening new ones.
      const more = Array.from({ length: extra % 100 }, (_, i) => executionAt(count + i, seed));
      for (const execution of more) restored.add(execution);
      checkLog(restored, [...expected, ...more]);
    }), { numRuns: 25 });
  });

  it('refuses a dump whose columns differ in length', () => {
    const log = new ExecutionLog();
    log.add(executionAt(0, 1));
    const dump = decodeSnapshotBody(Buffer.concat(encodeSnapshotBody(log.dump()))) as ExecutionColumnsDump;
    dump.feeCents = new Float64Array(2);
    assert.throws(() => new ExecutionLog().load(dump), /feeCents has 2 rows, executionId 1/);
  });
});
