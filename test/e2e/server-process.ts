// Black-box end-to-end support: runs the REAL server as a child process (`node --import tsx
// src/cli/main.ts start`) and talks to it over HTTP with a client written here, independently of the
// server's code (the HMAC is computed straight from node:crypto, as API.md describes it).
//
// Every server listens on 127.0.0.1 on a port the OS picks (PORT=0; the URL is read from the
// "exchange listening on http://..." line on stdout), keeps its data in a fresh temporary directory, and
// is stopped by its PID. An `after` hook (plus a process 'exit' fallback) kills any server a test left
// running and removes the temporary directories (set E2E_KEEP_DATA=1 to keep them).
//
// Reporting backend: when the TEST process has DATABASE_URL set, every data directory gets a PostgreSQL
// database of its own, `exch_test_<random>`, created on that URL's server (through its `postgres`
// database) and passed to the server as DATABASE_URL; a restart on the same data directory uses the same
// database, and the after hook drops them all. Without DATABASE_URL the server uses embedded PGlite in
// its data directory, as it does by default. `server.backend` says which one a server uses.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after } from 'node:test';
import pg from 'pg';

/** The admin token every test server is started with (EXCHANGE_ADMIN_TOKEN). */
export const ADMIN_TOKEN = 'e2e-admin-token-0123456789abcdef';

const REPO_ROOT = resolve(import.meta.dirname, '..', '..');
const READY_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 15_000;

/** A parsed JSON response body: tests read arbitrary fields of it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export interface Reply {
  status: number;
  headers: Headers;
  /** Parsed JSON when the response says it is JSON (and parses), else the text. */
  body: Json;
  /** The raw response text. */
  text: string;
}

export interface Account {
  accountId: string;
  apiKey: string;
  apiSecret: string;
}

export interface RequestOptions {
  headers?: Record<string, string>;
  /** Sent exactly as given. */
  body?: string | Uint8Array;
}

export interface SignOptions {
  /** X-Timestamp to send and sign (default Date.now()). */
  timestampMs?: number;
  /** Extra or overriding headers (after signing). */
  headers?: Record<string, string>;
}

/** Lowercase hex HMAC-SHA256(secret, timestamp + METHOD + pathWithQuery + body), as API.md specifies. */
export function signatureOf(secret: string, timestamp: string, method: string, pathWithQuery: string, body: string): string {
  return createHmac('sha256', secret).update(timestamp + method + pathWithQuery + body, 'utf8').digest('hex');
}

/** The three authentication headers of an account request. */
export function signedHeaders(account: Account, method: string, pathWithQuery: string, body: string, timestampMs = Date.now()): Record<string, string> {
  const timestamp = String(timestampMs);
  return {
    'X-API-Key': account.apiKey,
    'X-Timestamp': timestamp,
    'X-Signature': signatureOf(account.apiSecret, timestamp, method, pathWithQuery, body),
  };
}

function bodyText(body: unknown): string | undefined {
  if (body === undefined) return undefined;
  return typeof body === 'string' ? body : JSON.stringify(body);
}

/** A minimal HTTP client for the public API. */
export class Client {
  constructor(readonly baseUrl: string, readonly adminToken: string = ADMIN_TOKEN) {}

  /** Any request, exactly as described (no credentials added). */
  async request(method: string, pathWithQuery: string, options: RequestOptions = {}): Promise<Reply> {
    const response = await fetch(this.baseUrl + pathWithQuery, {
      method,
      headers: options.headers,
      body: options.body,
      redirect: 'manual',
    });
    const text = await response.text();
    let body: Json = text;
    if ((response.headers.get('content-type') ?? '').includes('json')) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    return { status: response.status, headers: response.headers, body, text };
  }

  /** An admin request (Authorization: Bearer <admin token>); an object body is sent as JSON. */
  admin(method: string, path: string, body?: unknown): Promise<Reply> {
    const text = bodyText(body);
    const headers: Record<string, string> = { Authorization: `Bearer ${this.adminToken}` };
    if (text !== undefined) headers['Content-Type'] = 'application/json';
    return this.request(method, path, { headers, body: text });
  }

  /** A signed account request; an object body is sent as JSON, a string body as is (and signed as is). */
  signed(account: Account, method: string, pathWithQuery: string, body?: unknown, options: SignOptions = {}): Promise<Reply> {
    const text = bodyText(body);
    const headers = signedHeaders(account, method, pathWithQuery, text ?? '', options.timestampMs);
    if (text !== undefined) headers['Content-Type'] = 'application/json';
    return this.request(method, pathWithQuery, { headers: { ...headers, ...options.headers }, body: text });
  }

  /** A public request, no credentials. */
  publicGet(pathWithQuery: string): Promise<Reply> {
    return this.request('GET', pathWithQuery);
  }

  /** Creates an account through the admin API; throws unless 201. */
  async createAccount(name: string): Promise<Account> {
    const reply = await this.admin('POST', '/v1/admin/accounts', { name });
    if (reply.status !== 201) throw new Error(`create account ${name}: ${reply.status} ${reply.text}`);
    const { accountId, apiKey, apiSecret } = reply.body as Account;
    return { accountId, apiKey, apiSecret };
  }

  /** Deposits cash ("USD", decimal string) or shares (a symbol, integer string); throws unless 200. */
  async deposit(account: Account, asset: string, amount: string): Promise<Json> {
    const reply = await this.admin('POST', `/v1/admin/accounts/${account.accountId}/deposit`, { asset, amount });
    if (reply.status !== 200) throw new Error(`deposit ${amount} ${asset}: ${reply.status} ${reply.text}`);
    return reply.body;
  }
}

export interface StartOptions {
  /**
   * Environment overrides (added to the defaults, which they may replace). DATABASE_URL given here is
   * used as is ("" forces PGlite) instead of the database this helper would create.
   */
  env?: Record<string, string>;
  /** Reuse a data directory (a restart; with PostgreSQL, its database too); default: a fresh temporary one. */
  dataDir?: string;
  /** Wait for GET /readyz to answer 200 (default). False: return once the URL is printed. */
  waitReady?: boolean;
}

const live = new Set<ServerProcess>();
/** Spawned servers that have not printed their URL yet. */
const pending = new Set<{ pid: number; kill: () => void }>();
const tempDirs = new Set<string>();

// ---------------------------------------------------------------------------------------------------------
// Reporting databases (only when the test process has DATABASE_URL)

/** The reporting backend of a server: embedded PGlite, or a PostgreSQL server from DATABASE_URL. */
export type ReportingBackend = 'pglite' | 'postgres';

/** The test process's DATABASE_URL: where the servers' databases are created ("" or unset: PGlite). */
const TEST_DATABASE_URL = process.env.DATABASE_URL || undefined;

/** The backend servers started here use unless a test says otherwise. */
export const DEFAULT_BACKEND: ReportingBackend = TEST_DATABASE_URL ? 'postgres' : 'pglite';

/** `url` with its database replaced by `database`. */
export function databaseUrlWith(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** Database name per data directory: a restart on the same directory gets the same database. */
const databases = new Map<string, string>();
/** Every database created here and not dropped yet. */
const createdDatabases = new Set<string>();

/** Runs one statement on the `postgres` database of the test process's DATABASE_URL server. */
async function onMaintenanceDatabase(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrlWith(TEST_DATABASE_URL!, 'postgres') });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** The DATABASE_URL for a server on `dataDir`: created on first use, undefined without DATABASE_URL. */
async function databaseUrlFor(dataDir: string): Promise<string | undefined> {
  if (TEST_DATABASE_URL === undefined) return undefined;
  let name = databases.get(dataDir);
  if (name === undefined) {
    name = `exch_test_${randomBytes(6).toString('hex')}`;
    await onMaintenanceDatabase(`CREATE DATABASE ${name}`);
    createdDatabases.add(name);
    databases.set(dataDir, name);
  }
  return databaseUrlWith(TEST_DATABASE_URL, name);
}

/** Drops every database created here (call once no server uses them). */
async function dropDatabases(): Promise<void> {
  if (createdDatabases.size === 0) return;
  if (process.env.E2E_KEEP_DATA === '1') {
    console.log(`E2E_KEEP_DATA=1: kept databases ${[...createdDatabases].join(' ')}`);
    return;
  }
  for (const name of [...createdDatabases]) {
    await onMaintenanceDatabase(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    createdDatabases.delete(name);
  }
  databases.clear();
}

/** Variables of the test runner's environment that must not leak into the server under test. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (name.startsWith('EXCHANGE_') || name.startsWith('NODE_TEST') || ['PORT', 'HOST', 'DATABASE_URL', 'NATS_URL', 'NODE_OPTIONS'].includes(name)) continue;
    env[name] = value;
  }
  return env;
}

export class ServerProcess {
  readonly client: Client;
  private exitResult: { code: number | null; signal: NodeJS.Signals | null } | null = null;

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    readonly pid: number,
    readonly dataDir: string,
    private readonly exitPromise: Promise<{ code: number | null; signal: NodeJS.Signals | null }>,
    private readonly logs: { text: string },
    /** The DATABASE_URL the server was given (undefined: PGlite in <dataDir>/reporting). */
    readonly databaseUrl: string | undefined,
    /** The environment overrides it was started with (a restart reuses them). */
    private readonly envOverrides: Record<string, string>,
  ) {
    this.client = new Client(url);
    void exitPromise.then((result) => {
      this.exitResult = result;
      live.delete(this);
    });
  }

  /** Starts a server and waits until it listens (and, by default, is ready). */
  static async start(options: StartOptions = {}): Promise<ServerProcess> {
    let dataDir = options.dataDir;
    if (dataDir === undefined) {
      dataDir = await mkdtemp(join(tmpdir(), 'exchange-e2e-'));
      tempDirs.add(dataDir);
    }
    const overrides = options.env ?? {};
    const databaseUrl = 'DATABASE_URL' in overrides ? overrides.DATABASE_URL || undefined : await databaseUrlFor(dataDir);
    const env: NodeJS.ProcessEnv = {
      ...cleanEnv(),
      PORT: '0',
      EXCHANGE_ORDER_ENTRY_PORT: '0',
      HOST: '127.0.0.1',
      EXCHANGE_DATA_DIR: dataDir,
      EXCHANGE_ADMIN_TOKEN: ADMIN_TOKEN,
      ...overrides,
    };
    if (databaseUrl === undefined) delete env.DATABASE_URL;
    else env.DATABASE_URL = databaseUrl;
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'start'], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (child.pid === undefined) throw new Error('could not spawn the server');
    const pid = child.pid;
    const logs = { text: '' };
    const exitPromise = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) => {
      child.once('exit', (code, signal) => resolveExit({ code, signal }));
    });
    // Registered at once, so that a server that never becomes ready is still killed by the after hook.
    const placeholder = { pid, kill: () => child.kill('SIGKILL') };
    pending.add(placeholder);

    const url = await new Promise<string>((resolveUrl, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not print its URL in ${READY_TIMEOUT_MS} ms:\n${logs.text}`)), READY_TIMEOUT_MS);
      child.stdout!.setEncoding('utf8');
      child.stderr!.setEncoding('utf8');
      child.stdout!.on('data', (chunk: string) => {
        logs.text += chunk;
        const match = /exchange listening on (http:\/\/[^\s]+)/.exec(logs.text);
        if (match) {
          clearTimeout(timer);
          resolveUrl(match[1]);
        }
      });
      child.stderr!.on('data', (chunk: string) => {
        logs.text += chunk;
      });
      void exitPromise.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`server exited (code ${code}, signal ${signal}) before listening:\n${logs.text}`));
      });
    }).catch((error: unknown) => {
      pending.delete(placeholder);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      throw error;
    });

    const server = new ServerProcess(child, url, pid, dataDir, exitPromise, logs, databaseUrl, { ...overrides });
    live.add(server);
    pending.delete(placeholder);
    if (options.waitReady !== false) await server.waitReady();
    return server;
  }

  /** The reporting backend this server uses. */
  get backend(): ReportingBackend {
    return this.databaseUrl === undefined ? 'pglite' : 'postgres';
  }

  /**
   * Starts a new server on the same data directory and the same reporting database (the same
   * environment overrides, plus `options.env`). Stop this one first.
   */
  restart(options: Omit<StartOptions, 'dataDir'> = {}): Promise<ServerProcess> {
    if (this.running) throw new Error(`server ${this.pid} is still running: stop it before restarting on ${this.dataDir}`);
    const env = { ...this.envOverrides, ...options.env };
    if (this.databaseUrl !== undefined) env.DATABASE_URL = this.databaseUrl;
    return ServerProcess.start({ ...options, env, dataDir: this.dataDir });
  }

  /** Everything the server printed so far (stdout and stderr). */
  output(): string {
    return this.logs.text;
  }

  get running(): boolean {
    return this.exitResult === null;
  }

  /** Polls GET /readyz until 200. */
  async waitReady(timeoutMs = READY_TIMEOUT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`server exited before it was ready:\n${this.output()}`);
      try {
        const response = await fetch(`${this.url}/readyz`);
        last = `${response.status} ${await response.text()}`;
        if (response.status === 200) return;
      } catch (error) {
        last = String(error);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`server not ready in ${timeoutMs} ms (last /readyz: ${last}):\n${this.output()}`);
  }

  /** Sends `signal` to the server's PID and waits for it to exit; returns its exit code (null if killed by a signal). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.exitResult === null) {
      try {
        process.kill(this.pid, signal);
      } catch {
        // already gone
      }
      const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), STOP_TIMEOUT_MS).unref());
      const result = await Promise.race([this.exitPromise, timeout]);
      if (result === 'timeout') {
        this.child.kill('SIGKILL');
        await this.exitPromise;
        throw new Error(`server ${this.pid} did not exit within ${STOP_TIMEOUT_MS} ms of ${signal}; killed:\n${this.output()}`);
      }
    }
    const { code } = await this.exitPromise;
    return code;
  }

  /** kill -9 by PID, and wait for the process to be gone. */
  async kill9(): Promise<void> {
    await this.stop('SIGKILL');
  }

  /** Synchronous last resort (process 'exit'). */
  killNow(): void {
    if (this.exitResult === null) {
      try {
        process.kill(this.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

/** Kills every server still running (by PID), drops the databases and removes the temporary data directories. */
export async function stopAllServers(): Promise<void> {
  for (const entry of pending) entry.kill();
  pending.clear();
  await Promise.all([...live].map((server) => server.kill9()));
  await dropDatabases();
  if (process.env.E2E_KEEP_DATA !== '1') {
    await Promise.all([...tempDirs].map((dir) => rm(dir, { recursive: true, force: true })));
    tempDirs.clear();
  }
}

after(stopAllServers);
process.on('exit', () => {
  for (const server of live) server.killNow();
  for (const entry of pending) entry.kill();
});

/** Starts a server (see StartOptions). */
export function startServer(options: StartOptions = {}): Promise<ServerProcess> {
  return ServerProcess.start(options);
}
