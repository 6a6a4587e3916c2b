// One WebSocket connection: its subscriptions, its authenticated account (if any), a bounded send
// buffer (a client that stops reading is cut off, never allowed to slow others or grow memory), and a
// heartbeat that closes dead connections.
import type { WebSocket } from 'ws';

export interface SessionLimits {
  /** Bytes the socket may have queued before the client counts as slow and is disconnected. */
  maxBufferedBytes: number;
  maxSubscriptions: number;
}

export interface SessionEvents {
  /** Bytes sent and messages, for the metrics. */
  sent(bytes: number): void;
  slowConsumer(): void;
}

/** WebSocket close code for a slow consumer (4000-4999 are the application's). */
export const SLOW_CONSUMER_CLOSE_CODE = 4008;

export class Session {
  readonly subscriptions = new Set<string>();
  accountId: number | null = null;
  alive = true;
  closed = false;

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
    if (this.socket.bufferedAmount + bytes.length > this.limits.maxBufferedBytes) {
      this.events.slowConsumer();
      this.close(SLOW_CONSUMER_CLOSE_CODE, `slow consumer: more than ${this.limits.maxBufferedBytes} bytes waiting to be sent`);
      return false;
    }
    this.socket.send(bytes, { binary: false });
    this.events.sent(bytes.length);
    return true;
  }

  sendJson(message: object): boolean {
    return this.send(Buffer.from(JSON.stringify(message)));
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
