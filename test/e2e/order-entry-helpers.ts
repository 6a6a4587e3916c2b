// Support for the end-to-end tests of the binary order-entry protocol (order-entry.test.ts,
// order-entry-crash.test.ts): where the server's order-entry port is, symbol ids, a session wrapper around
// the project's OrderEntryClient that keeps every frame it received, and a raw connection (TCP or WebSocket)
// that sends arbitrary bytes and records exactly what comes back, for the malformed-input tests.
import { connect as tcpConnect, type Socket } from 'node:net';
import WebSocket from 'ws';
import { OrderEntryClient, OrderEntryRejected, type NewOrderRequest } from '../../src/client/order-entry-client.ts';
import { decodeServerFrame, FrameSplitter, ServerFrame, type ServerMessage } from '../../src/protocol/order-entry/index.ts';
import type { Account, Client } from './server-process.ts';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Rejects with a message naming `what` if `promise` does not settle within `ms`. */
export async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The first order-entry port from GET /v1/order-entry. */
export async function orderEntryPort(client: Client): Promise<number> {
  const reply = await client.request('GET', '/v1/order-entry');
  if (reply.status !== 200 || !Array.isArray(reply.body?.ports) || reply.body.ports.length === 0) {
    throw new Error(`GET /v1/order-entry: ${reply.status} ${reply.text}`);
  }
  return reply.body.ports[0] as number;
}

export interface SymbolInfo {
  symbol: string;
  symbolId: number;
  tickCents: number;
  refCents: number;
  maxOrderQuantity: number;
  bandPercent: number;
}

/** "189.50" as integer cents (at most 2 decimals). */
export function toCents(text: string): number {
  const match = /^([0-9]+)(?:\.([0-9]{1,2}))?$/.exec(text);
  if (!match) throw new Error(`not a price: ${JSON.stringify(text)}`);
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
}

/** Integer cents as the API writes money: "189.50". */
export function money(cents: number): string {
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}

/** GET /v1/symbols, with symbolId = the index in the list. */
export async function listSymbols(client: Client): Promise<SymbolInfo[]> {
  const reply = await client.request('GET', '/v1/symbols');
  if (reply.status !== 200) throw new Error(`GET /v1/symbols: ${reply.status} ${reply.text}`);
  return (reply.body.symbols as Array<Record<string, string | number>>).map((s, symbolId) => ({
    symbol: String(s.symbol), symbolId, tickCents: toCents(String(s.tickSize)), refCents: toCents(String(s.referencePrice)),
    maxOrderQuantity: Number(s.maxOrderQuantity), bandPercent: Number(s.priceBandPercent),
  }));
}

export type Transport = 'tcp' | 'ws';

/** A logged-in (or not yet) OrderEntryClient that keeps every decoded frame and can wait for one. */
export class Session {
  readonly frames: ServerMessage[] = [];
  closeReason: string | null = null;
  readonly closed: Promise<string>;
  private readonly waiters = new Set<{ predicate: (m: ServerMessage) => boolean; resolve: (m: ServerMessage) => void }>();

  private constructor(readonly client: OrderEntryClient, readonly name: string) {
    this.closed = new Promise((resolve) => {
      client.onClose = (reason) => {
        this.closeReason = reason;
        resolve(reason);
      };
    });
    client.onMessage = (message) => {
      this.frames.push(message);
      for (const waiter of [...this.waiters]) {
        if (waiter.predicate(message)) {
          this.waiters.delete(waiter);
          waiter.resolve(message);
        }
      }
    };
  }

  static async open(port: number, transport: Transport, name: string = transport): Promise<Session> {
    const address = transport === 'tcp' ? { host: '127.0.0.1', port } : { url: `ws://127.0.0.1:${port}/v1/order-entry` };
    return new Session(await within(10_000, `connect ${name}`, OrderEntryClient.connect(address)), name);
  }

  static async loggedIn(port: number, account: Account, transport: Transport = 'tcp', name = `${transport} ${account.accountId}`): Promise<Session> {
    const session = await Session.open(port, transport, name);
    await within(10_000, `login ${name}`, session.client.login(account.apiKey, account.apiSecret));
    return session;
  }

  /** The first frame (already received or still to come) that matches. */
  waitFor<T extends ServerMessage>(what: string, predicate: (m: ServerMessage) => m is T, timeoutMs?: number): Promise<T>;
  waitFor(what: string, predicate: (m: ServerMessage) => boolean, timeoutMs?: number): Promise<ServerMessage>;
  waitFor(what: string, predicate: (m: ServerMessage) => boolean, timeoutMs = 10_000): Promise<ServerMessage> {
    const found = this.frames.find(predicate);
    if (found) return Promise.resolve(found);
    return within(timeoutMs, `${this.name}: ${what} (received ${this.describe()})`, new Promise<ServerMessage>((resolve) => {
      this.waiters.add({ predicate, resolve });
    }));
  }

  /** An order that must be accepted: the OrderAccepted frame. */
  async accepted(request: NewOrderRequest): Promise<Extract<ServerMessage, { type: typeof ServerFrame.OrderAccepted }>> {
    const answer = await within(10_000, `${this.name}: answer to ${JSON.stringify(request)}`, this.client.placeOrder(request));
    if (answer.type !== ServerFrame.OrderAccepted) throw new Error(`expected OrderAccepted, got ${JSON.stringify(answer)}`);
    return answer;
  }

  /** A request that must be refused: the API.md code. */
  async refused(request: Promise<ServerMessage>, what: string): Promise<string> {
    try {
      const answer = await within(10_000, `${this.name}: ${what}`, request);
      throw new Error(`${what}: expected a Rejected frame, got ${JSON.stringify(answer)}`);
    } catch (error) {
      if (error instanceof OrderEntryRejected) return error.code;
      throw error;
    }
  }

  fills(orderId: number): Array<Extract<ServerMessage, { type: typeof ServerFrame.Fill }>> {
    return this.frames.filter((m): m is Extract<ServerMessage, { type: typeof ServerFrame.Fill }> => m.type === ServerFrame.Fill && m.orderId === orderId);
  }

  describe(): string {
    const last = this.frames.slice(-5).map((m) => JSON.stringify(m)).join(', ');
    return `${this.frames.length} frames${last ? `, last: ${last}` : ''}${this.closeReason !== null ? `; closed: ${this.closeReason}` : ''}`;
  }

  close(): void {
    if (!this.client.isClosed) this.client.close();
  }
}

/** What a raw connection received: decoded frames (or the decoding error), whether and when it closed. */
export class RawConnection {
  readonly frames: ServerMessage[] = [];
  /** A server frame that did not decode (a server bug): its description. */
  decodeError: string | null = null;
  closed = false;
  readonly closedPromise: Promise<void>;
  private readonly splitter = new FrameSplitter();
  private onChange: () => void = () => {};

  private constructor(
    private readonly sendBytes: (bytes: Uint8Array) => void,
    private readonly endWrite: () => void,
    private readonly destroyNow: () => void,
    register: (onData: (chunk: Uint8Array) => void, onClose: () => void) => void,
  ) {
    this.closedPromise = new Promise((resolve) => {
      register(
        (chunk) => {
          this.splitter.feed(chunk, (type, bytes, view, offset, length) => {
            try {
              this.frames.push(decodeServerFrame(type, bytes, view, offset, length));
            } catch (error) {
              this.decodeError ??= `${String(error)} (type 0x${type.toString(16)}, ${length} body bytes)`;
            }
            return true;
          });
          if (this.splitter.malformed !== null) this.decodeError ??= `server stream: ${this.splitter.malformed}`;
          this.onChange();
        },
        () => {
          this.closed = true;
          this.onChange();
          resolve();
        },
      );
    });
  }

  static tcp(port: number): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket: Socket = tcpConnect({ host: '127.0.0.1', port, noDelay: true });
      socket.once('error', reject);
      const connection = new RawConnection(
        (bytes) => void socket.write(bytes),
        () => void socket.end(),
        () => void socket.destroy(),
        (onData, onClose) => {
          socket.on('data', onData);
          socket.on('close', onClose);
        },
      );
      socket.once('connect', () => {
        socket.off('error', reject);
        socket.on('error', () => socket.destroy());
        resolve(connection);
      });
    });
  }

  static webSocket(port: number): Promise<RawConnection & { sendText(text: string): void }> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/order-entry`);
      ws.binaryType = 'nodebuffer';
      ws.once('error', reject);
      const connection = new RawConnection(
        (bytes) => ws.send(bytes, { binary: true }),
        () => ws.close(1000),
        () => ws.terminate(),
        (onData, onClose) => {
          ws.on('message', (data: Buffer) => onData(data));
          ws.on('close', onClose);
        },
      ) as RawConnection & { sendText(text: string): void };
      connection.sendText = (text) => ws.send(text, { binary: false });
      ws.once('open', () => {
        ws.off('error', reject);
        ws.on('error', () => ws.terminate());
        resolve(connection);
      });
    });
  }

  send(bytes: Uint8Array): void {
    this.sendBytes(bytes);
  }

  /** Half-closes (TCP FIN / WebSocket close): nothing more will be sent. */
  end(): void {
    this.endWrite();
  }

  destroy(): void {
    this.destroyNow();
  }

  /** Resolves once `condition` holds (checked on every frame and on close), or after timeoutMs with false. */
  until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
    if (condition()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.onChange = () => {};
        resolve(false);
      }, timeoutMs);
      this.onChange = () => {
        if (!condition()) return;
        clearTimeout(timer);
        this.onChange = () => {};
        resolve(true);
      };
    });
  }
}
