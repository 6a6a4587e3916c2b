// Journal throughput and commit latency with group commit, with and without preallocated segments, in the same
// run: rounds alternate the two modes (off, on, off, on, ...) so that a change in how busy the machine or the
// disk is falls on both, and the summary gives each mode's median over its runs.
//
//   node --import tsx bench/journal/main.ts [--seconds=3] [--payload-bytes=100] [--rate=0] [--rounds=3]
//     [--preallocate=both|on|off] [--segment-mib=64] [--no-fsync] [--no-probe] [--dir=PATH]
//
// Unless --no-probe, each round also times a synchronous write + fdatasync loop in both modes (fsync-probe.ts):
// the file system's cost alone, which the journal runs' figures carry together with event-loop delays.
//
// --rate=0 offers records as fast as possible (throughput: big batches); a fixed --rate such as 20000 gives
// small batches, where the fdatasync of each one is the commit latency. --dir should sit on the disk the
// exchange will use: fsync cost is the whole story here.
import { tmpdir } from 'node:os';
import { busyText } from '../common/machine.ts';
import { type Latency, median } from '../engine/stats.ts';
import { probeFdatasync } from './fsync-probe.ts';
import { type RunOptions, type RunResult, runOnce } from './run.ts';

function argument(name: string, fallback: string): string {
  const prefix = `--${name}=`;
  return process.argv.find((arg) => arg.startsWith(prefix))?.slice(prefix.length) ?? fallback;
}

const which = argument('preallocate', 'both');
if (!['both', 'on', 'off'].includes(which)) throw new Error(`--preallocate must be both, on or off, got ${which}`);
const modes = which === 'both' ? [false, true] : [which === 'on'];
const rounds = Number(argument('rounds', '3'));
const base: Omit<RunOptions, 'preallocate'> = {
  seconds: Number(argument('seconds', '3')),
  payloadBytes: Number(argument('payload-bytes', '100')),
  ratePerSecond: Number(argument('rate', '0')),
  fsync: !process.argv.includes('--no-fsync'),
  segmentBytes: Number(argument('segment-mib', '64')) * 1024 * 1024,
  baseDir: argument('dir', tmpdir()),
};

const probe = base.fsync && !process.argv.includes('--no-probe');
const PROBE_WRITES = 2000;
const PROBE_WRITE_BYTES = 1000;
const label = (preallocate: boolean): string => (preallocate ? 'preallocated' : 'appending   ');
const us = (value: number): string => value.toFixed(0).padStart(6);

console.log(`journal bench: ${base.payloadBytes}-byte payloads, fsync ${base.fsync ? 'on' : 'OFF'}, ` +
  `${base.ratePerSecond > 0 ? `${base.ratePerSecond} records/s offered` : 'as fast as possible'}, ${base.seconds} s a run, ` +
  `${base.segmentBytes / 1024 / 1024} MiB segments, ${rounds} round(s), in ${base.baseDir}; ${busyText()}`);
const results = new Map<boolean, RunResult[]>(modes.map((mode) => [mode, []]));
const probes = new Map<boolean, Latency[]>(modes.map((mode) => [mode, []]));
for (let round = 1; round <= rounds; round++) {
  for (const preallocate of modes) {
    if (probe) {
      const p = probeFdatasync(base.baseDir, preallocate, PROBE_WRITES, PROBE_WRITE_BYTES);
      probes.get(preallocate)!.push(p);
      console.log(`  round ${round} ${label(preallocate)}: probe (${PROBE_WRITES} synchronous ${PROBE_WRITE_BYTES}-byte write + fdatasync) µs p50 ${us(p.p50)} p99 ${us(p.p99)}`);
    }
    const r = await runOnce({ ...base, preallocate });
    results.get(preallocate)!.push(r);
    console.log(`  round ${round} ${label(preallocate)}: ${Math.round(r.durablePerSecond).toLocaleString('en-US').padStart(10)} durable records/s, ` +
      `${r.megabytesPerSecond.toFixed(1)} MB/s, ${r.batches} batches of ${Math.round(r.recordsPerBatch)} records, ${r.segments} segment(s); ` +
      `fdatasync µs p50 ${us(r.fsyncUs.p50)} p99 ${us(r.fsyncUs.p99)}; append→durable µs p50 ${us(r.appendToDurableUs.p50)} p99 ${us(r.appendToDurableUs.p99)}`);
  }
}
console.log(`medians over ${rounds} round(s):`);
for (const [preallocate, runs] of results) {
  const m = (pick: (r: RunResult) => number): number => median(runs.map(pick));
  console.log(`  ${label(preallocate)}: ${Math.round(m((r) => r.durablePerSecond)).toLocaleString('en-US').padStart(10)} durable records/s; ` +
    `fdatasync µs p50 ${us(m((r) => r.fsyncUs.p50))} p99 ${us(m((r) => r.fsyncUs.p99))}; ` +
    `append→durable µs p50 ${us(m((r) => r.appendToDurableUs.p50))} p99 ${us(m((r) => r.appendToDurableUs.p99))}`);
}
if (probe) {
  for (const [preallocate, runs] of probes) {
    console.log(`  ${label(preallocate)}: probe fdatasync µs p50 ${us(median(runs.map((p) => p.p50)))} p99 ${us(median(runs.map((p) => p.p99)))}`);
  }
}
console.log(`after the runs: ${busyText()}`);
