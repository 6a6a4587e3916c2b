// The command line of `npm run bench` / `exchange bench` (see main.ts), turned into the run's plan.
import { parseArgs } from 'node:util';
import { E2E_MIX, type FlowMix } from './flow.ts';
import { TRANSPORTS, type TransportName } from './protocol.ts';

export interface TransportPlan {
  name: TransportName;
  /** Target rates of the exchange's ladder and of the echo server's (requests/s, all load processes together). */
  rates: number[];
  echoRates: number[];
  /** binary and ws: connections (one account each); http: sockets. */
  connections: number;
  accounts: number;
  /** binary and ws: most requests unanswered per connection. */
  window: number;
  /** The p99 (ms) a step must stay within to count as sustained. */
  p99BoundMs: number;
}

export interface Config {
  transports: TransportPlan[];
  measureMs: number;
  settleMs: number;
  warmupMs: number;
  drainMs: number;
  loadProcesses: number;
  symbols: string[];
  seed: number;
  /** The ladder stops after a step with p99 over this, or answered under 90% of its target. */
  stopP99Ms: number;
  quick: boolean;
  skipEcho: boolean;
  /** Where ws and http send orders: the order-entry port (a gateway thread) or the HTTP port (the engine thread). */
  jsonEndpoint: 'order-entry' | 'http';
  cpuProf: boolean;
  keepData: boolean;
  mix: FlowMix;
  /** Every ladder this many times; the final lines give each figure's median over the runs (medians.ts). */
  runs: number;
}

const k = (n: number): number => n * 1000;

const DEFAULTS: Record<TransportName, Omit<TransportPlan, 'name'> & { quickRate: number }> = {
  binary: {
    rates: [10, 25, 50, 100, 150, 200, 250, 315, 400].map(k), echoRates: [50, 100, 200, 300, 400, 500, 600, 800, 1000].map(k),
    connections: 8, accounts: 8, window: 4096, p99BoundMs: 2, quickRate: 20_000,
  },
  ws: {
    rates: [5, 10, 20, 30, 40, 60, 80, 100, 120].map(k), echoRates: [10, 20, 40, 60, 80, 100, 120, 150, 180, 220].map(k),
    connections: 16, accounts: 16, window: 256, p99BoundMs: 10, quickRate: 5_000,
  },
  http: {
    rates: [1, 2, 4, 6, 8, 10, 15, 20, 30, 40].map(k), echoRates: [2, 5, 10, 15, 20, 25, 30, 40, 50, 60].map(k),
    connections: 256, accounts: 50, window: 1, p99BoundMs: 10, quickRate: 2_000,
  },
};

const numbers = (text: string): number[] => text.split(',').map((s) => Number(s.trim().replace(/k$/i, '000'))).filter((n) => Number.isFinite(n) && n > 0);

export const USAGE = `npm run bench -- [options]   (or: npm run exchange -- bench [options])
  --transports binary,ws,http   which transports (default all three, in this order)
  --quick                       one short step per transport at a modest rate, echo included (about a minute)
  --binary-rates 10k,25k,...   the exchange's ladder for a transport (also --ws-rates, --http-rates)
  --binary-echo-rates ...       the echo server's ladder (also --ws-echo-rates, --http-echo-rates)
  --step-seconds 5              recorded seconds per step (after --settle-seconds 1 of unrecorded load)
  --warmup-seconds 1            unrecorded load before each ladder
  --load-processes 1            load generator processes (the rate and the connections are split among them)
  --binary-connections 8        connections (= accounts) for binary; --ws-connections 16; --http-connections 256 sockets
  --http-accounts 50            accounts taking turns on the http sockets
  --symbols AAPL,MSFT,...       bench symbols
  --stop-p99-ms 50              a ladder stops after a step with p99 over this (or answered under 90% of target)
  --seed 20261122               the order flow's seed
  --skip-echo                   no echo servers (no ceiling_ratio)
  --json-endpoint order-entry   ws and http: /v1/ws and /v1/order on the order-entry port (gateway thread), or http (the HTTP port, engine thread)
  --cpu-prof                    server CPU profiles in bench/results/e2e-<transport>-cpuprof-<time>/
  --keep-data                   keep the exchanges' data directories
  --runs 1                      repeat everything this many times (the transports in turn within each run); the final lines
                                give each figure's median over the runs, each run's own lines are printed above them`;

export function parseConfig(argv: string[]): Config {
  const perTransport = Object.fromEntries(TRANSPORTS.flatMap((t) => [
    [`${t}-rates`, { type: 'string' as const }], [`${t}-echo-rates`, { type: 'string' as const }], [`${t}-connections`, { type: 'string' as const }],
  ]));
  const { values: a } = parseArgs({
    args: argv,
    options: {
      ...perTransport,
      transports: { type: 'string', default: TRANSPORTS.join(',') },
      quick: { type: 'boolean', default: false },
      'step-seconds': { type: 'string' },
      'settle-seconds': { type: 'string', default: '1' },
      'warmup-seconds': { type: 'string', default: '1' },
      'load-processes': { type: 'string', default: '1' },
      'http-accounts': { type: 'string' },
      symbols: { type: 'string', default: 'AAPL,MSFT,AMZN,GOOGL,JPM,V,XOM,WMT' },
      'stop-p99-ms': { type: 'string', default: '50' },
      seed: { type: 'string', default: '20261122' },
      'skip-echo': { type: 'boolean', default: false },
      'json-endpoint': { type: 'string', default: 'order-entry' },
      'cpu-prof': { type: 'boolean', default: false },
      'keep-data': { type: 'boolean', default: false },
      runs: { type: 'string', default: '1' },
      help: { type: 'boolean', default: false },
    },
  });
  if (a.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const values = a as Record<string, string | boolean | undefined>;
  const str = (name: string): string | undefined => values[name] as string | undefined;
  const quick = a.quick === true;
  const names = String(a.transports).split(',').map((s) => s.trim()).filter(Boolean);
  for (const name of names) if (!(TRANSPORTS as readonly string[]).includes(name)) throw new Error(`unknown transport ${name}: use ${TRANSPORTS.join(',')}`);
  const loadProcesses = Math.max(1, Number(a['load-processes']));
  const runs = Number(a.runs);
  if (!Number.isSafeInteger(runs) || runs < 1) throw new Error(`--runs ${String(a.runs)}: use a whole number of at least 1`);
  const jsonEndpoint = String(a['json-endpoint']);
  if (jsonEndpoint !== 'order-entry' && jsonEndpoint !== 'http') throw new Error(`--json-endpoint ${jsonEndpoint}: use order-entry or http`);
  const transports = (names as TransportName[]).map((name): TransportPlan => {
    const d = DEFAULTS[name];
    const rates = str(`${name}-rates`) !== undefined ? numbers(str(`${name}-rates`)!) : quick ? [d.quickRate] : d.rates;
    const echoRates = str(`${name}-echo-rates`) !== undefined ? numbers(str(`${name}-echo-rates`)!) : quick ? [rates[0]] : d.echoRates;
    let connections = Number(str(`${name}-connections`) ?? (quick && name !== 'http' ? 4 : d.connections));
    connections = Math.max(loadProcesses, Math.ceil(connections / loadProcesses) * loadProcesses);
    const httpAccounts = Number(str('http-accounts') ?? (quick ? 10 : d.accounts));
    const accounts = name === 'http' ? Math.max(1, Math.ceil(httpAccounts / loadProcesses)) * loadProcesses : connections;
    return { name, rates, echoRates, connections, accounts, window: d.window, p99BoundMs: d.p99BoundMs };
  });
  return {
    transports,
    measureMs: Number(str('step-seconds') ?? (quick ? 3 : 5)) * 1000,
    settleMs: Number(a['settle-seconds']) * 1000,
    warmupMs: Number(a['warmup-seconds']) * 1000,
    drainMs: 3000,
    loadProcesses,
    symbols: String(a.symbols).split(',').map((s) => s.trim()).filter(Boolean),
    seed: Number(a.seed),
    stopP99Ms: Number(a['stop-p99-ms']),
    quick,
    skipEcho: a['skip-echo'] === true,
    jsonEndpoint,
    cpuProf: a['cpu-prof'] === true,
    keepData: a['keep-data'] === true,
    mix: E2E_MIX,
    runs,
  };
}

/** The longest the run can take (every step of every ladder, plus the start of each server), for the progress bar. */
export function plannedMs(c: Config): number {
  const step = c.settleMs + c.measureMs + 300;
  let total = 0;
  for (const t of c.transports) {
    total += 15_000 + c.warmupMs + t.rates.length * step;
    if (!c.skipEcho) total += 3_000 + c.warmupMs + t.echoRates.length * step;
  }
  return total * c.runs;
}
