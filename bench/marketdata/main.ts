// Market data fan-out benchmark: `npm run bench:marketdata` (= node --import tsx bench/marketdata/main.ts).
//
// What it does:
//   1. Starts the exchange as a child process (`src/cli/main.ts start`, PORT=0, a fresh temporary data
//      directory, EXCHANGE_FSYNC=1, REST rate limits raised out of the way), creates and funds a few
//      accounts through the admin API, and rests a few hundred passive orders on the symbol (AAPL).
//   2. Opens the probe (probe.ts): one connection in this process subscribed first to book.L2, book.L3 and
//      trades, so the server writes every update to it before anyone else.
//   3. Forks the subscriber processes (subscriber.ts, default 2 x 500 connections with the `ws` package,
//      each connection subscribed to book.L2 and trades), ramping connections up a few dozen at a time.
//   4. Forks the order-flow process (flow.ts: bench/http's signed REST order mix, open loop at a steady
//      rate; mostly passive adds and cancels around the reference price, some crossing IOC orders), runs a
//      warm-up and then the measured window.
//   5. Gathers the stamps, estimates each command's release time (analysis.ts explains how), and has each
//      subscriber process fold its delays into HdrHistograms:
//        - publish delay = receipt at a subscriber - estimated release of the command that caused the update
//          (book.L2 and trades updates): the headline figure;
//        - fan-out spread = receipt - earliest receipt of the same update among all subscribers;
//        - end-to-end = receipt - the moment the order-flow process wrote the REST command that caused it
//          (book.L2 updates of adds and cancels, matched through book.L3 order ids): includes HTTP, matching,
//          the journal's fsync and the fan-out.
//      It checks that no connection saw a sequence gap, lost an update or was cut off as a slow consumer.
//   6. Stops every process by PID, writes bench/results/marketdata-<time>.json and ends with one line:
//        bench:marketdata subscribers=<connected> updates_per_s=<delivered, all subscribers> p99_ms=<publish delay p99>
//
// Options: --subscribers 1000 --processes 2 --rate 2000 (REST commands/s; about one book change each)
//   --warmup-seconds 3 --seconds 20 --symbol AAPL --accounts 8 --connections 128 (HTTP keep-alive)
//   --seed-orders 400 --ramp 50 (connections opening at once per process) --max-buffered-bytes <n>
//   (EXCHANGE_WS_MAX_BUFFERED_BYTES; default: the server's) --cpu-prof (server CPU profile) --keep-data
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as hdr from 'hdr-histogram-js';
import { Forked, runMain } from '../common/children.ts';
import { benchSymbols, call, type Exchange, fundedAccount, logProfile, startExchange, stopExchange } from '../common/exchange.ts';
import { busyText, cpuSeconds, machine, machineAfter } from '../common/machine.ts';
import { errorsText, saveResults } from '../common/report.ts';
import { fmtInt, fmtMs, type LatencySummary, newHistogram, summarize } from '../http/stats.ts';
import { type BenchAccount, type BenchSymbol, DEFAULT_MIX } from '../http/workload.ts';
import { analyze } from './analysis.ts';
import { Probe } from './probe.ts';
import { clockSince, type FromFlow, type FromSubscriber, type SubscriberResult, type ToFlow, type ToSubscriber } from './protocol.ts';

const here = dirname(fileURLToPath(import.meta.url));

const { values: args } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '1000' },
    processes: { type: 'string', default: '2' },
    rate: { type: 'string', default: '2000' },
    'warmup-seconds': { type: 'string', default: '3' },
    seconds: { type: 'string', default: '20' },
    symbol: { type: 'string', default: 'AAPL' },
    accounts: { type: 'string', default: '8' },
    connections: { type: 'string', default: '128' },
    'seed-orders': { type: 'string', default: '400' },
    ramp: { type: 'string', default: '50' },
    'max-buffered-bytes': { type: 'string' },
    seed: { type: 'string', default: '20261122' },
    'cpu-prof': { type: 'boolean', default: false },
    'keep-data': { type: 'boolean', default: false },
  },
});

const config = {
  subscribers: Number(args.subscribers),
  processes: Math.max(1, Number(args.processes)),
  rate: Number(args.rate),
  warmupMs: Number(args['warmup-seconds']) * 1000,
  measureMs: Number(args.seconds) * 1000,
  symbol: args.symbol!,
  accounts: Number(args.accounts),
  connections: Number(args.connections),
  seedOrders: Number(args['seed-orders']),
  ramp: Number(args.ramp),
  maxBufferedBytes: args['max-buffered-bytes'] === undefined ? null : Number(args['max-buffered-bytes']),
  seed: Number(args.seed),
  mix: DEFAULT_MIX,
};
/** The flow keeps going this long after the window so the window's last updates are not a tail. */
const TAIL_MS = 500;
const TARGET_P99_MS = 5;

const log = (message: string): void => console.log(message);
const startedAt = Date.now();

// ---------------------------------------------------------------------------------------------------------
// Admin API and metrics

async function setUp(exchange: Exchange): Promise<{ accounts: BenchAccount[]; symbol: BenchSymbol }> {
  const [symbol] = await benchSymbols(exchange.url, [config.symbol]);
  const accounts = await Promise.all(Array.from({ length: config.accounts }, (_, k) => fundedAccount(exchange, `md-bench-${k}`, [config.symbol])));
  return { accounts, symbol };
}

type Metrics = Map<string, number>;

async function scrape(url: string): Promise<Metrics> {
  const text = await (await fetch(new URL('/metrics', url))).text();
  const out: Metrics = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

const delta = (a: Metrics, b: Metrics, name: string): number => (b.get(name) ?? NaN) - (a.get(name) ?? NaN);

/** The server's own publish-loop histogram over the window: mean and the share of loops within each bucket. */
function publishLoop(a: Metrics, b: Metrics): { count: number; meanMs: number; buckets: Array<[string, number]> } {
  const name = 'exchange_ws_publish_delay_seconds';
  const count = delta(a, b, `${name}_count`);
  const buckets: Array<[string, number]> = [];
  for (const key of b.keys()) {
    const match = /^exchange_ws_publish_delay_seconds_bucket\{le="([^"]+)"\}$/.exec(key);
    if (match !== null) buckets.push([match[1], count > 0 ? delta(a, b, key) / count : NaN]);
  }
  return { count, meanMs: (delta(a, b, `${name}_sum`) / count) * 1000, buckets };
}

// ---------------------------------------------------------------------------------------------------------

function merge(encoded: string[]): LatencySummary {
  const total = newHistogram();
  for (const text of encoded) total.add(hdr.decodeFromCompressedBase64(text, 32));
  return summarize(total);
}

const latencyText = (s: LatencySummary): string =>
  `p50 ${fmtMs(s.p50)}  p90 ${fmtMs(s.p90)}  p99 ${fmtMs(s.p99)}  p99.9 ${fmtMs(s.p999)}  max ${fmtMs(s.max)} ms  (${fmtInt(s.count)} samples)`;

function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const m = machine();
  log(`bench:marketdata on ${m.nproc} cores (${m.cpuModel}), node ${m.node}; before start: ${busyText()}`);
  log(`${fmtInt(config.subscribers)} subscribers in ${config.processes} processes, each connection on book.L2 + trades ${config.symbol}; ` +
    `order flow ${fmtInt(config.rate)} REST commands/s open loop over ${config.connections} connections ` +
    `(${Math.round(config.mix.cancel * 100)}% cancels, ${Math.round(config.mix.cross * 100)}% crossing IOC, the rest passive GTC adds); ` +
    `${config.warmupMs / 1000} s warm-up + ${config.measureMs / 1000} s measured`);

  const server = await startExchange({
    name: 'marketdata', startedAt, keepData: args['keep-data']!, cpuProf: args['cpu-prof']!,
    env: config.maxBufferedBytes === null ? {} : { EXCHANGE_WS_MAX_BUFFERED_BYTES: String(config.maxBufferedBytes) },
  });
  const url = server.url;
  const wsUrl = url.replace(/^http/, 'ws') + '/v1/ws';

  const subscribers = Array.from({ length: config.processes }, (_, i) => new Forked<ToSubscriber, FromSubscriber>(join(here, 'subscriber.ts'), `subscriber process ${i}`));
  const flow = new Forked<ToFlow, FromFlow>(join(here, 'flow.ts'), 'order-flow process');
  const probe = new Probe();
  let report: Record<string, unknown>;
  let finalLine: string;
  try {
    const { accounts, symbol } = await setUp(server);
    await flow.request({ type: 'init', url, accounts, symbols: [symbol], mix: config.mix, seed: config.seed, connections: config.connections }, 'ready');
    const seeded = await flow.request({ type: 'seed', orders: config.seedOrders }, 'seeded');
    const book = (await call(url, 'GET', `/v1/marketdata/orderBook/L2?symbol=${config.symbol}&depth=1000`, null)) as { bids: unknown[]; asks: unknown[] };
    log(`set up ${accounts.length} accounts; rested ${seeded.ok} passive orders (${book.bids.length} bid and ${book.asks.length} ask levels)` +
      `${Object.keys(seeded.errors).length > 0 ? `; seed errors ${JSON.stringify(seeded.errors)}` : ''}`);

    // The probe first: it is then the first subscriber of every channel.
    await probe.connect(wsUrl, config.symbol);
    const t0 = performance.now();
    const per = Array.from({ length: config.processes }, (_, i) =>
      Math.floor(config.subscribers / config.processes) + (i < config.subscribers % config.processes ? 1 : 0));
    const connected = await Promise.all(subscribers.map((s, i) =>
      s.request({ type: 'connect', url: wsUrl, symbol: config.symbol, connections: per[i], concurrency: config.ramp }, 'connected')));
    const connectedCount = connected.reduce((n, c) => n + c.connected, 0);
    const failed = connected.reduce((n, c) => n + c.failed, 0);
    log(`subscribers: ${fmtInt(connectedCount)} connected and subscribed (snapshots received), ${failed} failed` +
      `${failed > 0 ? ` (first: ${connected.find((c) => c.firstError)?.firstError})` : ''}, in ${((performance.now() - t0) / 1000).toFixed(1)} s ` +
      `(${config.ramp} at a time per process); the probe subscribed before them`);
    if (connectedCount === 0) throw new Error('no subscriber connected');

    // Go: one base instant for every process's stamps.
    await sleep(500);
    const l2Base = probe.lastL2;
    const tradesBase = probe.lastTrades;
    const baseNs = process.hrtime.bigint();
    const since = clockSince(baseNs);
    const windowStartUs = config.warmupMs * 1000;
    const windowEndUs = (config.warmupMs + config.measureMs) * 1000;
    await Promise.all(subscribers.map((s) => s.request({ type: 'go', baseNs: String(baseNs), l2Base, tradesBase, windowStartUs, windowEndUs }, 'going')));
    probe.start(since, l2Base, tradesBase);
    const flowDone = flow.request({ type: 'run', baseNs: String(baseNs), rate: config.rate, durationMs: config.warmupMs + config.measureMs + TAIL_MS, drainMs: 5000 }, 'ran');

    // The window's edges: server metrics and CPU.
    await sleep(Math.max(0, windowStartUs / 1000 - since() / 1000));
    const metricsAtStart = await scrape(url);
    const cpuAtStart = cpuSeconds(server.child.pid);
    const wallAtStart = performance.now();
    log(`flow started; measuring ${config.measureMs / 1000} s from ${config.warmupMs / 1000} s in`);
    let lastCount = probe.l2At.length;
    let lastTrades = probe.tradesAt.length;
    let lastUs = since();
    while (windowEndUs - since() > 50_000) {
      await sleep(Math.min(5000, (windowEndUs - since()) / 1000));
      const n = probe.l2At.length;
      const t = probe.tradesAt.length;
      const elapsed = (since() - lastUs) / 1e6;
      log(`  ${(since() / 1e6).toFixed(1)} s: book changes ${fmtInt((n - lastCount) / elapsed)}/s, trades updates ${fmtInt((t - lastTrades) / elapsed)}/s (as the probe sees them)`);
      lastCount = n;
      lastTrades = t;
      lastUs = since();
    }
    await sleep(Math.max(0, (windowEndUs - since()) / 1000));
    const metricsAtEnd = await scrape(url);
    const serverCpuPercent = ((cpuSeconds(server.child.pid) - cpuAtStart) / ((performance.now() - wallAtStart) / 1000)) * 100;
    const ran = await flowDone;
    // Let the last updates arrive: wait until the probe has been quiet for 1 s (at most 15 s).
    const drainStart = performance.now();
    while (performance.now() - probe.lastMessageAt < 1000 && performance.now() - drainStart < 15_000) await sleep(100);
    await sleep(500);
    const metricsAfter = await scrape(url);

    const earliest = await Promise.all(subscribers.map((s) => s.request({ type: 'collect' }, 'earliest')));
    const minOf = (arrays: Float64Array[]): Float64Array => {
      const out = new Float64Array(arrays.reduce((n, a) => Math.max(n, a.length), 0)).fill(NaN);
      for (const a of arrays) for (let i = 0; i < a.length; i++) if (!(out[i] <= a[i])) out[i] = a[i];
      return out;
    };
    const l2Earliest = minOf(earliest.map((e) => e.l2));
    const tradesEarliest = minOf(earliest.map((e) => e.trades));
    const a = analyze(probe, ran.records, l2Earliest, tradesEarliest, windowStartUs, windowEndUs);
    const results: SubscriberResult[] = (await Promise.all(subscribers.map((s) => s.request({
      type: 'analyze', l2Release: a.l2Release, tradesRelease: a.tradesRelease, l2Earliest, tradesEarliest, l2Send: a.l2Send,
    }, 'result')))).map((r) => r.result);

    // ----- figures
    const seconds = config.measureMs / 1000;
    const sum = (f: (r: SubscriberResult) => number): number => results.reduce((n, r) => n + f(r), 0);
    const delay = merge(results.map((r) => r.delay));
    const spread = merge(results.map((r) => r.spread));
    const endToEnd = merge(results.map((r) => r.endToEnd));
    const responses = summarize(hdr.decodeFromCompressedBase64(ran.stats.responseHistogram, 32));
    const updatesPerSec = sum((r) => r.updatesInWindow) / seconds;
    const bookChangesPerSec = a.l2InWindow / seconds;
    const tradesPerSec = a.tradesInWindow / seconds;
    const gaps = sum((r) => r.gaps) + probe.gaps;
    const missing = sum((r) => r.missing);
    const slowClient = sum((r) => r.slowConsumerCloses);
    const slowServer = delta(metricsAtStart, metricsAfter, 'exchange_ws_slow_consumer_disconnects_total');
    const slowTotal = (metricsAfter.get('exchange_ws_slow_consumer_disconnects_total') ?? NaN);
    const loop = publishLoop(metricsAtStart, metricsAtEnd);
    const fsyncs = delta(metricsAtStart, metricsAtEnd, 'exchange_journal_fsync_seconds_count');
    const records = delta(metricsAtStart, metricsAtEnd, 'exchange_journal_batch_records_sum');
    const fsyncMs = (delta(metricsAtStart, metricsAtEnd, 'exchange_journal_fsync_seconds_sum') / fsyncs) * 1000;
    const wsOutPerSec = delta(metricsAtStart, metricsAtEnd, 'exchange_ws_messages_out_total') / seconds;
    const wsBytesPerSec = delta(metricsAtStart, metricsAtEnd, 'exchange_ws_bytes_out_total') / seconds;
    const s = ran.stats;
    const answerAfter = a.answerAfterRelease;
    const openAtEnd = sum((r) => r.openAtEnd);

    log('');
    log(`order flow: ${fmtInt(s.sent / ((config.warmupMs + config.measureMs + TAIL_MS) / 1000))} commands/s sent ` +
      `(target ${fmtInt(config.rate)}), 2xx: ${fmtInt(s.okByKind.passive)} adds, ${fmtInt(s.okByKind.cross)} crosses, ${fmtInt(s.okByKind.cancel)} cancels; ` +
      `other answers ${errorsText(s.errors, 'none')}; largest backlog ${fmtInt(s.maxBacklog)}${s.unsent > 0 ? `, ${fmtInt(s.unsent)} never sent` : ''}; ` +
      `REST response p50 ${fmtMs(responses.p50)} p99 ${fmtMs(responses.p99)} ms`);
    log(`book changes produced: ${fmtInt(bookChangesPerSec)}/s (book.L2 updates released in the window), trades updates ${fmtInt(tradesPerSec)}/s`);
    log(`subscribers connected: ${fmtInt(connectedCount)} (${fmtInt(openAtEnd)} still open at the end)`);
    log(`updates delivered: ${fmtInt(updatesPerSec)}/s in all (book.L2 ${fmtInt(sum((r) => r.l2InWindow) / seconds)}/s, trades ${fmtInt(sum((r) => r.tradesInWindow) / seconds)}/s), ` +
      `${(sum((r) => r.bytesInWindow) / seconds / 2 ** 20).toFixed(1)} MiB/s of payload; server wrote ${fmtInt(wsOutPerSec)} messages/s, ${(wsBytesPerSec / 2 ** 20).toFixed(1)} MiB/s`);
    log(`publish delay (receipt - estimated release of the command), ms: ${latencyText(delay)}`);
    log(`fan-out spread (receipt - earliest receipt of the same update among subscribers), ms: ${latencyText(spread)}`);
    log(`end-to-end (receipt - REST send of the command; ${fmtInt(a.correlated)} of ${fmtInt(a.l2InWindow)} book changes matched: ` +
      `${fmtInt(a.correlatedByKind.passive)} adds, ${fmtInt(a.correlatedByKind.cancel)} cancels), ms: ${latencyText(endToEnd)}`);
    log(`release estimate taken from: the probe ${fmtInt(a.releaseSource.probe)}, a subscriber ${fmtInt(a.releaseSource.subscriber)}, ` +
      `the HTTP answer ${fmtInt(a.releaseSource.httpAnswer)}; HTTP answer came ${fmtMs(quantile(answerAfter, 0.5) / 1000)} ms (p50) / ` +
      `${fmtMs(quantile(answerAfter, 0.99) / 1000)} ms (p99) after the release estimate`);
    log(`server: CPU ${serverCpuPercent.toFixed(0)}% of one core; publish loop per command (its exchange_ws_publish_delay_seconds) ` +
      `mean ${fmtMs(loop.meanMs)} ms over ${fmtInt(loop.count)} loops, share within: ${loop.buckets.map(([le, share]) => `${le === '+Inf' ? 'all' : `${Number(le) * 1000} ms`} ${(share * 100).toFixed(1)}%`).join(', ')}; ` +
      `${fmtInt(fsyncs)} fsyncs, mean ${fmtMs(fsyncMs)} ms, ${(records / fsyncs).toFixed(1)} commands per fsync`);
    log(`checks: sequence gaps ${gaps}, updates missed by open connections ${fmtInt(missing)}, slow-consumer disconnects ${slowClient} ` +
      `(server counter ${Number.isNaN(slowServer) ? '-' : slowServer} in the run, ${Number.isNaN(slowTotal) ? '-' : slowTotal} in all), ` +
      `other closes ${sum((r) => r.otherCloses)}, error messages ${sum((r) => r.errors)}`);
    log(`clients: subscriber processes CPU ${results.map((r) => r.cpuPercent.toFixed(0) + '%').join(', ')}, ` +
      `max event-loop lag ${results.map((r) => fmtMs(r.maxLoopLagMs)).join(', ')} ms; order-flow process CPU ${s.cpuPercent.toFixed(0)}%`);
    const verdict = delay.p99 < TARGET_P99_MS && bookChangesPerSec >= 0.95 * 2000 && connectedCount >= 1000;
    log(`target (p99 < ${TARGET_P99_MS} ms with 1,000 subscribers and 2,000 book changes/s): ${verdict ? 'met' : 'NOT met'}`);
    log(`after: ${busyText()} (other work on this machine lowers every figure)`);

    finalLine = `bench:marketdata subscribers=${connectedCount} updates_per_s=${Math.round(updatesPerSec)} p99_ms=${delay.p99}`;
    report = {
      config, connected: connectedCount, failedConnections: failed, openAtEnd,
      flow: { ...s, responseHistogram: undefined, response: responses },
      bookChangesPerSec, tradesPerSec, updatesPerSec, delay, spread, endToEnd,
      correlation: { correlated: a.correlated, ofBookChanges: a.l2InWindow, byKind: a.correlatedByKind, releaseSource: a.releaseSource,
        answerAfterReleaseMs: { p50: quantile(answerAfter, 0.5) / 1000, p99: quantile(answerAfter, 0.99) / 1000 } },
      checks: { gaps, missing, slowConsumerClient: slowClient, slowConsumerServer: slowServer, otherCloses: sum((r) => r.otherCloses), errors: sum((r) => r.errors) },
      server: { cpuPercent: serverCpuPercent, publishLoop: loop, fsyncs, fsyncMeanMs: fsyncMs, commandsPerFsync: records / fsyncs, wsMessagesOutPerSec: wsOutPerSec, wsBytesOutPerSec: wsBytesPerSec },
      subscriberProcesses: results.map((r) => ({ ...r, delay: undefined, spread: undefined, endToEnd: undefined })),
      verdict,
    };
  } finally {
    probe.close();
    await Promise.all([...subscribers.map((s) => s.exit()), flow.exit()]);
    await stopExchange(server);
  }
  logProfile(server);
  saveResults('marketdata', startedAt, { machine: machineAfter(m), ...report, finalLine });
  log(finalLine);
}

runMain(main);
