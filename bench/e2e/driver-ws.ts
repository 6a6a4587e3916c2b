// JSON order entry over the WebSocket (README "Order entry over WebSocket"): one connection per account,
// `{"op":"auth",...}` first, then `order.new` / `order.cancel` with an integer requestId, pipelined (at most
// `window` unanswered per connection). Each turn's messages of a connection go out in one corked write, as
// the server writes its answers. Answers are scanned as bytes for the few fields needed (requestId, the
// error code, the order's id and status) instead of parsed.
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import { sign } from '../http/workload.ts';
import { type Driver, type DriverOptions, InFlight, inFlightOf, nextWithRoom, roomOf, Outcome, outcomeOfCode } from './driver.ts';
import { Kind, priceText, SessionFlow } from './flow.ts';

const REQUEST_ID = Buffer.from('"requestId":');
const ERROR_OP = Buffer.from('"op":"error"');
const CODE = Buffer.from('"code":"');
const ID = Buffer.from('"id":"');
const STATUS = Buffer.from('"status":"');
const QUOTE = 0x22;

/** The unsigned integer at bytes[at...] (an optional opening quote skipped), or -1. */
function intAt(bytes: Buffer, at: number): number {
  if (bytes[at] === QUOTE) at++;
  let value = -1;
  for (; at < bytes.length; at++) {
    const digit = bytes[at] - 48;
    if (digit < 0 || digit > 9) break;
    value = (value < 0 ? 0 : value * 10) + digit;
  }
  return value;
}

function intAfter(bytes: Buffer, key: Buffer): number {
  const at = bytes.indexOf(key);
  return at < 0 ? -1 : intAt(bytes, at + key.length);
}

class Connection {
  readonly inFlight: InFlight;
  nextRequestId = 1;
  corked = false;

  constructor(readonly ws: WebSocket, readonly socket: Socket, readonly flow: SessionFlow, window: number) {
    this.inFlight = new InFlight(window);
  }
}

/** Opens a connection and authenticates it as `apiKey`. */
function openConnection(url: string, apiKey: string, apiSecret: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once('error', reject);
    ws.once('open', () => {
      const timestamp = String(Date.now());
      ws.send(JSON.stringify({ op: 'auth', apiKey, timestamp, signature: sign(apiSecret, timestamp, 'GET', '/v1/ws', '') }));
    });
    ws.once('message', (data: Buffer) => {
      ws.off('error', reject);
      const answer = JSON.parse(data.toString()) as { op: string };
      if (answer.op === 'authenticated') resolve(ws);
      else reject(new Error(`WebSocket auth refused: ${data.toString()}`));
    });
  });
}

export class WsDriver implements Driver {
  private next = 0;
  private answersPending = false;
  private closing = false;
  private readonly corked: Connection[] = [];

  private constructor(private readonly connections: Connection[], private readonly o: DriverOptions) {
    connections.forEach((c, i) => {
      c.ws.on('message', (data: Buffer) => this.onMessage(c, data));
      c.ws.on('error', () => undefined); // 'close' follows
      c.ws.on('close', (code, reason) => {
        if (!this.closing) console.error(`ws order entry: connection ${i} closed (${code} ${reason.toString()})`);
      });
    });
  }

  static async open(o: DriverOptions): Promise<WsDriver> {
    const connections = await Promise.all(o.accounts.slice(0, o.connections).map(async (account) => {
      const ws = await openConnection(o.target.wsUrl, account.apiKey, account.apiSecret);
      const socket = (ws as unknown as { _socket: Socket })._socket;
      return new Connection(ws, socket, new SessionFlow(o.symbols, o.mix, o.random), o.window);
    }));
    return new WsDriver(connections, o);
  }

  get room(): number {
    return roomOf(this.connections, this.o.window);
  }

  get inFlight(): number {
    return inFlightOf(this.connections);
  }

  send(intended: number): void {
    const at = nextWithRoom(this.connections, this.next, this.o.window);
    if (at < 0) throw new Error('WsDriver.send with no room');
    this.next = (at + 1) % this.connections.length;
    const c = this.connections[at];
    const order = c.flow.next();
    const requestId = c.nextRequestId;
    c.nextRequestId = requestId === 0xffff_ffff ? 1 : requestId + 1;
    const text = order.kind === Kind.Cancel
      ? `{"op":"order.cancel","requestId":${requestId},"orderId":"${order.orderId}"}`
      : `{"op":"order.new","requestId":${requestId},"symbol":"${order.symbol.symbol}","side":"${order.side === 0 ? 'buy' : 'sell'}",` +
        `"orderType":"limit","price":"${priceText(order.priceCents)}","quantity":${order.quantity},"timeInForce":"${order.kind === Kind.Cross ? 'IOC' : 'GTC'}"}`;
    if (!c.corked) {
      c.corked = true;
      c.socket.cork();
      this.corked.push(c);
    }
    c.ws.send(text);
    c.inFlight.add(requestId, intended, performance.now(), order.kind, order.ticks);
  }

  flush(): void {
    for (const c of this.corked) {
      c.corked = false;
      c.socket.uncork();
    }
    this.corked.length = 0;
  }

  abandon(each: (intended: number) => void): void {
    for (const c of this.connections) c.inFlight.abandon(each);
  }

  close(): void {
    this.closing = true;
    this.flush();
    for (const c of this.connections) c.ws.close(1000);
  }

  private onMessage(c: Connection, data: Buffer): void {
    const requestId = intAfter(data, REQUEST_ID);
    if (requestId < 0) return; // not an answer (e.g. a private-channel message)
    const f = c.inFlight;
    const slot = f.take(requestId);
    if (slot < 0) return;
    const kind = f.kind[slot];
    let outcome: number = Outcome.Ok;
    let label: string | null = null;
    if (data.indexOf(ERROR_OP) >= 0) {
      const at = data.indexOf(CODE);
      label = at < 0 ? 'error without a code' : data.toString('latin1', at + CODE.length, data.indexOf(QUOTE, at + CODE.length));
      outcome = outcomeOfCode(label);
    } else if (kind === Kind.Passive) {
      const at = data.indexOf(STATUS);
      const first = at < 0 ? 0 : data[at + STATUS.length];
      const orderId = first === 0x6e /* new */ || first === 0x70 /* partially_filled */ ? intAfter(data, ID) : -1;
      if (orderId >= 0) c.flow.rested(orderId, f.ticks[slot]);
    }
    const intended = f.intended[slot];
    const sent = f.sent[slot];
    f.free(slot);
    this.o.sink.answer(intended, sent, kind, outcome, label);
    if (!this.answersPending) {
      this.answersPending = true;
      queueMicrotask(() => {
        this.answersPending = false;
        this.o.onAnswers();
      });
    }
  }
}
