// End-to-end order-entry benchmark: `npm run bench` (= node --import tsx bench/e2e/main.ts) or
// `npm run exchange -- bench`. Options: config.ts (USAGE; `--help`).
//
// For each transport (binary, ws, http):
//   1. Starts a fresh exchange (bench/common/exchange.ts: a temporary data directory, EXCHANGE_FSYNC=1 so
//      every answer waits for fdatasync, rate limits raised out of the way, PORT=0 and
//      EXCHANGE_ORDER_ENTRY_PORT=0), finds the binary order-entry ports (GET /v1/order-entry), creates and
//      funds the accounts through the admin API. A fresh server per transport, so that one transport's
//      after-effects (the reporting store catching up, a bigger heap) do not land on the next.
//   2. Forks the load generator (load.ts; --load-processes, default 1 on this 2-core machine) and drives
//      the exchange open-loop up a ladder of rates (a warm-up, then per step --settle-seconds unrecorded and
//      --step-seconds recorded) with the flow of flow.ts over the transport's driver (driver-*.ts). Latency
//      runs from each request's intended send time to its first answer (durable: the exchange answers
//      only after fsync). The ladder stops after a step with p99 over 50 ms or under 90% answered.
//   3. Stops the exchange, and runs the same generator, flow and ladder against the transport's echo server
//      (echo-binary.ts, echo-ws.ts, bench/http/echo-server.ts): this machine's ceiling for the transport with
//      this client. The echo's ladder stops only when a step is answered under 90%: a ceiling is a
//      throughput, and one noisy p99 must not end it early (it once stopped HTTP's at 5,000/s).
//   4. sustained = the highest step answered at >= 95% of its target with p99 within the transport's bound
//      (binary 2 ms, ws and http 10 ms); else the highest answered at 95% (said so above the final lines).
//      ceiling_ratio = its successes/s over the echo server's ceiling: the highest echo step answered at
//      >= 95% of its target (the echo's throughput, whatever its p99).
// With --runs N, steps 1-4 are done N times, the transports in turn within each run.
// Then writes bench/results/e2e-<time>.json (everything, with the per-second time series, per run) and .html
// (the plots), and ends with one line per transport, each figure the median over the runs (medians.ts):
//   bench:e2e transport=<t> orders_per_s=<> p50_ms=<> p99_ms=<> p999_ms=<> ceiling_ratio=<> durable=yes
import { runMain, startChild, stopChild } from '../common/children.ts';
import { codeVersion } from '../common/code.ts';
import { benchSymbols, call, type Exchange, fundedAccount, logProfile, metricsText, metricValue, startExchange, stopExchange } from '../common/exchange.ts';
import { busyText, machine, machineAfter } from '../common/machine.ts';
import { saveResults } from '../common/report.ts';
import { fmtInt, fmtMs } from '../http/stats.ts';
import type { BenchAccount } from '../http/workload.ts';
import { type Config, parseConfig, plannedMs, type TransportPlan } from './config.ts';
import type { FlowSymbol } from './flow.ts';
import { writeHtml } from './html.ts';
import { type Headroom, headroomAt, headroomText } from './headroom.ts';
import { finalLine, type RunFigures } from './medians.ts';
import { Progress } from './progress.ts';
import type { SecondSample, Target, TransportName } from './protocol.ts';
import { ladder, Loads, type Row } from './run.ts';
import { HEADER, LEGEND, rowText, type Sustained, sustainedStep } from './summary.ts';

const startedAt = Date.now();
const config: Config = parseConfig(process.argv.slice(2));
const progress = new Progress(plannedMs(config));
const log = (line: string): void => progress.log(line);

const ECHO_SCRIPTS: Record<TransportName, string> = {
  binary: 'bench/e2e/echo-binary.ts',
  ws: 'bench/e2e/echo-ws.ts',
  http: 'bench/http/echo-server.ts',
};

interface ServerMetrics {
  fsyncs: number;
  fsyncSecondsTotal: number;
  journalRecords: number;
  recordsPerFsync: number;
  openOrders: number;
  heapUsedBytes: number;
  rssBytes: number;
  reportingLagCommands: number;
  snapshots: number;
}

interface TransportReport {
  plan: TransportPlan;
  exchange: Row[];
  echo: Row[];
  serverMetrics: ServerMetrics;
  durable: boolean;
  sustained: Sustained;
  echoSustained: Sustained | null;
  ceilingRatio: number | null;
  /** What the echo and the generator left of the machine at the issue's target (headroom.ts); null without an echo. */
  headroom: Headroom | null;
  tables: string[];
}

// ---------------------------------------------------------------------------------------------------------

async function setUp(exchange: Exchange, plan: TransportPlan): Promise<{ accounts: BenchAccount[]; symbols: FlowSymbol[]; target: Target }> {
  const symbols = await benchSymbols(exchange.url, config.symbols);
  const accounts: BenchAccount[] = [];
  const batch = 10;
  for (let first = 0; first < plan.accounts; first += batch) {
    accounts.push(...await Promise.all(Array.from({ length: Math.min(batch, plan.accounts - first) }, (_, k) =>
      fundedAccount(exchange, `bench-${plan.name}-${first + k}`, config.symbols))));
  }
  const orderEntry = (await call(exchange.url, 'GET', '/v1/order-entry', null)) as { ports: number[] };
  if (!Array.isArray(orderEntry.ports) || orderEntry.ports.length === 0) throw new Error(`GET /v1/order-entry: no ports (${JSON.stringify(orderEntry)})`);
  const url = new URL(exchange.url);
  return {
    accounts, symbols,
    target: {
      host: url.hostname, ports: orderEntry.ports,
      wsUrl: config.jsonEndpoint === 'http' ? `ws://${url.host}/v1/ws` : `ws://${url.hostname}:${orderEntry.ports[0]}/v1/ws`,
      httpUrl: config.jsonEndpoint === 'http' ? exchange.url : `http://${url.hostname}:${orderEntry.ports[0]}`,
    },
  };
}

function serverMetricsOf(before: string, after: string, snapshots: number): ServerMetrics {
  const delta = (name: string): number => metricValue(after, name) - metricValue(before, name);
  const fsyncs = delta('exchange_journal_fsync_seconds_count');
  const records = delta('exchange_journal_batch_records_sum');
  return {
    fsyncs, fsyncSecondsTotal: delta('exchange_journal_fsync_seconds_sum'), journalRecords: records, recordsPerFsync: records / fsyncs,
    openOrders: metricValue(after, 'exchange_open_orders'),
    heapUsedBytes: metricValue(after, 'nodejs_heap_size_used_bytes'),
    rssBytes: metricValue(after, 'process_resident_memory_bytes'),
    reportingLagCommands: metricValue(after, 'exchange_reporting_lag_commands'),
    snapshots,
  };
}

function tableStart(tables: string[], title: string): (row: Row) => void {
  for (const line of [title, ...LEGEND.map((l) => `  ${l}`), HEADER]) {
    tables.push(line);
    log(line);
  }
  return (row) => {
    const line = rowText(row);
    tables.push(line);
    log(line);
  };
}

async function runTransport(plan: TransportPlan, cores: number): Promise<TransportReport> {
  const tables: string[] = [];
  const name = plan.name;
  const shape = (name === 'http'
    ? `${plan.connections} keep-alive sockets, one request at a time each, ${plan.accounts} accounts taking turns`
    : `${plan.connections} connections (one account each), at most ${plan.window} requests unanswered per connection`) +
      (name === 'binary' ? '' : `, to ${config.jsonEndpoint === 'http' ? 'the HTTP port (engine thread)' : 'the order-entry port (gateway thread)'}`);
  log('');
  log(`== ${name}: ${shape}; ${config.loadProcesses} load process(es)`);
  const exchange = await startExchange({
    name: `e2e-${name}`, startedAt, keepData: config.keepData, cpuProf: config.cpuProf, watch: /snapshot written/,
    env: { EXCHANGE_FSYNC: '1', EXCHANGE_ORDER_ENTRY_PORT: '0' },
  });
  let rows: Row[];
  let serverMetrics: ServerMetrics;
  let accounts: BenchAccount[];
  let symbols: FlowSymbol[];
  try {
    const t0 = performance.now();
    const setup = await setUp(exchange, plan);
    ({ accounts, symbols } = setup);
    log(`set up ${accounts.length} funded accounts in ${((performance.now() - t0) / 1000).toFixed(1)} s; binary order entry on port(s) ${setup.target.ports.join(', ')}`);
    const metrics0 = await metricsText(exchange.url);
    const loads = await Loads.start(config, plan, setup.target, accounts, symbols, progress);
    try {
      const onRow = tableStart(tables, `${name} order entry into the exchange (fsync on):`);
      rows = await ladder(config, loads, { label: `${name} exchange`, pid: exchange.child.pid, metricsUrl: exchange.url }, plan.rates, progress, onRow, config.stopP99Ms);
    } finally {
      await loads.exit();
    }
    serverMetrics = serverMetricsOf(metrics0, await metricsText(exchange.url), exchange.watched.length);
    const m = serverMetrics;
    log(`server: ${fmtInt(m.fsyncs)} fsyncs for ${fmtInt(m.journalRecords)} journal records (${m.recordsPerFsync.toFixed(1)} per fsync); ` +
      `${fmtInt(m.openOrders)} orders resting at the end; heap ${(m.heapUsedBytes / 2 ** 20).toFixed(0)} MiB, RSS ${(m.rssBytes / 2 ** 20).toFixed(0)} MiB; ` +
      `${m.snapshots} snapshot(s)${Number.isNaN(m.reportingLagCommands) ? '' : `; reporting store ${fmtInt(m.reportingLagCommands)} commands behind`}`);
    // What each snapshot cost the engine thread (its capture and encoding stall order entry).
    for (const line of exchange.watched) log(`  ${line.trim()}`);
  } finally {
    await stopExchange(exchange);
  }
  logProfile(exchange);

  let echoRows: Row[] = [];
  if (!config.skipEcho && plan.echoRates.length > 0) {
    const echo = await startChild(ECHO_SCRIPTS[name], { PORT: '0', HOST: '127.0.0.1', ECHO_ORDER_IDS: '1' }, [], [], /echo listening on ((?:tcp|ws|http):\/\/\S+)/);
    try {
      const url = new URL(echo.url);
      const target: Target = { host: url.hostname, ports: [Number(url.port)], wsUrl: echo.url, httpUrl: echo.url };
      const loads = await Loads.start(config, plan, target, accounts!, symbols!, progress);
      try {
        const onRow = tableStart(tables, `${name} ceiling: the echo server (${ECHO_SCRIPTS[name]}), same generator and flow, the ladder stops only under 90% answered:`);
        echoRows = await ladder(config, loads, { label: `${name} echo`, pid: echo.child.pid, metricsUrl: null }, plan.echoRates, progress, onRow, null);
      } finally {
        await loads.exit();
      }
    } finally {
      await stopChild(echo.child, 5000);
    }
  }

  const sustained = sustainedStep(rows, plan.p99BoundMs);
  // The ceiling is what the transport carries at all: the echo's highest step kept up with, whatever its p99
  // (its ladder still stops past 50 ms), not the step the latency bound picks for the exchange.
  const echoSustained = echoRows.length > 0 ? sustainedStep(echoRows, Number.POSITIVE_INFINITY) : null;
  const s = sustained.row;
  const ceilingRatio = s !== null && echoSustained?.row ? s.okPerSec / echoSustained.row.okPerSec : null;
  // durable: the server ran with EXCHANGE_FSYNC=1 (set above) and its fsync counter moved. That counter
  // counts journal batches even with fsync off, so the mean time per batch must also look like a real
  // fdatasync (over 10 us; about 100 us on this disk) rather than the microsecond of a timer around nothing.
  const durable = serverMetrics.fsyncs > 0 && serverMetrics.fsyncSecondsTotal / serverMetrics.fsyncs > 10e-6;
  const headroom = headroomAt(name, echoRows, echoSustained?.row?.okPerSec ?? null, cores);
  return { plan, exchange: rows, echo: echoRows, serverMetrics, durable, sustained, echoSustained, ceilingRatio, headroom, tables };
}

/** What the final line takes from a run's report: its sustained step, ratio and durability. */
function figuresOf(r: TransportReport): RunFigures {
  const s = r.sustained.row;
  return {
    ordersPerSecond: s ? s.okPerSec : 0, p50Ms: s ? s.corrected.p50 : 0, p99Ms: s ? s.corrected.p99 : 0, p999Ms: s ? s.corrected.p999 : 0,
    ceilingRatio: r.ceilingRatio, durable: r.durable,
  };
}

function sustainedText(r: TransportReport): string {
  const s = r.sustained.row;
  if (s === null) return `${r.plan.name}: no step ran`;
  const perSec = (n: number): string => fmtInt(n / (s.measureMs / 1000));
  const echo = r.echoSustained?.row;
  return `${r.plan.name}: ${fmtInt(s.okPerSec)} durable orders/s at the ${fmtInt(s.rate)}/s step (${perSec(s.okByKind.passive)} passive + ` +
    `${perSec(s.okByKind.cross)} crossing new orders/s, ${perSec(s.okByKind.cancel)} cancels/s), p50 ${fmtMs(s.corrected.p50)} ms, ` +
    `p99 ${fmtMs(s.corrected.p99)} ms, p99.9 ${fmtMs(s.corrected.p999)} ms` +
    (echo ? `; echo ceiling ${fmtInt(echo.okPerSec)}/s (p99 ${fmtMs(echo.corrected.p99)} ms)` : '') +
    (r.echoSustained?.note ? ` [echo: ${r.echoSustained.note}]` : '');
}

/** A step for the results file: percentiles only (the encoded histograms, ~10 KB each, served the merge of several load processes). */
function forFile(row: Row): Omit<Row, 'histograms' | 'seconds'> & { seconds: Array<Omit<SecondSample, 'histogram'>> } {
  const { histograms: _histograms, seconds, ...rest } = row;
  return { ...rest, seconds: seconds.map(({ histogram: _histogram, ...second }) => second) };
}

/** The sustained step's figures (the whole step is in the ladder's list). */
function brief(row: Row | null): Pick<Row, 'rate' | 'okPerSec' | 'answeredPerSec' | 'corrected'> | null {
  return row === null ? null : { rate: row.rate, okPerSec: row.okPerSec, answeredPerSec: row.answeredPerSec, corrected: row.corrected };
}

async function main(): Promise<void> {
  const m = machine();
  const code = codeVersion();
  log(`bench:e2e on ${m.nproc} cores (${m.cpuModel}), node ${m.node}; before start: ${busyText()}`);
  log(`code: git ${code.head}${code.srcDirty ? ' with uncommitted changes under src/' : ''}, src/ hash ${code.srcHash}`);
  log(`transports ${config.transports.map((t) => t.name).join(', ')}; steps ${config.settleMs / 1000} s settle + ${config.measureMs / 1000} s recorded after a ` +
    `${config.warmupMs / 1000} s warm-up; symbols ${config.symbols.join(' ')}; mix ${Math.round(config.mix.cancel * 100)}% cancels, ` +
    `${Math.round(config.mix.cross * 100)}% crossing limit IOC, the rest passive limit GTC${config.quick ? ' (--quick)' : ''}`);

  const runs: TransportReport[][] = [];
  try {
    for (let run = 1; run <= config.runs; run++) {
      if (config.runs > 1) {
        log('');
        log(`=== run ${run} of ${config.runs}`);
      }
      const reports: TransportReport[] = [];
      for (const plan of config.transports) reports.push(await runTransport(plan, m.nproc));
      runs.push(reports);
    }
  } finally {
    progress.stop();
  }

  const runLabel = (run: number): string => (config.runs > 1 ? `run ${run + 1}: ` : '');
  log('');
  log('sustained (the highest step answered at >= 95% of its target with p99 within the bound: binary 2 ms, ws and http 10 ms):');
  runs.forEach((reports, run) => {
    for (const r of reports) log(`  ${runLabel(run)}${sustainedText(r)}`);
  });
  if (runs.some((reports) => reports.some((r) => r.headroom !== null))) {
    log('headroom at the issue\'s targets: the echo server and the load generator alone, in the same run (bench/e2e/headroom.ts):');
    runs.forEach((reports, run) => {
      for (const r of reports) if (r.headroom !== null) log(`  ${runLabel(run)}${headroomText(r.plan.name, r.headroom, m.nproc)}`);
    });
  }
  log(`after: ${busyText()} (other work on this machine lowers every figure)`);

  const runFinalLines = runs.map((reports) => reports.map((r) => finalLine(r.plan.name, [figuresOf(r)])));
  const finalLines = config.transports.map((plan, i) => finalLine(plan.name, runs.map((reports) => figuresOf(reports[i]))));
  const file = saveResults('e2e', startedAt, {
    code, machine: machineAfter(m), config,
    runs: runs.map((reports, run) => ({
      transports: Object.fromEntries(reports.map((r, i) => [r.plan.name, {
        plan: r.plan, serverMetrics: r.serverMetrics, durable: r.durable,
        sustained: brief(r.sustained.row), sustainedNote: r.sustained.note,
        echoSustained: brief(r.echoSustained?.row ?? null), echoSustainedNote: r.echoSustained?.note ?? null, ceilingRatio: r.ceilingRatio, headroom: r.headroom,
        exchange: r.exchange.map(forFile), echo: r.echo.map(forFile), finalLine: runFinalLines[run][i],
      }])),
    })),
    finalLines,
  }, 'bench');
  const htmlFile = file.replace(/\.json$/, '.html');
  writeHtml(htmlFile, {
    heading: `bench:e2e, ${new Date(startedAt).toISOString()}`,
    about: [
      `git ${code.head}${code.srcDirty ? ' (src/ modified)' : ''}, src/ hash ${code.srcHash}; ${m.nproc} cores (${m.cpuModel}), node ${m.node}.`,
      'Latency per second (by arrival) from the intended send time to the first (durable) answer; the shaded bands are the recorded part of each step.',
    ],
    finalLines,
    sections: runs.flatMap((reports, run) => reports.map((r) => ({
      transport: config.runs > 1 ? `${r.plan.name}, run ${run + 1} of ${config.runs}` : r.plan.name,
      ladders: [
        { title: `${r.plan.name}: exchange (fsync on)`, rows: r.exchange, boundMs: r.plan.p99BoundMs },
        ...(r.echo.length > 0 ? [{ title: `${r.plan.name}: echo ceiling`, rows: r.echo, boundMs: r.plan.p99BoundMs }] : []),
      ],
      tables: r.tables,
    }))),
  });
  console.log(`plot: ${htmlFile}`);
  runs.forEach((reports, run) => {
    for (const r of reports) {
      if (r.sustained.note) console.log(`note (${runLabel(run)}${r.plan.name}): ${r.sustained.note}`);
    }
  });
  if (config.runs > 1) {
    runFinalLines.forEach((lines, run) => {
      for (const line of lines) console.log(`${runLabel(run)}${line}`);
    });
    console.log(`the median of each figure over the ${config.runs} runs:`);
  }
  for (const line of finalLines) console.log(line);
}

runMain(main);
