// Messages between the orchestrator (main.ts) and its forked children: the subscriber processes
// (subscriber.ts) and the order-flow process (flow.ts). fork() uses the 'advanced' serialization, so typed
// arrays travel as they are.
//
// Time: every process stamps events with process.hrtime.bigint(), which on Linux is CLOCK_MONOTONIC, one
// clock for the whole machine, so stamps taken in different processes compare directly. Stamps are kept as
// microseconds after a base instant that main.ts picks and sends as a decimal string (`baseNs`).
import type { BenchAccount, BenchSymbol, Mix } from '../http/workload.ts';

/** Microseconds since `baseNs` on the machine-wide monotonic clock. */
export function clockSince(baseNs: bigint): () => number {
  return () => Number(process.hrtime.bigint() - baseNs) / 1000;
}

// ---------------------------------------------------------------------------------------------------------
// Subscribers

export interface ConnectMessage {
  type: 'connect';
  /** ws://host:port/v1/ws */
  url: string;
  symbol: string;
  connections: number;
  /** Connections opening at the same time (the ramp). */
  concurrency: number;
}

export interface GoMessage {
  type: 'go';
  baseNs: string;
  /** Book version and trades sequence just before the order flow starts: updates after these are recorded. */
  l2Base: number;
  tradesBase: number;
  /** Receipts inside [windowStartUs, windowEndUs) count towards updates/s. */
  windowStartUs: number;
  windowEndUs: number;
}

export interface AnalyzeMessage {
  type: 'analyze';
  /**
   * Per update (index = sequence - base - 1): the estimated release time of the command that caused it, in
   * us since base (NaN when unknown, or outside the measured window: such updates are not recorded).
   */
  l2Release: Float64Array;
  tradesRelease: Float64Array;
  /** Earliest receipt of each update among all subscriber connections (NaN: nobody got it). */
  l2Earliest: Float64Array;
  tradesEarliest: Float64Array;
  /** Send time of the REST command that caused each book update, where correlated (NaN otherwise). */
  l2Send: Float64Array;
}

export type ToSubscriber = ConnectMessage | GoMessage | { type: 'collect' } | AnalyzeMessage | { type: 'exit' };

export interface SubscriberResult {
  /** HdrHistograms (us) encoded with encodeIntoCompressedBase64. */
  delay: string;
  spread: string;
  endToEnd: string;
  /** Update messages (book.L2 + trades) received inside the window. */
  updatesInWindow: number;
  l2InWindow: number;
  tradesInWindow: number;
  /** Bytes of update messages received inside the window. */
  bytesInWindow: number;
  /** Sequence jumps (a sequence other than the previous + 1) per connection and channel. */
  gaps: number;
  /** Updates released in the window that a connection still open at the end never received. */
  missing: number;
  slowConsumerCloses: number;
  otherCloses: number;
  openAtEnd: number;
  errors: number;
  cpuPercent: number;
  /** Largest gap between a timer's due time and its run, a measure of how busy this process was. */
  maxLoopLagMs: number;
}

export type FromSubscriber =
  | { type: 'connected'; connected: number; failed: number; firstError: string | null; ms: number }
  | { type: 'going' }
  | { type: 'earliest'; l2: Float64Array; trades: Float64Array }
  | { type: 'result'; result: SubscriberResult }
  | { type: 'error'; message: string };

// ---------------------------------------------------------------------------------------------------------
// Order flow

export interface FlowInit {
  type: 'init';
  url: string;
  accounts: BenchAccount[];
  symbols: BenchSymbol[];
  mix: Mix;
  seed: number;
  connections: number;
}

export interface FlowRun {
  type: 'run';
  baseNs: string;
  /** Commands per second, open loop. */
  rate: number;
  durationMs: number;
  /** Give up on requests still unanswered this long after the end. */
  drainMs: number;
}

export type ToFlow = FlowInit | { type: 'seed'; orders: number } | FlowRun | { type: 'exit' };

/** Command kinds in FlowRecords.kind. */
export const KIND_CODE = { passive: 0, cross: 1, cancel: 2 } as const;

/** One entry per command answered 2xx during the run. */
export interface FlowRecords {
  count: number;
  kind: Uint8Array;
  /** The order id: the new order's for passive and cross, the canceled one's for cancel. */
  orderId: Float64Array;
  /** us since base: request written to the socket, response complete. */
  sentUs: Float64Array;
  answeredUs: Float64Array;
}

export interface FlowStats {
  sent: number;
  ok: number;
  okByKind: Record<'passive' | 'cross' | 'cancel', number>;
  /** Non-2xx answers and transport errors by label. */
  errors: Record<string, number>;
  maxBacklog: number;
  unsent: number;
  cpuPercent: number;
  /** Response time from the actual send (us HdrHistogram, base64). */
  responseHistogram: string;
}

export type FromFlow =
  | { type: 'ready' }
  | { type: 'seeded'; ok: number; errors: Record<string, number> }
  | { type: 'ran'; records: FlowRecords; stats: FlowStats }
  | { type: 'error'; message: string };
