// Price-time matching of an incoming order against the opposite side, trade settlement in the wallets,
// and the moves of an order on and off the book with its holds. An incoming order lives in a pool slot
// but is not on the book (nor in the index) until it rests.
import { NIL } from './book/order-pool.ts';
import { feeCents, requiredHoldCents } from './money.ts';
import { FEE_ACCOUNT_ID, type State } from './state.ts';
import { CancelReason, OrderType, SelfTradePrevention, Side } from './types.ts';

/** What stopped matching: nothing (book exhausted or price reached) or self-trade prevention. */
export const MatchEnd = { Normal: 0, SelfTrade: 1 } as const;
export type MatchEnd = (typeof MatchEnd)[keyof typeof MatchEnd];

/** Trades the incoming order in `slot` against the book until it is filled, the price stops, or STP. */
export function matchIncoming(state: State, slot: number): MatchEnd {
  const orders = state.orders;
  const levels = state.levels;
  const book = state.books[orders.symbolId[slot]];
  const isBuy = orders.side[slot] === Side.Buy;
  const opposite = isBuy ? book.asks : book.bids;
  const limitCents = orders.priceCents[slot];
  const accountId = orders.accountId[slot];
  const stp = state.config.selfTradePrevention;
  while (orders.remaining[slot] > 0) {
    const level = opposite.best();
    if (level === NIL) break;
    const levelPrice = levels.priceCents[level];
    if (isBuy ? levelPrice > limitCents : levelPrice < limitCents) break;
    const maker = levels.head[level];
    if (orders.accountId[maker] === accountId) {
      if (stp !== SelfTradePrevention.CancelIncoming) cancelResting(state, maker, CancelReason.SelfTrade);
      if (stp !== SelfTradePrevention.CancelResting) return MatchEnd.SelfTrade;
      continue;
    }
    const remainingMaker = orders.remaining[maker];
    const remainingTaker = orders.remaining[slot];
    trade(state, slot, maker, remainingTaker < remainingMaker ? remainingTaker : remainingMaker, levelPrice);
  }
  return MatchEnd.Normal;
}

/** How much of the incoming order matching would fill, walking the book without changing it (FOK). */
export function fillableQuantity(state: State, slot: number): number {
  const orders = state.orders;
  const levels = state.levels;
  const book = state.books[orders.symbolId[slot]];
  const isBuy = orders.side[slot] === Side.Buy;
  const opposite = isBuy ? book.asks : book.bids;
  const limitCents = orders.priceCents[slot];
  const accountId = orders.accountId[slot];
  const wanted = orders.remaining[slot];
  const skipOwn = state.config.selfTradePrevention === SelfTradePrevention.CancelResting;
  let fillable = 0;
  for (let rank = 0; rank < opposite.size; rank++) {
    const level = opposite.levelAt(rank);
    const levelPrice = levels.priceCents[level];
    if (isBuy ? levelPrice > limitCents : levelPrice < limitCents) break;
    for (let maker = levels.head[level]; maker !== NIL; maker = orders.next[maker]) {
      if (orders.accountId[maker] === accountId) {
        if (skipOwn) continue;
        return fillable;
      }
      fillable += orders.remaining[maker];
      if (fillable >= wanted) return fillable;
    }
  }
  return fillable;
}

function trade(state: State, taker: number, maker: number, quantity: number, priceCents: number): void {
  const orders = state.orders;
  const accounts = state.accounts;
  const config = state.config;
  const symbolId = orders.symbolId[taker];
  const notional = priceCents * quantity;
  const takerFee = feeCents(notional, config.takerFeeBps);
  const makerFee = feeCents(notional, config.makerFeeBps);
  const takerBuys = orders.side[taker] === Side.Buy;
  const buySlot = takerBuys ? taker : maker;
  const sellSlot = takerBuys ? maker : taker;
  const buyer = orders.accountId[buySlot];
  const seller = orders.accountId[sellSlot];
  const buyerFee = takerBuys ? takerFee : makerFee;
  const sellerFee = takerBuys ? makerFee : takerFee;

  // Buyer: the hold shrinks to what the rest of the order needs; price, fee and any excess leave it.
  const buyLimit = orders.priceCents[buySlot];
  const buyRemaining = orders.remaining[buySlot];
  const holdBefore = requiredHoldCents(buyLimit, buyRemaining, state.maxFeeBps);
  const holdAfter = requiredHoldCents(buyLimit, buyRemaining - quantity, state.maxFeeBps);
  accounts.cashHeld[buyer] += holdAfter - holdBefore;
  accounts.cashAvailable[buyer] += holdBefore - holdAfter - notional - buyerFee;
  accounts.sharesAvailable[buyer * accounts.symbolCount + symbolId] += quantity;
  // Seller: held shares go, proceeds less the fee arrive.
  accounts.sharesHeld[seller * accounts.symbolCount + symbolId] -= quantity;
  accounts.cashAvailable[seller] += notional - sellerFee;
  accounts.cashAvailable[FEE_ACCOUNT_ID] += takerFee + makerFee;

  const book = state.books[symbolId];
  orders.remaining[taker] -= quantity;
  book.reduce(maker, quantity);
  accounts.openNotionalCents[orders.accountId[maker]] -= notional;
  book.lastTradePriceCents = priceCents;

  const tradeId = ++state.lastTradeId;
  const emit = state.emit;
  emit.executionOf(tradeId, orders.orderId[taker], orders.accountId[taker], symbolId, orders.side[taker] as Side,
    priceCents, quantity, takerFee, false, orders.remaining[taker]);
  emit.executionOf(tradeId, orders.orderId[maker], orders.accountId[maker], symbolId, orders.side[maker] as Side,
    priceCents, quantity, makerFee, true, orders.remaining[maker]);
  if (orders.remaining[maker] === 0) takeOffBook(state, maker, true);
}

/** Moves the hold of an order's remaining quantity from available to held (sign +1) or back (sign -1). */
export function moveHold(state: State, slot: number, sign: 1 | -1): void {
  const orders = state.orders;
  const accounts = state.accounts;
  const accountId = orders.accountId[slot];
  if (orders.side[slot] === Side.Buy) {
    const hold = sign * requiredHoldCents(orders.priceCents[slot], orders.remaining[slot], state.maxFeeBps);
    accounts.cashAvailable[accountId] -= hold;
    accounts.cashHeld[accountId] += hold;
  } else {
    const index = accountId * accounts.symbolCount + orders.symbolId[slot];
    const hold = sign * orders.remaining[slot];
    accounts.sharesAvailable[index] -= hold;
    accounts.sharesHeld[index] += hold;
  }
}

/** Puts an order on the book at the back of its level and counts it against the account's limits. */
export function rest(state: State, slot: number): void {
  const orders = state.orders;
  state.books[orders.symbolId[slot]].append(slot);
  state.index.set(orders.orderId[slot], slot);
  const accountId = orders.accountId[slot];
  state.accounts.openOrders[accountId]++;
  state.accounts.openNotionalCents[accountId] += orders.priceCents[slot] * orders.remaining[slot];
}

/** Takes a resting order off the book and out of the account's totals; frees its slot when asked. */
export function takeOffBook(state: State, slot: number, free: boolean): void {
  const orders = state.orders;
  const accountId = orders.accountId[slot];
  state.accounts.openOrders[accountId]--;
  state.accounts.openNotionalCents[accountId] -= orders.priceCents[slot] * orders.remaining[slot];
  state.books[orders.symbolId[slot]].unlink(slot);
  state.index.delete(orders.orderId[slot]);
  if (free) orders.free(slot);
}

/** Cancels a resting order: off the book, hold released, OrderCanceled. */
export function cancelResting(state: State, slot: number, reason: CancelReason): void {
  emitCanceled(state, slot, reason);
  moveHold(state, slot, -1);
  takeOffBook(state, slot, true);
}

/** Cancels what is left of an incoming order (never on the book): hold released, OrderCanceled. */
export function cancelIncoming(state: State, slot: number, reason: CancelReason): void {
  emitCanceled(state, slot, reason);
  moveHold(state, slot, -1);
  state.orders.free(slot);
}

function emitCanceled(state: State, slot: number, reason: CancelReason): void {
  const orders = state.orders;
  const price = orders.orderType[slot] === OrderType.Market ? 0 : orders.priceCents[slot];
  state.emit.orderCanceled(orders.orderId[slot], orders.accountId[slot], orders.symbolId[slot], orders.side[slot] as Side,
    price, orders.remaining[slot], reason);
}
