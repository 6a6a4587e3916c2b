// The released commands a lagging consumer missed, rebuilt from the journal (released-replay.ts): for any
// offset and end, the replay must give exactly the bytes the live sequencer released (command, events and
// balances), from the newest snapshot at or before the offset; a consumer may hold it with promises and stop
// it; and a journal that cannot give every command is an error, never a silent gap.
import assert from 'node:assert/strict';
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { loadConfig } from '../../src/cli/config.ts';
import { BinaryWriter } from '../../src/codec/index.ts';
import { ExchangeNode } from '../../src/node/index.ts';
import { replayReleased } from '../../src/node/released-replay.ts';
import { encodeReleased, type Released, systemClock } from '../../src/sequencer/index.ts';
import { trade } from './random-trading.ts';

const engineConfig = loadConfig({ EXCHANGE_DATA_DIR: tmpdir() }).engine;
const log = (): void => {};

function bytesOf(released: Released): string {
  const writer = new BinaryWriter();
  encodeReleased(released, writer);
  return Buffer.from(writer.bytes()).toString('hex');
}

async function snapshotSequences(dataDir: string): Promise<number[]> {
  const names = await readdir(join(dataDir, 'snapshots'));
  return names.filter((name) => name.endsWith('.snap')).map((name) => Number.parseInt(name, 10)).sort((a, b) => a - b);
}

describe('replayReleased: what a lagging consumer missed, from the journal', () => {
  let dataDir: string;
  /** The live releases' bytes by sequence. */
  const live: string[] = [];
  let lastSequence = 0;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'released-replay-'));
    const node = await ExchangeNode.start({ dataDir, engineConfig, clock: systemClock, log, snapshotEveryCommands: 120, fsync: false, segmentBytes: 16 * 1024 });
    node.onRelease((released) => (live[released.command.sequence] = bytesOf(released)));
    // Besides the automatic snapshots (every 120 commands, each skipped while one is still being written,
    // which on a busy machine can leave a single one), a snapshot after each chunk: always several to choose from.
    for (const seed of [7, 8, 9]) {
      await trade(node, seed, 240);
      await node.snapshot();
    }
    lastSequence = node.lastSequence;
    await node.close();
  });

  after(() => rm(dataDir, { recursive: true, force: true }));

  it('gives the live bytes for every command after the offset through the end, from the newest snapshot at or before the offset', async () => {
    const snapshots = await snapshotSequences(dataDir);
    assert.ok(snapshots.length >= 2, `snapshots: ${snapshots}`);
    // Offsets before the oldest snapshot kept (replayed from the journal's start), on a snapshot, between them.
    const offsets = fc.integer({ min: 0, max: lastSequence - 1 }).chain((afterSequence) =>
      fc.tuple(fc.constant(afterSequence), fc.integer({ min: afterSequence + 1, max: lastSequence })));
    await fc.assert(fc.asyncProperty(fc.oneof(offsets, fc.constantFrom(...snapshots.filter((s) => s < lastSequence)).map((s) => [s, lastSequence] as [number, number])), async ([afterSequence, throughSequence]) => {
      const seen: string[] = [];
      const result = await replayReleased({ dataDir, engineConfig, afterSequence, throughSequence, log }, (released) => {
        seen.push(bytesOf(released));
      });
      assert.deepEqual(seen, live.slice(afterSequence + 1, throughSequence + 1));
      assert.equal(result.releasedThrough, throughSequence);
      assert.equal(result.fromSnapshot, snapshots.filter((s) => s <= afterSequence).at(-1) ?? 0);
      assert.equal(result.replayed, throughSequence - result.fromSnapshot);
    }), { numRuns: 12 });
  });

  it('waits for each promise the consumer returns, and stops where it says false', async () => {
    const seen: number[] = [];
    let pending = false;
    const result = await replayReleased({ dataDir, engineConfig, afterSequence: 100, throughSequence: lastSequence, log }, async (released) => {
      assert.equal(pending, false, 'no command is given while an earlier one\'s promise is pending');
      pending = true;
      seen.push(released.command.sequence);
      await new Promise((resolve) => setImmediate(resolve));
      pending = false;
      return released.command.sequence < 250;
    });
    assert.deepEqual(seen, Array.from({ length: 150 }, (_, i) => 101 + i));
    assert.equal(result.releasedThrough, 250);
    const stoppedAt: number[] = [];
    const plain = await replayReleased({ dataDir, engineConfig, afterSequence: 300, throughSequence: lastSequence, log }, (released) => {
      stoppedAt.push(released.command.sequence);
      return released.command.sequence !== 305 && undefined;
    });
    assert.equal(plain.releasedThrough, 305);
    assert.deepEqual(stoppedAt, [301, 302, 303, 304, 305]);
  });

  it('refuses a journal that ends before the end asked for, or starts after the snapshot it would continue', async () => {
    await assert.rejects(replayReleased({ dataDir, engineConfig, afterSequence: lastSequence - 5, throughSequence: lastSequence + 3, log }, () => {}),
      new RegExp(`the journal ends at sequence ${lastSequence}, before ${lastSequence + 3}`));
    const pruned = await mkdtemp(join(tmpdir(), 'released-replay-pruned-'));
    try {
      await cp(dataDir, pruned, { recursive: true });
      const segments = (await readdir(join(pruned, 'journal'))).sort();
      assert.ok(segments.length >= 2, `segments: ${segments}`);
      await rm(join(pruned, 'journal', segments[0]));
      await assert.rejects(replayReleased({ dataDir: pruned, engineConfig, afterSequence: 0, throughSequence: lastSequence, log }, () => {}),
        /released replay: the journal holds sequence \d+ where 1 was expected/);
    } finally {
      await rm(pruned, { recursive: true, force: true });
    }
  });
});
