// The naive order book: one array of open orders, filtered and re-sorted by (price, time) whenever a
// side is looked at. Slow, and plainly right.
import { Side } from '../../src/engine/types.ts';
import type { RefOrder } from './reference-state.ts';

export function opposite(side: Side): Side {
  return side === Side.Buy ? Side.Sell : Side.Buy;
}

/** Open orders of one side of a symbol, best price first, then time priority. */
export function sideOf(resting: readonly RefOrder[], symbolId: number, side: Side): RefOrder[] {
  const orders = resting.filter((order) => order.symbolId === symbolId && order.side === side);
  const better = side === Side.Buy ? (a: RefOrder, b: RefOrder) => b.priceCents - a.priceCents : (a: RefOrder, b: RefOrder) => a.priceCents - b.priceCents;
  return orders.sort((a, b) => better(a, b) || a.queuedAt - b.queuedAt);
}

/** The first order of the best level facing an order of `side`, if any. */
export function bestOpposite(resting: readonly RefOrder[], symbolId: number, side: Side): RefOrder | undefined {
  return sideOf(resting, symbolId, opposite(side))[0];
}

/** Whether an order of `side` with limit `limitCents` accepts a maker at `makerPriceCents`. */
export function accepts(side: Side, limitCents: number, makerPriceCents: number): boolean {
  return side === Side.Buy ? makerPriceCents <= limitCents : makerPriceCents >= limitCents;
}

export function removeOrder(resting: RefOrder[], orderId: number): void {
  const index = resting.findIndex((order) => order.orderId === orderId);
  if (index < 0) throw new Error(`reference: order ${orderId} is not open`);
  resting.splice(index, 1);
}

export function findOpen(resting: readonly RefOrder[], orderId: number): RefOrder | undefined {
  return resting.find((order) => order.orderId === orderId);
}
