// What the benchmarks print and keep: error tallies as text, and the results file.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fmtInt } from '../http/stats.ts';
import { root } from './children.ts';

/** "409 ORDER_NOT_OPEN x12, ..." most frequent first; `none` when there were none. */
export function errorsText(errors: Record<string, number>, none: string): string {
  const entries = Object.entries(errors).sort((a, b) => b[1] - a[1]);
  return entries.length === 0 ? none : entries.map(([k, v]) => `${k} x${fmtInt(v)}`).join(', ');
}

/**
 * Writes bench/results/<bench>-<start time>.json: the benchmark, its start, duration and command line, then
 * `body`; logs the path and the run's duration, and returns the path. `script` is the npm script that ran
 * it (default `bench:<bench>`).
 */
export function saveResults(bench: string, startedAt: number, body: Record<string, unknown>, script = `bench:${bench}`): string {
  const resultsDir = join(root, 'bench/results');
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `${bench}-${new Date(startedAt).toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({
    bench, startedAt: new Date(startedAt).toISOString(), durationS: (Date.now() - startedAt) / 1000,
    command: `npm run ${script}${process.argv.length > 2 ? ' -- ' + process.argv.slice(2).join(' ') : ''}`,
    ...body,
  }, null, 2) + '\n');
  console.log(`results: ${file} (${((Date.now() - startedAt) / 1000).toFixed(0)} s in all)`);
  return file;
}
