// A TypeScript client for the binary order-entry protocol (docs/order-entry-protocol.md), over TCP or over a
// WebSocket carrying the same frames. Requests are numbered (clientSeq), encoded into one buffer and written
// once per event-loop turn, so a caller may pipeline thousands without a write each. Two ways to read
// answers: promises per request (placeOrder, cancelOrder, replaceOrder), or, for load generators, a raw frame
// hook that sees every frame without any object being made for it.
import { connect as tcpConnect, type Socket } from 'node:net';
import WebSocket from 'ws';
import {
  ClientFrame, decodeServerFrame, DisconnectCode, errorCodeName, FrameSplitter, FrameWriter, type NewOrderFrame, OrderFlag, ServerFrame,
  type ServerMessage, signLogin,
} from '../protocol/order-entry/index.ts';

export type OrderEntryAddress = { host: string; port: number } | { url: string };

export interface NewOrderRequest {
  symbolId: number;
  side: 'buy' | 'sell';
  orderType?: 'limit' | 'market';
  /** Limit price in cents (omit for a market order). */
  priceCents?: number;
  quantity: number;
  timeInForce?: 'GTC' | 'DAY' | 'IOC' | 'FOK';
  clientOrderId?: string;
  postOnly?: boolean;
}

/** A refusal, as an Error: `code` is API.md's name for it. */
export class OrderEntryRejected extends Error {
  override readonly name = 'OrderEntryRejected';
  constructor(readonly code: string, message: string, readonly frame: ServerMessage) {
    super(`${code}: ${message}`);
  }
}

/** Raw frame hook: body is bytes[offset, offset + length). Return true to skip decoding (and the promises). */
export type RawFrameHook = (type: number, bytes: Uint8Array, view: DataView, offset: number, length: number) => boolean;

const TIME_IN_FORCE = { GTC: 0, DAY: 1, IOC: 2, FOK: 3 } as const;
const ANSWER_TYPES = new Set<number>([ServerFrame.OrderAccepted, ServerFrame.Rejected, ServerFrame.Canceled, ServerFrame.Replaced]);

interface Waiter {
  resolve: (message: ServerMessage) => void;
  reject: (error: Error) => void;
}

export class OrderEntryClient {
  /** Every decoded frame (after the waiters have been settled). */
  onMessage: (message: ServerMessage) => void = () => {};
  /** Sees every frame first; see RawFrameHook. */
  onRawFrame: RawFrameHook | null = null;
  /** The connection closed; `reason` from the server's Disconnect frame when it sent one. */
  onClose: (reason: string) => void = () => {};
  accountId = 0;
  private readonly writer = new FrameWriter(64 * 1024);
  private readonly splitter = new FrameSplitter();
  private nextClientSeq = 1;
  private readonly waiters = new Map<number, Waiter>();
  private loginWaiter: Waiter | null = null;
  private flushScheduled = false;
  private closed = false;
  private disconnectReason = '';
  private readonly order: NewOrderFrame = { clientSeq: 0, symbolId: 0, side: 0, orderType: 0, timeInForce: 0, flags: 0, priceCents: 0, quantity: 0, clientOrderId: '' };

  private constructor(private readonly sendBytes: (bytes: Buffer) => void, private readonly endConnection: () => void) {}

  /** Opens a connection (TCP for {host, port}, WebSocket for {url: 'ws://host:port/v1/order-entry'}). */
  static connect(address: OrderEntryAddress): Promise<OrderEntryClient> {
    return 'url' in address ? OrderEntryClient.connectWebSocket(address.url) : OrderEntryClient.connectTcp(address.host, address.port);
  }

  private static connectTcp(host: string, port: number): Promise<OrderEntryClient> {
    return new Promise((resolve, reject) => {
      const socket: Socket = tcpConnect({ host, port, noDelay: true });
      const client = new OrderEntryClient((bytes) => void socket.write(bytes), () => socket.end());
      socket.once('connect', () => {
        socket.off('error', reject);
        socket.on('error', () => socket.destroy());
        resolve(client);
      });
      socket.once('error', reject);
      socket.on('data', (chunk: Buffer) => client.receive(chunk));
      socket.on('close', () => client.closedBy());
    });
  }

  private static connectWebSocket(url: string): Promise<OrderEntryClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.binaryType = 'nodebuffer';
      const client = new OrderEntryClient((bytes) => ws.send(bytes, { binary: true }), () => ws.close(1000));
      ws.once('open', () => {
        ws.off('error', reject);
        ws.on('error', () => ws.terminate());
        resolve(client);
      });
      ws.once('error', reject);
      ws.on('message', (data: Buffer) => client.receive(data));
      ws.on('close', () => client.closedBy());
    });
  }

  /** Logs in with an API key; resolves with the account id, rejects with OrderEntryRejected. */
  login(apiKey: string, apiSecret: string, timestampMs = Date.now()): Promise<number> {
    this.writer.login({ timestampMs, apiKey, signature: signLogin(apiSecret, timestampMs) });
    this.scheduleFlush();
    return new Promise<ServerMessage>((resolve, reject) => (this.loginWaiter = { resolve, reject })).then((message) => {
      if (message.type !== ServerFrame.LoginAccepted) throw new Error('unexpected answer to Login');
      this.accountId = message.accountId;
      return message.accountId;
    });
  }

  // Fire-and-forget requests (answers via onRawFrame / onMessage); each returns its clientSeq -------------

  sendNewOrder(request: NewOrderRequest): number {
    const o = this.order;
    o.clientSeq = this.takeClientSeq();
    o.symbolId = request.symbolId;
    o.side = request.side === 'buy' ? 0 : 1;
    o.orderType = request.orderType === 'market' ? 1 : 0;
    o.timeInForce = TIME_IN_FORCE[request.timeInForce ?? 'GTC'];
    o.flags = request.postOnly ? OrderFlag.PostOnly : 0;
    o.priceCents = request.priceCents ?? 0;
    o.quantity = request.quantity;
    o.clientOrderId = request.clientOrderId ?? '';
    this.writer.newOrder(o);
    this.scheduleFlush();
    return o.clientSeq;
  }

  /** A NewOrder frame from raw numbers (no object per call): side 0 buy / 1 sell, orderType 0 limit / 1 market. */
  sendNewOrderRaw(symbolId: number, side: number, orderType: number, timeInForce: number, priceCents: number, quantity: number): number {
    const o = this.order;
    o.clientSeq = this.takeClientSeq();
    o.symbolId = symbolId;
    o.side = side;
    o.orderType = orderType;
    o.timeInForce = timeInForce;
    o.flags = 0;
    o.priceCents = priceCents;
    o.quantity = quantity;
    o.clientOrderId = '';
    this.writer.newOrder(o);
    this.scheduleFlush();
    return o.clientSeq;
  }

  sendCancel(orderId: number): number {
    const clientSeq = this.takeClientSeq();
    this.writer.cancel(clientSeq, orderId);
    this.scheduleFlush();
    return clientSeq;
  }

  sendReplace(orderId: number, change: { quantity?: number; priceCents?: number }): number {
    const clientSeq = this.takeClientSeq();
    this.writer.replace({ clientSeq, orderId, quantity: change.quantity ?? 0, priceCents: change.priceCents ?? 0 });
    this.scheduleFlush();
    return clientSeq;
  }

  sendHeartbeat(): void {
    this.writer.heartbeat();
    this.scheduleFlush();
  }

  // Requests with promises: resolve with the answer frame, reject with OrderEntryRejected ----------------

  placeOrder(request: NewOrderRequest): Promise<ServerMessage> {
    return this.await(this.sendNewOrder(request));
  }

  cancelOrder(orderId: number): Promise<ServerMessage> {
    return this.await(this.sendCancel(orderId));
  }

  replaceOrder(orderId: number, change: { quantity?: number; priceCents?: number }): Promise<ServerMessage> {
    return this.await(this.sendReplace(orderId, change));
  }

  /** Sends raw bytes as they are (tests of malformed input). */
  sendRaw(bytes: Uint8Array): void {
    this.flush();
    this.sendBytes(Buffer.from(bytes));
  }

  /** Writes what is queued now instead of at the end of the turn. */
  flush(): void {
    this.flushScheduled = false;
    if (this.writer.length === 0 || this.closed) return;
    this.sendBytes(this.writer.take());
  }

  /** Sends Logout; the server answers with a Disconnect and closes. */
  logout(): void {
    this.writer.logout();
    this.flush();
  }

  close(): void {
    this.flush();
    this.endConnection();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private takeClientSeq(): number {
    const clientSeq = this.nextClientSeq;
    this.nextClientSeq = clientSeq === 0xffff_ffff ? 1 : clientSeq + 1;
    return clientSeq;
  }

  private await(clientSeq: number): Promise<ServerMessage> {
    return new Promise((resolve, reject) => this.waiters.set(clientSeq, { resolve, reject }));
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  private receive(chunk: Uint8Array): void {
    this.splitter.feed(chunk, this.onFrame);
  }

  private readonly onFrame = (type: number, bytes: Uint8Array, view: DataView, offset: number, length: number): boolean => {
    if (this.onRawFrame !== null && this.onRawFrame(type, bytes, view, offset, length)) return true;
    const message = decodeServerFrame(type, bytes, view, offset, length);
    this.settle(message);
    this.onMessage(message);
    return true;
  };

  private settle(message: ServerMessage): void {
    if (message.type === ServerFrame.Disconnect) {
      this.disconnectReason = `${message.reason} (Disconnect code ${message.code}${message.code === DisconnectCode.Logout ? ', logout' : ''})`;
      return;
    }
    if (message.type === ServerFrame.LoginAccepted || (message.type === ServerFrame.Rejected && message.requestType === ClientFrame.Login)) {
      const waiter = this.loginWaiter;
      this.loginWaiter = null;
      if (!waiter) return;
      if (message.type === ServerFrame.LoginAccepted) waiter.resolve(message);
      else waiter.reject(new OrderEntryRejected(errorCodeName(message.errorCode) ?? `code ${message.errorCode}`, message.message, message));
      return;
    }
    if (!ANSWER_TYPES.has(message.type) || !('clientSeq' in message) || message.clientSeq === 0) return;
    const waiter = this.waiters.get(message.clientSeq);
    if (!waiter) return;
    this.waiters.delete(message.clientSeq);
    if (message.type === ServerFrame.Rejected) {
      waiter.reject(new OrderEntryRejected(errorCodeName(message.errorCode) ?? `code ${message.errorCode}`, message.message, message));
    } else {
      waiter.resolve(message);
    }
  }

  private closedBy(): void {
    if (this.closed) return;
    this.closed = true;
    const reason = this.disconnectReason || 'connection closed';
    const error = new Error(`order entry connection closed: ${reason}`);
    this.loginWaiter?.reject(error);
    this.loginWaiter = null;
    for (const waiter of this.waiters.values()) waiter.reject(error);
    this.waiters.clear();
    this.onClose(reason);
  }
}
