// What the run prints: a table row per step, and the choice of each ladder's sustained step.
import { errorsText } from '../common/report.ts';
import { fmtInt, fmtMs, keptUp, pad } from '../http/stats.ts';
import type { Stage } from '../../src/ops/stage-latency.ts';
import type { Row } from './run.ts';

export const HEADER = `${pad('target/s', 9)} ${pad('ok/s', 9)} ${pad('answered/s', 10)} ${pad('p50', 7)} ${pad('p90', 7)} ${pad('p99', 7)} ${pad('p99.9', 7)}` +
  ` ${pad('max', 7)} ${pad('p99 unc', 8)} ${pad('lag p99', 8)} ${pad('srv cpu', 8)} ${pad('cli cpu', 8)} ${pad('fsync ms', 9)} ${pad('fs>5ms', 6)} ${pad('rec/fsync', 9)}` +
  ` ${pad('gc ms/s', 8)} ${pad('gc>10ms', 7)} ${pad('in p99', 7)} ${pad('dur p99', 7)} ${pad('out p99', 7)} ${pad('api p99', 7)} ${pad('cpu psi', 8)}  refusals and failures`;

export const LEGEND = [
  'latency in ms from the intended send time (corrected for coordinated omission) to the first answer; "p99 unc" from the actual send;',
  '"lag p99" the wait before sending (actual minus intended send: the generator\'s own delay, and waiting for a free socket or window);',
  '"ok/s" accepted and canceled, "answered/s" also the expected refusals (e.g. ORDER_NOT_OPEN);',
  '"srv cpu" the server process (100% = one core), "cli cpu" the load generator(s), "cpu psi" share of the step some task waited for a CPU,',
  '"fsync ms" the mean fdatasync, "fs>5ms" how many took longer than 5 ms (each delays every answer of its batch and of the batches behind it),',
  '"gc ms/s" GC pause time per second on the exchange\'s engine thread (a worker; reported within about a second), "gc>10ms" its GC pauses longer than 10 ms,',
  '"in p99", "dur p99", "out p99", "api p99" the p99 of four stages inside the server (the upper bound of its histogram bucket, ms): a request from',
  '  its read on a gateway thread to the engine thread taking it; from sequenced to released (batching and fsync); an answer from the engine thread',
  '  publishing it to the gateway thread writing it to the socket; from released to applied on the API thread (beside the path of an answer)',
];

export function rowText(r: Row): string {
  const c = r.corrected;
  return `${pad(fmtInt(r.rate), 9)} ${pad(fmtInt(r.okPerSec), 9)} ${pad(fmtInt(r.answeredPerSec), 10)} ${pad(fmtMs(c.p50), 7)} ${pad(fmtMs(c.p90), 7)}` +
    ` ${pad(fmtMs(c.p99), 7)} ${pad(fmtMs(c.p999), 7)} ${pad(fmtMs(c.max), 7)} ${pad(fmtMs(r.uncorrected.p99), 8)} ${pad(fmtMs(r.sendLag.p99), 8)}` +
    ` ${pad(r.serverCpuPercent.toFixed(0) + '%', 8)} ${pad(r.clientCpuPercent.toFixed(0) + '%', 8)}` +
    ` ${pad(r.meanFsyncMs === undefined || !Number.isFinite(r.meanFsyncMs) ? '-' : fmtMs(r.meanFsyncMs), 9)}` +
    ` ${pad(r.fsyncsOver5Ms === undefined ? '-' : String(r.fsyncsOver5Ms), 6)}` +
    ` ${pad(r.recordsPerFsync === undefined || !Number.isFinite(r.recordsPerFsync) ? '-' : r.recordsPerFsync.toFixed(1), 9)}` +
    ` ${pad(r.gcMsPerSecond === undefined ? '-' : r.gcMsPerSecond.toFixed(0), 8)} ${pad(r.gcPausesOver10Ms === undefined ? '-' : String(r.gcPausesOver10Ms), 7)}` +
    ` ${pad(stageText(r, 'inbound'), 7)} ${pad(stageText(r, 'durable'), 7)} ${pad(stageText(r, 'answer'), 7)} ${pad(stageText(r, 'stream'), 7)}` +
    ` ${pad(r.cpuPressurePercent === null ? '-' : r.cpuPressurePercent.toFixed(0) + '%', 8)}  ${errorsText(r.errors, '-')}` +
    `${r.unsent > 0 ? `; ${fmtInt(r.unsent)} never sent` : ''}${r.abandoned > 0 ? `; ${fmtInt(r.abandoned)} never answered` : ''}`;
}

function stageText(r: Row, stage: Stage): string {
  const ms = r.stageP99Ms?.[stage];
  if (ms === undefined || Number.isNaN(ms)) return '-';
  return ms === Infinity ? '>2500' : `<=${ms < 1 ? ms.toFixed(1) : ms.toFixed(0)}`;
}

export interface Sustained {
  row: Row | null;
  /** Empty when the step met both conditions; else why another step was taken. */
  note: string;
}

/**
 * The highest step the server kept up with (answered at >= 95% of its target) whose p99 is within
 * `boundMs`; when none is within the bound, the highest it kept up with; when it kept up with none, the
 * step with the most successes. Each fallback says so in `note`.
 */
export function sustainedStep(rows: Row[], boundMs: number): Sustained {
  const kept = rows.filter(keptUp);
  const within = kept.filter((r) => r.corrected.p99 <= boundMs);
  if (within.length > 0) return { row: within.at(-1)!, note: '' };
  if (kept.length > 0) return { row: kept.at(-1)!, note: `no step kept p99 <= ${boundMs} ms: the highest step answered at 95% of its target` };
  if (rows.length > 0) {
    return { row: rows.reduce((a, b) => (b.okPerSec > a.okPerSec ? b : a)), note: 'no step was answered at 95% of its target: the step with the most successes' };
  }
  return { row: null, note: 'no step ran' };
}
