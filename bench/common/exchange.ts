// The exchange under benchmark: started as a child process (`src/cli/main.ts start`, PORT=0, a fresh
// temporary data directory, EXCHANGE_FSYNC=1 so every acknowledgement waits for fdatasync, REST rate limits
// raised out of the way, a random admin token), stopped by PID; and its admin API, to create and fund the
// benchmark's accounts.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchAccount, BenchSymbol } from '../http/workload.ts';
import { removeNow, removeOnExit, root, type Spawned, startChild, stopChild } from './children.ts';

export interface ExchangeOptions {
  /** The benchmark's name: the data directory is <tmp>/bench-<name>-*, the CPU profile bench/results/<name>-cpuprof-<startedAt>. */
  name: string;
  startedAt: number;
  /** Leave the data directory in place. */
  keepData: boolean;
  /** Run the server with --cpu-prof. */
  cpuProf: boolean;
  /** More environment for the server. */
  env?: NodeJS.ProcessEnv;
  /** Lines of the server's stdout to collect once it listens (Spawned.watched). */
  watch?: RegExp;
}

export interface Exchange extends Spawned {
  dataDir: string;
  adminToken: string;
  /** Where the server writes its CPU profile (null without --cpu-prof). */
  profileDir: string | null;
  keepData: boolean;
}

/** What `npm start` gives node (package.json): the server under test runs as users run it. BENCH_SERVER_NODE_FLAGS
 *  replaces them (space-separated), to measure another setting against these in the same way. */
const SERVER_NODE_FLAGS = (process.env.BENCH_SERVER_NODE_FLAGS ?? '--max-semi-space-size=64 --v8-pool-size=1').split(' ').filter((flag) => flag !== '');

/** Starts the exchange, waits for "exchange listening on <url>" and logs its PID, URL and data directory. */
export async function startExchange(o: ExchangeOptions): Promise<Exchange> {
  const dataDir = mkdtempSync(join(tmpdir(), `bench-${o.name}-`));
  if (!o.keepData) removeOnExit(dataDir);
  const profileDir = o.cpuProf ? join(root, 'bench/results', `${o.name}-cpuprof-${o.startedAt}`) : null;
  const adminToken = randomBytes(24).toString('hex');
  const limit = '10000000';
  const server = await startChild('src/cli/main.ts', {
    PORT: '0', EXCHANGE_ORDER_ENTRY_PORT: '0', HOST: '127.0.0.1', EXCHANGE_DATA_DIR: dataDir, EXCHANGE_ADMIN_TOKEN: adminToken, EXCHANGE_FSYNC: '1',
    EXCHANGE_RATE_PER_KEY: limit, EXCHANGE_BURST_PER_KEY: limit, EXCHANGE_RATE_PER_IP: limit, EXCHANGE_BURST_PER_IP: limit,
    ...o.env,
  }, [...SERVER_NODE_FLAGS, ...(profileDir === null ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`])], ['start'], /exchange listening on (http:\/\/[^\s]+)/, o.watch);
  console.log(`exchange pid ${server.child.pid} at ${server.url}, data in ${dataDir} (fsync on)${profileDir === null ? '' : `, CPU profile to ${profileDir}`}`);
  return { ...server, dataDir, adminToken, profileDir, keepData: o.keepData };
}

/** Stops the exchange by PID (SIGTERM, SIGKILL after 60 s) and removes its data directory (unless kept). */
export async function stopExchange(exchange: Exchange): Promise<void> {
  await stopChild(exchange.child, 60_000);
  if (!exchange.keepData) removeNow(exchange.dataDir);
}

/** With --cpu-prof: logs the profile files the stopped server wrote. */
export function logProfile(exchange: Exchange): void {
  const dir = exchange.profileDir;
  if (dir === null) return;
  try {
    console.log(`server CPU profile: ${readdirSync(dir).map((f) => join(dir, f)).join(', ')}`);
  } catch {
    console.log('server CPU profile: none written');
  }
}

// ---------------------------------------------------------------------------------------------------------
// Admin API

/** One JSON request; throws on a non-2xx answer. */
export async function call(url: string, method: string, path: string, token: string | null, body?: unknown): Promise<unknown> {
  const response = await fetch(new URL(path, url), {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text === '' ? null : JSON.parse(text);
}

/** "210.05" -> 21005. */
export function cents(text: string): number {
  const [whole, frac = ''] = text.split('.');
  return Number(whole) * 100 + Number(frac.padEnd(2, '0').slice(0, 2));
}

/**
 * The named symbols with their reference price and tick size in cents (GET /v1/symbols) and their symbolId
 * (the index in that list, as the binary order-entry protocol numbers them); throws if one is not listed.
 */
export async function benchSymbols(url: string, names: string[]): Promise<Array<BenchSymbol & { symbolId: number }>> {
  const listed = (await call(url, 'GET', '/v1/symbols', null)) as { symbols: { symbol: string; tickSize: string; referencePrice: string }[] };
  return names.map((name) => {
    const symbolId = listed.symbols.findIndex((s) => s.symbol === name);
    if (symbolId < 0) throw new Error(`symbol ${name} is not listed`);
    const found = listed.symbols[symbolId];
    return { symbol: name, referenceCents: cents(found.referencePrice), tickCents: cents(found.tickSize), symbolId };
  });
}

/** Creates an account named `name` and deposits $1,000,000,000 and 10,000,000 shares of each of `symbols`. */
export async function fundedAccount(exchange: Exchange, name: string, symbols: string[]): Promise<BenchAccount> {
  const account = (await call(exchange.url, 'POST', '/v1/admin/accounts', exchange.adminToken, { name })) as BenchAccount;
  const base = `/v1/admin/accounts/${account.accountId}/deposit`;
  await call(exchange.url, 'POST', base, exchange.adminToken, { asset: 'USD', amount: '1000000000.00' });
  for (const symbol of symbols) await call(exchange.url, 'POST', base, exchange.adminToken, { asset: symbol, amount: '10000000' });
  return { accountId: account.accountId, apiKey: account.apiKey, apiSecret: account.apiSecret };
}

// ---------------------------------------------------------------------------------------------------------
// Metrics (GET /metrics, Prometheus text)

export async function metricsText(url: string): Promise<string> {
  const response = await fetch(new URL('/metrics', url));
  return response.text();
}

/** The first sample of `name` in a Prometheus text (NaN when absent). */
export function metricValue(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(name + ' ') || l.startsWith(name + '{'));
  return line === undefined ? NaN : Number(line.slice(line.lastIndexOf(' ') + 1));
}
