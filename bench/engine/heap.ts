// Memory per resting order: rest N non-crossing orders (both sides, 10,000 price levels) in a fresh book and
// compare process.memoryUsage() before and after, after full GCs. Counted: heapUsed (JS objects) plus
// arrayBuffers (typed-array backing stores live outside the JS heap). The baseline is taken before the
// engine is constructed, so its preallocated pools count too; pools grow by doubling from the default
// initialOrderCapacity, as in production.
import { performance } from 'node:perf_hooks';
import { OrderBook, SelfTradePreventionMode, Side as PeerSide } from 'nodejs-order-book';
import {
  CommandKind, Engine, type NewOrderCommand, NullSink, OrderType, Side, TimeInForce,
} from '../../src/engine/index.ts';
import { engineConfig, setupEngine, SYMBOL_ID } from './run-ours.ts';
import { settle } from './stats.ts';
import { RestingOrderCursor } from './workload.ts';

const SEED = 0x5eed_0003;
const MID_CENTS = 10_000;
const LEVELS_PER_SIDE = 5_000;
const ACCOUNTS = 50;

export interface HeapResult {
  orders: number;
  bytesPerOrder: number;
  heapBytesPerOrder: number;
  arrayBufferBytesPerOrder: number;
  /** Time to rest them all (includes the peer's or our setup), for information. */
  seconds: number;
}

interface Usage {
  heap: number;
  buffers: number;
}

function usage(): Usage {
  const m = process.memoryUsage();
  return { heap: m.heapUsed, buffers: m.arrayBuffers };
}

function result(orders: number, before: Usage, after: Usage, seconds: number): HeapResult {
  const heap = (after.heap - before.heap) / orders;
  const buffers = (after.buffers - before.buffers) / orders;
  return { orders, bytesPerOrder: heap + buffers, heapBytesPerOrder: heap, arrayBufferBytesPerOrder: buffers, seconds };
}

export async function ourHeapPerOrder(gc: () => void, orders: number): Promise<HeapResult> {
  await settle(gc);
  const before = usage();
  const t0 = performance.now();
  const engine = new Engine(engineConfig(), new NullSink());
  let sequence = setupEngine(engine, ACCOUNTS);
  const cmd: NewOrderCommand = {
    kind: CommandKind.NewOrder, sequence: 0, timestampMs: 0, accountId: 0, symbolId: SYMBOL_ID, side: Side.Buy,
    orderType: OrderType.Limit, priceCents: 0, quantity: 0, timeInForce: TimeInForce.GTC, postOnly: false, clientOrderId: '',
  };
  const cursor = new RestingOrderCursor(SEED, MID_CENTS, LEVELS_PER_SIDE, ACCOUNTS);
  for (let i = 0; i < orders; i++) {
    cursor.next();
    cmd.sequence = ++sequence;
    cmd.accountId = cursor.account;
    cmd.side = cursor.buy ? Side.Buy : Side.Sell;
    cmd.priceCents = cursor.priceCents;
    cmd.quantity = cursor.quantity;
    engine.apply(cmd);
  }
  const seconds = (performance.now() - t0) / 1000;
  await settle(gc);
  const after = usage();
  // Read after the measurement, so the engine is certainly alive while it is taken.
  if (engine.restingOrderCount !== orders) throw new Error(`expected ${orders} resting orders, have ${engine.restingOrderCount}`);
  return result(orders, before, after, seconds);
}

export async function peerHeapPerOrder(gc: () => void, orders: number): Promise<HeapResult> {
  await settle(gc);
  const before = usage();
  const t0 = performance.now();
  const book = new OrderBook();
  const cursor = new RestingOrderCursor(SEED, MID_CENTS, LEVELS_PER_SIDE, ACCOUNTS);
  const accountIds = Array.from({ length: ACCOUNTS + 1 }, (_, a) => 'a' + a);
  for (let i = 0; i < orders; i++) {
    cursor.next();
    const response = book.limit({
      id: 'o' + i, side: cursor.buy ? PeerSide.BUY : PeerSide.SELL, size: cursor.quantity, price: cursor.priceCents,
      accountId: accountIds[cursor.account], stpMode: SelfTradePreventionMode.EXPIRE_MAKER,
    });
    if (response.err !== null) throw new Error(`peer refused order ${i}: ${response.err.message}`);
  }
  const seconds = (performance.now() - t0) / 1000;
  await settle(gc);
  const after = usage();
  const [asks, bids] = book.depth();
  const resting = [...asks, ...bids].length;
  if (resting !== 2 * LEVELS_PER_SIDE) throw new Error(`peer: expected ${2 * LEVELS_PER_SIDE} levels, have ${resting}`);
  return result(orders, before, after, seconds);
}
