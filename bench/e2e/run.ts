// Drives one ladder: the load processes (forked, each with its share of the connections, accounts and
// rate), their results merged per step, the server's CPU and fsync counters around each step, and the stop
// rule. Used for the exchange and for the echo servers alike.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as hdr from 'hdr-histogram-js';
import { Forked } from '../common/children.ts';
import { metricsText, metricValue } from '../common/exchange.ts';
import { cpuSeconds, cpuStallMicros } from '../common/machine.ts';
import { summarize } from '../http/stats.ts';
import type { BenchAccount } from '../http/workload.ts';
import type { Config, TransportPlan } from './config.ts';
import type { FlowSymbol } from './flow.ts';
import type { FromLoad, ProgressNotice, SecondSample, StepResult, Target, ToLoad } from './protocol.ts';
import type { Progress } from './progress.ts';
import { STAGE_BUCKETS_SECONDS, STAGES, type Stage } from '../../src/ops/stage-latency.ts';

const here = dirname(fileURLToPath(import.meta.url));

export interface Row extends StepResult {
  /** When the step started, seconds since the ladder's first step started (for the time series). */
  startS: number;
  serverCpuPercent: number;
  /** Share of the step during which some task on the machine waited for a CPU (Linux PSI), percent. */
  cpuPressurePercent: number | null;
  /** From the exchange's /metrics over the step (absent for the echo servers). */
  fsyncs?: number;
  recordsPerFsync?: number;
  meanFsyncMs?: number;
  /** fdatasyncs slower than 5 ms: each holds back every answer of its batch (and the batches behind it). */
  fsyncsOver5Ms?: number;
  /** GC on the exchange's engine (main) thread: pause time per second of the step (ms), and pauses over 10 ms. */
  gcMsPerSecond?: number;
  gcPausesOver10Ms?: number;
  /**
   * p99 of each order-entry stage over the step, ms, as the upper bound of its histogram bucket (Infinity:
   * above the last bound): inbound (gateway read to the engine thread taking it), durable (sequenced to
   * released), stream (released to applied on the API thread).
   */
  stageP99Ms?: Record<Stage, number>;
}

type LoadProcess = Forked<ToLoad, FromLoad>;

/** The load processes of one ladder. */
export class Loads {
  private constructor(private readonly processes: LoadProcess[]) {}

  /** Forks `config.loadProcesses` generators and connects them to `target` (binary, ws: logged in). */
  static async start(config: Config, plan: TransportPlan, target: Target, accounts: BenchAccount[], symbols: FlowSymbol[], progress: Progress): Promise<Loads> {
    const n = config.loadProcesses;
    const processes = Array.from({ length: n }, (_, i) => {
      const p = new Forked<ToLoad, FromLoad>(join(here, 'load.ts'), `load generator ${i}`, { serialization: 'json', killGraceMs: 1000, noticeTypes: ['progress'] });
      if (i === 0) p.onNotice = (m) => progress.second((m as ProgressNotice).answered * n, (m as ProgressNotice).p99Ms);
      return p;
    });
    const loads = new Loads(processes);
    try {
      const perProcess = plan.accounts / n;
      await Promise.all(processes.map((p, i) => p.request({
        type: 'init', transport: plan.name, target, connections: plan.connections / n,
        accounts: accounts.slice(i * perProcess, (i + 1) * perProcess), symbols, mix: config.mix, seed: config.seed + i, window: plan.window,
      }, 'ready')));
    } catch (error) {
      await loads.exit();
      throw error;
    }
    return loads;
  }

  async step(rate: number, settleMs: number, measureMs: number, drainMs: number): Promise<StepResult> {
    const n = this.processes.length;
    const results = await Promise.all(this.processes.map((p) => p.request({ type: 'step', rate: rate / n, settleMs, measureMs, drainMs }, 'result')));
    return results.length === 1 ? results[0].result : merge(results.map((r) => r.result));
  }

  async exit(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.exit()));
  }
}

/** Several processes' results of one step as one. */
function merge(parts: StepResult[]): StepResult {
  const sum = (f: (r: StepResult) => number): number => parts.reduce((s, r) => s + f(r), 0);
  const histogram = (f: (r: StepResult) => string): { summary: ReturnType<typeof summarize>; encoded: string } => {
    const all = parts.map((r) => hdr.decodeFromCompressedBase64(f(r)));
    for (const h of all.slice(1)) all[0].add(h);
    return { summary: summarize(all[0]), encoded: hdr.encodeIntoCompressedBase64(all[0]) };
  };
  const errors: Record<string, number> = {};
  for (const r of parts) for (const [key, n] of Object.entries(r.errors)) errors[key] = (errors[key] ?? 0) + n;
  const corrected = histogram((r) => r.histograms.corrected);
  const uncorrected = histogram((r) => r.histograms.uncorrected);
  const sendLag = histogram((r) => r.histograms.sendLag);
  const secondsCount = Math.max(...parts.map((r) => r.seconds.length));
  const seconds: SecondSample[] = [];
  for (let i = 0; i < secondsCount; i++) {
    const samples = parts.map((r) => r.seconds[i]).filter((s) => s !== undefined);
    const h = histogram((r) => r.seconds[i]?.histogram ?? hdr.encodeIntoCompressedBase64(hdr.build()));
    seconds.push({
      second: i, measured: samples.every((s) => s.measured), offered: samples.reduce((s, x) => s + x.offered, 0),
      answered: samples.reduce((s, x) => s + x.answered, 0), ok: samples.reduce((s, x) => s + x.ok, 0), latency: h.summary, histogram: h.encoded,
    });
  }
  return {
    rate: sum((r) => r.rate), measureMs: parts[0].measureMs, scheduled: sum((r) => r.scheduled),
    okPerSec: sum((r) => r.okPerSec), answeredPerSec: sum((r) => r.answeredPerSec), allPerSec: sum((r) => r.allPerSec),
    okByKind: { passive: sum((r) => r.okByKind.passive), cross: sum((r) => r.okByKind.cross), cancel: sum((r) => r.okByKind.cancel) },
    errors, unsent: sum((r) => r.unsent), abandoned: sum((r) => r.abandoned), maxBacklog: sum((r) => r.maxBacklog),
    corrected: corrected.summary, uncorrected: uncorrected.summary, sendLag: sendLag.summary,
    histograms: { corrected: corrected.encoded, uncorrected: uncorrected.encoded, sendLag: sendLag.encoded },
    clientCpuPercent: sum((r) => r.clientCpuPercent), wallMs: Math.max(...parts.map((r) => r.wallMs)), seconds,
    seen: { resting: sum((r) => r.seen.resting), cancelsAccepted: sum((r) => r.seen.cancelsAccepted) },
  };
}

interface Counters {
  fsyncs: number;
  fsyncSeconds: number;
  fsyncsUpTo5Ms: number;
  records: number;
  gcSeconds: number;
  gcPauses: number;
  gcPausesUpTo10Ms: number;
  /** Cumulative bucket counts per stage, in STAGE_BUCKETS_SECONDS order and +Inf last. */
  stageBuckets: Record<Stage, number[]>;
}

/** Sum of a metric over all its label sets (lines `name{...} value`), optionally only lines containing `having`. */
function metricSum(text: string, name: string, having = ''): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if ((line.startsWith(name + '{') || line.startsWith(name + ' ')) && line.includes(having)) total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

export async function journalCounters(url: string): Promise<Counters> {
  const text = await metricsText(url);
  return {
    fsyncs: metricValue(text, 'exchange_journal_fsync_seconds_count'),
    fsyncSeconds: metricValue(text, 'exchange_journal_fsync_seconds_sum'),
    fsyncsUpTo5Ms: metricSum(text, 'exchange_journal_fsync_seconds_bucket', 'le="0.005"'),
    records: metricValue(text, 'exchange_journal_batch_records_sum'),
    // The engine thread's pauses (it is a worker: prom-client's default GC metrics are the API thread's).
    gcSeconds: metricSum(text, 'exchange_engine_gc_duration_seconds_sum'),
    gcPauses: metricSum(text, 'exchange_engine_gc_duration_seconds_count'),
    gcPausesUpTo10Ms: metricSum(text, 'exchange_engine_gc_duration_seconds_bucket', 'le="0.01"'),
    stageBuckets: Object.fromEntries(STAGES.map((stage) => [stage, [...STAGE_BUCKETS_SECONDS, '+Inf'].map((le) =>
      metricSum(text, 'exchange_stage_seconds_bucket', `{le="${le}",stage="${stage}"}`))])) as Record<Stage, number[]>,
  };
}

/** The p99 of the observations between two scrapes of a stage, ms: the upper bound of the bucket it falls in. */
function stageP99Ms(before: number[], after: number[]): number {
  const total = after.at(-1)! - before.at(-1)!;
  if (total <= 0) return NaN;
  const index = after.findIndex((cumulative, i) => cumulative - before[i] >= 0.99 * total);
  return index < STAGE_BUCKETS_SECONDS.length ? STAGE_BUCKETS_SECONDS[index] * 1000 : Infinity;
}

export interface LadderServer {
  /** Label in the progress bar, e.g. "binary exchange". */
  label: string;
  pid: number | undefined;
  /** The exchange's URL for /metrics, null for an echo server. */
  metricsUrl: string | null;
}

/**
 * Runs the ladder: a warm-up, then each rate in turn until a step with p99 over `stopP99Ms` (null: no p99
 * stop) or fewer than 90% of its target answered. `onRow` sees each step as it ends.
 */
export async function ladder(
  config: Config, loads: Loads, server: LadderServer, rates: number[], progress: Progress, onRow: (row: Row) => void, stopP99Ms: number | null,
): Promise<Row[]> {
  progress.stepStarted(server.label, 'warm-up', rates[0]);
  await loads.step(rates[0], config.warmupMs, 200, config.drainMs);
  const rows: Row[] = [];
  const ladderStart = performance.now();
  for (const [i, rate] of rates.entries()) {
    progress.stepStarted(server.label, `${i + 1}/${rates.length}`, rate);
    const before = server.metricsUrl === null ? null : await journalCounters(server.metricsUrl);
    const cpu0 = cpuSeconds(server.pid);
    const stall0 = cpuStallMicros();
    const t0 = performance.now();
    const result = await loads.step(rate, config.settleMs, config.measureMs, config.drainMs);
    const wallMs = performance.now() - t0;
    const stall1 = cpuStallMicros();
    const row: Row = {
      ...result, startS: (t0 - ladderStart) / 1000,
      serverCpuPercent: ((cpuSeconds(server.pid) - cpu0) / (wallMs / 1000)) * 100,
      cpuPressurePercent: stall0 === null || stall1 === null ? null : ((stall1 - stall0) / 1000 / wallMs) * 100,
    };
    if (before !== null) {
      const after = await journalCounters(server.metricsUrl!);
      row.fsyncs = after.fsyncs - before.fsyncs;
      row.recordsPerFsync = (after.records - before.records) / row.fsyncs;
      row.meanFsyncMs = ((after.fsyncSeconds - before.fsyncSeconds) / row.fsyncs) * 1000;
      row.fsyncsOver5Ms = row.fsyncs - (after.fsyncsUpTo5Ms - before.fsyncsUpTo5Ms);
      row.gcMsPerSecond = ((after.gcSeconds - before.gcSeconds) * 1000) / (wallMs / 1000);
      row.gcPausesOver10Ms = (after.gcPauses - before.gcPauses) - (after.gcPausesUpTo10Ms - before.gcPausesUpTo10Ms);
      row.stageP99Ms = Object.fromEntries(STAGES.map((stage) => [stage, stageP99Ms(before.stageBuckets[stage], after.stageBuckets[stage])])) as Record<Stage, number>;
    }
    rows.push(row);
    onRow(row);
    const p99TooHigh = stopP99Ms !== null && row.corrected.p99 > stopP99Ms;
    if (p99TooHigh || row.answeredPerSec < 0.9 * rate) {
      progress.log(`  (ladder stops: ${p99TooHigh ? `p99 over ${stopP99Ms} ms` : 'answered under 90% of target'})`);
      break;
    }
  }
  return rows;
}
