// Child processes of the benchmarks (bench/http, bench/marketdata): servers spawned and awaited on their
// "<what> listening on <url>" line, forked helpers answering one request at a time (their side is ipc.ts),
// each stopped by PID; and the run's clean-up: on SIGINT, SIGTERM or an error every child still running is
// killed by PID and the temporary directories are removed.
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: every child runs there. */
export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const children = new Set<ChildProcess>();
/** Temporary data directories to remove if the run is interrupted. */
const tempDirs = new Set<string>();

export function removeOnExit(dir: string): void {
  tempDirs.add(dir);
}

export function removeNow(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

export interface Spawned {
  child: ChildProcess;
  url: string;
  /** The last 8,000 characters the process wrote to stderr / stdout. */
  stderr: () => string;
  stdout: () => string;
  /** Lines the process printed after it started listening that match `watch`. */
  watched: string[];
}

/**
 * Spawns a node process running `script` (TypeScript via tsx, path relative to the repository root) and waits
 * for `pattern` on its stdout; the pattern's first group is the URL.
 */
export function startChild(script: string, env: NodeJS.ProcessEnv, nodeArgs: string[], args: string[], pattern: RegExp, watch?: RegExp): Promise<Spawned> {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', script, ...args], {
    cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let out = '';
  let err = '';
  child.stderr!.on('data', (chunk: Buffer) => (err = (err + chunk.toString()).slice(-8000)));
  child.stdout!.on('data', (chunk: Buffer) => (out = (out + chunk.toString()).slice(-8000)));
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start in 60 s:\n${out}\n${err}`)), 60_000);
    const onData = (): void => {
      const match = pattern.exec(out);
      if (match === null) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      const watched: string[] = [];
      if (watch) {
        let partial = '';
        child.stdout!.on('data', (more: Buffer) => {
          const lines = (partial + more.toString()).split('\n');
          partial = lines.pop()!;
          for (const line of lines) if (watch.test(line)) watched.push(line);
        });
      }
      resolvePromise({ child, url: match[1], stderr: () => err, stdout: () => out, watched });
    };
    child.stdout!.on('data', onData);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited (${code ?? signal}) before listening:\n${out}\n${err}`));
    });
  });
}

/** SIGTERM by PID, then SIGKILL if it has not exited after `graceMs`. */
export function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolvePromise) => {
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    }, graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolvePromise();
    });
    if (child.pid !== undefined) process.kill(child.pid, 'SIGTERM');
  });
}

/** SIGKILL by PID to every child still running, and removes the temporary directories. */
function killAll(): void {
  for (const child of children) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
}

/** Runs a benchmark's main; on SIGINT (exit 130), SIGTERM (143) or an error (1) first kills every child and removes the temporary directories. */
export function runMain(main: () => Promise<void>): void {
  process.on('SIGINT', () => {
    killAll();
    process.exit(130);
  });
  process.on('SIGTERM', () => {
    killAll();
    process.exit(143);
  });
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.stack ?? error.message : error);
    killAll();
    process.exit(1);
  });
}

export interface ForkOptions {
  /** fork()'s IPC serialization ('advanced' lets typed arrays travel as they are). Default 'advanced'. */
  serialization?: 'json' | 'advanced';
  /** After an exit request went unheeded for 3 s: SIGTERM, then SIGKILL after this long. Default 2000 ms. */
  killGraceMs?: number;
  /** Message types the helper sends on its own (progress reports), handed to `onNotice` instead of answering a request. */
  noticeTypes?: readonly string[];
}

/**
 * A forked helper (`script`, TypeScript via tsx) answering each request with one message (errors as
 * `{type: 'error', message}`, see ipc.ts). One request at a time; messages of the `noticeTypes` go to
 * `onNotice` whenever they come.
 */
export class Forked<To extends { type: string }, From extends { type: string }> {
  readonly child: ChildProcess;
  /** Messages of ForkOptions.noticeTypes. */
  onNotice: (message: From) => void = () => {};
  private waiting: { resolve: (message: From) => void; reject: (error: Error) => void } | null = null;
  private readonly killGraceMs: number;
  private readonly noticeTypes: ReadonlySet<string>;

  constructor(script: string, private readonly name: string, options: ForkOptions = {}) {
    this.killGraceMs = options.killGraceMs ?? 2000;
    this.noticeTypes = new Set(options.noticeTypes ?? []);
    this.child = fork(script, [], {
      execArgv: ['--import', 'tsx'], cwd: root, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: options.serialization ?? 'advanced',
    });
    children.add(this.child);
    this.child.on('message', (message: From) => {
      if (this.noticeTypes.has(message.type)) return this.onNotice(message);
      const waiting = this.waiting;
      this.waiting = null;
      if (waiting === null) return;
      if (message.type === 'error') waiting.reject(new Error(`${this.name}: ${(message as unknown as { message: string }).message}`));
      else waiting.resolve(message);
    });
    this.child.on('exit', (code, signal) => {
      children.delete(this.child);
      this.waiting?.reject(new Error(`${this.name} exited (${code ?? signal})`));
      this.waiting = null;
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  request<T extends From['type']>(message: To, expect: T): Promise<Extract<From, { type: T }>> {
    if (this.waiting !== null) return Promise.reject(new Error(`${this.name}: a request is already waiting`));
    return new Promise((resolvePromise, reject) => {
      this.waiting = {
        resolve: (reply) => (reply.type === expect ? resolvePromise(reply as Extract<From, { type: T }>) : reject(new Error(`${this.name} answered ${reply.type}, not ${expect}`))),
        reject,
      };
      this.child.send(message);
    });
  }

  /** Asks it to exit, then SIGTERM / SIGKILL by PID if it does not. */
  async exit(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    try {
      this.child.send({ type: 'exit' });
    } catch {
      // channel already closed
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
    await stopChild(this.child, this.killGraceMs);
  }
}
