// HTTP order entry benchmark: `npm run bench:http` (= node --import tsx bench/http/main.ts).
//
// What it does:
//   1. Starts the exchange as a child process (`src/cli/main.ts start`, PORT=0, a fresh temporary data
//      directory, EXCHANGE_FSYNC=1 so every acknowledgement waits for fdatasync, rate limits raised out of
//      the way), creates the accounts through the admin API and funds them (cash and shares).
//   2. Forks the load generator (load.ts) as another process, so that on a 2-core machine the server and
//      the client each get a core. It drives signed POST /v1/order and DELETE /v1/order/{id} (workload.ts)
//      open-loop at each rate of a ladder over keep-alive connections, and records latency from each
//      request's intended send time (corrected for coordinated omission) and from its actual send, into
//      HdrHistograms. The ladder stops when p99 passes 50 ms or fewer than 90% of the target is answered.
//   3. Stops the exchange (by PID) and runs the same generator against a trivial node:http server
//      (echo-server.ts) to measure this machine's plain node:http ceiling, for the ratio ours/ceiling.
//   4. Writes everything to bench/results/http-<time>.json and ends with one line:
//        bench:http orders_per_s=<sustained> p50_ms=<> p99_ms=<> durable=yes
//      "sustained" is the highest step the server kept up with (answers, 2xx or the expected 409/422, at
//      >= 95% of the target rate) with corrected p99 <= 10 ms (when none has p99 <= 10 ms: the highest it
//      kept up with, said so above the line); orders_per_s is that step's 2xx rate, p50/p99 its corrected
//      latency. "orders" are order-entry commands: new orders and cancels, each acknowledged only once
//      durable. durable=yes when the server ran with fsync on and its fsync counter moved.
//
// Options: --rates 1000,2000,3000,... --echo-rates ... --step-seconds 5 --settle-seconds 1 --warmup-seconds 2
//   --connections 256 --accounts 50 --symbols AAPL,... --client raw|node --stop-p99-ms 50 --skip-echo --cpu-prof --keep-data
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Forked, runMain, startChild, stopChild } from '../common/children.ts';
import { codeVersion } from '../common/code.ts';
import { benchSymbols, type Exchange, fundedAccount, logProfile, metricsText, metricValue, startExchange, stopExchange } from '../common/exchange.ts';
import { busyText, cpuSeconds, cpuStallMicros, machine, machineAfter } from '../common/machine.ts';
import { errorsText, saveResults } from '../common/report.ts';
import type { FromLoad, StepResult, ToLoad, TransportKind } from './protocol.ts';
import { fmtInt, fmtMs, keptUp, pad } from './stats.ts';
import { type BenchAccount, type BenchSymbol, HTTP_MIX } from './workload.ts';

const here = dirname(fileURLToPath(import.meta.url));

const { values: args } = parseArgs({
  options: {
    rates: { type: 'string', default: '1000,2000,3000,4000,5000,6000,8000,10000,15000,20000,30000,40000,50000' },
    'echo-rates': { type: 'string', default: '5000,10000,15000,20000,25000,30000,40000,50000' },
    'step-seconds': { type: 'string', default: '5' },
    'settle-seconds': { type: 'string', default: '1' },
    'warmup-seconds': { type: 'string', default: '2' },
    connections: { type: 'string', default: '256' },
    accounts: { type: 'string', default: '50' },
    symbols: { type: 'string', default: 'AAPL,MSFT,AMZN,GOOGL,JPM,V,XOM,WMT' },
    client: { type: 'string', default: 'raw' },
    seed: { type: 'string', default: '20261121' },
    'stop-p99-ms': { type: 'string', default: '50' },
    'skip-echo': { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
    'keep-data': { type: 'boolean', default: false },
  },
});

const numbers = (text: string): number[] => text.split(',').map((s) => Number(s.trim())).filter((n) => Number.isFinite(n) && n > 0);
const config = {
  rates: numbers(args.rates!),
  echoRates: numbers(args['echo-rates']!),
  measureMs: Number(args['step-seconds']) * 1000,
  settleMs: Number(args['settle-seconds']) * 1000,
  warmupMs: Number(args['warmup-seconds']) * 1000,
  connections: Number(args.connections),
  accounts: Number(args.accounts),
  symbols: args.symbols!.split(',').map((s) => s.trim()).filter(Boolean),
  client: (args.client === 'node' ? 'node' : 'raw') as TransportKind,
  seed: Number(args.seed),
  mix: HTTP_MIX,
};
const DRAIN_MS = 3000;
const P99_CUTOFF_MS = Number(args['stop-p99-ms']);
const TARGET_P99_MS = 10;

const log = (message: string): void => console.log(message);
const startedAt = Date.now();

// ---------------------------------------------------------------------------------------------------------
// The load generator process

type LoadProcess = Forked<ToLoad, FromLoad>;

function startLoad(): LoadProcess {
  return new Forked<ToLoad, FromLoad>(join(here, 'load.ts'), 'load generator', { serialization: 'json', killGraceMs: 1000 });
}

async function step(load: LoadProcess, rate: number, settleMs: number, measureMs: number): Promise<StepResult> {
  return (await load.request({ type: 'step', rate, settleMs, measureMs, drainMs: DRAIN_MS }, 'result')).result;
}

// ---------------------------------------------------------------------------------------------------------
// Exchange setup through the admin API

async function setUp(exchange: Exchange): Promise<{ accounts: BenchAccount[]; symbols: BenchSymbol[] }> {
  const symbols = await benchSymbols(exchange.url, config.symbols);
  const accounts: BenchAccount[] = [];
  const batch = 10;
  for (let first = 0; first < config.accounts; first += batch) {
    accounts.push(...await Promise.all(Array.from({ length: Math.min(batch, config.accounts - first) }, (_, k) =>
      fundedAccount(exchange, `bench-${first + k}`, config.symbols))));
  }
  return { accounts, symbols };
}

// ---------------------------------------------------------------------------------------------------------
// Reporting

interface Row extends StepResult {
  serverCpuPercent: number;
  /** Share of the step during which some task on the machine waited for a CPU (Linux PSI), percent. */
  cpuPressurePercent: number | null;
  /** From the exchange's /metrics over the step (absent for the echo server). */
  fsyncs?: number;
  recordsPerFsync?: number;
  meanFsyncMs?: number;
}

interface Counters {
  fsyncs: number;
  fsyncSeconds: number;
  records: number;
}

async function counters(url: string): Promise<Counters> {
  const text = await metricsText(url);
  return {
    fsyncs: metricValue(text, 'exchange_journal_fsync_seconds_count'),
    fsyncSeconds: metricValue(text, 'exchange_journal_fsync_seconds_sum'),
    records: metricValue(text, 'exchange_journal_batch_records_sum'),
  };
}

const HEADER = `${pad('target/s', 9)} ${pad('2xx/s', 8)} ${pad('answered/s', 11)} ${pad('p50', 7)} ${pad('p90', 7)} ${pad('p99', 7)} ${pad('p99.9', 7)} ${pad('max', 7)}` +
  ` ${pad('p99 unc', 8)} ${pad('srv cpu', 8)} ${pad('us/req', 7)} ${pad('cli cpu', 8)} ${pad('fsync ms', 9)} ${pad('rec/fsync', 9)} ${pad('cpu psi', 8)}  errors (non-2xx)`;

function rowText(r: Row): string {
  const c = r.corrected;
  return `${pad(fmtInt(r.rate), 9)} ${pad(fmtInt(r.achievedPerSec), 8)} ${pad(fmtInt(r.answeredPerSec), 11)} ${pad(fmtMs(c.p50), 7)} ${pad(fmtMs(c.p90), 7)} ${pad(fmtMs(c.p99), 7)}` +
    ` ${pad(fmtMs(c.p999), 7)} ${pad(fmtMs(c.max), 7)} ${pad(fmtMs(r.uncorrected.p99), 8)} ${pad(r.serverCpuPercent.toFixed(0) + '%', 8)}` +
    ` ${pad(r.allPerSec > 0 ? ((r.serverCpuPercent * 1e4) / r.allPerSec).toFixed(0) : '-', 7)}` +
    ` ${pad(r.clientCpuPercent.toFixed(0) + '%', 8)} ${pad(r.meanFsyncMs === undefined ? '-' : fmtMs(r.meanFsyncMs), 9)}` +
    ` ${pad(r.recordsPerFsync === undefined ? '-' : r.recordsPerFsync.toFixed(1), 9)}` +
    ` ${pad(r.cpuPressurePercent === null ? '-' : r.cpuPressurePercent.toFixed(0) + '%', 8)}  ${errorsText(r.errors, '-')}${r.unsent > 0 ? `; ${fmtInt(r.unsent)} never sent` : ''}`;
}

async function ladder(load: LoadProcess, serverPid: number | undefined, metricsUrl: string | null, rates: number[], label: string): Promise<Row[]> {
  const rows: Row[] = [];
  log(`${label}: latency in ms from the intended send time (corrected for coordinated omission); "p99 unc" from the actual send;`);
  log('  "srv cpu" the server process\'s CPU (100% = one core), "us/req" its CPU time per answered request, "cli cpu" the load generator\'s,');
  log('  "cpu psi" share of the step during which some task on the machine waited for a CPU (high = the machine was busy with other work)');
  log(HEADER);
  for (const rate of rates) {
    const before = metricsUrl === null ? null : await counters(metricsUrl);
    const cpu0 = cpuSeconds(serverPid);
    const stall0 = cpuStallMicros();
    const t0 = performance.now();
    const result = await step(load, rate, config.settleMs, config.measureMs);
    const wallMs = performance.now() - t0;
    const serverCpuPercent = ((cpuSeconds(serverPid) - cpu0) / (wallMs / 1000)) * 100;
    const stall1 = cpuStallMicros();
    const cpuPressurePercent = stall0 === null || stall1 === null ? null : ((stall1 - stall0) / 1000 / wallMs) * 100;
    const row: Row = { ...result, serverCpuPercent, cpuPressurePercent };
    if (before !== null) {
      const after = await counters(metricsUrl!);
      row.fsyncs = after.fsyncs - before.fsyncs;
      row.recordsPerFsync = (after.records - before.records) / row.fsyncs;
      row.meanFsyncMs = ((after.fsyncSeconds - before.fsyncSeconds) / row.fsyncs) * 1000;
    }
    rows.push(row);
    log(rowText(row));
    if (row.corrected.p99 > P99_CUTOFF_MS || row.answeredPerSec < 0.9 * rate) {
      log(`  (ladder stops: ${row.corrected.p99 > P99_CUTOFF_MS ? `p99 over ${P99_CUTOFF_MS} ms` : 'answered under 90% of target'})`);
      break;
    }
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const m = machine();
  const code = codeVersion();
  log(`bench:http on ${m.nproc} cores (${m.cpuModel}), node ${m.node}; before start: ${busyText()}`);
  log(`code: git ${code.head}${code.srcDirty ? ' with uncommitted changes under src/' : ''}, src/ hash ${code.srcHash}`);
  log(`client: ${config.client} HTTP/1.1 keep-alive, ${config.connections} connections, open loop; ${config.accounts} accounts, symbols ${config.symbols.join(' ')}`);
  log(`mix: ${Math.round(config.mix.cancel * 100)}% cancels, ${Math.round(config.mix.cross * 100)}% crossing limit IOC, the rest passive limit GTC; steps ${config.settleMs / 1000} s settle + ${config.measureMs / 1000} s recorded`);

  const exchange = await startExchange({ name: 'http', startedAt, keepData: args['keep-data']!, cpuProf: args['cpu-prof']!, watch: /snapshot written/ });

  const load = startLoad();
  let echoRows: Row[] = [];
  let rows: Row[];
  let serverMetrics: Record<string, number>;
  try {
    const t0 = performance.now();
    const { accounts, symbols } = await setUp(exchange);
    log(`set up ${accounts.length} accounts funded with $1,000,000,000 and 10,000,000 shares of each symbol in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const metrics0 = await metricsText(exchange.url);

    await load.request({
      type: 'init', url: exchange.url, transport: config.client, connections: config.connections, accounts, symbols, mix: config.mix, seed: config.seed,
    }, 'ready');
    const warm = await step(load, Math.min(5000, config.rates[0] ?? 5000), config.warmupMs, 200);
    log(`warm-up ${config.warmupMs / 1000} s at ${fmtInt(warm.rate)}/s: errors ${errorsText(warm.errors, '-')}`);
    if (warm.achievedPerSec === 0) throw new Error('warm-up: no order was accepted; see the errors above');

    rows = await ladder(load, exchange.child.pid, exchange.url, config.rates, 'exchange, signed order entry');
    const metrics1 = await metricsText(exchange.url);
    const fsyncs = metricValue(metrics1, 'exchange_journal_fsync_seconds_count') - metricValue(metrics0, 'exchange_journal_fsync_seconds_count');
    const records = metricValue(metrics1, 'exchange_journal_batch_records_sum') - metricValue(metrics0, 'exchange_journal_batch_records_sum');
    serverMetrics = {
      fsyncs, journalRecords: records, recordsPerFsync: records / fsyncs,
      fsyncSecondsTotal: metricValue(metrics1, 'exchange_journal_fsync_seconds_sum') - metricValue(metrics0, 'exchange_journal_fsync_seconds_sum'),
      openOrders: metricValue(metrics1, 'exchange_open_orders'),
      journalSequence: metricValue(metrics1, 'exchange_journal_sequence'),
      heapUsedBytes: metricValue(metrics1, 'nodejs_heap_size_used_bytes'),
      snapshots: exchange.watched.length,
      reportingLag: metricValue(metrics1, 'exchange_reporting_lag_commands'),
      rssBytes: metricValue(metrics1, 'process_resident_memory_bytes'),
    };
    log(`server: ${fmtInt(fsyncs)} fsyncs for ${fmtInt(records)} journal records (${(records / fsyncs).toFixed(1)} per fsync, ` +
      `mean fsync ${((serverMetrics.fsyncSecondsTotal / fsyncs) * 1e6).toFixed(0)} us); ${fmtInt(serverMetrics.openOrders)} orders resting at the end; ` +
      `heap ${(serverMetrics.heapUsedBytes / 2 ** 20).toFixed(0)} MiB, RSS ${(serverMetrics.rssBytes / 2 ** 20).toFixed(0)} MiB; ` +
      `${serverMetrics.snapshots} snapshot(s) written` +
      (Number.isNaN(serverMetrics.reportingLag) ? '' : `; reporting store ${fmtInt(serverMetrics.reportingLag)} commands behind`));
  } finally {
    await stopExchange(exchange);
  }
  logProfile(exchange);

  if (!args['skip-echo'] && config.echoRates.length > 0) {
    const echo = await startChild('bench/http/echo-server.ts', { PORT: '0', HOST: '127.0.0.1' }, [], [], /echo listening on (http:\/\/[^\s]+)/);
    try {
      await load.request({ type: 'retarget', url: echo.url }, 'ready');
      await step(load, config.echoRates[0], 1000, 200);
      echoRows = await ladder(load, echo.child.pid, null, config.echoRates, 'plain node:http ceiling (echo server, same generator, same requests)');
    } finally {
      await stopChild(echo.child, 5000);
    }
  }
  await load.exit();

  // The sustained step: kept up (answered >= 95% of target) with p99 <= 10 ms; else the highest that kept up.
  const reached = rows.filter(keptUp);
  const withinP99 = reached.filter((r) => r.corrected.p99 <= TARGET_P99_MS);
  let sustained = withinP99.at(-1) ?? reached.at(-1) ?? null;
  let note = '';
  if (withinP99.length === 0 && reached.length > 0) note = `no step kept p99 <= ${TARGET_P99_MS} ms: reporting the highest step answered at 95% of its target`;
  if (sustained === null && rows.length > 0) {
    sustained = rows.reduce((a, b) => (b.achievedPerSec > a.achievedPerSec ? b : a));
    note = 'no step was answered at 95% of its target: reporting the step with the most 2xx answers';
  }
  // The ceiling: the highest rate the echo server answered at 95% of target (else its best step).
  const echoKept = echoRows.filter(keptUp);
  const echoCeiling = (echoKept.length > 0 ? echoKept : echoRows).reduce((best, r) => Math.max(best, r.achievedPerSec), 0);
  const ourBest = rows.reduce((best, r) => Math.max(best, r.achievedPerSec), 0);

  log('');
  if (sustained !== null) {
    const s = sustained;
    log(`sustained: ${fmtInt(s.achievedPerSec)} durable order-entry commands/s at the ${fmtInt(s.rate)}/s step ` +
      `(${fmtInt(s.okByKind.passive / (s.measureMs / 1000))} passive + ${fmtInt(s.okByKind.cross / (s.measureMs / 1000))} crossing new orders/s, ` +
      `${fmtInt(s.okByKind.cancel / (s.measureMs / 1000))} cancels/s), p50 ${fmtMs(s.corrected.p50)} ms, p99 ${fmtMs(s.corrected.p99)} ms, ` +
      `p99.9 ${fmtMs(s.corrected.p999)} ms`);
  }
  if (note) log(`note: ${note}`);
  if (echoCeiling > 0) {
    log(`node:http ceiling here (echo, same generator): ${fmtInt(echoCeiling)} req/s; ours/ceiling = ` +
      `${sustained ? (sustained.achievedPerSec / echoCeiling).toFixed(2) : '-'} sustained, ${(ourBest / echoCeiling).toFixed(2)} best step`);
  }
  log(`after: ${busyText()} (other work on this machine lowers every figure)`);

  const durable = serverMetrics.fsyncs > 0 ? 'yes' : 'no';
  const finalLine = `bench:http orders_per_s=${sustained ? Math.round(sustained.achievedPerSec) : 0} ` +
    `p50_ms=${sustained ? sustained.corrected.p50 : 0} p99_ms=${sustained ? sustained.corrected.p99 : 0} durable=${durable}`;

  saveResults('http', startedAt, {
    code,
    machine: machineAfter(m),
    config, serverMetrics,
    exchange: rows, echo: echoRows,
    sustained, note, echoCeiling, ratioSustained: sustained && echoCeiling ? sustained.achievedPerSec / echoCeiling : null,
    ratioBest: echoCeiling ? ourBest / echoCeiling : null,
    finalLine,
  });
  log(finalLine);
}

runMain(main);
