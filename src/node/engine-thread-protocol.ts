// What the API thread (the process's main thread: HTTP, WebSocket, reporting) and the engine thread say to
// each other by postMessage: setup, recovery, and rare operations. Commands and released commands never go
// this way: they take the two rings (the API thread's commands, the released stream).
import type { RingBuffers } from '../bus/index.ts';
import type { EngineConfig } from '../engine/index.ts';
import type { OrderEntryOptions } from '../gateway/binary/order-entry-service.ts';
import type { MarketLimits, SymbolMarketDump } from '../views/index.ts';
import type { ReadModelsSnapshot } from './read-models.ts';

export interface EngineThreadSetup {
  dataDir: string;
  engineConfig: EngineConfig;
  snapshotEveryCommands: number;
  fsync: boolean;
  segmentBytes?: number;
  marketLimits: MarketLimits;
  /**
   * Recovery starts from a snapshot no newer than this (the lowest offset of the API thread's consumers that
   * cannot fill a gap themselves); Number.MAX_SAFE_INTEGER: the newest. The server's reporting store writes
   * what it missed from the journal (reporting/catch-up.ts), so the server passes the latter.
   */
  consumerOffset: number;
  /** The reporting store's offset at start (ExchangeNode's keepSnapshotFor; keepSnapshotFor messages move it). */
  keepSnapshotFor: number;
  /** The released stream's ring (the engine thread writes, the API thread reads). */
  stream: RingBuffers;
  /** ReleasedThrough's shared word. */
  releasedThrough: SharedArrayBuffer;
  /** Size of the ring for the API thread's commands. */
  commandRingBytes: number;
  orderEntry: Omit<OrderEntryOptions, 'clock' | 'log'>;
}

/** Operations the API thread asks for; each is answered once with a Reply of the same id. */
export type EngineOperation = 'stateHash' | 'snapshot' | 'balancesAtDurablePoint' | 'close';

export type ToEngine =
  | { type: 'call'; id: number; operation: EngineOperation }
  /** Lets new commands in again after the balancesAtDurablePoint call of that id. */
  | { type: 'resume'; id: number }
  /** The market view's dump at the sequence a MarketDump stream record asked for. */
  | { type: 'marketDump'; sequence: number; market: SymbolMarketDump[] }
  /** The reporting store has written through `sequence`: keep the newest snapshot at or before it. */
  | { type: 'keepSnapshotFor'; sequence: number };

export type FromEngine =
  | { type: 'log'; message: string }
  /** Recovery starts from this snapshot (null: from an empty exchange); the stream then brings the replay. */
  | { type: 'recovery'; snapshot: ReadModelsSnapshot | null }
  /** Recovered and taking commands; the stream holds everything up to lastSequence. */
  | { type: 'started'; commandRing: RingBuffers; orderEntryPorts: number[]; lastSequence: number }
  | { type: 'failed'; message: string }
  | { type: 'reply'; id: number; result?: unknown; error?: string };
