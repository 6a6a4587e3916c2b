// The journal: round trips across segments, group commit, replay, torn tails that are cut, corruption that
// stops start-up with the file and byte offset, and sequence discipline.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { appendFile, open, readdir, readFile, stat, truncate, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { crc32 as nodeCrc32 } from 'node:zlib';
import {
  crc32, encodeRecord, Journal, JournalCorruptError, JournalFailedError, readJournal, RECORD_HEADER_BYTES, type RecoveredRecord, segmentFileName,
} from '../../src/journal/index.ts';
import { crc32Fallback, crc32Of } from '../../src/journal/crc.ts';
import { writeRecord } from '../../src/journal/record-format.ts';
import { offsetOf, payloadFor, sameBytes, withTempDir } from './helpers.ts';

/** Appends firstSequence..lastSequence (payloadFor) in batches of `perBatch`, each flushed before the next. */
async function appendFlushed(journal: Journal, firstSequence: number, lastSequence: number, perBatch: number, salt = 0): Promise<void> {
  for (let sequence = firstSequence; sequence <= lastSequence;) {
    for (let i = 0; i < perBatch && sequence <= lastSequence; i++, sequence++) journal.append(sequence, payloadFor(sequence, salt));
    await journal.flush();
  }
}

async function replayAll(journal: Journal, afterSequence = 0): Promise<RecoveredRecord[]> {
  const records: RecoveredRecord[] = [];
  const count = await journal.replay(afterSequence, (record) => records.push(record));
  assert.equal(count, records.length);
  return records;
}

/** Asserts the replay holds exactly firstSequence..lastSequence with payloadFor payloads (salted per range). */
function assertRecords(records: RecoveredRecord[], firstSequence: number, lastSequence: number, saltOf: (sequence: number) => number = () => 0): void {
  assert.equal(records.length, lastSequence - firstSequence + 1);
  records.forEach((record, i) => {
    assert.equal(record.sequence, firstSequence + i);
    assert.ok(sameBytes(record.payload, payloadFor(record.sequence, saltOf(record.sequence))), `payload of record ${record.sequence}`);
  });
}

async function segmentFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.endsWith('.seg')).sort();
}

async function flipByte(path: string, offset: number): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, offset);
    byte[0] ^= 0x5a;
    await handle.write(byte, 0, 1, offset);
  } finally {
    await handle.close();
  }
}

/** Size of the segment oneSegmentJournal makes: 1 MiB rather than the default 64, to keep the tests quick. */
const ONE_SEGMENT_BYTES = 1 << 20;

/** A journal with records 1..count in one segment (one batch), closed. Returns the segment path. Preallocated
 *  (ONE_SEGMENT_BYTES with zeros after the records) unless `preallocate` is false. */
async function oneSegmentJournal(dir: string, count: number, preallocate = true): Promise<string> {
  const journal = await Journal.open({ dir, preallocate, segmentBytes: ONE_SEGMENT_BYTES });
  for (let sequence = 1; sequence <= count; sequence++) journal.append(sequence, payloadFor(sequence));
  await journal.close();
  const files = await segmentFiles(dir);
  assert.deepEqual(files, [segmentFileName(1)]);
  return join(dir, files[0]);
}

async function assertCorrupt(dir: string, file: string, offset: number, reason: RegExp): Promise<void> {
  await assert.rejects(Journal.open({ dir, log: () => assert.fail('corruption must not be cut as a torn tail') }), (error: unknown) => {
    assert.ok(error instanceof JournalCorruptError, `expected JournalCorruptError, got ${String(error)}`);
    assert.equal(error.file, file);
    assert.equal(error.offset, offset);
    assert.ok(error.message.includes(file), error.message);
    assert.ok(error.message.includes(`at byte ${offset}:`), error.message);
    assert.match(error.message, reason);
    return true;
  });
}

/** Appends survivor+1..survivor+5 (payloads salted apart from anything lost), closes, and checks that a reopen
 *  is silent and replays 1..survivor+5. */
async function assertContinues(journal: Journal, dir: string, survivor: number): Promise<void> {
  await appendFlushed(journal, survivor + 1, survivor + 5, 5, 1);
  await journal.close();
  const reopened = await Journal.open({ dir, log: (message) => assert.fail(`unexpected warning: ${message}`) });
  assert.equal(reopened.lastSequence, survivor + 5);
  assertRecords(await replayAll(reopened), 1, survivor + 5, (sequence) => (sequence > survivor ? 1 : 0));
  await reopened.close();
}

async function readJournalRecords(dir: string): Promise<RecoveredRecord[]> {
  const records: RecoveredRecord[] = [];
  await readJournal(dir, (record) => {
    records.push(record);
  });
  return records;
}

async function zeroRange(path: string, fromBytes: number, toBytes: number): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.write(new Uint8Array(toBytes - fromBytes), 0, toBytes - fromBytes, fromBytes);
  } finally {
    await handle.close();
  }
}

/** Whether the file holds only zeros from `fromBytes` to its end. */
async function zeroFrom(path: string, fromBytes: number): Promise<boolean> {
  const tail = (await readFile(path)).subarray(fromBytes);
  return tail.equals(Buffer.alloc(tail.length));
}

describe('journal round trip', () => {
  it('appends, rolls segments at batch boundaries, reopens and replays everything in order', async () => {
    await withTempDir(async (dir) => {
      const journal = await Journal.open({ dir, segmentBytes: 1024 });
      assert.equal(journal.lastSequence, 0);
      await appendFlushed(journal, 1, 300, 10);
      assert.equal(journal.lastSequence, 300);
      await journal.close();

      const files = await segmentFiles(dir);
      assert.ok(files.length >= 5, `expected several segments, got ${files.length}`);
      for (const name of files) {
        // Each segment starts at a batch boundary, and only passes segmentBytes by at most one batch.
        const first = Number(name.slice(0, 20));
        assert.equal((first - 1) % 10, 0, name);
        assert.ok((await stat(join(dir, name))).size < 1024 + 10 * (RECORD_HEADER_BYTES + 60), name);
      }

      const reopened = await Journal.open({ dir, segmentBytes: 1024, log: () => assert.fail('no warning expected') });
      assert.equal(reopened.lastSequence, 300);
      assertRecords(await replayAll(reopened), 1, 300);
      // Appending continues after a reopen, into new segments as needed.
      await appendFlushed(reopened, 301, 400, 25);
      assertRecords(await replayAll(reopened), 1, 400);
      await reopened.close();
      const again = await Journal.open({ dir, segmentBytes: 1024 });
      assertRecords(await replayAll(again), 1, 400);
      await again.close();
    });
  });

  it('replays only the records after afterSequence', async () => {
    await withTempDir(async (dir) => {
      const journal = await Journal.open({ dir, segmentBytes: 2048 });
      await appendFlushed(journal, 1, 300, 20);
      assertRecords(await replayAll(journal, 150), 151, 300);
      assertRecords(await replayAll(journal, 299), 300, 300);
      assert.equal((await replayAll(journal, 300)).length, 0);
      assert.equal((await replayAll(journal, 10_000)).length, 0);
      await journal.close();
    });
  });

  it('keeps replayed payloads valid after the callback returns', async () => {
    await withTempDir(async (dir) => {
      const journal = await Journal.open({ dir });
      // Large payloads so that replay crosses several 1 MiB read chunks.
      const big = (sequence: number): Uint8Array => new Uint8Array(300_000).fill(sequence & 0xff);
      for (let sequence = 1; sequence <= 12; sequence++) journal.append(sequence, big(sequence));
      await journal.close();
      const reopened = await Journal.open({ dir });
      const records = await replayAll(reopened);
      assert.equal(records.length, 12);
      for (const record of records) assert.ok(sameBytes(record.payload, big(record.sequence)));
      await reopened.close();
    });
  });

  it('accepts an empty trailing segment and appends into it', async () => {
    await withTempDir(async (dir) => {
      await oneSegmentJournal(dir, 5);
      await writeFile(join(dir, segmentFileName(6)), new Uint8Array(0));
      const journal = await Journal.open({ dir, log: () => assert.fail('no warning expected') });
      assert.equal(journal.lastSequence, 5);
      await appendFlushed(journal, 6, 8, 3);
      await journal.close();
      assert.deepEqual(await segmentFiles(dir), [segmentFileName(1), segmentFileName(6)]);
      const reopened = await Journal.open({ dir });
      assertRecords(await replayAll(reopened), 1, 8);
      await reopened.close();
    });
  });

  it('prunes whole segments at or before a sequence, never the one being written', async () => {
    await withTempDir(async (dir) => {
      const journal = await Journal.open({ dir, segmentBytes: 512 });
      await appendFlushed(journal, 1, 200, 10);
      const before = journal.segmentPaths.length;
      await journal.pruneThrough(100);
      const after = await segmentFiles(dir);
      assert.ok(after.length < before);
      const firstLeft = Number(after[0].slice(0, 20));
      assert.ok(firstLeft <= 101 && firstLeft > 50, `first remaining segment starts at ${firstLeft}`);
      await journal.pruneThrough(1_000);
      assert.equal((await segmentFiles(dir)).length, 1);
      await appendFlushed(journal, 201, 210, 10);
      await journal.close();
      const reopened = await Journal.open({ dir, segmentBytes: 512 });
      assert.equal(reopened.lastSequence, 210);
      const records = await replayAll(reopened, 0);
      assertRecords(records, records[0].sequence, 210);
      await reopened.close();
    });
  });
});

describe('journal preallocation', () => {
  const tempName = 'next.seg.tmp';

  it('creates a segment at its full size, and after a clean close and reopen writes over the zeros after the data', async () => {
    await withTempDir(async (dir) => {
      const segmentBytes = 64 * 1024;
      const journal = await Journal.open({ dir, segmentBytes });
      await appendFlushed(journal, 1, 100, 10);
      await journal.close();
      const path = join(dir, segmentFileName(1));
      assert.equal((await stat(path)).size, segmentBytes);
      assert.ok(await zeroFrom(path, offsetOf(1, 101)));
      assert.deepEqual(await readdir(dir), [segmentFileName(1)], 'no temp file is left after a clean close');

      const reopened = await Journal.open({ dir, segmentBytes, log: (message) => assert.fail(`unexpected warning: ${message}`) });
      assert.equal(reopened.lastSequence, 100);
      await appendFlushed(reopened, 101, 150, 10);
      await reopened.close();
      // The new records follow the old ones (replay checks the chain byte by byte), inside the same file.
      assert.equal((await stat(path)).size, segmentBytes);
      assert.ok(await zeroFrom(path, offsetOf(1, 151)));
      const again = await Journal.open({ dir, segmentBytes, log: (message) => assert.fail(`unexpected warning: ${message}`) });
      assertRecords(await replayAll(again), 1, 150);
      await again.close();
      let totalBytes = 0;
      assert.deepEqual(await readJournal(dir, (_record, progress) => {
        totalBytes = progress.totalBytes;
      }), { records: 150, lastSequence: 150, tailBytesIgnored: 0, stopped: false });
      assert.equal(totalBytes, offsetOf(1, 151), 'progress counts the records, not the preallocated zeros');
    });
  });

  it('rolls over under load into segments prepared in the background', async () => {
    await withTempDir(async (dir) => {
      const segmentBytes = 32 * 1024;
      const total = 20_000;
      const journal = await Journal.open({ dir, segmentBytes });
      let sawTempFile = false;
      journal.onBatch = () => {
        sawTempFile ||= journal.segmentPaths.length > 0 && existsSync(join(dir, tempName));
      };
      // 100 records a millisecond, never waiting for durability: batches form while earlier ones are being
      // fsynced, and stay small enough (a few ms of records) for many roll-overs.
      for (let sequence = 1; sequence <= total;) {
        for (let i = 0; i < 100; i++, sequence++) journal.append(sequence, payloadFor(sequence));
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      await journal.close();
      assert.ok(sawTempFile, 'the next segment was being prepared while batches ran');
      const files = await segmentFiles(dir);
      assert.ok(files.length >= 10, `${files.length} segments`);
      assert.deepEqual((await readdir(dir)).filter((name) => !name.endsWith('.seg')), []);
      for (let i = 0; i < files.length; i++) {
        const first = Number(files[i].slice(0, 20));
        const next = i + 1 < files.length ? Number(files[i + 1].slice(0, 20)) : total + 1;
        const dataBytes = offsetOf(first, next);
        const fileBytes = (await stat(join(dir, files[i]))).size;
        // Full segments grew past the preallocated size by their last batch; the last one still has zeros.
        assert.equal(fileBytes, Math.max(segmentBytes, dataBytes), files[i]);
        if (i + 1 < files.length) assert.ok(dataBytes >= segmentBytes, files[i]);
      }
      const reopened = await Journal.open({ dir, segmentBytes, log: (message) => assert.fail(`unexpected warning: ${message}`) });
      assertRecords(await replayAll(reopened), 1, total);
      await reopened.close();
    });
  });

  it('writes a batch larger than what is left of the preallocated space past its end, growing the file', async () => {
    await withTempDir(async (dir) => {
      const segmentBytes = 4096;
      const journal = await Journal.open({ dir, segmentBytes });
      await appendFlushed(journal, 1, 60, 60); // about 2.4 KB
      const path = join(dir, segmentFileName(1));
      assert.equal((await stat(path)).size, segmentBytes);
      const batchesBefore = journal.stats.batches;
      await appendFlushed(journal, 61, 200, 140); // one batch of about 5.8 KB
      assert.equal(journal.stats.batches, batchesBefore + 1);
      assert.deepEqual(await segmentFiles(dir), [segmentFileName(1)]);
      assert.equal((await stat(path)).size, offsetOf(1, 201));
      // The segment is past its size now, so the next batch starts a new, preallocated one.
      await appendFlushed(journal, 201, 210, 10);
      assert.deepEqual(await segmentFiles(dir), [segmentFileName(1), segmentFileName(201)]);
      assert.equal((await stat(join(dir, segmentFileName(201)))).size, segmentBytes);
      await journal.close();
      const reopened = await Journal.open({ dir, segmentBytes, log: (message) => assert.fail(`unexpected warning: ${message}`) });
      assertRecords(await replayAll(reopened), 1, 210);
      await reopened.close();
    });
  });

  it('readJournal holds the read while a callback\'s promise is pending, and stops on its false', async () => {
    await withTempDir(async (dir) => {
      const journal = await Journal.open({ dir, segmentBytes: 1024 });
      await appendFlushed(journal, 1, 60, 7);
      await journal.close();
      const seen: number[] = [];
      let pending = 0;
      const result = await readJournal(dir, async (record) => {
        assert.equal(pending, 0, 'no record is given while an earlier one\'s promise is pending');
        pending++;
        seen.push(record.sequence);
        await new Promise((resolve) => setImmediate(resolve));
        pending--;
        return record.sequence < 45;
      });
      assert.deepEqual(seen, Array.from({ length: 45 }, (_, i) => i + 1));
      assert.equal(result.stopped, true);
      assert.equal(result.lastSequence, 45);
    });
  });

  it('removes a leftover temp next-segment file at open, and never reads it as a segment', async () => {
    await withTempDir(async (dir) => {
      const segmentBytes = 4096;
      const journal = await Journal.open({ dir, segmentBytes });
      await appendFlushed(journal, 1, 20, 20);
      await journal.close();
      // What a crash mid-preparation can leave: short, and not necessarily zeros.
      await writeFile(join(dir, tempName), new Uint8Array(1000).fill(0xab));
      assertRecords(await readJournalRecords(dir), 1, 20);

      const reopened = await Journal.open({ dir, segmentBytes, log: (message) => assert.fail(`unexpected warning: ${message}`) });
      // Open deletes the leftover before it starts preparing a fresh file under the same name.
      const temp = join(dir, tempName);
      assert.ok(!existsSync(temp) || !(await readFile(temp)).includes(0xab), 'the leftover is gone');
      await appendFlushed(reopened, 21, 400, 20); // several roll-overs, each into a freshly prepared file
      await reopened.close();
      assert.ok((await segmentFiles(dir)).length >= 3);
      const again = await Journal.open({ dir, segmentBytes, log: (message) => assert.fail(`unexpected warning: ${message}`) });
      assertRecords(await replayAll(again), 1, 400);
      await again.close();
    });
  });

  it('keeps a last record whose payload ends in zero bytes, or is empty, in front of the preallocated zeros', async () => {
    for (const last of [Uint8Array.from([7, 1, 0, 0, 0, 0, 0, 0]), new Uint8Array(0), new Uint8Array(5000)]) {
      await withTempDir(async (dir) => {
        const journal = await Journal.open({ dir, segmentBytes: 64 * 1024 });
        await appendFlushed(journal, 1, 10, 10);
        journal.append(11, last);
        await journal.close();
        const reopened = await Journal.open({ dir, segmentBytes: 64 * 1024, log: (message) => assert.fail(`unexpected warning: ${message}`) });
        assert.equal(reopened.lastSequence, 11);
        const records = await replayAll(reopened);
        assert.ok(sameBytes(records[10].payload, last));
        await reopened.close();
        const read = await readJournalRecords(dir);
        assert.equal(read.length, 11);
        assert.ok(sameBytes(read[10].payload, last));
      });
    }
  });

  it('abandons a preparation in progress at close', async () => {
    await withTempDir(async (dir) => {
      // 1 GiB would take seconds to write; close stops it at the next 1 MiB chunk and removes the file.
      const journal = await Journal.open({ dir, segmentBytes: 1 << 30 });
      await journal.close();
      assert.deepEqual(await readdir(dir), []);
    });
  });

  it('accepts a preallocated last segment without records yet (a crash right after a roll-over) and fills it', async () => {
    await withTempDir(async (dir) => {
      await oneSegmentJournal(dir, 5);
      await writeFile(join(dir, segmentFileName(6)), new Uint8Array(4096));
      const journal = await Journal.open({ dir, log: (message) => assert.fail(`unexpected warning: ${message}`) });
      assert.equal(journal.lastSequence, 5);
      await appendFlushed(journal, 6, 8, 3);
      await journal.close();
      assert.equal((await stat(join(dir, segmentFileName(6)))).size, 4096);
      const reopened = await Journal.open({ dir, log: (message) => assert.fail(`unexpected warning: ${message}`) });
      assertRecords(await replayAll(reopened), 1, 8);
      await reopened.close();
      assertRecords(await readJournalRecords(dir), 1, 8);
    });
  });

  it('accepts zeros after the data of a segment that is no longer the last, and blames them if the chain breaks there', async () => {
    await withTempDir(async (dir) => {
      const journal = await Journal.open({ dir, segmentBytes: 64 * 1024 });
      await appendFlushed(journal, 1, 50, 10);
      await journal.close();
      // Reopened with smaller segments: the first one is past the new size, so the next batch rolls over and the
      // first segment keeps its zeros while no longer being the last.
      const reopened = await Journal.open({ dir, segmentBytes: 1024 });
      await appendFlushed(reopened, 51, 100, 10);
      await reopened.close();
      const first = join(dir, segmentFileName(1));
      assert.equal((await stat(first)).size, 64 * 1024);
      const again = await Journal.open({ dir, log: (message) => assert.fail(`unexpected warning: ${message}`) });
      assertRecords(await replayAll(again), 1, 100);
      await again.close();
      assertRecords(await readJournalRecords(dir), 1, 100);

      // Records zeroed at the end of that segment look like more preallocated space; the next segment's first
      // sequence gives it away, and the error points at the zeros.
      await zeroRange(first, offsetOf(1, 49), offsetOf(1, 51));
      await assertCorrupt(dir, first, offsetOf(1, 49), /zero-filled from here to the end of the segment \(record 49\), but the next segment starts at sequence 51/);
    });
  });

  it('treats zeros in the middle of the data as corruption, not as the end', async () => {
    await withTempDir(async (dir) => {
      const path = await oneSegmentJournal(dir, 20);
      await zeroRange(path, offsetOf(1, 10), offsetOf(1, 11));
      await assertCorrupt(dir, path, offsetOf(1, 10), /CRC mismatch \(record 10\)/);
      await assert.rejects(readJournal(dir, () => {}), (error: unknown) => error instanceof JournalCorruptError && error.offset === offsetOf(1, 10));
    });
  });

  it('keeps plain appending with preallocate: false', async () => {
    await withTempDir(async (dir) => {
      const journal = await Journal.open({ dir, segmentBytes: 1024, preallocate: false });
      await appendFlushed(journal, 1, 100, 10);
      await journal.close();
      const files = await segmentFiles(dir);
      assert.ok(files.length >= 3);
      assert.equal(files.length, (await readdir(dir)).length, 'no temp file was ever made');
      const sizes = await Promise.all(files.map(async (name) => (await stat(join(dir, name))).size));
      assert.equal(sizes.reduce((a, b) => a + b), offsetOf(1, 101), 'the files hold exactly the records');
    });
  });
});

describe('journal group commit', () => {
  it('puts records appended in one tick into far fewer batches, reporting durability in order', async () => {
    await withTempDir(async (dir) => {
      const journal = await Journal.open({ dir });
      const durable: number[] = [];
      let batchedRecords = 0;
      journal.onDurable = (sequence) => durable.push(sequence);
      journal.onBatch = (records, bytes, fsyncMicros) => {
        batchedRecords += records;
        assert.ok(bytes > records * RECORD_HEADER_BYTES);
        assert.ok(fsyncMicros >= 0);
      };
      for (let sequence = 1; sequence <= 1000; sequence++) journal.append(sequence, payloadFor(sequence));
      assert.equal(journal.lastSequence, 0, 'nothing is durable before the batch has been written');
      await journal.flush();
      assert.ok(journal.stats.batches < 10, `${journal.stats.batches} batches for 1000 records`);
      assert.equal(journal.stats.records, 1000);
      assert.equal(batchedRecords, 1000);
      assert.ok(durable.length === journal.stats.batches);
      for (let i = 1; i < durable.length; i++) assert.ok(durable[i] > durable[i - 1]);
      assert.equal(durable.at(-1), 1000);
      assert.equal(journal.lastSequence, 1000);
      await journal.close();
    });
  });

  it('collects records appended while a batch is in flight into the next batch', async () => {
    await withTempDir(async (dir) => {
      const journal = await Journal.open({ dir });
      const durable: number[] = [];
      let appended = 0;
      journal.onDurable = (sequence) => {
        assert.ok(sequence <= appended, 'durable never runs ahead of what was appended');
        durable.push(sequence);
      };
      // 50 ticks of 20 records each, a millisecond apart: several ticks land in each batch while an fsync is
      // running, and the writer thread (which wakes on its own schedule) has 50 ms to take more than one.
      for (let tick = 0; tick < 50; tick++) {
        for (let i = 0; i < 20; i++) journal.append(++appended, payloadFor(appended));
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      await journal.flush();
      assert.equal(durable.at(-1), 1000);
      for (let i = 1; i < durable.length; i++) assert.ok(durable[i] > durable[i - 1]);
      assert.ok(journal.stats.batches <= 50, `${journal.stats.batches} batches`);
      assert.ok(journal.stats.batches > 1);
      assert.equal(journal.stats.records, 1000);
      await journal.close();
      const reopened = await Journal.open({ dir });
      assertRecords(await replayAll(reopened), 1, 1000);
      await reopened.close();
    });
  });

  it('flush resolves at once when nothing is pending, and close flushes', async () => {
    await withTempDir(async (dir) => {
      const journal = await Journal.open({ dir });
      await journal.flush();
      journal.append(1, payloadFor(1));
      journal.append(2, payloadFor(2));
      await journal.close();
      const reopened = await Journal.open({ dir });
      assert.equal(reopened.lastSequence, 2);
      await reopened.close();
    });
  });
});

describe('journal write failure', () => {
  it('reports a failed batch once, then rejects flushes and appends', async () => {
    await withTempDir(async (dir) => {
      const journal = await Journal.open({ dir, segmentBytes: 1, log: () => {} });
      journal.append(1, payloadFor(1));
      await journal.flush();
      // The next batch must start segment 2; a file already there makes creating it fail.
      await writeFile(join(dir, segmentFileName(2)), 'in the way');
      const errors: Error[] = [];
      journal.onError = (error) => errors.push(error);
      journal.append(2, payloadFor(2));
      await assert.rejects(journal.flush(), (error: unknown) => error instanceof JournalFailedError && /after sequence 1: .*EEXIST/.test(error.message));
      assert.equal(errors.length, 1);
      assert.equal(journal.lastSequence, 1);
      assert.throws(() => journal.append(3, payloadFor(3)), JournalFailedError);
      await assert.rejects(journal.close(), JournalFailedError);
    });
  });

  it('creates a missing journal directory, nested', async () => {
    await withTempDir(async (dir) => {
      const nested = join(dir, 'data', 'journal');
      const journal = await Journal.open({ dir: nested });
      journal.append(1, payloadFor(1));
      await journal.close();
      assert.deepEqual(await segmentFiles(nested), [segmentFileName(1)]);
    });
  });
});

describe('journal sequence discipline', () => {
  it('rejects appends with a wrong sequence, and appends after close', async () => {
    await withTempDir(async (dir) => {
      const journal = await Journal.open({ dir });
      assert.throws(() => journal.append(0, payloadFor(0)), /out of order.*expected 1/);
      assert.throws(() => journal.append(2, payloadFor(2)), /out of order.*expected 1/);
      journal.append(1, payloadFor(1));
      assert.throws(() => journal.append(1, payloadFor(1)), /expected 2/);
      assert.throws(() => journal.append(3, payloadFor(3)), /expected 2/);
      journal.append(2, payloadFor(2));
      await journal.close();
      assert.throws(() => journal.append(3, payloadFor(3)), /closed/);
      const reopened = await Journal.open({ dir });
      assert.throws(() => reopened.append(2, payloadFor(2)), /expected 3/);
      await reopened.close();
    });
  });

  it('stops on a sequence gap or repeat inside a segment, at the offending record', async () => {
    for (const [sequences, reason] of [[[1, 2, 4, 5], /sequence gap: found 4, expected 3/], [[1, 2, 2, 3], /repeated sequence: found 2, expected 3/]] as const) {
      await withTempDir(async (dir) => {
        const path = join(dir, segmentFileName(1));
        await writeFile(path, Buffer.concat(sequences.map((sequence) => encodeRecord(sequence, payloadFor(sequence)))));
        const badOffset = encodeRecord(1, payloadFor(1)).length + encodeRecord(2, payloadFor(2)).length;
        await assertCorrupt(dir, path, badOffset, reason);
      });
    }
  });

  it('stops when a segment is missing or its name does not match its first record', async () => {
    await withTempDir(async (dir) => {
      const journal = await Journal.open({ dir, segmentBytes: 256 });
      await appendFlushed(journal, 1, 60, 5);
      await journal.close();
      const files = await segmentFiles(dir);
      assert.ok(files.length >= 3);
      await unlink(join(dir, files[1]));
      await assertCorrupt(dir, join(dir, files[2]), 0, /sequence gap: segment starts at sequence \d+, expected \d+/);
    });
    await withTempDir(async (dir) => {
      const path = join(dir, segmentFileName(1));
      await writeFile(path, Buffer.concat([encodeRecord(2, payloadFor(2)), encodeRecord(3, payloadFor(3))]));
      await assertCorrupt(dir, path, 0, /found 2, expected 1/);
    });
  });
});

describe('journal torn tail', () => {
  const count = 20;
  // Each variant damages the last record (sequence `count`) of a segment written without preallocation, so the
  // file ends in the torn record, the way a crash mid-write leaves an appending file.
  const variants: { name: string; damage: (path: string, lastOffset: number) => Promise<void>; reason: RegExp }[] = [
    { name: 'cut mid-header', damage: (path, lastOffset) => truncate(path, lastOffset + 7), reason: /incomplete record header/ },
    { name: 'cut mid-payload', damage: (path, lastOffset) => truncate(path, lastOffset + RECORD_HEADER_BYTES + 3), reason: /incomplete record payload/ },
    { name: 'payload byte flipped', damage: (path, lastOffset) => flipByte(path, lastOffset + RECORD_HEADER_BYTES + 2), reason: /CRC mismatch/ },
  ];
  for (const variant of variants) {
    it(`cuts a torn tail (${variant.name}), warns, and continues from the previous record`, async () => {
      await withTempDir(async (dir) => {
        const path = await oneSegmentJournal(dir, count, false);
        const lastOffset = offsetOf(1, count);
        await variant.damage(path, lastOffset);
        const damagedBytes = (await stat(path)).size;

        const warnings: string[] = [];
        const journal = await Journal.open({ dir, log: (message) => warnings.push(message) });
        assert.equal(warnings.length, 1);
        assert.ok(warnings[0].includes(path), warnings[0]);
        assert.ok(warnings[0].includes(`at byte ${lastOffset}:`), warnings[0]);
        assert.ok(warnings[0].includes(`${damagedBytes - lastOffset} bytes removed`), warnings[0]);
        assert.match(warnings[0], variant.reason);
        assert.equal(journal.lastSequence, count - 1);
        assert.equal((await stat(path)).size, lastOffset);
        await assertContinues(journal, dir, count - 1);
      });
    });
  }

  // A crash while a batch is being written into preallocated space: a prefix of the record landed, the rest of
  // the file is still the preallocated zeros.
  const preallocatedVariants: { name: string; damage: (path: string, lastOffset: number, lastEnd: number) => Promise<void>; reason: RegExp }[] = [
    { name: 'cut mid-header', damage: (path, lastOffset, lastEnd) => zeroRange(path, lastOffset + 7, lastEnd), reason: /CRC mismatch in the final record/ },
    { name: 'cut mid-payload', damage: (path, lastOffset, lastEnd) => zeroRange(path, lastOffset + RECORD_HEADER_BYTES + 3, lastEnd), reason: /CRC mismatch in the final record/ },
    { name: 'payload byte flipped', damage: (path, lastOffset) => flipByte(path, lastOffset + RECORD_HEADER_BYTES + 2), reason: /CRC mismatch in the final record/ },
  ];
  for (const variant of preallocatedVariants) {
    it(`cuts a torn record inside the preallocated space (${variant.name}) by zeroing it, keeping the file size`, async () => {
      await withTempDir(async (dir) => {
        const path = await oneSegmentJournal(dir, count);
        const lastOffset = offsetOf(1, count);
        const sizeBefore = (await stat(path)).size;
        assert.equal(sizeBefore, ONE_SEGMENT_BYTES, 'the segment was created at its full size');
        await variant.damage(path, lastOffset, offsetOf(1, count + 1));

        const warnings: string[] = [];
        const journal = await Journal.open({ dir, log: (message) => warnings.push(message) });
        assert.equal(warnings.length, 1);
        assert.ok(warnings[0].includes(`${path} at byte ${lastOffset}:`), warnings[0]);
        assert.match(warnings[0], /bytes zeroed, preallocated space after them kept/);
        assert.match(warnings[0], variant.reason);
        assert.equal(journal.lastSequence, count - 1);
        assert.equal((await stat(path)).size, sizeBefore);
        assert.ok(await zeroFrom(path, lastOffset), 'everything after the last intact record reads as zeros');
        await assertContinues(journal, dir, count - 1);
      });
    });
  }

  for (const preallocate of [false, true]) {
    it(`treats zeros after the last record as the end of the data, silently (preallocate ${preallocate})`, async () => {
      for (const zeroBytes of preallocate ? [0] : [5, 4096]) {
        await withTempDir(async (dir) => {
          // Without preallocation, zeros are what a crash leaves where the file grew but the data never landed;
          // fewer than a header's worth of them too.
          const path = await oneSegmentJournal(dir, count, preallocate);
          if (!preallocate) await appendFile(path, new Uint8Array(zeroBytes));
          const sizeBefore = (await stat(path)).size;
          const journal = await Journal.open({ dir, log: (message) => assert.fail(`unexpected warning: ${message}`) });
          assert.equal(journal.lastSequence, count);
          assert.equal((await stat(path)).size, sizeBefore, 'nothing is cut');
          await assertContinues(journal, dir, count);
          const read = await readJournal(dir, () => {});
          assert.deepEqual(read, { records: count + 5, lastSequence: count + 5, tailBytesIgnored: 0, stopped: false });
        });
      }
    });
  }

  it('cuts a last segment whose only record is torn down to empty', async () => {
    await withTempDir(async (dir) => {
      const journal = await Journal.open({ dir, segmentBytes: 100 });
      await appendFlushed(journal, 1, 6, 3); // segments start at 1 and 4
      journal.append(7, payloadFor(7));
      await journal.close();
      const files = await segmentFiles(dir);
      assert.deepEqual(files, [segmentFileName(1), segmentFileName(4), segmentFileName(7)]);
      await truncate(join(dir, files[2]), 10);
      const warnings: string[] = [];
      const reopened = await Journal.open({ dir, segmentBytes: 100, log: (message) => warnings.push(message) });
      assert.equal(warnings.length, 1);
      assert.equal(reopened.lastSequence, 6);
      await appendFlushed(reopened, 7, 9, 3);
      await reopened.close();
      const again = await Journal.open({ dir, segmentBytes: 100 });
      assertRecords(await replayAll(again), 1, 9);
      await again.close();
    });
  });
});

describe('journal corruption', () => {
  it('stops on a damaged record in the middle of a segment, naming the file and the record offset', async () => {
    await withTempDir(async (dir) => {
      const path = await oneSegmentJournal(dir, 20);
      const offset = offsetOf(1, 3);
      await flipByte(path, offset + RECORD_HEADER_BYTES + 1);
      await assertCorrupt(dir, path, offset, /CRC mismatch \(record 3\)/);
    });
  });

  it('stops on a damaged sequence field in the middle (the CRC covers it)', async () => {
    await withTempDir(async (dir) => {
      const path = await oneSegmentJournal(dir, 20);
      const offset = offsetOf(1, 10);
      await flipByte(path, offset + 8);
      await assertCorrupt(dir, path, offset, /CRC mismatch \(record 10\)/);
    });
  });

  it('stops on a damaged length field in the middle', async () => {
    await withTempDir(async (dir) => {
      const path = await oneSegmentJournal(dir, 20);
      const offset = offsetOf(1, 5);
      await flipByte(path, offset + 3); // the length's high byte: far beyond any plausible record
      await assertCorrupt(dir, path, offset, /record length \d+ exceeds the maximum/);
    });
  });

  for (const [damageSequence, preallocate] of [[false, false], [true, false], [false, true], [true, true]]) {
    // Without preallocation the damaged length runs past the end of the file; with it, into the zeros.
    it(`stops on a damaged length that makes a middle record run past the end of the data${damageSequence ? ', sequence damaged too' : ''} (preallocate ${preallocate})`, async () => {
      await withTempDir(async (dir) => {
        const path = await oneSegmentJournal(dir, 20, preallocate);
        const offset = offsetOf(1, 15);
        const handle = await open(path, 'r+');
        const length = Buffer.alloc(4);
        length.writeUInt32LE(100_000);
        await handle.write(length, 0, 4, offset);
        // With the right sequence it looks like a torn write, but intact records follow it; with a wrong one the
        // header cannot be a torn write of the next record at all.
        if (damageSequence) await handle.write(Buffer.from([0xff]), 0, 1, offset + 9);
        await handle.close();
        await assertCorrupt(dir, path, offset, preallocate ? /CRC mismatch \(record 15\)/ : /runs past the end of the file/);
      });
    });
  }

  it('stops on a damaged last record of a segment that is not the last one', async () => {
    await withTempDir(async (dir) => {
      const journal = await Journal.open({ dir, segmentBytes: 200 });
      await appendFlushed(journal, 1, 30, 5);
      await journal.close();
      const files = await segmentFiles(dir);
      assert.ok(files.length >= 2);
      const first = join(dir, files[0]);
      const nextFirst = Number(files[1].slice(0, 20));
      const offset = offsetOf(1, nextFirst - 1);
      await flipByte(first, offset + RECORD_HEADER_BYTES);
      await assertCorrupt(dir, first, offset, new RegExp(`CRC mismatch \\(record ${nextFirst - 1}\\)`));
      // And a truncated non-last segment is corruption too, not a torn tail.
      await flipByte(first, offset + RECORD_HEADER_BYTES);
      await truncate(first, offset + 5);
      await assertCorrupt(dir, first, offset, /incomplete record header/);
    });
  });

  it('stops on a bad record in the last segment that has more data after it', async () => {
    await withTempDir(async (dir) => {
      const path = await oneSegmentJournal(dir, 20);
      const offset = offsetOf(1, 19);
      await flipByte(path, offset + RECORD_HEADER_BYTES + 4);
      await assertCorrupt(dir, path, offset, /CRC mismatch \(record 19\)/);
    });
  });

  it('stops on a segment file whose name is not a sequence number', async () => {
    await withTempDir(async (dir) => {
      await oneSegmentJournal(dir, 3);
      await writeFile(join(dir, 'garbage.seg'), 'x');
      await assertCorrupt(dir, join(dir, 'garbage.seg'), 0, /not a 20-digit sequence/);
    });
  });
});

describe('readJournal (read-only, for tools beside a live server)', () => {
  it('reads every record in order with byte progress, and can stop early', async () => {
    await withTempDir(async (dir) => {
      const journal = await Journal.open({ dir, segmentBytes: 512 });
      await appendFlushed(journal, 1, 100, 10);
      await journal.close();
      // The bytes of the records, not of the files: the last segment is preallocated to 512 bytes, and
      // progress does not count its zeros.
      const totalBytes = offsetOf(1, 101);
      assert.ok((await Promise.all((await segmentFiles(dir)).map(async (name) => (await stat(join(dir, name))).size))).reduce((a, b) => a + b) > totalBytes);
      const records: RecoveredRecord[] = [];
      let lastBytes = 0;
      const result = await readJournal(dir, (record, progress) => {
        records.push(record);
        assert.equal(progress.totalBytes, totalBytes);
        assert.ok(progress.bytesRead > lastBytes && progress.bytesRead <= totalBytes);
        lastBytes = progress.bytesRead;
      });
      assertRecords(records, 1, 100);
      assert.equal(lastBytes, totalBytes);
      assert.deepEqual(result, { records: 100, lastSequence: 100, tailBytesIgnored: 0, stopped: false });
      const early = await readJournal(dir, (record) => record.sequence < 42);
      assert.deepEqual(early, { records: 42, lastSequence: 42, tailBytesIgnored: 0, stopped: true });
    });
  });

  it('stops at a torn tail without cutting it, and throws on corruption', async () => {
    await withTempDir(async (dir) => {
      const path = await oneSegmentJournal(dir, 20);
      await truncate(path, offsetOf(1, 20) + 20);
      const result = await readJournal(dir, () => {});
      assert.deepEqual(result, { records: 19, lastSequence: 19, tailBytesIgnored: 20, stopped: false });
      assert.equal((await stat(path)).size, offsetOf(1, 20) + 20, 'the file is left as it was');
      await flipByte(path, offsetOf(1, 4) + RECORD_HEADER_BYTES);
      await assert.rejects(readJournal(dir, () => {}), (error: unknown) => error instanceof JournalCorruptError && error.offset === offsetOf(1, 4));
    });
  });
});

describe('journal CRC', () => {
  it('uses CRC-32 as zlib computes it, and the fallback agrees', () => {
    const data = Buffer.from('123456789');
    assert.equal(crc32(data), 0xcbf43926);
    assert.equal(crc32Fallback(data), 0xcbf43926);
    const random = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7919) & 0xff));
    assert.equal(crc32Fallback(random), nodeCrc32(random));
    assert.equal(crc32Fallback(random.subarray(500), crc32Fallback(random.subarray(0, 500))), nodeCrc32(random));
  });

  it('leaves a running CRC as it was for no bytes, even an array over an empty ArrayBuffer (zlib returns 0 for that)', () => {
    const running = crc32(Buffer.from('123456789'));
    for (const empty of [new Uint8Array(0), new Uint8Array(new ArrayBuffer(0)), Buffer.alloc(0), new Uint8Array(8).subarray(4, 4)]) {
      assert.equal(crc32(empty, running), running);
      assert.equal(crc32Fallback(empty, running), running);
    }
    assert.equal(crc32(new Uint8Array(0)), 0);
  });

  it('gives a range of an array the CRC of that range on its own, by table loop and by the native path past 512 bytes', () => {
    const data = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919 + (i >> 3)) & 0xff));
    for (const [start, end] of [[0, 0], [0, 1], [5, 9], [100, 612], [100, 613], [7, 3000], [2999, 3000]]) {
      const previous = start % 2 === 0 ? 0 : crc32(Buffer.from('abc'));
      assert.equal(crc32Of(data, start, end, previous), nodeCrc32(data.subarray(start, end), previous), `range ${start}..${end}`);
    }
  });

  it('writes a record of the first payloadBytes of a longer buffer exactly as one of those bytes alone', () => {
    const scratch = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 31) & 0xff));
    for (const payloadBytes of [0, 1, 40, 256, 257, 300]) {
      const alone = encodeRecord(77 + 2 ** 40, scratch.subarray(0, payloadBytes));
      const target = Buffer.alloc(RECORD_HEADER_BYTES + payloadBytes + 3, 0xee);
      assert.equal(writeRecord(target, 3, 77 + 2 ** 40, scratch, payloadBytes), target.length);
      assert.deepEqual(target.subarray(3), alone, `${payloadBytes} payload bytes`);
    }
  });
});
