// What the load generator (load.ts) needs from a transport: room to send, a send of the flow's next
// request, a flush per turn, and each request's first answer reported back with its outcome. One driver per
// transport: driver-binary.ts, driver-ws.ts, driver-http.ts.
import type { BenchAccount } from '../http/workload.ts';
import type { FlowMix, FlowSymbol, Random } from './flow.ts';
import type { Target } from './protocol.ts';

/** A request's first answer: a success (accepted, canceled), a refusal the server answered as it should
 *  (ORDER_NOT_OPEN, the 422 business codes, ...), or a failure (no durable answer: transport error,
 *  RATE_LIMITED, UNAVAILABLE, INTERNAL). */
export const Outcome = { Ok: 0, Refused: 1, Failed: 2 } as const;

const FAILURES = new Set(['RATE_LIMITED', 'UNAVAILABLE', 'INTERNAL']);

export function outcomeOfCode(code: string): number {
  return FAILURES.has(code) ? Outcome.Failed : Outcome.Refused;
}

export interface AnswerSink {
  /** Times are performance.now() ms; `label` names a refusal or failure (null for a success). */
  answer(intended: number, sent: number, kind: number, outcome: number, label: string | null): void;
}

export interface DriverOptions {
  target: Target;
  connections: number;
  accounts: readonly BenchAccount[];
  symbols: readonly FlowSymbol[];
  mix: FlowMix;
  window: number;
  random: Random;
  sink: AnswerSink;
  /** Called (at most once per turn) after answers arrived: the generator sends what became due. */
  onAnswers: () => void;
}

export interface Driver {
  /** Requests that can be sent now. */
  readonly room: number;
  readonly inFlight: number;
  /** Sends the next request of a session with room; `intended` is its intended send time. */
  send(intended: number): void;
  /** Hands what send() queued to the sockets. */
  flush(): void;
  /** Calls `each` with the intended send time of every request still unanswered, and forgets them. */
  abandon(each: (intended: number) => void): void;
  close(): void;
}

/**
 * Per-connection bookkeeping of requests in flight, indexed by their number (clientSeq, requestId) modulo a
 * power of two at least twice the window, so nothing is allocated per request.
 */
export class InFlight {
  readonly seq: Uint32Array;
  readonly intended: Float64Array;
  readonly sent: Float64Array;
  /** Kind of the request, -1 for a free slot. */
  readonly kind: Int8Array;
  readonly ticks: Uint8Array;
  readonly mask: number;
  count = 0;

  constructor(window: number) {
    let size = 16;
    while (size < window * 2) size *= 2;
    this.mask = size - 1;
    this.seq = new Uint32Array(size);
    this.intended = new Float64Array(size);
    this.sent = new Float64Array(size);
    this.kind = new Int8Array(size).fill(-1);
    this.ticks = new Uint8Array(size);
  }

  add(seq: number, intended: number, sent: number, kind: number, ticks: number): void {
    const slot = seq & this.mask;
    if (this.kind[slot] >= 0) throw new Error(`request ${seq}: slot still holds request ${this.seq[slot]} (window too large)`);
    this.seq[slot] = seq;
    this.intended[slot] = intended;
    this.sent[slot] = sent;
    this.kind[slot] = kind;
    this.ticks[slot] = ticks;
    this.count++;
  }

  /** The slot of request `seq` if it is in flight (then freed: only the first answer counts), else -1. */
  take(seq: number): number {
    const slot = seq & this.mask;
    if (this.kind[slot] < 0 || this.seq[slot] !== seq) return -1;
    this.count--;
    return slot;
  }

  /** After take(): frees the slot (read its fields first). */
  free(slot: number): void {
    this.kind[slot] = -1;
  }

  abandon(each: (intended: number) => void): void {
    for (let slot = 0; slot <= this.mask; slot++) {
      if (this.kind[slot] < 0) continue;
      each(this.intended[slot]);
      this.kind[slot] = -1;
    }
    this.count = 0;
  }
}

/** Picks the next connection with room, round robin. */
export function nextWithRoom<C extends { inFlight: InFlight }>(connections: readonly C[], from: number, window: number): number {
  for (let i = 0; i < connections.length; i++) {
    const at = (from + i) % connections.length;
    if (connections[at].inFlight.count < window) return at;
  }
  return -1;
}

/** Requests the connections can still take before each reaches its window. */
export function roomOf<C extends { inFlight: InFlight }>(connections: readonly C[], window: number): number {
  let room = 0;
  for (const c of connections) room += window - c.inFlight.count;
  return room;
}

/** Requests sent on the connections and not answered yet. */
export function inFlightOf<C extends { inFlight: InFlight }>(connections: readonly C[]): number {
  let n = 0;
  for (const c of connections) n += c.inFlight.count;
  return n;
}
