// The measurements, one per child process (see main.ts): our engine or the peer on one scenario.
import { performance } from 'node:perf_hooks';
import { EventKind, Side } from '../../src/engine/index.ts';
import { preparedOurs, sideTotals, TallySink } from './run-ours.ts';
import { peerIds, preparedPeer } from './run-peer.ts';
import { fmtInt, GcWatch, type Latency, latencyUs, median, settle } from './stats.ts';
import type { Workload } from './workload.ts';

export const RUNS = 7;
export const LATENCY_PASSES = 3;

export interface Measured {
  /** Median over the runs, wall clock. */
  opsPerSec: number;
  runs: number[];
  /** Median over the runs, by the process's CPU time (user + system, all threads). */
  cpuOpsPerSec: number;
  /** Ops per timed run. */
  ops: number;
  gcMaxMs: number;
  gcPerRun: number;
  latency: Latency;
  /** Ops in the latency pass. */
  latencyOps: number;
  checks: string[];
  ok: boolean;
}

interface Timing {
  wallMs: number;
  cpuMs: number;
}

function timeIt(run: () => void): Timing {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  run();
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

type Throughput = Pick<Measured, 'opsPerSec' | 'runs' | 'cpuOpsPerSec' | 'ops' | 'gcMaxMs' | 'gcPerRun'>;

/** RUNS timed runs; `prepare()` does the untimed preparation and returns the timed run. */
async function timedRuns(gc: () => void, ops: number, prepare: () => () => Timing): Promise<Throughput> {
  const runs: number[] = [];
  const cpuRuns: number[] = [];
  let gcMaxMs = 0;
  let gcCount = 0;
  const watch = new GcWatch();
  for (let r = 0; r < RUNS; r++) {
    const run = prepare();
    await settle(gc);
    watch.start();
    const t = run();
    const pauses = await watch.stop();
    gcMaxMs = Math.max(gcMaxMs, pauses.maxMs);
    gcCount += pauses.count;
    runs.push((ops / t.wallMs) * 1000);
    cpuRuns.push((ops / t.cpuMs) * 1000);
  }
  return { opsPerSec: median(runs), runs, cpuOpsPerSec: median(cpuRuns), ops, gcMaxMs, gcPerRun: gcCount / RUNS };
}

class Checks {
  readonly lines: string[] = [];
  ok = true;

  equal(label: string, actual: number, expected: number): void {
    const good = actual === expected;
    this.ok &&= good;
    this.lines.push(`${label} ${fmtInt(actual)}${good ? '' : ` (EXPECTED ${fmtInt(expected)})`}`);
  }
}

/** Ours: the whole measured stream on a fresh engine per run (prefill applied untimed), after a warm-up run. */
export async function measureOurs(gc: () => void, w: Workload): Promise<Measured> {
  const from = w.measuredFrom;
  const to = w.length;
  const ops = to - from;
  preparedOurs(w).run(from, to);
  const throughput = await timedRuns(gc, ops, () => {
    const driver = preparedOurs(w);
    return () => timeIt(() => driver.run(from, to));
  });

  // Latency: LATENCY_PASSES passes on fresh engines; the pass with the median p99 is reported, so that one
  // pass disturbed by another process on the machine does not decide the figure.
  const samples = new Float64Array(ops);
  const passes: Latency[] = [];
  for (let pass = 0; pass < LATENCY_PASSES; pass++) {
    const driver = preparedOurs(w);
    await settle(gc);
    driver.runTimed(from, to, samples);
    passes.push(latencyUs(samples));
  }
  passes.sort((a, b) => a.p99 - b.p99);

  // Checks, untimed: events and final book against the model book, invariants, rejections by code.
  const tally = new TallySink();
  const checked = preparedOurs(w, tally);
  tally.reset();
  checked.run(from, to);
  checked.engine.checkInvariants();
  const e = w.expected;
  const end = e.snapshots.get(to)!;
  const checks = new Checks();
  checks.equal('executions', tally.byKind[EventKind.Execution], 2 * end.trades);
  checks.equal('cancels (user+STP+IOC)', tally.byKind[EventKind.OrderCanceled], e.counts.Cancel + e.selfTradeCancels + e.takerRemaindersCanceled);
  checks.equal('resting', checked.engine.restingOrderCount, end.resting);
  checks.equal('bid qty', sideTotals(checked.engine, Side.Buy).quantity, end.bidQuantity);
  checks.equal('ask qty', sideTotals(checked.engine, Side.Sell).quantity, end.askQuantity);
  const rejections = tally.rejections();
  if (rejections !== 'none') checks.ok = false;
  checks.lines.push(`rejections by code: ${rejections}`);
  return { ...throughput, latency: passes[LATENCY_PASSES >> 1], latencyOps: ops, checks: checks.lines, ok: checks.ok };
}

/**
 * The peer: one book, prefilled once (untimed), then consecutive windows of the same stream: a warm-up
 * window, RUNS timed windows, one latency window.
 */
export async function measurePeer(gc: () => void, w: Workload): Promise<Measured> {
  const ids = peerIds(w);
  const win = w.params.peerWindowOps;
  const peer = preparedPeer(w, ids);
  let at = w.measuredFrom;
  peer.run(at, at + win);
  at += win;
  const throughput = await timedRuns(gc, win, () => {
    const start = at;
    at += win;
    return () => timeIt(() => peer.run(start, start + win));
  });
  const samples = new Float64Array(win);
  await settle(gc);
  peer.runTimed(at, at + win, samples);
  at += win;
  const latency = latencyUs(samples);

  const expected = w.expected.snapshots.get(at);
  if (expected === undefined) throw new Error(`no model snapshot at op ${at}: make peerWindowOps a multiple of SNAPSHOT_EVERY`);
  const totals = peer.totals();
  const checks = new Checks();
  checks.equal(`after ${fmtInt(at - w.measuredFrom)} ops: bid qty`, totals.bid.quantity, expected.bidQuantity);
  checks.equal('ask qty', totals.ask.quantity, expected.askQuantity);
  checks.equal('missed cancels', peer.missedCancels, 0);
  checks.equal('errors', peer.errors, 0);
  return { ...throughput, latency, latencyOps: win, checks: checks.lines, ok: checks.ok };
}
