// Support for the crash-and-recover end-to-end tests (test/e2e/crash-recovery.test.ts): runs the REAL
// server (`node --import tsx src/cli/main.ts start`) and `replay --verify` as child processes, kills them
// by PID, talks to the server over HTTP with a client written from API.md alone (HMAC straight from
// node:crypto), and reads journal segment headers from the outside.
//
// Every child listens on 127.0.0.1 only (HOST=127.0.0.1, PORT=0), is tracked here, and is SIGKILLed by
// PID by killAllChildren() (call it from an `after` hook; a process 'exit' hook is the last resort).
import { type ChildProcess, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');
export const ADMIN_TOKEN = 'crash-e2e-admin-token-5f0c1d2e3a4b';
const LISTEN_TIMEOUT_MS = 120_000;
const REQUEST_TIMEOUT_MS = 15_000;

// ---------------------------------------------------------------------------------------------------
// Child processes

interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const children = new Set<{ pid: number; child: ChildProcess; exited: boolean }>();
const tempDirs = new Set<string>();

/** SIGKILLs, by PID, every child started here that is still running, and waits for them. */
export async function killAllChildren(): Promise<void> {
  const waits: Promise<unknown>[] = [];
  for (const entry of children) {
    if (entry.exited) continue;
    waits.push(new Promise((r) => entry.child.once('exit', r)));
    try {
      process.kill(entry.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await Promise.race([Promise.all(waits), new Promise((r) => setTimeout(r, 5_000).unref())]);
}

/** Removes the temporary data directories (kept when E2E_KEEP_DATA=1, for a post-mortem). */
export async function removeTempDirs(): Promise<void> {
  if (process.env.E2E_KEEP_DATA === '1') {
    if (tempDirs.size > 0) console.log(`E2E_KEEP_DATA=1: kept ${[...tempDirs].join(' ')}`);
    return;
  }
  await Promise.all([...tempDirs].map((dir) => rm(dir, { recursive: true, force: true })));
  tempDirs.clear();
}

process.on('exit', () => {
  for (const entry of children) {
    if (entry.exited) continue;
    try {
      process.kill(entry.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

export async function makeDataDir(label: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `exchange-crash-${label}-`));
  tempDirs.add(dir);
  return dir;
}

/** The test runner's environment minus anything that would configure the server under test. */
function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (name.startsWith('EXCHANGE_') || name.startsWith('NODE_TEST') || ['PORT', 'HOST', 'DATABASE_URL', 'NATS_URL', 'NODE_OPTIONS'].includes(name)) continue;
    env[name] = value;
  }
  return env;
}

export function serverEnv(dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...baseEnv(),
    PORT: '0',
    // A free port for binary order entry too: the default 8081 may be taken (by another test run, or a
    // server a developer left running), which made every crash test fail at start.
    EXCHANGE_ORDER_ENTRY_PORT: '0',
    HOST: '127.0.0.1',
    EXCHANGE_DATA_DIR: dataDir,
    EXCHANGE_ADMIN_TOKEN: ADMIN_TOKEN,
    // The load here is far above the default per-IP limit; 429s would only thin it out.
    EXCHANGE_RATE_PER_IP: '1000000',
    EXCHANGE_RATE_PER_KEY: '1000000',
    ...extra,
  };
}

/** One run of `node --import tsx src/cli/main.ts <args>`, its output captured. */
export class CliProcess {
  readonly pid: number;
  readonly exited: Promise<ExitStatus>;
  private stdoutText = '';
  private stderrText = '';
  private exitStatus: ExitStatus | null = null;

  constructor(args: string[], env: NodeJS.ProcessEnv) {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    if (child.pid === undefined) throw new Error(`could not spawn ${args.join(' ')}`);
    this.pid = child.pid;
    const entry = { pid: child.pid, child, exited: false };
    children.add(entry);
    child.stdout!.setEncoding('utf8');
    child.stderr!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => (this.stdoutText += chunk));
    child.stderr!.on('data', (chunk: string) => (this.stderrText += chunk));
    this.exited = new Promise((resolveExit) => {
      // 'close' waits for the pipes to drain, so the output is complete when this resolves.
      child.once('close', (code, signal) => {
        entry.exited = true;
        children.delete(entry);
        this.exitStatus = { code, signal };
        resolveExit({ code, signal });
      });
    });
  }

  get stdout(): string {
    return this.stdoutText;
  }

  get stderr(): string {
    return this.stderrText;
  }

  /** stdout and stderr together (for assertions and failure messages). */
  get output(): string {
    return `--- stdout ---\n${this.stdoutText}--- stderr ---\n${this.stderrText}`;
  }

  get running(): boolean {
    return this.exitStatus === null;
  }

  /** Waits for the exit; on timeout SIGKILLs (by PID) and throws. */
  async waitExit(timeoutMs: number, what = 'process'): Promise<ExitStatus> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((r) => (timer = setTimeout(() => r(null), timeoutMs)));
    const result = await Promise.race([this.exited, timeout]);
    clearTimeout(timer);
    if (result !== null) return result;
    this.signal('SIGKILL');
    await this.exited;
    throw new Error(`${what} ${this.pid} did not exit within ${timeoutMs} ms; killed with SIGKILL\n${this.output}`);
  }

  signal(signal: NodeJS.Signals): void {
    if (!this.running) return;
    try {
      process.kill(this.pid, signal);
    } catch {
      // already gone
    }
  }
}

/** A server process: `start` on a data directory. */
export class ServerProc extends CliProcess {
  url = '';
  api!: Api;

  constructor(readonly dataDir: string, env: NodeJS.ProcessEnv) {
    super(['start'], env);
  }

  static async start(dataDir: string, env: NodeJS.ProcessEnv): Promise<ServerProc> {
    const server = new ServerProc(dataDir, env);
    await server.waitListening();
    await server.waitReady();
    return server;
  }

  async waitListening(timeoutMs = LISTEN_TIMEOUT_MS): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const match = /exchange listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(this.stdout);
      if (match) {
        this.url = match[1];
        this.api = new Api(this.url);
        return this.url;
      }
      if (!this.running) throw new Error(`server exited (${JSON.stringify(await this.exited)}) before listening\n${this.output}`);
      await sleep(20);
    }
    this.signal('SIGKILL');
    throw new Error(`server did not listen within ${timeoutMs} ms\n${this.output}`);
  }

  async waitReady(timeoutMs = LISTEN_TIMEOUT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`server exited before ready\n${this.output}`);
      try {
        const reply = await this.api.request('GET', '/readyz');
        if (reply.status === 200) return;
        last = `${reply.status} ${reply.text}`;
      } catch (error) {
        last = String(error);
      }
      await sleep(25);
    }
    throw new Error(`server not ready within ${timeoutMs} ms (last /readyz: ${last})\n${this.output}`);
  }

  /** kill -9 by PID; resolves once the process is gone. */
  async kill9(): Promise<void> {
    this.signal('SIGKILL');
    await this.waitExit(10_000, 'server after SIGKILL');
  }

  /** SIGTERM by PID; resolves with the exit status (throws if it does not exit within timeoutMs). */
  async terminate(timeoutMs = 20_000): Promise<ExitStatus> {
    this.signal('SIGTERM');
    return this.waitExit(timeoutMs, 'server after SIGTERM');
  }
}

export interface ReplayOutput {
  status: ExitStatus;
  stdout: string;
  stderr: string;
  /** The JSON line {sequence, stateHash, commands, verified}, when one was printed. */
  result: { sequence: number; stateHash: string; commands: number; verified: boolean } | null;
}

/** `replay --verify` on a data directory. */
export async function runReplay(dataDir: string, timeoutMs = 60_000): Promise<ReplayOutput> {
  const replay = new CliProcess(['replay', '--verify'], serverEnv(dataDir));
  const status = await replay.waitExit(timeoutMs, 'replay --verify');
  const line = replay.stdout.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('{')).pop();
  let result: ReplayOutput['result'] = null;
  if (line !== undefined) {
    try {
      result = JSON.parse(line) as ReplayOutput['result'];
    } catch {
      result = null;
    }
  }
  return { status, stdout: replay.stdout, stderr: replay.stderr, result };
}

// ---------------------------------------------------------------------------------------------------
// HTTP client (API.md)

export interface Account {
  accountId: string;
  apiKey: string;
  apiSecret: string;
}

export interface Reply<T = unknown> {
  status: number;
  body: T;
  text: string;
}

export interface OrderJson {
  id: string;
  clientOrderId: string | null;
  symbol: string;
  side: 'buy' | 'sell';
  orderType: string;
  price: string | null;
  quantity: number;
  filledQuantity: number;
  remainingQuantity: number;
  status: 'new' | 'partially_filled' | 'filled' | 'canceled' | 'rejected';
}

export interface ExecutionJson {
  id: string;
  tradeId: string;
  orderId: string;
  symbol: string;
  side: 'buy' | 'sell';
  price: string;
  quantity: number;
  fee: string;
  liquidity: 'maker' | 'taker';
  time: number;
}

export interface WalletJson {
  accountId: string;
  balances: { asset: string; available: string | number; held: string | number }[];
}

export function signatureOf(secret: string, timestamp: string, method: string, pathWithQuery: string, body: string): string {
  return createHmac('sha256', secret).update(timestamp + method + pathWithQuery + body, 'utf8').digest('hex');
}

export class Api {
  constructor(readonly baseUrl: string, readonly adminToken = ADMIN_TOKEN) {}

  async request<T = unknown>(method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Reply<T>> {
    const response = await fetch(this.baseUrl + path, { method, headers, body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
    return { status: response.status, body: parsed as T, text };
  }

  admin<T = unknown>(method: string, path: string, body?: unknown): Promise<Reply<T>> {
    const headers: Record<string, string> = { Authorization: `Bearer ${this.adminToken}` };
    const text = body === undefined ? undefined : JSON.stringify(body);
    if (text !== undefined) headers['Content-Type'] = 'application/json';
    return this.request<T>(method, path, headers, text);
  }

  signed<T = unknown>(account: Account, method: string, path: string, body?: unknown): Promise<Reply<T>> {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const timestamp = String(Date.now());
    const headers: Record<string, string> = {
      'X-API-Key': account.apiKey,
      'X-Timestamp': timestamp,
      'X-Signature': signatureOf(account.apiSecret, timestamp, method, path, text ?? ''),
    };
    if (text !== undefined) headers['Content-Type'] = 'application/json';
    return this.request<T>(method, path, headers, text);
  }

  async createAccount(name: string): Promise<Account> {
    const reply = await this.admin<Account>('POST', '/v1/admin/accounts', { name });
    if (reply.status !== 201) throw new Error(`create account ${name}: ${reply.status} ${reply.text}`);
    return { accountId: reply.body.accountId, apiKey: reply.body.apiKey, apiSecret: reply.body.apiSecret };
  }

  async deposit(account: Account, asset: string, amount: string): Promise<void> {
    const reply = await this.admin('POST', `/v1/admin/accounts/${account.accountId}/deposit`, { asset, amount });
    if (reply.status !== 200) throw new Error(`deposit ${amount} ${asset} to ${account.accountId}: ${reply.status} ${reply.text}`);
  }

  async stateHash(): Promise<{ sequence: number; stateHash: string }> {
    const reply = await this.admin<{ sequence: number; stateHash: string }>('GET', '/v1/admin/state-hash');
    if (reply.status !== 200) throw new Error(`state-hash: ${reply.status} ${reply.text}`);
    return reply.body;
  }

  /** All of the account's executions, paging back with endTime (inclusive) and de-duplicating by id. */
  async allExecutions(account: Account): Promise<ExecutionJson[]> {
    const byId = new Map<string, ExecutionJson>();
    let endTime: number | null = null;
    for (;;) {
      const path: string = `/v1/execution?limit=1000${endTime === null ? '' : `&endTime=${endTime}`}`;
      const reply = await this.signed<{ executions: ExecutionJson[] }>(account, 'GET', path);
      if (reply.status !== 200) throw new Error(`GET ${path}: ${reply.status} ${reply.text}`);
      const page = reply.body.executions;
      let added = 0;
      for (const execution of page) {
        if (!byId.has(execution.id)) {
          byId.set(execution.id, execution);
          added++;
        }
      }
      if (page.length < 1000) break;
      if (added === 0) throw new Error(`more than 1000 executions of account ${account.accountId} share the time ${endTime}: cannot page`);
      endTime = Math.min(...page.map((e) => e.time));
    }
    return [...byId.values()];
  }
}

// ---------------------------------------------------------------------------------------------------
// Journal files, read from the outside (layout from ARCHITECTURE.md section 4 and src/journal)

export const RECORD_HEADER_BYTES = 16;

export interface RecordHeader {
  offset: number;
  payloadBytes: number;
  sequence: number;
}

/** Segment file names (`<20-digit first sequence>.seg`) in <dataDir>/journal, oldest first. */
export async function segmentFiles(dataDir: string): Promise<string[]> {
  const names = await readdir(join(dataDir, 'journal'));
  return names.filter((name) => /^\d{20}\.seg$/.test(name)).sort();
}

/** Snapshot file names in <dataDir>/snapshots (none if the directory does not exist). */
export async function snapshotFiles(dataDir: string): Promise<string[]> {
  try {
    return (await readdir(join(dataDir, 'snapshots'))).filter((name) => name.endsWith('.snap')).sort();
  } catch {
    return [];
  }
}

/** Headers of the whole records of a segment file: [u32 LE length][u32 LE crc][u64 LE sequence]. */
export async function recordHeaders(path: string): Promise<RecordHeader[]> {
  const bytes = await readFile(path);
  const headers: RecordHeader[] = [];
  for (let offset = 0; offset + RECORD_HEADER_BYTES <= bytes.length;) {
    const payloadBytes = bytes.readUInt32LE(offset);
    const sequence = Number(bytes.readBigUInt64LE(offset + 8));
    // An all-zero header is the segment's preallocated space, not a record (sequences start at 1).
    if (payloadBytes === 0 && sequence === 0) break;
    if (offset + RECORD_HEADER_BYTES + payloadBytes > bytes.length) break;
    headers.push({ offset, payloadBytes, sequence });
    offset += RECORD_HEADER_BYTES + payloadBytes;
  }
  return headers;
}

// ---------------------------------------------------------------------------------------------------
// Small utilities

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A seeded PRNG (mulberry32). */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
}

/** "123.45" (or a number of shares) to integer cents/units; exact, no floating point. */
export function toCents(value: string | number): number {
  if (typeof value === 'number') return value * 100;
  const match = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(value);
  if (!match) throw new Error(`not a money amount: ${JSON.stringify(value)}`);
  const cents = Number(match[2]) * 100 + Number((match[3] ?? '').padEnd(2, '0'));
  return match[1] === '-' ? -cents : cents;
}

export function centsText(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}
