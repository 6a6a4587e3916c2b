// Messages between the orchestrator (main.ts) and a load generator process (load.ts), over fork()'s IPC.
import type { BenchAccount } from '../http/workload.ts';
import type { LatencySummary } from '../http/stats.ts';
import type { FlowMix, FlowSymbol } from './flow.ts';

export const TRANSPORTS = ['binary', 'ws', 'http'] as const;
export type TransportName = (typeof TRANSPORTS)[number];

/** Where the requests go: binary connects to host:ports[i % n], ws to wsUrl, http to httpUrl. */
export interface Target {
  host: string;
  ports: number[];
  wsUrl: string;
  httpUrl: string;
}

export interface InitMessage {
  type: 'init';
  transport: TransportName;
  target: Target;
  /** binary and ws: connections, each logged in as its own account (accounts.length === connections);
   *  http: keep-alive sockets shared by all the accounts. */
  connections: number;
  accounts: BenchAccount[];
  symbols: FlowSymbol[];
  mix: FlowMix;
  seed: number;
  /** binary and ws: most requests unanswered per connection; more wait in the generator's backlog. */
  window: number;
}

export interface StepMessage {
  type: 'step';
  /** Requests per second (this process's share), scheduled open-loop at even intervals. */
  rate: number;
  /** Sent at the rate but not recorded (the first part of the step). */
  settleMs: number;
  /** Recorded part of the step. */
  measureMs: number;
  /** Longest wait for the backlog and the requests in flight after the step, before giving up on them. */
  drainMs: number;
}

export type ToLoad = InitMessage | StepMessage | { type: 'exit' };

/** One second of a step (by the time answers arrived): what was offered and answered, and the latency of those answers. */
export interface SecondSample {
  /** Seconds since the step started (0 = its first second, part of the settle time). */
  second: number;
  /** Inside the recorded window. */
  measured: boolean;
  /** Requests whose intended send time fell in this second. */
  offered: number;
  /** First answers that arrived in this second: all, and the successes (accepted, canceled). */
  answered: number;
  ok: number;
  latency: LatencySummary;
  /** The second's latency histogram (us from the intended send time), hdr-histogram-js compressed base64. */
  histogram: string;
}

export interface StepResult {
  rate: number;
  measureMs: number;
  /** Requests whose intended send time fell in the recorded window. */
  scheduled: number;
  /** First answers that arrived inside the recorded window, per second: successes (order accepted, order
   *  canceled; all durable); answers the server kept up with (successes plus the expected business refusals,
   *  e.g. ORDER_NOT_OPEN for a cancel that lost the race with a fill); everything, failures included. */
  okPerSec: number;
  answeredPerSec: number;
  allPerSec: number;
  /** Successes inside the recorded window by kind. */
  okByKind: { passive: number; cross: number; cancel: number };
  /** Refusals (by error code) and transport failures, over the whole step. */
  errors: Record<string, number>;
  /** Requests never sent / sent but never answered when the step was abandoned after drainMs (their wait so far is recorded as their latency). */
  unsent: number;
  abandoned: number;
  /** Largest backlog of requests due but not yet sent (every connection's window full). */
  maxBacklog: number;
  /** Latency (ms) from the intended send time (corrected for coordinated omission), from the actual send,
   *  and the wait before sending (actual minus intended send time: the generator's own delay, and waiting for
   *  room in the window or a free socket), of requests intended in the window. */
  corrected: LatencySummary;
  uncorrected: LatencySummary;
  sendLag: LatencySummary;
  /** The same three as hdr-histogram-js compressed base64 (us), so that several processes' steps merge exactly. */
  histograms: { corrected: string; uncorrected: string; sendLag: string };
  /** CPU of the load generator over the step, percent of one core. */
  clientCpuPercent: number;
  wallMs: number;
  seconds: SecondSample[];
  /** Passive orders acknowledged resting, cancels accepted. */
  seen: { resting: number; cancelsAccepted: number };
}

/** Sent by a load process at the end of every second of a step (for the progress bar). */
export interface ProgressNotice {
  type: 'progress';
  second: number;
  answered: number;
  p99Ms: number;
}

export type FromLoad = { type: 'ready' } | { type: 'result'; result: StepResult } | ProgressNotice | { type: 'error'; message: string };
