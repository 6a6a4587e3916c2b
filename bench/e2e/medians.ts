// With --runs N the bench repeats every ladder N times (the transports in turn within each run) and its final
// lines give the median over the runs of each figure: on a 2-core VM one run's p99 moves two or three times
// between runs minutes apart, so a single run says little. Each run's own final line is printed above them
// and kept in the results file.
import { median } from '../engine/stats.ts';

/** One run's figures for one transport: its sustained step, and its ratio to the echo ceiling of that run. */
export interface RunFigures {
  ordersPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  /** null when the run measured no ceiling (--skip-echo, or the echo answered no step). */
  ceilingRatio: number | null;
  durable: boolean;
}

/**
 * The line for a transport: `bench:e2e transport=<t> orders_per_s=<> p50_ms=<> p99_ms=<> p999_ms=<>
 * ceiling_ratio=<> durable=<>`, each figure the median over `runs` (one run: that run's). The ratio is taken
 * per run (ours over the echo's in the same run) before the median, over the runs that measured one; durable
 * only if every run was.
 */
export function finalLine(transport: string, runs: readonly RunFigures[]): string {
  if (runs.length === 0) throw new Error(`finalLine: no runs for ${transport}`);
  const ratios = runs.flatMap((r) => (r.ceilingRatio === null ? [] : [r.ceilingRatio]));
  const ms = (pick: (r: RunFigures) => number): number => Math.round(median(runs.map(pick)) * 1000) / 1000;
  return `bench:e2e transport=${transport} orders_per_s=${Math.round(median(runs.map((r) => r.ordersPerSecond)))} p50_ms=${ms((r) => r.p50Ms)} ` +
    `p99_ms=${ms((r) => r.p99Ms)} p999_ms=${ms((r) => r.p999Ms)} ceiling_ratio=${ratios.length === 0 ? 'na' : median(ratios).toFixed(2)} ` +
    `durable=${runs.every((r) => r.durable) ? 'yes' : 'no'}`;
}
