// The snapshot store: atomic writes, verified reads that fall back past damaged snapshots, and pruning.
import assert from 'node:assert/strict';
import { open, readdir, readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { SNAPSHOT_HEADER_BYTES, SnapshotStore } from '../../src/journal/index.ts';
import { sameBytes, withTempDir } from './helpers.ts';

function bodyFor(sequence: number, bytes = 1000): Uint8Array {
  return Uint8Array.from({ length: bytes }, (_, i) => (sequence * 13 + i) & 0xff);
}

function snapName(sequence: number): string {
  return `${String(sequence).padStart(20, '0')}.snap`;
}

describe('snapshot store', () => {
  it('returns null when there is no snapshot, even without a directory', async () => {
    await withTempDir(async (dir) => {
      assert.equal(await new SnapshotStore(join(dir, 'missing')).latest(), null);
      assert.equal(await new SnapshotStore(dir).latest(), null);
    });
  });

  it('round-trips the newest snapshot, including an empty body and a large one', async () => {
    await withTempDir(async (dir) => {
      const store = new SnapshotStore(join(dir, 'snapshots'), () => assert.fail('no warning expected'));
      await store.write(0, new Uint8Array(0));
      assert.deepEqual(await store.latest(), { sequence: 0, body: Buffer.alloc(0) });
      await store.write(100, bodyFor(100));
      await store.write(2 ** 40 + 7, bodyFor(7, 3_000_000));
      const latest = await store.latest();
      assert.equal(latest?.sequence, 2 ** 40 + 7);
      assert.ok(sameBytes(latest!.body, bodyFor(7, 3_000_000)));
      // A fresh store over the same directory sees the same thing: nothing lives only in memory.
      const reopened = await new SnapshotStore(join(dir, 'snapshots')).latest();
      assert.equal(reopened?.sequence, 2 ** 40 + 7);
    });
  });

  it('writes a body given in parts as one body, with the CRC of the whole', async () => {
    await withTempDir(async (dir) => {
      const store = new SnapshotStore(dir, () => assert.fail('no warning expected'));
      const whole = bodyFor(5, 10_000);
      // Empty parts too, one over an empty ArrayBuffer (an empty column of a snapshot): zlib's CRC of that is 0.
      await store.write(5, [whole.subarray(0, 3), new Uint8Array(0), whole.subarray(3, 7_001), whole.subarray(7_001), new Uint8Array(new ArrayBuffer(0))]);
      assert.ok(sameBytes((await store.latest())!.body, whole));
      // The same file as a write of the whole body: the CRC continues across the parts.
      const alone = join(dir, 'alone');
      await new SnapshotStore(alone).write(5, whole);
      assert.ok(sameBytes(await readFile(join(dir, snapName(5))), await readFile(join(alone, snapName(5)))));
    });
  });

  it('falls back to the previous snapshot when the newest is damaged, and says so', async () => {
    await withTempDir(async (dir) => {
      const warnings: string[] = [];
      const store = new SnapshotStore(dir, (message) => warnings.push(message));
      await store.write(10, bodyFor(10));
      await store.write(20, bodyFor(20));
      const handle = await open(join(dir, snapName(20)), 'r+');
      await handle.write(Buffer.from([0xee]), 0, 1, SNAPSHOT_HEADER_BYTES + 500);
      await handle.close();
      const latest = await store.latest();
      assert.equal(latest?.sequence, 10);
      assert.ok(sameBytes(latest!.body, bodyFor(10)));
      assert.equal(warnings.length, 1);
      assert.match(warnings[0], new RegExp(`${snapName(20)}: CRC mismatch`));
    });
  });

  it('skips truncated, mislabelled and foreign files', async () => {
    await withTempDir(async (dir) => {
      const warnings: string[] = [];
      const store = new SnapshotStore(dir, (message) => warnings.push(message));
      await store.write(5, bodyFor(5));
      await store.write(6, bodyFor(6));
      await truncate(join(dir, snapName(6)), SNAPSHOT_HEADER_BYTES + 10);
      await writeFile(join(dir, snapName(7)), 'not a snapshot at all, just text');
      await writeFile(join(dir, `${snapName(8)}.tmp`), 'a write interrupted by a crash');
      await writeFile(join(dir, snapName(9)), await readFile(join(dir, snapName(5)))); // header says 5
      const latest = await store.latest();
      assert.equal(latest?.sequence, 5);
      assert.equal(warnings.length, 3);
      assert.match(warnings[0], /00009\.snap: header sequence 5 does not match/);
      assert.match(warnings[1], /00007\.snap: bad magic/);
      assert.match(warnings[2], /00006\.snap: header says 1000 body bytes, file has 10/);
    });
  });

  it('keeps only the newest three snapshots and cleans up temp files', async () => {
    await withTempDir(async (dir) => {
      const store = new SnapshotStore(dir);
      await writeFile(join(dir, `${snapName(1)}.tmp`), 'left over from a crash');
      // Concurrent calls are serialized: all five land, in order.
      await Promise.all([1, 2, 3, 4, 5].map((sequence) => store.write(sequence * 1000, bodyFor(sequence))));
      assert.deepEqual((await readdir(dir)).sort(), [snapName(3000), snapName(4000), snapName(5000)]);
      const latest = await store.latest();
      assert.equal(latest?.sequence, 5000);
      assert.ok(sameBytes(latest!.body, bodyFor(5)));
    });
  });

  it('also keeps the newest snapshot at or before a lagging reader\'s offset, for any writes and offsets', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.record({ advance: fc.integer({ min: 1, max: 500 }), keepFor: fc.option(fc.integer({ min: -1, max: 6000 })) }), { minLength: 1, maxLength: 9 }),
      async (writes) => withTempDir(async (dir) => {
        const store = new SnapshotStore(dir);
        const written: number[] = [];
        let keptFor = -1;
        let sequence = 0;
        for (const { advance, keepFor } of writes) {
          if (keepFor !== null) store.keepFor((keptFor = keepFor));
          sequence += advance;
          await store.write(sequence, bodyFor(sequence, 16));
          written.push(sequence);
          // The model: the newest three, and the newest at or before the offset that pruning last saw.
          const expected = new Set(written.slice(-3));
          const forReader = written.filter((s) => s <= keptFor).at(-1);
          if (forReader !== undefined) expected.add(forReader);
          const onDisk = (await readdir(dir)).sort();
          assert.deepEqual(onDisk, [...expected].sort((a, b) => a - b).map(snapName));
          // What the reader's catch-up asks for is there.
          if (forReader !== undefined) assert.equal((await store.latest(keptFor))?.sequence, forReader);
          // What the model dropped stays dropped: the next write's pruning only looks at what is on disk.
          written.splice(0, written.length, ...[...expected].sort((a, b) => a - b));
        }
      }),
    ), { numRuns: 60 });
  });

  it('rejects a sequence that is not a non-negative integer', async () => {
    await withTempDir(async (dir) => {
      const store = new SnapshotStore(dir);
      await assert.rejects(store.write(-1, bodyFor(1)), RangeError);
      await assert.rejects(store.write(1.5, bodyFor(1)), RangeError);
    });
  });
});
