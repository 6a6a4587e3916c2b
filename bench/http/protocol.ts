// Messages between the orchestrator (main.ts) and the load generator process (load.ts), over fork()'s IPC.
import type { LatencySummary } from './stats.ts';
import type { BenchAccount, BenchSymbol, Kind, Mix } from './workload.ts';

export type TransportKind = 'node' | 'raw';

export interface InitMessage {
  type: 'init';
  url: string;
  transport: TransportKind;
  connections: number;
  accounts: BenchAccount[];
  symbols: BenchSymbol[];
  mix: Mix;
  seed: number;
}

export interface StepMessage {
  type: 'step';
  /** Requests per second, scheduled open-loop at even intervals. */
  rate: number;
  /** Sent at the rate but not recorded (the first part of the step). */
  settleMs: number;
  /** Recorded part of the step. */
  measureMs: number;
  /** Longest wait for the backlog and the requests in flight after the step, before giving up on them. */
  drainMs: number;
}

export interface RetargetMessage {
  type: 'retarget';
  url: string;
}

export type ToLoad = InitMessage | StepMessage | RetargetMessage | { type: 'exit' };

export interface StepResult {
  rate: number;
  measureMs: number;
  /** Requests whose intended send time fell in the recorded window. */
  scheduled: number;
  /** Responses that arrived inside the recorded window, per second: 2xx (durable commands); 2xx plus the
   *  expected business answers 409 and 422 (the server kept up with these requests); all, errors included. */
  achievedPerSec: number;
  answeredPerSec: number;
  allPerSec: number;
  /** 2xx responses inside the recorded window by kind. */
  okByKind: Record<Kind, number>;
  /** Non-2xx answers (status and error code) and transport errors, over the whole step. */
  errors: Record<string, number>;
  /** Requests never sent because the backlog was abandoned after drainMs (counted in the latency too). */
  unsent: number;
  /** Largest backlog of requests due but not yet sent (all connections busy). */
  maxBacklog: number;
  /** Latency from the intended send time (corrected for coordinated omission) and from the actual send. */
  corrected: LatencySummary;
  uncorrected: LatencySummary;
  /** CPU of the load generator over the step, percent of one core. */
  clientCpuPercent: number;
  wallMs: number;
  seen: { resting: number; tradedOnArrival: number; cancelsAccepted: number };
}

export type FromLoad = { type: 'ready' } | { type: 'result'; result: StepResult } | { type: 'error'; message: string };
