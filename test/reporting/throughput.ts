// Reporting write throughput: realistic order flow, released in batches of a few thousand events,
// written to a fresh store; prints events/s and rows/s per backend (median of the batches' rates and the
// overall rate). PostgreSQL runs when DATABASE_URL is set.
//   node --import tsx test/reporting/throughput.ts [commands] [eventsPerBatch] [pglite|postgres|both] [repetitions]
import { readFileSync } from 'node:fs';
import type { ReportingStore } from '../../src/reporting/index.ts';
import type { Released } from '../../src/sequencer/index.ts';
import { pgliteBackend, postgresBackend, type TestBackend } from './backends.ts';
import { generateFlow } from './flow.ts';

export interface ThroughputResult {
  backend: string;
  events: number;
  rows: number;
  inFlight: number;
  batches: number;
  seconds: number;
  eventsPerSecond: number;
  rowsPerSecond: number;
  /** Time this process's event loop was busy during the writes (the database server's work is apart). */
  clientBusySeconds: number;
  /** CPU the store's server connections used, when the server runs on this machine (else null). */
  serverCpuSeconds: number | null;
}

/** CPU time of the store's PostgreSQL backends, read from /proc when the server is local. */
async function serverCpuMs(store: ReportingStore): Promise<number | null> {
  if (store.backend !== 'postgres') return null;
  const rows = await store.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = current_database()`);
  try {
    let total = 0;
    for (const { pid } of rows) {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      total += (Number(fields[11]) + Number(fields[12])) * 10; // clock ticks of 10 ms
    }
    return total;
  } catch {
    return null;
  }
}

/** Consecutive batches of about `eventsPerBatch` events (whole commands). */
export function batchesOf(released: readonly Released[], eventsPerBatch: number): Released[][] {
  const batches: Released[][] = [];
  let current: Released[] = [];
  let events = 0;
  for (const r of released) {
    current.push(r);
    events += r.events.length;
    if (events >= eventsPerBatch) {
      batches.push(current);
      current = [];
      events = 0;
    }
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/**
 * Writes the batches to a fresh store with up to `inFlight` writes outstanding (1: each write awaited
 * before the next; 2: the store prepares a batch while the previous one is in the database), dropping
 * each batch once written as a consumer would. Times the writes, from the first to the last commit.
 */
export async function measureThroughput(
  backend: TestBackend, batches: Array<Released[] | null>, symbols: readonly string[], inFlight: number,
): Promise<ThroughputResult> {
  const store = await backend.fresh(symbols);
  try {
    let events = 0;
    for (const batch of batches) for (const r of batch!) events += r.events.length;
    const serverCpu0 = await serverCpuMs(store);
    const elu0 = performance.eventLoopUtilization();
    const started = performance.now();
    const pending: Array<Promise<void>> = [];
    for (let i = 0; i < batches.length; i++) {
      pending.push(store.write(batches[i]!));
      batches[i] = null;
      if (pending.length >= inFlight) await pending.shift();
    }
    await Promise.all(pending);
    const seconds = (performance.now() - started) / 1000;
    const busy = performance.eventLoopUtilization(elu0).active / 1000;
    const serverCpu = serverCpu0 === null ? null : ((await serverCpuMs(store)) ?? 0) - serverCpu0;
    const counts = await store.counts();
    const rows = counts.orders + counts.order_events + counts.executions + counts.ledger_entries + counts.candles + counts.accounts;
    return {
      backend: backend.name, inFlight, events, rows, batches: batches.length, seconds: Math.round(seconds * 1000) / 1000,
      eventsPerSecond: Math.round(events / seconds), rowsPerSecond: Math.round(rows / seconds), clientBusySeconds: Math.round(busy * 1000) / 1000,
      serverCpuSeconds: serverCpu === null ? null : serverCpu / 1000,
    };
  } finally {
    await store.close();
  }
}

async function main(): Promise<void> {
  const commands = Number(process.argv[2] ?? 100_000);
  const eventsPerBatch = Number(process.argv[3] ?? 3_000);
  const t0 = performance.now();
  const { released, symbols } = generateFlow({ seed: 42, commands, accounts: 200, symbols: ['AAPL', 'MSFT', 'NVDA', 'TSLA', 'AMZN', 'GOOG', 'META', 'NFLX'] });
  const kinds = new Map<number, number>();
  for (const r of released) for (const e of r.events) kinds.set(e.kind, (kinds.get(e.kind) ?? 0) + 1);
  console.log(`flow: ${released.length} commands, events by kind ${JSON.stringify(Object.fromEntries(kinds))}, generated in ${Math.round(performance.now() - t0)} ms`);
  const which = process.argv[4] ?? 'both';
  const repetitions = Number(process.argv[5] ?? 3);
  const backends: TestBackend[] = [];
  if (which !== 'postgres') backends.push(pgliteBackend());
  if (which !== 'pglite') {
    if (process.env.DATABASE_URL) backends.push(postgresBackend(process.env.DATABASE_URL));
    else console.log('postgres: skipped (DATABASE_URL is not set)');
  }
  for (const backend of backends) {
    try {
      // A short warm-up on its own store (JIT, connections, plan caches), then the measured runs.
      await measureThroughput(backend, batchesOf(released.slice(0, 5_000), eventsPerBatch), symbols, 2);
      for (const inFlight of [1, 2]) {
        const rates: number[] = [];
        for (let rep = 0; rep < repetitions; rep++) {
          const result = await measureThroughput(backend, batchesOf(released, eventsPerBatch), symbols, inFlight);
          console.log(JSON.stringify(result));
          rates.push(result.eventsPerSecond);
        }
        rates.sort((a, b) => a - b);
        console.log(`${backend.name}, ${inFlight} write(s) in flight, batches of ~${eventsPerBatch} events: median ${rates[rates.length >> 1]} events/s over ${repetitions} run(s)`);
      }
    } finally {
      await backend.cleanup();
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
