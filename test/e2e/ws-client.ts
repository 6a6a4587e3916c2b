// A WebSocket client for the black-box tests of /v1/ws (API.md "WebSocket"), written against the contract
// only: nothing here is imported from src/. It keeps every message a connection received, lets a test wait
// for a message, and rebuilds what a market-data client would (L2 levels, L3 orders in priority order,
// the trade tape, the latest ticker and candles) while checking that every channel's `sequence` goes up by
// exactly one from one message to the next.
import { createHmac } from 'node:crypto';
import WebSocket from 'ws';
import type { Account, Json } from './server-process.ts';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A decimal string with at most 2 decimals ("189.5", "189.50") as integer cents. */
export function toCents(text: string): number {
  const match = /^(-?)([0-9]+)(?:\.([0-9]{1,2}))?$/.exec(text);
  if (!match) throw new Error(`not a decimal string with at most 2 decimals: ${JSON.stringify(text)}`);
  const value = Number(match[2]) * 100 + Number((match[3] ?? '').padEnd(2, '0'));
  return match[1] === '-' ? -value : value;
}

/** Integer cents as the API writes money: "189.50". */
export function money(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** The `{"op": "auth"}` message of an account, signed as API.md says: timestamp + "GET" + "/v1/ws" + "". */
export function authMessage(account: Account, timestampMs = Date.now(), secret = account.apiSecret): Record<string, string> {
  const timestamp = String(timestampMs);
  const signature = createHmac('sha256', secret).update(`${timestamp}GET/v1/ws`, 'utf8').digest('hex');
  return { op: 'auth', apiKey: account.apiKey, timestamp, signature };
}

interface Waiter {
  predicate: (message: Json) => boolean;
  from: number;
  resolve: (message: Json) => void;
}

export interface CloseInfo {
  code: number;
  reason: string;
  /** Date.now() when the client saw the connection end. */
  atMs: number;
}

/** One connection to ws://host:port/v1/ws. */
export class WsClient {
  /** Every message received, parsed (a non-JSON text frame is kept as { unparsed: text }). */
  readonly messages: Json[] = [];
  readonly closed: Promise<CloseInfo>;
  closeInfo: CloseInfo | null = null;
  private readonly waiters = new Set<Waiter>();
  private readonly listeners: Array<(message: Json) => void> = [];

  private constructor(readonly socket: WebSocket, readonly name: string) {
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString('utf8'), atMs: Date.now() };
        resolve(this.closeInfo);
      });
    });
    socket.on('error', () => {
      // Surfaces as 'close' (code 1006); tests look at closeInfo.
    });
    socket.on('message', (data, isBinary) => {
      const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as Buffer).toString('utf8');
      let message: Json;
      try {
        message = JSON.parse(text);
      } catch {
        message = { unparsed: text, binary: isBinary };
      }
      this.messages.push(message);
      for (const listener of this.listeners) listener(message);
      const index = this.messages.length - 1;
      for (const waiter of [...this.waiters]) {
        if (index >= waiter.from && waiter.predicate(message)) {
          this.waiters.delete(waiter);
          waiter.resolve(message);
        }
      }
    });
  }

  /** Opens ws://host:port/v1/ws for a server's http://host:port URL. */
  static connect(httpUrl: string, name = 'client', options: WebSocket.ClientOptions = {}): Promise<WsClient> {
    const socket = new WebSocket(`${httpUrl.replace(/^http/, 'ws')}/v1/ws`, options);
    const client = new WsClient(socket, name);
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(client));
      socket.once('error', reject);
    });
  }

  get isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  /** Calls `listener` with every message from now on (in arrival order). */
  onMessage(listener: (message: Json) => void): void {
    this.listeners.push(listener);
  }

  /** How many messages arrived so far: pass it as `from` to wait only for later ones. */
  mark(): number {
    return this.messages.length;
  }

  send(message: unknown): void {
    this.socket.send(JSON.stringify(message));
  }

  sendRaw(text: string): void {
    this.socket.send(text);
  }

  /** The first message at index >= from that matches, waiting up to timeoutMs for it. */
  waitFor(predicate: (message: Json) => boolean, description: string, options: { from?: number; timeoutMs?: number } = {}): Promise<Json> {
    const from = options.from ?? 0;
    const timeoutMs = options.timeoutMs ?? 5_000;
    for (let i = from; i < this.messages.length; i++) if (predicate(this.messages[i])) return Promise.resolve(this.messages[i]);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { predicate, from, resolve: (message) => { clearTimeout(timer); resolve(message); } };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        const recent = this.messages.slice(Math.max(from, this.messages.length - 5)).map((m) => JSON.stringify(m).slice(0, 300));
        reject(new Error(`${this.name}: no ${description} within ${timeoutMs} ms (open: ${this.isOpen}, close: ${JSON.stringify(this.closeInfo)}); last messages:\n${recent.join('\n')}`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** Sends a message and waits for the next `{"op": "error"}` after it. */
  async expectError(message: unknown, raw = false): Promise<Json> {
    const from = this.mark();
    if (raw) this.sendRaw(message as string);
    else this.send(message);
    return this.waitFor((m) => m.op === 'error', `error reply to ${raw ? String(message) : JSON.stringify(message)}`, { from });
  }

  /** Subscribes and waits for {"op": "subscribed"} and the snapshot; returns the snapshot. */
  async subscribe(channel: string, symbol: string, timeoutMs = 5_000): Promise<Json> {
    const from = this.mark();
    this.send({ op: 'subscribe', channel, symbol });
    await this.waitFor((m) => m.op === 'subscribed' && m.channel === channel && m.symbol === symbol, `subscribed ${channel} ${symbol}`, { from, timeoutMs });
    return this.waitFor((m) => m.type === 'snapshot' && m.channel === channel && m.symbol === symbol, `snapshot ${channel} ${symbol}`, { from, timeoutMs });
  }

  /** Authenticates and subscribes to the private `orders` channel. */
  async subscribeOrders(account: Account): Promise<void> {
    let from = this.mark();
    this.send(authMessage(account));
    const reply = await this.waitFor((m) => m.op === 'authenticated' || m.op === 'error', 'auth reply', { from });
    if (reply.op !== 'authenticated') throw new Error(`${this.name}: auth failed: ${JSON.stringify(reply)}`);
    from = this.mark();
    this.send({ op: 'subscribe', channel: 'orders' });
    const subscribed = await this.waitFor((m) => m.op === 'subscribed' || m.op === 'error', 'orders subscribe reply', { from });
    if (subscribed.op !== 'subscribed') throw new Error(`${this.name}: subscribe orders failed: ${JSON.stringify(subscribed)}`);
  }

  /** Stops reading from the socket (the server's writes pile up). */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  close(): void {
    if (this.socket.readyState === WebSocket.CONNECTING || this.socket.readyState === WebSocket.OPEN) this.socket.terminate();
  }
}

// ---------------------------------------------------------------------------------------------------------
// Rebuilding the market from snapshot + updates

export type L2Level = [string, number];
export interface L3Order {
  orderId: string;
  price: string;
  quantity: number;
}
export interface Trade {
  tradeId: string;
  price: string;
  quantity: number;
  aggressorSide: string;
  time: number;
}

/** L2 levels: price -> quantity per side. */
export class L2Book {
  bids = new Map<string, number>();
  asks = new Map<string, number>();

  reset(snapshot: Json): void {
    this.bids = new Map((snapshot.bids as L2Level[]).map(([p, q]) => [p, q]));
    this.asks = new Map((snapshot.asks as L2Level[]).map(([p, q]) => [p, q]));
  }

  /** Levels an update listed although their quantity did not change (API.md: "only the levels that changed"). */
  readonly unchanged: string[] = [];

  apply(update: Json): void {
    for (const [side, levels] of [[this.bids, update.bids], [this.asks, update.asks]] as Array<[Map<string, number>, L2Level[]]>) {
      for (const [price, quantity] of levels ?? []) {
        if ((side.get(price) ?? 0) === quantity) this.unchanged.push(`seq ${update.sequence}: ${price} x ${quantity}`);
        if (quantity === 0) side.delete(price);
        else side.set(price, quantity);
      }
    }
  }

  /** Best first, like REST GET /v1/marketdata/orderBook/L2. */
  levels(): { bids: L2Level[]; asks: L2Level[] } {
    const sorted = (side: Map<string, number>, descending: boolean): L2Level[] =>
      [...side].sort(([a], [b]) => (descending ? toCents(b) - toCents(a) : toCents(a) - toCents(b)));
    return { bids: sorted(this.bids, true), asks: sorted(this.asks, false) };
  }
}

/** L3: every order per side, levels best first and orders in time priority within a level. */
export class L3Book {
  /** side -> price cents -> orderId -> quantity (Map keeps insertion order: time priority). */
  private sides = { buy: new Map<number, Map<string, number>>(), sell: new Map<number, Map<string, number>>() };
  private index = new Map<string, { side: 'buy' | 'sell'; cents: number; price: string }>();
  /** Updates that made no sense (removing an unknown order, an order moving price in place...). */
  readonly anomalies: string[] = [];

  reset(snapshot: Json): void {
    this.sides = { buy: new Map(), sell: new Map() };
    this.index = new Map();
    for (const [side, orders] of [['buy', snapshot.bids], ['sell', snapshot.asks]] as Array<['buy' | 'sell', L3Order[]]>) {
      for (const order of orders) this.append(side, order.orderId, order.price, order.quantity);
    }
  }

  private append(side: 'buy' | 'sell', orderId: string, price: string, quantity: number): void {
    const cents = toCents(price);
    let level = this.sides[side].get(cents);
    if (!level) this.sides[side].set(cents, (level = new Map()));
    level.set(orderId, quantity);
    this.index.set(orderId, { side, cents, price });
  }

  private remove(orderId: string): void {
    const known = this.index.get(orderId)!;
    const level = this.sides[known.side].get(known.cents)!;
    level.delete(orderId);
    if (level.size === 0) this.sides[known.side].delete(known.cents);
    this.index.delete(orderId);
  }

  /** {orders: [{orderId, side, price, quantity}]} applied in order, as API.md / the brief describe. */
  apply(update: Json): void {
    for (const change of update.orders as Array<{ orderId: string; side: 'buy' | 'sell'; price: string; quantity: number }>) {
      const known = this.index.get(change.orderId);
      if (change.quantity === 0) {
        if (!known) this.anomalies.push(`seq ${update.sequence}: removal of unknown order ${change.orderId}`);
        else this.remove(change.orderId);
      } else if (!known) {
        this.append(change.side, change.orderId, change.price, change.quantity);
      } else if (known.side !== change.side || known.cents !== toCents(change.price)) {
        this.anomalies.push(`seq ${update.sequence}: order ${change.orderId} changed price/side in place (${known.side} ${known.price} -> ${change.side} ${change.price})`);
        this.remove(change.orderId);
        this.append(change.side, change.orderId, change.price, change.quantity);
      } else {
        this.sides[known.side].get(known.cents)!.set(change.orderId, change.quantity);
      }
    }
  }

  /** Like REST GET /v1/marketdata/orderBook/L3: best price first, time priority within a price. */
  orders(): { bids: L3Order[]; asks: L3Order[] } {
    const list = (side: 'buy' | 'sell'): L3Order[] => {
      const prices = [...this.sides[side].keys()].sort((a, b) => (side === 'buy' ? b - a : a - b));
      return prices.flatMap((cents) => [...this.sides[side].get(cents)!].map(([orderId, quantity]) => ({
        orderId, price: this.index.get(orderId)!.price, quantity,
      })));
    };
    return { bids: list('buy'), asks: list('sell') };
  }
}

export interface SequenceGap {
  key: string;
  expected: number;
  got: number;
}

/** One channel of one symbol as a client follows it. */
export interface ChannelState {
  channel: string;
  symbol: string;
  snapshots: number;
  /** Sequence of the last snapshot or update. */
  sequence: number;
  /** Updates received since the first snapshot. */
  updates: Json[];
  l2?: L2Book;
  l3?: L3Book;
  /** Streamed trades in execution order (snapshot trades, oldest first, then updates). */
  trades?: Trade[];
  ticker?: Json;
  /** Latest candle, and the last candle seen per bucket time. */
  candle?: Json;
  candlesByTime?: Map<number, Json>;
}

/**
 * Follows every market-data channel a client receives: snapshots reset the state, updates are applied
 * after checking that their sequence is the previous one plus one. Gaps and updates before any snapshot
 * are recorded, never thrown (the test asserts on them).
 */
export class MarketFollower {
  readonly states = new Map<string, ChannelState>();
  readonly gaps: SequenceGap[] = [];
  readonly problems: string[] = [];

  constructor(client: WsClient) {
    client.onMessage((message) => this.onMessage(message));
  }

  state(channel: string, symbol: string): ChannelState | undefined {
    return this.states.get(`${channel}:${symbol}`);
  }

  private onMessage(message: Json): void {
    if (message.type !== 'snapshot' && message.type !== 'update') return;
    const key = `${message.channel}:${message.symbol}`;
    if (typeof message.sequence !== 'number' || !Number.isSafeInteger(message.sequence)) {
      this.problems.push(`${key}: ${message.type} without an integer sequence: ${JSON.stringify(message).slice(0, 200)}`);
    }
    let state = this.states.get(key);
    if (message.type === 'snapshot') {
      if (!state) {
        state = { channel: message.channel, symbol: message.symbol, snapshots: 0, sequence: 0, updates: [] };
        this.states.set(key, state);
      }
      state.snapshots++;
      state.sequence = message.sequence;
      this.reset(state, message);
      return;
    }
    if (!state) {
      this.problems.push(`${key}: update before any snapshot (sequence ${message.sequence})`);
      return;
    }
    if (message.sequence !== state.sequence + 1) this.gaps.push({ key, expected: state.sequence + 1, got: message.sequence });
    state.sequence = message.sequence;
    state.updates.push(message);
    this.apply(state, message);
  }

  private reset(state: ChannelState, snapshot: Json): void {
    const channel = state.channel;
    if (channel === 'book.L2') (state.l2 ??= new L2Book()).reset(snapshot);
    else if (channel === 'book.L3') (state.l3 ??= new L3Book()).reset(snapshot);
    else if (channel === 'trades') state.trades = [...(snapshot.trades as Trade[])].reverse();
    else if (channel === 'ticker') state.ticker = snapshot.ticker;
    else if (channel.startsWith('candles.')) {
      state.candle = snapshot.candle;
      state.candlesByTime = new Map();
      if (snapshot.candle) state.candlesByTime.set(snapshot.candle.time, snapshot.candle);
    }
  }

  private apply(state: ChannelState, update: Json): void {
    const channel = state.channel;
    if (channel === 'book.L2') state.l2!.apply(update);
    else if (channel === 'book.L3') state.l3!.apply(update);
    else if (channel === 'trades') state.trades!.push(...(update.trades as Trade[]));
    else if (channel === 'ticker') state.ticker = update.ticker;
    else if (channel.startsWith('candles.')) {
      state.candle = update.candle;
      if (update.candle) state.candlesByTime!.set(update.candle.time, update.candle);
    }
  }
}

/** The private `orders` channel of one connection: order and execution messages, sequence checked. */
export class OrdersFollower {
  readonly orders: Json[] = [];
  readonly executions: Json[] = [];
  readonly gaps: SequenceGap[] = [];
  readonly problems: string[] = [];
  private sequence: number | null = null;

  constructor(client: WsClient) {
    client.onMessage((message) => {
      if (message.channel !== 'orders' || message.op !== undefined) return;
      if (message.type === 'order') this.orders.push(message.order);
      else if (message.type === 'execution') this.executions.push(message.execution);
      else {
        this.problems.push(`unexpected message on orders: ${JSON.stringify(message).slice(0, 200)}`);
        return;
      }
      if (typeof message.sequence !== 'number') this.problems.push(`orders message without a sequence: ${JSON.stringify(message).slice(0, 200)}`);
      else {
        if (this.sequence !== null && message.sequence !== this.sequence + 1) this.gaps.push({ key: 'orders', expected: this.sequence + 1, got: message.sequence });
        this.sequence = message.sequence;
      }
    });
  }

  /** The last order message per order id. */
  latestOrders(): Map<string, Json> {
    const latest = new Map<string, Json>();
    for (const order of this.orders) latest.set(order.id, order);
    return latest;
  }
}
