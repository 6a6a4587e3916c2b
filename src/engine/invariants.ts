// The invariants the core promises, checked from scratch over the whole state. Tests run this after every
// command; operators can run it on a live engine (it is O(state), so not per command in production).
import { NIL } from './book/order-pool.ts';
import type { BookSide } from './book/book-side.ts';
import { requiredHoldCents } from './money.ts';
import type { State } from './state.ts';
import { Side } from './types.ts';

export class InvariantError extends Error {
  override name = 'InvariantError';
}

function assert(condition: boolean, message: () => string): void {
  if (!condition) throw new InvariantError(message());
}

interface Expected {
  cashHeld: Float64Array;
  sharesHeld: Float64Array;
  openOrders: Float64Array;
  openNotional: Float64Array;
}

function checkSide(state: State, symbolId: number, side: BookSide, isBid: boolean, expected: Expected): number {
  const { orders, levels, accounts } = state;
  let restingOrders = 0;
  let previousPrice = NaN;
  for (let rank = 0; rank < side.size; rank++) {
    const level = side.levelAt(rank);
    const price = levels.priceCents[level];
    const where = `symbol ${symbolId} ${isBid ? 'bid' : 'ask'} level ${price}`;
    assert(rank === 0 || (isBid ? price < previousPrice : price > previousPrice), () => `${where}: levels out of price order`);
    previousPrice = price;
    let count = 0;
    let total = 0;
    let prev = NIL;
    for (let slot = levels.head[level]; slot !== NIL; slot = orders.next[slot]) {
      const id = orders.orderId[slot];
      assert(orders.prev[slot] === prev, () => `${where}: order ${id} has a broken back link`);
      assert(orders.level[slot] === level && orders.priceCents[slot] === price, () => `${where}: order ${id} is in the wrong level`);
      assert(orders.symbolId[slot] === symbolId && (orders.side[slot] === Side.Buy) === isBid, () => `${where}: order ${id} is on the wrong book`);
      assert(orders.remaining[slot] > 0 && orders.remaining[slot] <= orders.quantity[slot], () => `${where}: order ${id} has remaining ${orders.remaining[slot]}`);
      assert(state.index.get(id) === slot, () => `${where}: order ${id} is not indexed`);
      const accountId = orders.accountId[slot];
      const remaining = orders.remaining[slot];
      if (isBid) expected.cashHeld[accountId] += requiredHoldCents(price, remaining, state.maxFeeBps);
      else expected.sharesHeld[accountId * accounts.symbolCount + symbolId] += remaining;
      expected.openOrders[accountId]++;
      expected.openNotional[accountId] += price * remaining;
      count++;
      total += remaining;
      prev = slot;
    }
    assert(levels.tail[level] === prev, () => `${where}: tail is not the last order`);
    assert(count > 0 && count === levels.orderCount[level], () => `${where}: holds ${count} orders, counts ${levels.orderCount[level]}`);
    assert(total === levels.totalQuantity[level], () => `${where}: orders add to ${total}, level says ${levels.totalQuantity[level]}`);
    restingOrders += count;
  }
  return restingOrders;
}

export function checkInvariants(state: State): void {
  const { accounts, books } = state;
  const n = accounts.count;
  const expected: Expected = {
    cashHeld: new Float64Array(n),
    sharesHeld: new Float64Array(n * accounts.symbolCount),
    openOrders: new Float64Array(n),
    openNotional: new Float64Array(n),
  };
  let resting = 0;
  for (const book of books) {
    resting += checkSide(state, book.symbolId, book.bids, true, expected);
    resting += checkSide(state, book.symbolId, book.asks, false, expected);
    const bid = book.bestPrice(Side.Buy);
    const ask = book.bestPrice(Side.Sell);
    assert(bid === 0 || ask === 0 || bid < ask, () => `symbol ${book.symbolId}: book crossed (bid ${bid} >= ask ${ask})`);
  }
  assert(state.index.size === resting, () => `index holds ${state.index.size} orders, books hold ${resting}`);
  assert(state.orders.used === resting, () => `pool has ${state.orders.used} slots in use, books hold ${resting} orders`);

  const totals = new Array<number>(books.length + 1).fill(0);
  for (let accountId = 0; accountId < n; accountId++) {
    const who = `account ${accountId}`;
    assert(accounts.cashHeld[accountId] === expected.cashHeld[accountId],
      () => `${who}: held cash ${accounts.cashHeld[accountId]}, open buys need ${expected.cashHeld[accountId]}`);
    assert(accounts.openOrders[accountId] === expected.openOrders[accountId], () => `${who}: open order count is off`);
    assert(accounts.openNotionalCents[accountId] === expected.openNotional[accountId], () => `${who}: open notional is off`);
    for (let asset = 0; asset <= books.length; asset++) {
      const available = accounts.available(accountId, asset);
      const held = accounts.held(accountId, asset);
      assert(Number.isSafeInteger(available) && available >= 0 && Number.isSafeInteger(held) && held >= 0,
        () => `${who} asset ${asset}: balance ${available} available, ${held} held`);
      if (asset > 0) {
        const wanted = expected.sharesHeld[accountId * accounts.symbolCount + asset - 1];
        assert(held === wanted, () => `${who} asset ${asset}: held shares ${held}, open sells need ${wanted}`);
      }
      totals[asset] += available + held;
    }
  }
  totals.forEach((total, asset) =>
    assert(total === state.netDeposits[asset], () => `asset ${asset}: wallets hold ${total}, net deposits are ${state.netDeposits[asset]}`));
}
