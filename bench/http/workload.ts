// The order flow the load generator sends, signed as API.md asks (X-API-Key, X-Timestamp,
// X-Signature = hex HMAC-SHA256(secret, timestamp + METHOD + pathWithQuery + body)).
//
// Mix (seeded, the same sequence every run; DEFAULT_MIX and HTTP_MIX below give the fractions):
//  - passive: limit GTC, buy 1..spreadTicks ticks under the symbol's reference price or sell as far above,
//    quantity 1..100. These rest on the book.
//  - cross: limit IOC through the book (crossTicks past the reference price), quantity 1..150, so each
//    trades against one or two resting orders and never rests itself.
//  - cancel: DELETE /v1/order/{id} of a recently acknowledged resting order of the same account (picked at
//    random among the newest `cancelWindow` acknowledged at least `cancelMinTicks` from the reference price,
//    where crossing orders rarely reach, so that most cancels find their order open, as a market maker's
//    would); when none is known a passive order is sent instead. An order filled in the meantime gets 409
//    ORDER_NOT_OPEN, which is expected and counted.
// Adds (passive) and removals (cross fills + cancels) roughly balance, so the books stay bounded.
import { createHmac } from 'node:crypto';
import type { OutgoingRequest } from './transport.ts';

export interface BenchAccount {
  accountId: string;
  apiKey: string;
  apiSecret: string;
}

export interface BenchSymbol {
  symbol: string;
  referenceCents: number;
  tickCents: number;
}

export interface Mix {
  cancel: number;
  cross: number;
  spreadTicks: number;
  crossTicks: number;
  cancelWindow: number;
  /** Only passive orders at least this many ticks from the reference price are cancel candidates. */
  cancelMinTicks: number;
}

export const DEFAULT_MIX: Mix = { cancel: 0.25, cross: 0.2, spreadTicks: 30, crossTicks: 40, cancelWindow: 512, cancelMinTicks: 0 };

/**
 * bench:http's mix: 50% passive adds over 30 ticks a side, 20% IOC orders reaching 10 ticks through the
 * reference price, 30% cancels of orders resting 12 ticks or more away (which the IOC orders never reach,
 * so nearly every cancel finds its order open). Adds beyond 11 ticks (about 32% of requests) roughly match
 * the cancels, and the IOC orders eat the near levels, so the books stay about the same size all run.
 */
export const HTTP_MIX: Mix = { cancel: 0.3, cross: 0.2, spreadTicks: 30, crossTicks: 10, cancelWindow: 512, cancelMinTicks: 12 };

export type Kind = 'passive' | 'cross' | 'cancel';
export const KINDS: readonly Kind[] = ['passive', 'cross', 'cancel'];

export interface Prepared {
  kind: Kind;
  request: OutgoingRequest;
  account: number;
  /** Passive orders: ticks from the reference price. */
  ticks?: number;
}

/** xorshift32: small, fast, seeded. */
class Rng {
  constructor(private state: number) {
    if (this.state === 0) this.state = 0x9e3779b9;
  }
  next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
}

function priceText(cents: number): string {
  const whole = Math.floor(cents / 100);
  const frac = cents % 100;
  return `${whole}.${frac < 10 ? '0' : ''}${frac}`;
}

const ID = /"id":"(\d+)"/;
const STATUS = /"status":"([a-z_]+)"/;
const CODE = /"code":"([A-Z_]+)"/;

export function sign(secret: string, timestamp: string, method: string, path: string, body: string): string {
  return createHmac('sha256', secret).update(timestamp + method + path + body).digest('hex');
}

export class Workload {
  private readonly rng: Rng;
  /** Resting orders known from acknowledgements: a ring of (account, order id); id '' = taken. */
  private readonly ringAccount: Int32Array;
  private readonly ringId: string[];
  private ringHead = 0;
  private ringSize = 0;
  /** Orders acknowledged as resting, cancels accepted, fills seen on arrival (from the responses). */
  readonly seen = { resting: 0, tradedOnArrival: 0, cancelsAccepted: 0 };

  constructor(
    private readonly accounts: readonly BenchAccount[],
    private readonly symbols: readonly BenchSymbol[],
    private readonly mix: Mix,
    seed: number,
  ) {
    this.rng = new Rng(seed);
    const capacity = 1 << 16;
    this.ringAccount = new Int32Array(capacity);
    this.ringId = new Array<string>(capacity).fill('');
  }

  next(): Prepared {
    const roll = this.rng.next();
    if (roll < this.mix.cancel) {
      const cancel = this.cancel();
      if (cancel !== null) return cancel;
    }
    return this.order(roll < this.mix.cancel + this.mix.cross ? 'cross' : 'passive');
  }

  private order(kind: 'passive' | 'cross'): Prepared {
    const account = this.rng.int(0, this.accounts.length - 1);
    const s = this.symbols[this.rng.int(0, this.symbols.length - 1)];
    const buy = this.rng.next() < 0.5;
    let priceCents: number;
    let quantity: number;
    let ticks = 0;
    if (kind === 'passive') {
      ticks = this.rng.int(1, this.mix.spreadTicks);
      priceCents = s.referenceCents + (buy ? -ticks : ticks) * s.tickCents;
      quantity = this.rng.int(1, 100);
    } else {
      priceCents = s.referenceCents + (buy ? this.mix.crossTicks : -this.mix.crossTicks) * s.tickCents;
      quantity = this.rng.int(1, 150);
    }
    const body = `{"symbol":"${s.symbol}","side":"${buy ? 'buy' : 'sell'}","orderType":"limit","price":"${priceText(priceCents)}",` +
      `"quantity":${quantity},"timeInForce":"${kind === 'passive' ? 'GTC' : 'IOC'}"}`;
    return { kind, account, ticks, request: this.signed(account, 'POST', '/v1/order', body) };
  }

  private cancel(): Prepared | null {
    const window = Math.min(this.ringSize, this.mix.cancelWindow);
    for (let attempt = 0; attempt < 4 && window > 0; attempt++) {
      const back = this.rng.int(1, window);
      const slot = (this.ringHead - back + this.ringId.length) % this.ringId.length;
      const id = this.ringId[slot];
      if (id === '') continue;
      this.ringId[slot] = '';
      const account = this.ringAccount[slot];
      return { kind: 'cancel', account, request: this.signed(account, 'DELETE', `/v1/order/${id}`, '') };
    }
    return null;
  }

  private signed(account: number, method: 'POST' | 'DELETE', path: string, body: string): OutgoingRequest {
    const { apiKey, apiSecret } = this.accounts[account];
    const timestamp = String(Date.now());
    return {
      method, path, body,
      headers: { 'X-API-Key': apiKey, 'X-Timestamp': timestamp, 'X-Signature': sign(apiSecret, timestamp, method, path, body) },
    };
  }

  /** Learns resting order ids from the acknowledgements; returns a label for non-2xx answers. */
  onResponse(prepared: Prepared, status: number, body: string): string | null {
    if (status >= 200 && status < 300) {
      if (prepared.kind === 'cancel') {
        this.seen.cancelsAccepted++;
        return null;
      }
      const statusMatch = STATUS.exec(body);
      const orderStatus = statusMatch === null ? '' : statusMatch[1];
      if (orderStatus === 'partially_filled' || orderStatus === 'filled') this.seen.tradedOnArrival++;
      if (prepared.kind === 'passive' && (orderStatus === 'new' || orderStatus === 'partially_filled')) {
        this.seen.resting++;
        const idMatch = (prepared.ticks ?? 0) >= this.mix.cancelMinTicks ? ID.exec(body) : null;
        if (idMatch !== null) {
          this.ringAccount[this.ringHead] = prepared.account;
          this.ringId[this.ringHead] = idMatch[1];
          this.ringHead = (this.ringHead + 1) % this.ringId.length;
          if (this.ringSize < this.ringId.length) this.ringSize++;
        }
      }
      return null;
    }
    if (status === 0) return `transport: ${body.slice(0, 60)}`;
    const code = CODE.exec(body);
    return `${status} ${code === null ? body.slice(0, 40) : code[1]}`;
  }
}
