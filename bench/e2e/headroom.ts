// What this machine has to spare at the target rate of a transport, read off the echo server's
// ladder of the same run. The echo reads each request and writes an answer, nothing else; the exchange does
// the same socket work and then decodes, checks, matches, journals and fsyncs. So the cores the echo and the
// load generator use at the target rate, and the echo's p99 there, show what the machine leaves for an
// exchange's own work at that rate. Not a strict bound: the echo answers every read at once, where the
// exchange answers a journal batch together, which can cost the generator less per order.
import { fmtInt, fmtMs, keptUp } from '../http/stats.ts';
import type { TransportName } from './protocol.ts';
import type { Row } from './run.ts';

/** The targets: a rate, or (http) a share of the echo's ceiling measured in the same run. */
export const TARGETS: Record<TransportName, { ordersPerSecond: number } | { shareOfCeiling: number }> = {
  binary: { ordersPerSecond: 315_000 },
  ws: { ordersPerSecond: 80_000 },
  http: { shareOfCeiling: 0.8 },
};

export interface Headroom {
  /** The target rate, orders/s (for http: the share of the ceiling, as a rate). */
  targetPerSecond: number;
  /**
   * The echo's lowest step at or above the target rate that it kept up with (>= 95% answered), with the
   * cores the echo server and the generator used there and what was left of the machine's; null if it kept
   * up with none of those steps.
   */
  step: Pick<Row, 'rate' | 'serverCpuPercent' | 'clientCpuPercent'> & { p99Ms: number; usedCores: number; leftCores: number } | null;
}

/**
 * The headroom at a transport's target: `echoRows` is the echo's ladder, `ceilingPerSecond` its sustained
 * successes/s (for a target given as a share of it), `cores` the machine's. Null without a ceiling to go on
 * (none measured, or a ladder that never went past it), or when the echo's ladder has no step at or above the target.
 */
export function headroomAt(transport: TransportName, echoRows: readonly Row[], ceilingPerSecond: number | null, cores: number): Headroom | null {
  const target = TARGETS[transport];
  let targetPerSecond: number;
  if ('ordersPerSecond' in target) targetPerSecond = target.ordersPerSecond;
  else if (ceilingPerSecond !== null && ceilingFound(echoRows, ceilingPerSecond)) targetPerSecond = Math.round(target.shareOfCeiling * ceilingPerSecond);
  else return null;
  // A ladder that stopped below the target (--quick, or a short --*-echo-rates) says nothing about it.
  const atTarget = echoRows.filter((r) => r.rate >= targetPerSecond);
  if (atTarget.length === 0) return null;
  const kept = atTarget.filter(keptUp);
  if (kept.length === 0) return { targetPerSecond, step: null };
  const row = kept.reduce((a, b) => (b.rate < a.rate ? b : a));
  const usedCores = (row.serverCpuPercent + row.clientCpuPercent) / 100;
  return {
    targetPerSecond,
    step: {
      rate: row.rate, serverCpuPercent: row.serverCpuPercent, clientCpuPercent: row.clientCpuPercent, p99Ms: row.corrected.p99,
      usedCores, leftCores: Math.max(0, cores - usedCores),
    },
  };
}

/**
 * The echo's ladder went past its ceiling: some step above it was not kept up with. A ladder that kept up
 * with every step (--quick) only found a floor, and a share of a floor is no target.
 */
function ceilingFound(echoRows: readonly Row[], ceilingPerSecond: number): boolean {
  return echoRows.some((r) => r.rate > ceilingPerSecond && !keptUp(r));
}

export function headroomText(transport: TransportName, h: Headroom, cores: number): string {
  const target = TARGETS[transport];
  const aim = 'ordersPerSecond' in target ? `${fmtInt(h.targetPerSecond)}/s` : `${Math.round(target.shareOfCeiling * 100)}% of the ceiling, ${fmtInt(h.targetPerSecond)}/s`;
  if (h.step === null) return `${transport}: target ${aim}; the echo server kept up with none of its steps at or above it`;
  const s = h.step;
  return `${transport}: target ${aim}; at the echo's ${fmtInt(s.rate)}/s step the echo server used ${s.serverCpuPercent.toFixed(0)}% and the generator ` +
    `${s.clientCpuPercent.toFixed(0)}% of a core, ${s.usedCores.toFixed(2)} of ${cores} cores, at p99 ${fmtMs(s.p99Ms)} ms: ` +
    `${s.leftCores.toFixed(2)} of a core left over`;
}
