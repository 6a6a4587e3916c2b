// The order flow of one session (one account): what to send next, and the account's own resting orders it
// may cancel, learned from the acknowledgements. The same flow goes over every transport and to the echo
// servers, so that the figures differ only by transport and server.
//
// Mix (E2E_MIX, seeded):
//  - passive (47%): limit GTC, buy 1..spreadTicks ticks under the symbol's reference price or sell as far
//    above, quantity 1..100; they rest.
//  - cross (20%): limit IOC crossTicks through the reference price, quantity 1..150: each trades with the
//    resting orders within crossTicks of the reference and never rests itself. They take about twice the
//    quantity the passive orders add there, so those levels stay thin.
//  - cancel (33%): one of the session's own orders resting more than crossTicks away (out of the crossing
//    orders' reach, so the cancel nearly always finds it open), picked at random; when the session knows
//    none, a passive order instead. Passive orders beyond crossTicks are about 31% of requests, a bit
//    fewer than the cancels, so these levels stay bounded too; and a session that knows `maxCancelable`
//    such orders cancels instead of adding (the exchange allows 10,000 open orders per account).
import { splitmix32 } from '../../src/ops/index.ts';

export interface FlowSymbol {
  symbol: string;
  /** Its index in GET /v1/symbols (the binary protocol's symbolId). */
  symbolId: number;
  referenceCents: number;
  tickCents: number;
}

export interface FlowMix {
  cancel: number;
  cross: number;
  spreadTicks: number;
  crossTicks: number;
  maxCancelable: number;
}

export const E2E_MIX: FlowMix = { cancel: 0.33, cross: 0.2, spreadTicks: 30, crossTicks: 10, maxCancelable: 2000 };

export const Kind = { Passive: 0, Cross: 1, Cancel: 2 } as const;
export const KIND_NAMES = ['passive', 'cross', 'cancel'] as const;

/** Time in force as the binary protocol numbers it. */
export const GTC = 0;
export const IOC = 2;

/** The next request, filled in place (one object per session, reused). */
export class Order {
  kind: number = Kind.Passive;
  symbol!: FlowSymbol;
  /** 0 buy, 1 sell. */
  side = 0;
  timeInForce = GTC;
  priceCents = 0;
  quantity = 0;
  /** Cancel: the order to cancel. */
  orderId = 0;
  /** Passive: ticks from the reference price. */
  ticks = 0;
}

export type Random = () => number;

export function seededRandom(seed: number): Random {
  return splitmix32(seed);
}

export class SessionFlow {
  readonly order = new Order();
  private readonly cancelable: Float64Array;
  private cancelableCount = 0;

  constructor(private readonly symbols: readonly FlowSymbol[], private readonly mix: FlowMix, private readonly random: Random) {
    this.cancelable = new Float64Array(mix.maxCancelable);
  }

  /** Fills `this.order` with the next request and returns it. */
  next(): Order {
    const o = this.order;
    const roll = this.random();
    if (this.cancelableCount > 0 && (roll < this.mix.cancel || this.cancelableCount >= this.mix.maxCancelable)) {
      const at = Math.floor(this.random() * this.cancelableCount);
      o.kind = Kind.Cancel;
      o.orderId = this.cancelable[at];
      this.cancelable[at] = this.cancelable[--this.cancelableCount];
      return o;
    }
    const s = this.symbols[Math.floor(this.random() * this.symbols.length)];
    o.symbol = s;
    o.side = this.random() < 0.5 ? 0 : 1;
    const sign = o.side === 0 ? -1 : 1;
    if (roll >= this.mix.cancel && roll < this.mix.cancel + this.mix.cross) {
      o.kind = Kind.Cross;
      o.timeInForce = IOC;
      o.ticks = 0;
      o.priceCents = s.referenceCents - sign * this.mix.crossTicks * s.tickCents;
      o.quantity = 1 + Math.floor(this.random() * 150);
    } else {
      o.kind = Kind.Passive;
      o.timeInForce = GTC;
      o.ticks = 1 + Math.floor(this.random() * this.mix.spreadTicks);
      o.priceCents = s.referenceCents + sign * o.ticks * s.tickCents;
      o.quantity = 1 + Math.floor(this.random() * 100);
    }
    return o;
  }

  /** A passive order `ticks` from the reference was acknowledged resting as `orderId`. */
  rested(orderId: number, ticks: number): void {
    if (ticks <= this.mix.crossTicks || this.cancelableCount >= this.cancelable.length) return;
    this.cancelable[this.cancelableCount++] = orderId;
  }
}

/** "210.05" from 21005 (prices of the JSON transports). */
export function priceText(cents: number): string {
  const whole = Math.floor(cents / 100);
  const frac = cents % 100;
  return `${whole}.${frac < 10 ? '0' : ''}${frac}`;
}
