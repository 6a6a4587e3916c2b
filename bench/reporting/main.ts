// Reporting store benchmark: `npm run bench:reporting` (= node --import tsx bench/reporting/main.ts).
//
// What it does:
//   1. Builds, once, a real journal of `--orders` order commands (default 1,000,000) plus account setup,
//      deposits and OpenSession, from a seeded realistic flow run through the real engine and appended by the
//      real codec and Journal (fsync off while building: the journal is input here). Cached under
//      <tmpdir>/exchange-bench-reporting/ keyed by seed, size, accounts and symbols (journal.ts describes the
//      flow). Then reads it back into memory (timed).
//   2. Replays it once through the engine alone (decode + Sequencer.replay, nothing behind it): the engine's
//      share of a catch-up, and the row counts the store must end with.
//   3. For each backend (PGlite in a fresh temporary directory; PostgreSQL when DATABASE_URL or
//      --database-url is set, in a fresh database created for the run and dropped after): opens a fresh store
//      (openReportingStore, or openReportingStoreInWorker with --worker as the server does) and replays the
//      journal into it through the real ReportingConsumer (batches of --batch commands, 2,000 as the server),
//      timing until the store's offset is the journal's last sequence (replay.ts).
//   4. Prints per backend: commands, events, rows by table, catch-up time, events/s, rows/s, the split
//      between engine time and store time, CPU on each side; checks the row counts against the events,
//      the offset, and store.reconcile(engine balances) (must be []). Writes bench/results/reporting-<time>.json
//      and ends with one line per backend:
//        bench:reporting backend=<pglite|postgres> events_per_s=<engine events written / catch-up seconds>
//
// Options: --orders 1000000 --seed 20261122 --accounts 1000 --symbols 8 --backend pglite|postgres|both
//   (default: pglite, and postgres when a URL is given) --database-url <url> (else DATABASE_URL) --batch 2000
//   --max-lag 20000 (commands the engine may run ahead of the store) --worker --cache-dir <dir> --keep-database
//   --in-flight N (instead of the node's ReportingConsumer, full batches handed to store.write() directly with N
//   writes outstanding: to compare consumer designs; the default is the real consumer)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { busyText, machine, machineAfter } from '../common/machine.ts';
import { saveResults } from '../common/report.ts';
import { openReportingStore, openReportingStoreInWorker, type ReportingStore, TABLES } from '../../src/reporting/index.ts';
import { createDatabase, dropDatabase, dropStaleDatabases } from './databases.ts';
import { BENCH_SYMBOLS, cacheDir, ensureJournal } from './journal.ts';
import { catchUp, engineBalances, type ExpectedRows, loadJournal, replayEngineOnly } from './replay.ts';

const { values: args } = parseArgs({
  options: {
    orders: { type: 'string', default: '1000000' },
    seed: { type: 'string', default: '20261122' },
    accounts: { type: 'string', default: '1000' },
    symbols: { type: 'string', default: '8' },
    backend: { type: 'string' },
    'database-url': { type: 'string' },
    batch: { type: 'string', default: '2000' },
    'max-lag': { type: 'string', default: '20000' },
    'in-flight': { type: 'string' },
    worker: { type: 'boolean', default: false },
    'cache-dir': { type: 'string' },
    'keep-database': { type: 'boolean', default: false },
  },
});

const int = (text: string, name: string): number => {
  const value = Number(text.replace(/_/g, ''));
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer, got ${text}`);
  return value;
};
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const s3 = (n: number): string => n.toFixed(3);

const ROW_TABLES = ['accounts', 'orders', 'order_events', 'executions', 'ledger_entries', 'candles'] as const;

interface BackendResult {
  backend: 'pglite' | 'postgres';
  worker: boolean;
  inFlight: number;
  commands: number;
  events: number;
  rows: Record<string, number>;
  rowsTotal: number;
  catchUpSeconds: number;
  journalReadSeconds: number;
  eventsPerSecond: number;
  rowsPerSecond: number;
  commandsPerSecond: number;
  engineSeconds: number;
  storeSeconds: number;
  storeEventsPerSecond: number;
  eventsPerSecondByTenth: number[];
  batches: number;
  meanBatchCommands: number;
  meanBatchMs: number;
  processCpuSeconds: number;
  serverCpuSeconds: number | null;
  offset: number;
  rowChecks: Record<string, { expected: number; actual: number }>;
  busyAfter: string;
  reconcile: unknown[];
  ok: boolean;
}

async function main(): Promise<void> {
  const startedAt = Date.now();
  const m = machine();
  const orders = int(args.orders!, 'orders');
  const symbolCount = int(args.symbols!, 'symbols');
  if (symbolCount > BENCH_SYMBOLS.length) throw new Error(`--symbols: at most ${BENCH_SYMBOLS.length}`);
  const spec = { seed: int(args.seed!, 'seed'), orders, accounts: int(args.accounts!, 'accounts'), symbols: BENCH_SYMBOLS.slice(0, symbolCount) };
  const databaseUrl = args['database-url'] ?? process.env.DATABASE_URL;
  const which = args.backend ?? (databaseUrl ? 'both' : 'pglite');
  if (!['pglite', 'postgres', 'both'].includes(which)) throw new Error(`--backend must be pglite, postgres or both`);
  if (which !== 'pglite' && !databaseUrl) throw new Error('postgres needs DATABASE_URL or --database-url');
  const backends = (which === 'both' ? ['pglite', 'postgres'] : [which]) as Array<'pglite' | 'postgres'>;
  const batchCommands = int(args.batch!, 'batch');
  const maxLagCommands = int(args['max-lag']!, 'max-lag');
  const worker = args.worker!;
  /** 0: the node's ReportingConsumer; N: store.write() directly with N writes outstanding. */
  const inFlight = args['in-flight'] === undefined ? 0 : int(args['in-flight'], 'in-flight');

  console.log(`bench:reporting: ${fmt(orders)} orders, seed ${spec.seed}, ${spec.accounts} accounts, ${spec.symbols.length} symbols; ` +
    `backends ${backends.join(', ')}${worker ? ' (store in a worker thread)' : ''}; batches of ${fmt(batchCommands)} commands, ` +
    (inFlight === 0 ? 'through the ReportingConsumer, as the node runs it' : `store.write() directly with ${inFlight} write(s) in flight (not the node's consumer)`));
  console.log(`machine: ${m.nproc} CPUs (${m.cpuModel}), node ${m.node}; ${busyText()}`);

  const dir = cacheDir(spec, args['cache-dir']);
  const meta = await ensureJournal(spec, dir, (line) => console.log(line));
  const journal = await loadJournal(join(dir, 'journal'));
  console.log(`journal: read ${fmt(journal.payloads.length)} records (${(journal.bytes / 1e6).toFixed(1)} MB) in ${s3(journal.seconds)} s`);
  console.log(`  commands by kind: ${JSON.stringify(meta.commandsByKind)}`);
  console.log(`  events by kind:   ${JSON.stringify(meta.eventsByKind)}`);

  const engineOnly = replayEngineOnly(meta.config, journal.payloads);
  if (engineOnly.events !== meta.events) throw new Error(`engine replay produced ${engineOnly.events} events, the build ${meta.events}`);
  console.log(`engine alone (decode + apply + Released, no store): ${s3(engineOnly.seconds)} s, ${fmt(engineOnly.commands / engineOnly.seconds)} commands/s, ` +
    `${fmt(engineOnly.events / engineOnly.seconds)} events/s; ${fmt(engineOnly.restingOrders)} orders resting at the end`);

  const results: BackendResult[] = [];
  await dropStaleDatabases(databaseUrl, (line) => console.log(line));
  for (const backend of backends) {
    const scratch = mkdtempSync(join(tmpdir(), 'bench-reporting-'));
    scratchDirs.add(scratch);
    let database: string | null = null;
    let store: ReportingStore | null = null;
    try {
      let url: string | undefined;
      if (backend === 'postgres') {
        ({ database, url } = await createDatabase(databaseUrl!));
        liveDatabase = database;
        console.log(`\npostgres: fresh database ${database}`);
      } else {
        console.log(`\npglite: fresh store in ${scratch}/reporting`);
      }
      const open = worker ? openReportingStoreInWorker : openReportingStore;
      store = await open({ databaseUrl: url, dataDir: scratch, symbols: spec.symbols, log: (line) => console.log(`  ${line}`) });
      const run = await catchUp(store, meta.config, journal.payloads, {
        batchCommands, maxLagCommands, inFlight, label: `${backend} catch-up`, log: (line) => console.log(`  ${line}`),
      });
      const counts = await store.counts();
      const rows = Object.fromEntries(ROW_TABLES.map((t) => [t, counts[t]]));
      const rowsTotal = ROW_TABLES.reduce((sum, t) => sum + counts[t], 0);
      const rowChecks = Object.fromEntries((Object.keys(engineOnly.expected) as Array<keyof ExpectedRows>)
        .map((t) => [t, { expected: engineOnly.expected[t], actual: counts[t] }]));
      const balances = engineBalances(run.engine);
      const differences = await store.reconcile(balances);
      const storeSeconds = run.seconds - run.engineSeconds;
      const result: BackendResult = {
        backend, worker, inFlight, commands: run.commands, events: run.events, rows, rowsTotal,
        catchUpSeconds: run.seconds, journalReadSeconds: journal.seconds,
        eventsPerSecond: Math.round(run.events / run.seconds), rowsPerSecond: Math.round(rowsTotal / run.seconds),
        commandsPerSecond: Math.round(run.commands / run.seconds),
        engineSeconds: run.engineSeconds, storeSeconds, storeEventsPerSecond: Math.round(run.events / storeSeconds),
        eventsPerSecondByTenth: run.tenths,
        batches: run.batches, meanBatchCommands: run.batchedCommands / run.batches, meanBatchMs: (run.writeSeconds / run.batches) * 1000,
        processCpuSeconds: run.processCpuSeconds, serverCpuSeconds: run.serverCpuSeconds, offset: run.offset,
        rowChecks, reconcile: differences, busyAfter: busyText(),
        ok: run.offset === journal.lastSequence && differences.length === 0 && Object.values(rowChecks).every((c) => c.expected === c.actual),
      };
      results.push(result);
      print(result, journal.lastSequence, balances.length, counts);
    } finally {
      if (store !== null) await store.close();
      if (database !== null) {
        if (args['keep-database']) console.log(`postgres: kept database ${database} (--keep-database): drop it yourself`);
        else {
          await dropDatabase(databaseUrl!, database);
          console.log(`postgres: dropped database ${database}`);
        }
        liveDatabase = null;
      }
      rmSync(scratch, { recursive: true, force: true });
      scratchDirs.delete(scratch);
    }
  }

  saveResults('reporting', startedAt, {
    machine: machineAfter(m), spec, journal: { dir, commands: meta.commands, setupCommands: meta.setupCommands, events: meta.events, bytes: journal.bytes,
      readSeconds: journal.seconds, commandsByKind: meta.commandsByKind, eventsByKind: meta.eventsByKind, fsyncWhileBuilding: false },
    engineOnly: { ...engineOnly }, batchCommands, maxLagCommands, inFlight, worker, results,
  });
  console.log(`machine after: ${busyText()}`);
  const failed = results.filter((r) => !r.ok);
  if (failed.length > 0) {
    console.error(`bench:reporting: CHECKS FAILED for ${failed.map((r) => r.backend).join(', ')}`);
    process.exitCode = 1;
  }
  for (const r of results) console.log(`bench:reporting backend=${r.backend} events_per_s=${r.eventsPerSecond}`);
}

function print(r: BackendResult, lastSequence: number, balancePairs: number, counts: Record<string, number>): void {
  console.log(`${r.backend}${r.worker ? ' (worker thread)' : ''}${r.inFlight === 0 ? ', ReportingConsumer' : `, store.write() with ${r.inFlight} in flight`}:`);
  console.log(`  commands ${fmt(r.commands)}, engine events ${fmt(r.events)}, onBatch reports ${fmt(r.batches)} (mean ${fmt(r.meanBatchCommands)} commands and ${r.meanBatchMs.toFixed(1)} ms each)`);
  console.log(`  rows: ${ROW_TABLES.map((t) => `${t} ${fmt(r.rows[t])}`).join(', ')}; total ${fmt(r.rowsTotal)} ` +
    `(also ${TABLES.filter((t) => !(ROW_TABLES as readonly string[]).includes(t)).map((t) => `${t} ${counts[t]}`).join(', ')})`);
  console.log(`  catch-up: ${s3(r.catchUpSeconds)} s from the first record decoded to offset ${fmt(r.offset)} ` +
    `(+ ${s3(r.journalReadSeconds)} s reading the journal, done once before): ` +
    `${fmt(r.eventsPerSecond)} events/s, ${fmt(r.rowsPerSecond)} rows/s, ${fmt(r.commandsPerSecond)} commands/s`);
  console.log(`  split: engine (decode + apply + queue, this thread) ${s3(r.engineSeconds)} s, store (the rest of the window) ${s3(r.storeSeconds)} s ` +
    `-> store alone ~${fmt(r.storeEventsPerSecond)} events/s`);
  console.log(`  events/s per ~10% of the events, as the tables grow: ${r.eventsPerSecondByTenth.map(fmt).join(', ')}`);
  const perEvent = (cpu: number): string => `${((cpu / r.events) * 1e6).toFixed(1)} µs/event`;
  console.log(`  CPU over the window: this process ${s3(r.processCpuSeconds)} s (${perEvent(r.processCpuSeconds)}, engine included)` +
    (r.serverCpuSeconds === null ? '' : `, PostgreSQL backends ${s3(r.serverCpuSeconds)} s (${perEvent(r.serverCpuSeconds)})`) + `; ${r.busyAfter}`);
  const checks = Object.entries(r.rowChecks).map(([t, c]) => `${t} ${c.actual === c.expected ? 'ok' : `MISMATCH ${c.actual} != ${c.expected}`}`);
  console.log(`  checks: offset ${r.offset === lastSequence ? 'ok' : `MISMATCH ${r.offset} != ${lastSequence}`}; rows vs events: ${checks.join(', ')}`);
  console.log(`  reconcile(engine balances, ${fmt(balancePairs)} pairs): ${JSON.stringify(r.reconcile)}`);
}

// Interrupted or failed: drop the run's database and remove its directories before leaving (a database
// left behind by a killed run is dropped by the next run's sweep of stale bench databases).
const scratchDirs = new Set<string>();
let liveDatabase: string | null = null;
async function cleanUpAndExit(code: number): Promise<never> {
  try {
    if (liveDatabase !== null && !args['keep-database']) {
      await dropDatabase((args['database-url'] ?? process.env.DATABASE_URL)!, liveDatabase);
      console.error(`postgres: dropped database ${liveDatabase}`);
    }
  } catch (error) {
    console.error(`postgres: could not drop ${liveDatabase}: ${(error as Error).message}`);
  }
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
  process.exit(code);
}
process.once('SIGINT', () => void cleanUpAndExit(130));
process.once('SIGTERM', () => void cleanUpAndExit(143));
try {
  await main();
} catch (error) {
  console.error(error instanceof Error ? error.stack ?? error.message : error);
  await cleanUpAndExit(1);
}
