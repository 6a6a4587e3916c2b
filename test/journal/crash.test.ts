// Crash safety: a writer killed with SIGKILL at an arbitrary moment loses nothing it reported durable. Five
// kills on the same journal, so recovery after a crash is itself followed by more writing and another crash.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Journal } from '../../src/journal/index.ts';
import { payloadMatches, withTempDir } from './helpers.ts';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../..');
const writerScript = join(here, 'fixtures', 'crash-writer.ts');
const RUNS = 5;
const KILL_AFTER_MS = 300;

interface CrashRun {
  highestReported: number;
  reportedCount: number;
  stderr: string;
}

/** Starts the writer, kills it KILL_AFTER_MS after its first durable report, and returns what it reported. */
function runAndKill(dir: string): Promise<CrashRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', writerScript, dir], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
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

describe('journal crash safety', () => {
  it(`keeps every record reported durable across ${RUNS} SIGKILLs`, { timeout: 60_000 }, async () => {
    await withTempDir(async (dir) => {
      let previousLast = 0;
      for (let run = 1; run <= RUNS; run++) {
        const crash = await runAndKill(dir);
        assert.ok(crash.reportedCount > 0, `run ${run}: the writer reported nothing`);
        const warnings: string[] = [];
        const journal = await Journal.open({ dir, segmentBytes: 256 * 1024, log: (message) => warnings.push(message) });
        assert.ok(journal.lastSequence >= crash.highestReported,
          `run ${run}: reported ${crash.highestReported} durable, journal has ${journal.lastSequence}`);
        // Open has already checked every CRC and the sequence chain of the whole journal; the replay checks that
        // the records written since the last run carry the payloads the writer gave them. Plain comparisons in
        // the loop: it runs over hundreds of thousands of records.
        let expected = previousLast + 1;
        let firstBad = 0;
        await journal.replay(previousLast, (record) => {
          if (firstBad === 0 && (record.sequence !== expected || !payloadMatches(record.payload, record.sequence))) firstBad = expected;
          expected++;
        });
        assert.equal(firstBad, 0, `run ${run}: record ${firstBad} is out of sequence or damaged`);
        assert.equal(expected - 1, journal.lastSequence, 'sequences are contiguous');
        assert.ok(journal.lastSequence > previousLast, `run ${run} appended nothing new`);
        console.log(`crash run ${run}: reported durable ${crash.highestReported}, recovered ${journal.lastSequence}, ` +
          `${journal.segmentPaths.length} segments${warnings.length ? `, ${warnings.join('; ')}` : ''}`);
        previousLast = journal.lastSequence;
        await journal.close();
      }
    });
  });
});
