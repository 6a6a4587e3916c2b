// Small statistics helpers: medians, percentiles over a sorted Float64Array, GC pause watching, formatting.
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export interface Latency {
  p50: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

/** Percentiles (nearest rank) of latencies in ns; sorts the array in place. Result in microseconds. */
export function latencyUs(ns: Float64Array): Latency {
  ns.sort();
  const at = (q: number): number => ns[Math.min(ns.length - 1, Math.ceil(q * ns.length) - 1)] / 1000;
  let sum = 0;
  for (let i = 0; i < ns.length; i++) sum += ns[i];
  return { p50: at(0.5), p99: at(0.99), p999: at(0.999), max: ns[ns.length - 1] / 1000, mean: sum / ns.length / 1000 };
}

/** Cost of one `performance.now()` pair as used around each command, in ns (median of many). */
export function timerOverheadNs(): number {
  const samples = new Float64Array(200_000);
  for (let i = 0; i < samples.length; i++) {
    const t0 = performance.now();
    samples[i] = (performance.now() - t0) * 1e6;
  }
  samples.sort();
  return samples[samples.length >> 1];
}

/** Collects GC pauses (perf_hooks 'gc' entries) between start() and stop(). */
export class GcWatch {
  private pauses: number[] = [];
  private readonly observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) this.pauses.push(entry.duration);
  });

  start(): void {
    this.pauses = [];
    this.observer.observe({ entryTypes: ['gc'] });
  }

  /** Entries arrive asynchronously: let the event loop turn before reading them. */
  async stop(): Promise<{ count: number; maxMs: number; totalMs: number }> {
    await new Promise((resolve) => setTimeout(resolve, 20));
    this.observer.disconnect();
    const pauses = this.pauses;
    return { count: pauses.length, maxMs: pauses.reduce((a, b) => Math.max(a, b), 0), totalMs: pauses.reduce((a, b) => a + b, 0) };
  }
}

/** A full, synchronous GC; uses global.gc when node runs with --expose-gc, else enables it through V8 flags. */
export function getGc(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (typeof existing === 'function') return existing;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

export async function settle(gc: () => void): Promise<void> {
  gc();
  await new Promise((resolve) => setTimeout(resolve, 10));
  gc();
}

export function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function fmt(n: number, digits = 2): string {
  return n.toFixed(digits);
}
