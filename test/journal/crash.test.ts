// Crash safety: a writer killed with SIGKILL at an arbitrary moment loses nothing it reported durable. Five
// kills on the same journal, so recovery after a crash is itself followed by more writing and another crash.
// Segments are preallocated (the default), so every kill lands while a zero-filled segment is being written
// into, and often while the next one is being prepared.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEFAULT_SEGMENT_BYTES, encodeRecord, Journal } from '../../src/journal/index.ts';
import { NEXT_SEGMENT_TEMP_NAME } from '../../src/journal/next-segment-file.ts';
import { offsetOf, payloadFor, payloadMatches, withTempDir } from './helpers.ts';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../..');
const writerScript = join(here, 'fixtures', 'crash-writer.ts');
const RUNS = 5;
const KILL_AFTER_MS = 300;
const SMALL_SEGMENT_BYTES = 256 * 1024;

interface CrashRun {
  highestReported: number;
  reportedCount: number;
  stderr: string;
}

/** Starts the writer, kills it KILL_AFTER_MS after its first durable report, and returns what it reported. */
function runAndKill(dir: string, segmentBytes: number): Promise<CrashRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', writerScript, dir, String(segmentBytes)], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let killTimer: NodeJS.Timeout | undefined;
    const giveUp = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      killTimer ??= setTimeout(() => process.kill(child.pid!, 'SIGKILL'), KILL_AFTER_MS);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(giveUp);
      clearTimeout(killTimer);
      if (signal !== 'SIGKILL') return reject(new Error(`writer exited on its own (code ${code}, signal ${signal}): ${stderr}`));
      // Only complete lines: a number cut by the kill was never fully reported.
      const lines = stdout.split('\n').slice(0, -1);
      const reported = lines.map(Number);
      for (let i = 1; i < reported.length; i++) assert.ok(reported[i] > reported[i - 1], 'durable reports are increasing');
      resolvePromise({ highestReported: reported.at(-1) ?? 0, reportedCount: reported.length, stderr });
    });
  });
}

/**
 * Opens the journal after a crash and checks it: everything reported durable is there, and the records
 * written since `previousLast` carry the writer's payloads. Returns the open journal.
 */
async function openAndCheck(dir: string, segmentBytes: number, crash: CrashRun, previousLast: number, run: string): Promise<Journal> {
  assert.ok(crash.reportedCount > 0, `${run}: the writer reported nothing`);
  // Often there: the kill landed while the next segment was being prepared. Open must not trip over it.
  const leftover = existsSync(join(dir, NEXT_SEGMENT_TEMP_NAME));
  const warnings: string[] = [];
  const journal = await Journal.open({ dir, segmentBytes, log: (message) => warnings.push(message) });
  assert.ok(journal.lastSequence >= crash.highestReported, `${run}: reported ${crash.highestReported} durable, journal has ${journal.lastSequence}`);
  // Open has already checked every CRC and the sequence chain of the whole journal; the replay checks that the
  // records written since the last run carry the payloads the writer gave them. Plain comparisons in the loop:
  // it runs over hundreds of thousands of records.
  let expected = previousLast + 1;
  let firstBad = 0;
  await journal.replay(previousLast, (record) => {
    if (firstBad === 0 && (record.sequence !== expected || !payloadMatches(record.payload, record.sequence))) firstBad = expected;
    expected++;
  });
  assert.equal(firstBad, 0, `${run}: record ${firstBad} is out of sequence or damaged`);
  assert.equal(expected - 1, journal.lastSequence, 'sequences are contiguous');
  assert.ok(journal.lastSequence > previousLast, `${run} appended nothing new`);
  console.log(`${run}: reported durable ${crash.highestReported}, recovered ${journal.lastSequence}, ` +
    `${journal.segmentPaths.length} segments${leftover ? ', half-prepared next segment left' : ''}${warnings.length ? `, ${warnings.join('; ')}` : ''}`);
  return journal;
}

/** Closes the journal and checks that only segment files are left (a next segment being prepared is dropped). */
async function closeAndCheck(journal: Journal, dir: string): Promise<void> {
  await journal.close();
  assert.deepEqual((await readdir(dir)).filter((name) => !name.endsWith('.seg')), [], 'only segment files after close');
}

describe('journal crash safety', () => {
  it(`keeps every record reported durable across ${RUNS} SIGKILLs`, { timeout: 60_000 }, async () => {
    await withTempDir(async (dir) => {
      let previousLast = 0;
      for (let run = 1; run <= RUNS; run++) {
        const crash = await runAndKill(dir, SMALL_SEGMENT_BYTES);
        const journal = await openAndCheck(dir, SMALL_SEGMENT_BYTES, crash, previousLast, `crash run ${run}`);
        previousLast = journal.lastSequence;
        await closeAndCheck(journal, dir);
      }
    });
  });

  it('recovers a writer killed inside a large preallocated segment, and cuts a torn record in its zeros', { timeout: 60_000 }, async () => {
    await withTempDir(async (dir) => {
      const segmentBytes = DEFAULT_SEGMENT_BYTES;
      let previousLast = 0;
      for (let run = 1; run <= 2; run++) {
        const crash = await runAndKill(dir, segmentBytes);
        const journal = await openAndCheck(dir, segmentBytes, crash, previousLast, `preallocated run ${run}`);
        const active = journal.segmentPaths.at(-1)!;
        assert.ok((await stat(active)).size >= segmentBytes, 'the segment being written was created at its full size');
        previousLast = journal.lastSequence;
        await closeAndCheck(journal, dir);
      }

      // What a kill in the middle of a write leaves in preallocated space: the first part of the next record,
      // then the zeros that were already there.
      let tail = await activeTail(dir, previousLast);
      // A kill can leave the active segment with less room than a record's prefix (the next record would start a
      // new segment): then one more record, which does, so that the torn one lands in zeros as it would.
      if (tail.dataEnd + RECORD_PREFIX_BYTES >= tail.sizeBytes) {
        const journal = await Journal.open({ dir, segmentBytes });
        journal.append(previousLast + 1, payloadFor(previousLast + 1));
        await journal.flush();
        previousLast++;
        await closeAndCheck(journal, dir);
        tail = await activeTail(dir, previousLast);
      }
      const { path, dataEnd, sizeBytes: sizeBefore } = tail;
      const torn = encodeRecord(previousLast + 1, payloadFor(previousLast + 1)).subarray(0, RECORD_PREFIX_BYTES);
      assert.ok(dataEnd + torn.length < sizeBefore, 'the torn record lies inside the preallocated space');
      const handle = await open(path, 'r+');
      await handle.write(torn, 0, torn.length, dataEnd);
      await handle.close();

      const warnings: string[] = [];
      const journal = await Journal.open({ dir, segmentBytes, log: (message) => warnings.push(message) });
      assert.equal(warnings.length, 1, warnings.join('; '));
      assert.ok(warnings[0].includes(`${path} at byte ${dataEnd}: ${RECORD_PREFIX_BYTES} bytes zeroed`), warnings[0]);
      assert.equal(journal.lastSequence, previousLast);
      assert.equal((await stat(path)).size, sizeBefore, 'the preallocated space is kept');
      await closeAndCheck(journal, dir);

      // And the writer carries on over the zeroed bytes.
      const crash = await runAndKill(dir, segmentBytes);
      await closeAndCheck(await openAndCheck(dir, segmentBytes, crash, previousLast, 'after the torn record'), dir);
    });
  });
});

/** Bytes of the torn record that landed: the header and part of the payload (its bytes are non-zero). */
const RECORD_PREFIX_BYTES = 20;

/** The last segment file, where the record after `lastSequence` starts in it, and its size. */
async function activeTail(dir: string, lastSequence: number): Promise<{ path: string; dataEnd: number; sizeBytes: number }> {
  const active = (await readdir(dir)).filter((name) => name.endsWith('.seg')).sort().at(-1)!;
  const path = join(dir, active);
  return { path, dataEnd: offsetOf(Number(basename(active, '.seg')), lastSequence + 1), sizeBytes: (await stat(path)).size };
}
