// Drives the peer, nodejs-order-book (npm, devDependency), with the same workload. Order ids are the op
// indices as strings and account ids strings too, all made before timing (so the peer is not charged for
// building them). Self-trade prevention EXPIRE_MAKER on every order mirrors our CancelResting, so both
// books go through exactly the same states.
import { performance } from 'node:perf_hooks';
import { type LimitOrderOptions, OrderBook, SelfTradePreventionMode, Side } from 'nodejs-order-book';
import { BUY, OpKind, type Workload } from './workload.ts';

const IOC = 'IOC' as LimitOrderOptions['timeInForce'];
const GTC = 'GTC' as LimitOrderOptions['timeInForce'];
const STP = SelfTradePreventionMode.EXPIRE_MAKER;

export interface PeerIds {
  orderIds: string[];
  accountIds: string[];
}

export function peerIds(w: Workload): PeerIds {
  const orderIds = new Array<string>(w.length);
  for (let i = 0; i < w.length; i++) orderIds[i] = 'o' + i;
  const accountIds = ['none'];
  for (let a = 1; a <= w.params.accounts; a++) accountIds.push('a' + a);
  return { orderIds, accountIds };
}

export class PeerDriver {
  readonly book = new OrderBook();
  readonly w: Workload;
  private readonly ids: PeerIds;
  /** Cancels of an order that was no longer resting (undefined from cancel()); should be 0. */
  missedCancels = 0;
  /** Orders whose response carried an error (e.g. a duplicate id); should be 0. */
  errors = 0;

  constructor(w: Workload, ids: PeerIds) {
    this.w = w;
    this.ids = ids;
  }

  private apply(i: number): void {
    const w = this.w;
    const book = this.book;
    const kind = w.kind[i];
    const side = w.side[i] === BUY ? Side.BUY : Side.SELL;
    if (kind === OpKind.Cancel) {
      if (book.cancel(this.ids.orderIds[w.target[i]]) === undefined) this.missedCancels++;
      return;
    }
    const accountId = this.ids.accountIds[w.account[i]];
    const response = kind === OpKind.Market
      ? book.market({ side, size: w.quantity[i], accountId, stpMode: STP })
      : book.limit({
        id: this.ids.orderIds[i], side, size: w.quantity[i], price: w.priceCents[i],
        timeInForce: kind === OpKind.Add ? GTC : IOC, accountId, stpMode: STP,
      });
    if (response.err !== null) this.errors++;
  }

  run(from: number, to: number): void {
    for (let i = from; i < to; i++) this.apply(i);
  }

  runTimed(from: number, to: number, out: Float64Array): void {
    for (let i = from; i < to; i++) {
      const t0 = performance.now();
      this.apply(i);
      out[i - from] = (performance.now() - t0) * 1e6;
    }
  }

  /** Total resting quantity and level count per side. */
  totals(): { bid: { quantity: number; levels: number }; ask: { quantity: number; levels: number } } {
    const [asks, bids] = this.book.depth();
    const sum = (levels: Array<[number, number]>): { quantity: number; levels: number } =>
      ({ quantity: levels.reduce((s, [, q]) => s + q, 0), levels: levels.length });
    return { bid: sum(bids), ask: sum(asks) };
  }
}

export function preparedPeer(w: Workload, ids: PeerIds): PeerDriver {
  const driver = new PeerDriver(w, ids);
  driver.run(0, w.measuredFrom);
  return driver;
}
