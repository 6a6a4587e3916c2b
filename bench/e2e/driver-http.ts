// Signed REST order entry as bench/http sends it (POST /v1/order, DELETE /v1/order/{id}, X-API-Key,
// X-Timestamp, X-Signature) over its raw keep-alive HTTP/1.1 client: `connections` sockets, one request at
// a time each (HTTP/1.1 without pipelining), the accounts taking turns. A 2xx is a success; 409, 404 and
// 422 are refusals the server answered; status 0 (transport), 429, 5xx are failures.
import { createTransport, type OutgoingRequest, type Transport } from '../http/transport.ts';
import { sign } from '../http/workload.ts';
import { type Driver, type DriverOptions, Outcome } from './driver.ts';
import { Kind, priceText, SessionFlow } from './flow.ts';

const ID = /"id":"(\d+)"/;
const STATUS = /"status":"([a-z_]+)"/;
const CODE = /"code":"([A-Z_]+)"/;

interface Pending {
  intended: number;
  kind: number;
  done: boolean;
}

export class HttpDriver implements Driver {
  private readonly transport: Transport;
  private readonly flows: SessionFlow[];
  private readonly pending = new Set<Pending>();
  private next = 0;
  private answersPending = false;

  private constructor(private readonly o: DriverOptions) {
    this.transport = createTransport('raw', new URL(o.target.httpUrl), o.connections);
    this.flows = o.accounts.map(() => new SessionFlow(o.symbols, o.mix, o.random));
  }

  static open(o: DriverOptions): Promise<HttpDriver> {
    return Promise.resolve(new HttpDriver(o));
  }

  get room(): number {
    return this.transport.idle;
  }

  get inFlight(): number {
    return this.pending.size;
  }

  send(intended: number): void {
    const account = this.next;
    this.next = (account + 1) % this.flows.length;
    const flow = this.flows[account];
    const order = flow.next();
    const request = order.kind === Kind.Cancel
      ? this.signed(account, 'DELETE', `/v1/order/${order.orderId}`, '')
      : this.signed(account, 'POST', '/v1/order', `{"symbol":"${order.symbol.symbol}","side":"${order.side === 0 ? 'buy' : 'sell'}",` +
        `"orderType":"limit","price":"${priceText(order.priceCents)}","quantity":${order.quantity},"timeInForce":"${order.kind === Kind.Cross ? 'IOC' : 'GTC'}"}`);
    const p: Pending = { intended, kind: order.kind, done: false };
    const ticks = order.ticks;
    this.pending.add(p);
    const sent = performance.now();
    this.transport.send(request, (status, body) => {
      if (p.done) return;
      p.done = true;
      this.pending.delete(p);
      this.answered(flow, p, sent, ticks, status, body);
    });
  }

  flush(): void {
    // Each request is written when sent.
  }

  abandon(each: (intended: number) => void): void {
    for (const p of this.pending) {
      p.done = true;
      each(p.intended);
    }
    this.pending.clear();
  }

  close(): void {
    this.transport.close();
  }

  private signed(account: number, method: 'POST' | 'DELETE', path: string, body: string): OutgoingRequest {
    const { apiKey, apiSecret } = this.o.accounts[account];
    const timestamp = String(Date.now());
    return { method, path, body, headers: { 'X-API-Key': apiKey, 'X-Timestamp': timestamp, 'X-Signature': sign(apiSecret, timestamp, method, path, body) } };
  }

  private answered(flow: SessionFlow, p: Pending, sent: number, ticks: number, status: number, body: string): void {
    let outcome: number = Outcome.Ok;
    let label: string | null = null;
    if (status >= 200 && status < 300) {
      if (p.kind === Kind.Passive) {
        const s = STATUS.exec(body);
        const id = s !== null && (s[1] === 'new' || s[1] === 'partially_filled') ? ID.exec(body) : null;
        if (id !== null) flow.rested(Number(id[1]), ticks);
      }
    } else if (status === 0) {
      outcome = Outcome.Failed;
      label = `transport: ${body.slice(0, 60)}`;
    } else {
      const code = CODE.exec(body);
      label = `${status} ${code === null ? body.slice(0, 40) : code[1]}`;
      outcome = status === 409 || status === 404 || status === 422 ? Outcome.Refused : Outcome.Failed;
    }
    this.o.sink.answer(p.intended, sent, p.kind, outcome, label);
    if (!this.answersPending) {
      this.answersPending = true;
      queueMicrotask(() => {
        this.answersPending = false;
        this.o.onAnswers();
      });
    }
  }
}
