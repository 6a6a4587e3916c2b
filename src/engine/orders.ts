// The order commands: new order (risk, holds, FOK, matching, resting), cancel, cancel-replace, and the
// expiry of DAY orders at session close.
import { NIL } from './book/order-pool.ts';
import { cancelIncoming, cancelResting, fillableQuantity, MatchEnd, matchIncoming, moveHold, rest, takeOffBook } from './matching.ts';
import {
  bandHigh, bandLow, checkAccount, checkAccountLimits, checkFunds, checkMarketOpen, checkNewOrderShape, holdFor,
  isInBand, isIntIn, isKnownSymbol, wouldCross,
} from './risk.ts';
import { clientOrderKey, type State } from './state.ts';
import {
  CancelReason, type CancelOrderCommand, CommandKind, type NewOrderCommand, OrderType, type RejectCode,
  RejectCode as Code, type ReplaceOrderCommand, Side, TimeInForce,
} from './types.ts';

export function newOrder(state: State, cmd: NewOrderCommand): void {
  let code = checkNewOrderShape(state, cmd);
  if (code !== 0) return rejectOrder(state, cmd, code);
  if (cmd.clientOrderId !== '') {
    const first = state.clientOrders.get(clientOrderKey(cmd.accountId, cmd.clientOrderId));
    if (first !== undefined) {
      const same = first.symbolId === cmd.symbolId && first.side === cmd.side && first.orderType === cmd.orderType &&
        first.priceCents === cmd.priceCents && first.quantity === cmd.quantity && first.timeInForce === cmd.timeInForce &&
        first.postOnly === cmd.postOnly;
      if (same) return state.emit.duplicateOrderEvent(cmd.accountId, first.orderId, cmd.clientOrderId);
      return rejectOrder(state, cmd, Code.DuplicateClientOrderId);
    }
  }
  code = checkAccount(state, cmd.accountId);
  if (code !== 0) return rejectOrder(state, cmd, code);
  if (!isKnownSymbol(state, cmd.symbolId)) return rejectOrder(state, cmd, Code.UnknownSymbol);
  const symbolId = cmd.symbolId;
  const isMarket = cmd.orderType === OrderType.Market;
  const isBuy = cmd.side === Side.Buy;
  const tickCents = state.instruments[symbolId].tickCents;
  if (!isMarket && tickCents !== 1 && cmd.priceCents % tickCents !== 0) return rejectOrder(state, cmd, Code.InvalidArgument);
  code = checkMarketOpen(state, symbolId);
  if (code !== 0) return rejectOrder(state, cmd, code);
  if (cmd.quantity > state.instruments[symbolId].maxOrderQuantity) return rejectOrder(state, cmd, Code.RiskLimit);
  if (!isMarket && !isInBand(state, symbolId, cmd.priceCents)) return rejectOrder(state, cmd, Code.PriceBand);
  // A market order may sweep to the band edge: that is its limit for holds, limits and matching.
  const limitCents = isMarket ? (isBuy ? bandHigh(state, symbolId) : bandLow(state, symbolId)) : cmd.priceCents;
  code = checkAccountLimits(state, cmd.accountId, 1, limitCents * cmd.quantity);
  if (code !== 0) return rejectOrder(state, cmd, code);
  if (cmd.postOnly && wouldCross(state, symbolId, cmd.side, limitCents)) return rejectOrder(state, cmd, Code.PostOnlyWouldTrade);
  code = checkFunds(state, cmd.accountId, symbolId, cmd.side, isBuy ? holdFor(state, limitCents, cmd.quantity) : 0, cmd.quantity);
  if (code !== 0) return rejectOrder(state, cmd, code);

  accept(state, cmd, limitCents);
}

function rejectOrder(state: State, cmd: NewOrderCommand, code: number): void {
  state.emit.orderRejected(cmd.accountId, cmd.symbolId, code as RejectCode, cmd.clientOrderId);
}

function rejectReplace(state: State, cmd: ReplaceOrderCommand, code: number): void {
  state.emit.commandRejectedEvent(CommandKind.ReplaceOrder, cmd.accountId, cmd.orderId, code as RejectCode);
}

function accept(state: State, cmd: NewOrderCommand, limitCents: number): void {
  const orderId = cmd.sequence;
  if (cmd.clientOrderId !== '') {
    state.clientOrders.set(clientOrderKey(cmd.accountId, cmd.clientOrderId), {
      accountId: cmd.accountId, clientOrderId: cmd.clientOrderId, orderId, symbolId: cmd.symbolId, side: cmd.side,
      orderType: cmd.orderType, priceCents: cmd.priceCents, quantity: cmd.quantity, timeInForce: cmd.timeInForce,
      postOnly: cmd.postOnly,
    });
  }
  const isMarket = cmd.orderType === OrderType.Market;
  // Market orders are IOC unless FOK.
  const timeInForce = isMarket && cmd.timeInForce !== TimeInForce.FOK ? TimeInForce.IOC : cmd.timeInForce;
  const slot = state.orders.allocate(orderId, cmd.accountId, cmd.symbolId, cmd.side, cmd.orderType, timeInForce,
    cmd.postOnly, limitCents, cmd.quantity, cmd.timestampMs);
  moveHold(state, slot, 1);
  state.emit.orderAccepted(orderId, cmd.accountId, cmd.symbolId, cmd.side, cmd.orderType, isMarket ? 0 : cmd.priceCents,
    cmd.quantity, cmd.timeInForce, cmd.postOnly, cmd.clientOrderId);
  if (timeInForce === TimeInForce.FOK && fillableQuantity(state, slot) < cmd.quantity) {
    return cancelIncoming(state, slot, CancelReason.FillOrKill);
  }
  enterBook(state, slot);
}

/** Matches an incoming order, then rests, cancels or frees what is left of it. */
function enterBook(state: State, slot: number): void {
  const end = matchIncoming(state, slot);
  const orders = state.orders;
  if (orders.remaining[slot] === 0) return orders.free(slot);
  if (end === MatchEnd.SelfTrade) return cancelIncoming(state, slot, CancelReason.SelfTrade);
  const tif = orders.timeInForce[slot];
  if (tif === TimeInForce.IOC || tif === TimeInForce.FOK) return cancelIncoming(state, slot, CancelReason.ImmediateOrCancel);
  rest(state, slot);
}

/** The resting order with this id if it belongs to the account, else NIL. */
function ownOpenOrder(state: State, accountId: number, orderId: number): number {
  const slot = Number.isSafeInteger(orderId) && orderId > 0 ? state.index.get(orderId) : NIL;
  return slot !== NIL && state.orders.accountId[slot] === accountId ? slot : NIL;
}

export function cancelOrder(state: State, cmd: CancelOrderCommand): void {
  const slot = ownOpenOrder(state, cmd.accountId, cmd.orderId);
  if (slot === NIL) return state.emit.commandRejectedEvent(CommandKind.CancelOrder, cmd.accountId, cmd.orderId, Code.NotFound);
  cancelResting(state, slot, CancelReason.User);
}

export function replaceOrder(state: State, cmd: ReplaceOrderCommand): void {
  const slot = ownOpenOrder(state, cmd.accountId, cmd.orderId);
  if (slot === NIL) return rejectReplace(state, cmd, Code.NotFound);
  const orders = state.orders;
  const symbolId = orders.symbolId[slot];
  const side = orders.side[slot] as Side;
  const instrument = state.instruments[symbolId];
  const oldPrice = orders.priceCents[slot];
  const oldQuantity = orders.quantity[slot];
  const oldRemaining = orders.remaining[slot];
  const filled = oldQuantity - oldRemaining;
  if (cmd.quantity !== 0 && !isIntIn(cmd.quantity, 1, Number.MAX_SAFE_INTEGER)) return rejectReplace(state, cmd, Code.InvalidArgument);
  if (cmd.quantity === 0 && cmd.priceCents === 0) return rejectReplace(state, cmd, Code.InvalidArgument);
  const newQuantity = cmd.quantity === 0 ? oldQuantity : cmd.quantity;
  if (newQuantity <= filled) return rejectReplace(state, cmd, Code.InvalidArgument);
  if (cmd.priceCents !== 0 && (!isIntIn(cmd.priceCents, 1, state.config.maxPriceCents) || cmd.priceCents % instrument.tickCents !== 0)) {
    return rejectReplace(state, cmd, Code.InvalidArgument);
  }
  const newPrice = cmd.priceCents === 0 ? oldPrice : cmd.priceCents;
  const newRemaining = newQuantity - filled;
  let code = checkAccount(state, cmd.accountId);
  if (code === 0) code = checkMarketOpen(state, symbolId);
  if (code !== 0) return rejectReplace(state, cmd, code);
  if (newQuantity > instrument.maxOrderQuantity) return rejectReplace(state, cmd, Code.RiskLimit);
  if (newPrice !== oldPrice && !isInBand(state, symbolId, newPrice)) return rejectReplace(state, cmd, Code.PriceBand);
  code = checkAccountLimits(state, cmd.accountId, 0, newPrice * newRemaining - oldPrice * oldRemaining);
  if (code !== 0) return rejectReplace(state, cmd, code);
  if (orders.postOnly[slot] === 1 && wouldCross(state, symbolId, side, newPrice)) return rejectReplace(state, cmd, Code.PostOnlyWouldTrade);
  const extraCash = side === Side.Buy ? holdFor(state, newPrice, newRemaining) - holdFor(state, oldPrice, oldRemaining) : 0;
  code = checkFunds(state, cmd.accountId, symbolId, side, extraCash, newRemaining - oldRemaining);
  if (code !== 0) return rejectReplace(state, cmd, code);

  const keepsPriority = newPrice === oldPrice && newQuantity <= oldQuantity;
  if (keepsPriority) {
    moveHold(state, slot, -1);
    state.accounts.openNotionalCents[cmd.accountId] -= oldPrice * (oldRemaining - newRemaining);
    state.books[symbolId].reduce(slot, oldRemaining - newRemaining);
    orders.quantity[slot] = newQuantity;
    moveHold(state, slot, 1);
    state.emit.orderReplaced(cmd.orderId, cmd.accountId, symbolId, side, newPrice, newQuantity, newRemaining, true);
    return;
  }
  moveHold(state, slot, -1);
  takeOffBook(state, slot, false);
  orders.priceCents[slot] = newPrice;
  orders.quantity[slot] = newQuantity;
  orders.remaining[slot] = newRemaining;
  moveHold(state, slot, 1);
  state.emit.orderReplaced(cmd.orderId, cmd.accountId, symbolId, side, newPrice, newQuantity, newRemaining, false);
  enterBook(state, slot);
}

/** Session close: every resting DAY order expires, in ascending order id. */
export function expireDayOrders(state: State): void {
  const orders = state.orders;
  const levels = state.levels;
  const expiring: number[] = [];
  for (const book of state.books) {
    for (const bookSide of [book.bids, book.asks]) {
      for (let rank = 0; rank < bookSide.size; rank++) {
        for (let slot = levels.head[bookSide.levelAt(rank)]; slot !== NIL; slot = orders.next[slot]) {
          if (orders.timeInForce[slot] === TimeInForce.DAY) expiring.push(orders.orderId[slot]);
        }
      }
    }
  }
  expiring.sort((a, b) => a - b);
  for (const orderId of expiring) cancelResting(state, state.index.get(orderId), CancelReason.Expired);
}
