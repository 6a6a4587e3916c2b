// One WebSocket connection: its subscriptions, its authenticated account (if any), a bounded send
// buffer (a client that stops reading is cut off, never allowed to slow others or grow memory), and a
// heartbeat that closes dead connections.
//
// Messages are queued and written once per event-loop turn, all of a connection's messages in one
// corked write: the cost of a socket write is per call, not per byte, so with many subscribers this is
// what keeps fan-out cheap. Everything goes through the queue (replies, snapshots, updates), so the
// order a client sees is the order the server decided.
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { AnswerQueue } from './answer-queue.ts';

export interface SessionLimits {
  /** Bytes the connection may have waiting (queued here or in the socket) before it counts as slow. */
  maxBufferedBytes: number;
  maxSubscriptions: number;
}

export interface SessionEvents {
  /** A flush wrote this many messages and bytes, for the metrics. */
  sent(messages: number, bytes: number): void;
  slowConsumer(): void;
  /** The session has something queued: flush it on the next turn. */
  queued(session: Session): void;
}

/** WebSocket close code for a slow consumer (4000-4999 are the application's). */
export const SLOW_CONSUMER_CLOSE_CODE = 4008;

export class Session {
  readonly subscriptions = new Set<string>();
  accountId: number | null = null;
  /** The API key the connection authenticated with: order entry charges its rate limit. */
  apiKey: string | null = null;
  /** Order-entry requests waiting for their answers, in arrival order. */
  readonly answers = new AnswerQueue();
  alive = true;
  closed = false;
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(
    readonly socket: WebSocket,
    private readonly limits: SessionLimits,
    private readonly events: SessionEvents,
  ) {
    socket.on('pong', () => (this.alive = true));
  }

  get canSubscribeMore(): boolean {
    return this.subscriptions.size < this.limits.maxSubscriptions;
  }

  /** Queues bytes for the client; false when the connection is gone or was just cut off as slow. */
  send(bytes: Buffer): boolean {
    if (this.closed) return false;
    if (this.socket.bufferedAmount + this.pendingBytes + bytes.length > this.limits.maxBufferedBytes) {
      this.events.slowConsumer();
      this.pending = [];
      this.pendingBytes = 0;
      this.close(SLOW_CONSUMER_CLOSE_CODE, `slow consumer: more than ${this.limits.maxBufferedBytes} bytes waiting to be sent`);
      return false;
    }
    if (this.pending.length === 0) this.events.queued(this);
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    return true;
  }

  sendJson(message: object): boolean {
    return this.send(Buffer.from(JSON.stringify(message)));
  }

  /** Writes everything queued in one corked burst. */
  flush(): void {
    const messages = this.pending;
    const bytes = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    if (this.closed || messages.length === 0) return;
    // ws keeps the net.Socket private; corking it turns N frames into one writev.
    const raw = (this.socket as unknown as { _socket?: Socket })._socket;
    raw?.cork();
    for (const message of messages) this.socket.send(message, { binary: false });
    raw?.uncork();
    this.events.sent(messages.length, bytes);
  }

  /** Closes with a reason; the socket is destroyed if the close handshake cannot finish (client not reading). */
  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.close(code, reason);
    setTimeout(() => this.socket.terminate(), 1_000).unref();
  }

  /** One heartbeat round: a connection that did not answer the previous ping is dead. */
  heartbeat(): void {
    if (!this.alive) {
      this.closed = true;
      this.socket.terminate();
      return;
    }
    this.alive = false;
    this.socket.ping();
  }
}
