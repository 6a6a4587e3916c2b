// The benchmark's operation stream: seeded, generated once, stored as plain columns (struct of arrays) so
// that both engines replay exactly the same operations and the stream itself costs nothing to read.
//
// Prices are integer cents around a fixed mid. Passive adds are always on their own side of the mid
// (bids below, asks above), so they never cross; only the takers (marketable limit IOC and market
// orders) trade. While generating, a small model book (price-time FIFO per level, same self-trade rule
// as both engines: the resting order is canceled and matching goes on) tracks which orders are still
// resting, so every cancel targets an order that is really on the book, and the model's trade count is a
// cross-check for both engines.

import { splitmix32 } from '../../src/ops/seeded-random.ts';

export { splitmix32 };

export const OpKind = {
  /** Passive limit GTC on its own side of the mid: rests. */
  Add: 0,
  /** Cancel of a resting order (target = the op index of the add). */
  Cancel: 1,
  /** Limit IOC priced a few ticks through the mid. */
  MarketableLimit: 2,
  /** Market order (IOC). */
  Market: 3,
} as const;
export type OpKind = (typeof OpKind)[keyof typeof OpKind];

export const BUY = 0;
export const SELL = 1;

export interface WorkloadParams {
  name: string;
  seed: number;
  /** Mid price in cents; tick is 1 cent. */
  midCents: number;
  /** Adds before the measured part (resting book); not timed. */
  prefillOrders: number;
  /** Prefill adds are spread uniformly over 1..prefillDepthTicks from the mid on each side. */
  prefillDepthTicks: number;
  /** Measured operations after the prefill. */
  measuredOps: number;
  /** Probability of each kind in the measured part (the rest are adds). */
  cancelShare: number;
  takerShare: number;
  /** Share of takers that are market orders (the others are marketable limit IOC). */
  marketShareOfTakers: number;
  /** Near-touch adds land 1..nearTicks from the mid (skewed towards the touch). */
  nearTicks: number;
  /** Share of measured adds that land anywhere in 1..prefillDepthTicks instead of near the touch. */
  wideAddShare: number;
  /** Marketable limits are priced 1..throughTicks beyond the mid on the opposite side. */
  throughTicks: number;
  /** Passive quantity is uniform in 1..maxAddQty; taker quantity uniform in minTakerQty..maxTakerQty. */
  maxAddQty: number;
  minTakerQty: number;
  maxTakerQty: number;
  accounts: number;
  /**
   * The peer is much slower, so it replays consecutive windows of this many measured ops on one book
   * (1 warm-up window, the timed windows, 1 latency window) instead of the whole stream on fresh books.
   */
  peerWindowOps: number;
  /** Cancels pick among the `recentWindow` most recently added live orders with this probability. */
  recentCancelShare: number;
  recentWindow: number;
}

export interface Workload {
  params: WorkloadParams;
  /** Total ops = prefill + measured. */
  length: number;
  /** Index of the first measured op. */
  measuredFrom: number;
  kind: Uint8Array;
  side: Uint8Array;
  priceCents: Float64Array;
  quantity: Float64Array;
  /** For a cancel: the op index of the add it cancels; else -1. */
  target: Int32Array;
  /** 1..accounts; for a cancel, the owner of the target. */
  account: Int32Array;
  /** What the model book says should happen (both engines must agree). */
  expected: {
    /** Trades in the measured part (each is two Execution events in our engine). */
    trades: number;
    selfTradeCancels: number;
    /** Takers (IOC/market) that left a remainder that was canceled. */
    takerRemaindersCanceled: number;
    restingAtStart: number;
    restingAtEnd: number;
    /** Resting quantity per side at the end. */
    bidQuantityAtEnd: number;
    askQuantityAtEnd: number;
    /** Measured ops of each kind. */
    counts: Record<keyof typeof OpKind, number>;
    minPriceCents: number;
    maxPriceCents: number;
    /** The model book after op index i (exclusive), for every i = measuredFrom + k * snapshotEvery. */
    snapshots: Map<number, BookSnapshot>;
  };
}

export interface BookSnapshot {
  resting: number;
  bidQuantity: number;
  askQuantity: number;
  trades: number;
}

/** Model-book snapshots are taken every this many measured ops (and at the end). */
export const SNAPSHOT_EVERY = 5_000;

/** One side of the model book: a FIFO of op indices per tick offset from the mid (1 = the touch). */
class ModelSide {
  readonly queues: number[][];
  readonly heads: Int32Array;
  readonly live: Int32Array;
  quantity = 0;

  constructor(depth: number) {
    this.queues = Array.from({ length: depth + 1 }, () => []);
    this.heads = new Int32Array(depth + 1);
    this.live = new Int32Array(depth + 1);
  }
}

export function generateWorkload(p: WorkloadParams): Workload {
  const rnd = splitmix32(p.seed);
  const n = p.prefillOrders + p.measuredOps;
  const kind = new Uint8Array(n);
  const side = new Uint8Array(n);
  const priceCents = new Float64Array(n);
  const quantity = new Float64Array(n);
  const target = new Int32Array(n).fill(-1);
  const account = new Int32Array(n);
  const remaining = new Float64Array(n);
  const offsetOf = new Int32Array(n);
  /** Live (resting) orders as op indices, with swap-remove; livePos[op] is the index in it, or -1. */
  const liveList: number[] = [];
  const livePos = new Int32Array(n).fill(-1);
  const depth = p.prefillDepthTicks;
  const sides = [new ModelSide(depth), new ModelSide(depth)];
  const counts = { Add: 0, Cancel: 0, MarketableLimit: 0, Market: 0 };
  let trades = 0;
  let selfTradeCancels = 0;
  let takerRemaindersCanceled = 0;
  let restingAtStart = 0;
  let minPrice = Infinity;
  let maxPrice = -Infinity;

  const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
  const priceAt = (s: number, offset: number): number => (s === BUY ? p.midCents - offset : p.midCents + offset);

  const removeLive = (op: number): void => {
    const at = livePos[op];
    const last = liveList.pop()!;
    if (last !== op) {
      liveList[at] = last;
      livePos[last] = at;
    }
    livePos[op] = -1;
    const book = sides[side[op]];
    book.live[offsetOf[op]]--;
    book.quantity -= remaining[op];
    remaining[op] = 0;
  };

  const add = (i: number, s: number, offset: number, qty: number, acct: number): void => {
    kind[i] = OpKind.Add;
    side[i] = s;
    priceCents[i] = priceAt(s, offset);
    quantity[i] = qty;
    account[i] = acct;
    remaining[i] = qty;
    offsetOf[i] = offset;
    livePos[i] = liveList.length;
    liveList.push(i);
    const book = sides[s];
    book.queues[offset].push(i);
    book.live[offset]++;
    book.quantity += qty;
    if (i >= p.prefillOrders) counts.Add++;
  };

  /** Sweeps the opposite side up to `limitOffset` ticks through the mid; returns what is left. */
  const sweep = (takerSide: number, limitOffset: number, qty: number, acct: number): number => {
    const book = sides[1 - takerSide];
    const maxOffset = Math.min(limitOffset, depth);
    for (let offset = 1; offset <= maxOffset && qty > 0; offset++) {
      if (book.live[offset] === 0) continue;
      const queue = book.queues[offset];
      while (qty > 0 && book.live[offset] > 0) {
        const maker = queue[book.heads[offset]];
        if (remaining[maker] === 0) { // canceled or filled earlier: skip
          book.heads[offset]++;
          continue;
        }
        if (account[maker] === acct) { // self-trade prevention: cancel the resting order, go on
          removeLive(maker);
          book.heads[offset]++;
          selfTradeCancels++;
          continue;
        }
        const fill = Math.min(qty, remaining[maker]);
        qty -= fill;
        trades++;
        if (fill === remaining[maker]) {
          removeLive(maker);
          book.heads[offset]++;
        } else {
          remaining[maker] -= fill;
          book.quantity -= fill;
        }
      }
      if (book.live[offset] === 0) { // compact the emptied queue
        queue.length = 0;
        book.heads[offset] = 0;
      }
    }
    return qty;
  };

  const snapshots = new Map<number, BookSnapshot>();
  const snapshot = (at: number): void => {
    snapshots.set(at, { resting: liveList.length, bidQuantity: sides[BUY].quantity, askQuantity: sides[SELL].quantity, trades });
  };
  for (let i = 0; i < n; i++) {
    const measured = i >= p.prefillOrders;
    if (i === p.prefillOrders) restingAtStart = liveList.length;
    if (measured && (i - p.prefillOrders) % SNAPSHOT_EVERY === 0) snapshot(i);
    const acct = int(1, p.accounts);
    const s = rnd() < 0.5 ? BUY : SELL;
    if (!measured) {
      add(i, s, int(1, depth), int(1, p.maxAddQty), acct);
      continue;
    }
    const r = rnd();
    if (r < p.cancelShare && liveList.length > 0) {
      let pick: number;
      if (rnd() < p.recentCancelShare) pick = Math.max(0, liveList.length - 1 - Math.floor(rnd() * p.recentWindow));
      else pick = Math.floor(rnd() * liveList.length);
      const victim = liveList[pick];
      kind[i] = OpKind.Cancel;
      side[i] = side[victim];
      priceCents[i] = priceCents[victim];
      target[i] = victim;
      account[i] = account[victim];
      removeLive(victim);
      counts.Cancel++;
    } else if (r < p.cancelShare + p.takerShare) {
      const qty = int(p.minTakerQty, p.maxTakerQty);
      const isMarket = rnd() < p.marketShareOfTakers;
      const through = isMarket ? Infinity : int(1, p.throughTicks);
      kind[i] = isMarket ? OpKind.Market : OpKind.MarketableLimit;
      side[i] = s;
      priceCents[i] = isMarket ? 0 : priceAt(1 - s, through);
      quantity[i] = qty;
      account[i] = acct;
      if (sweep(s, through, qty, acct) > 0) takerRemaindersCanceled++;
      if (isMarket) counts.Market++;
      else counts.MarketableLimit++;
    } else {
      const offset = rnd() < p.wideAddShare ? int(1, depth) : 1 + Math.floor(rnd() * rnd() * p.nearTicks);
      add(i, s, offset, int(1, p.maxAddQty), acct);
    }
    if (priceCents[i] > 0) {
      minPrice = Math.min(minPrice, priceCents[i]);
      maxPrice = Math.max(maxPrice, priceCents[i]);
    }
  }
  snapshot(n);
  // Trades during the prefill are impossible (adds never cross), so every counted trade is measured.
  return {
    params: p, length: n, measuredFrom: p.prefillOrders, kind, side, priceCents, quantity, target, account,
    expected: {
      trades, selfTradeCancels, takerRemaindersCanceled, restingAtStart, restingAtEnd: liveList.length,
      bidQuantityAtEnd: sides[BUY].quantity, askQuantityAtEnd: sides[SELL].quantity, counts,
      minPriceCents: minPrice, maxPriceCents: maxPrice, snapshots,
    },
  };
}

const COMMON = {
  midCents: 10_000,
  cancelShare: 0.3,
  takerShare: 0.1,
  marketShareOfTakers: 0.5,
  throughTicks: 5,
  maxAddQty: 100,
  minTakerQty: 1,
  maxTakerQty: 300,
  accounts: 50,
  recentCancelShare: 0.5,
  recentWindow: 1_000,
} as const;

/** ~20 levels (10 a side) around the mid. */
export const SHALLOW: WorkloadParams = {
  ...COMMON,
  name: 'shallow',
  seed: 0x5eed_0001,
  prefillOrders: 1_000,
  prefillDepthTicks: 10,
  measuredOps: 500_000,
  peerWindowOps: 40_000,
  nearTicks: 10,
  wideAddShare: 0,
};

/** 10,000 levels (5,000 a side, $50 either side of a $100 mid), 200,000 resting orders before timing. */
export const DEEP: WorkloadParams = {
  ...COMMON,
  name: 'deep',
  seed: 0x5eed_0002,
  prefillOrders: 200_000,
  prefillDepthTicks: 5_000,
  measuredOps: 500_000,
  peerWindowOps: 20_000,
  nearTicks: 20,
  wideAddShare: 0.2,
};

/**
 * The heap phase's orders: non-crossing, both sides, spread over `levelsPerSide` ticks each side of the mid.
 * A reusable cursor (call next(), then read the fields), so generating them allocates nothing.
 */
export class RestingOrderCursor {
  account = 0;
  buy = true;
  priceCents = 0;
  quantity = 0;
  private readonly rnd: () => number;
  private readonly midCents: number;
  private readonly levelsPerSide: number;
  private readonly accounts: number;

  constructor(seed: number, midCents: number, levelsPerSide: number, accounts: number) {
    this.rnd = splitmix32(seed);
    this.midCents = midCents;
    this.levelsPerSide = levelsPerSide;
    this.accounts = accounts;
  }

  next(): void {
    const rnd = this.rnd;
    this.account = 1 + Math.floor(rnd() * this.accounts);
    this.buy = rnd() < 0.5;
    const offset = 1 + Math.floor(rnd() * this.levelsPerSide);
    this.priceCents = this.buy ? this.midCents - offset : this.midCents + offset;
    this.quantity = 1 + Math.floor(rnd() * 100);
  }
}
