// NewOrder, CancelOrder, ReplaceOrder and DAY expiry, each check in the order docs/engine-semantics.md lists.
import {
  AccountStatus,
  CancelReason,
  CASH_ASSET,
  EventKind,
  OrderType,
  RejectCode,
  Side,
  SymbolStatus,
  TimeInForce,
} from '../../src/engine/types.ts';
import type { CancelOrderCommand, NewOrderCommand, ReplaceOrderCommand } from '../../src/engine/types.ts';
import { bestOpposite, accepts, findOpen, removeOrder } from './reference-book.ts';
import { cancelOpen, emitCanceled, fillableQuantity, matchIncoming } from './reference-matching.ts';
import { isSafeIntIn, requiredHold } from './reference-math.ts';
import type { ClientOrderRecord, RefOrder, RefState } from './reference-state.ts';

type NewOrderVerdict = { kind: 'reject'; code: RejectCode } | { kind: 'duplicate'; orderId: number } | { kind: 'accept'; limitCents: number };

const reject = (code: RejectCode): NewOrderVerdict => ({ kind: 'reject', code });

function argumentsValid(state: RefState, cmd: NewOrderCommand): boolean {
  const isLimit = cmd.orderType === OrderType.Limit;
  if (!isSafeIntIn(cmd.quantity, 1, Number.MAX_SAFE_INTEGER)) return false;
  if (!isSafeIntIn(cmd.side, 0, 1) || !isSafeIntIn(cmd.orderType, 0, 1) || !isSafeIntIn(cmd.timeInForce, 0, 3)) return false;
  if (isLimit && !isSafeIntIn(cmd.priceCents, 1, state.config.maxPriceCents)) return false;
  if (!isLimit && (cmd.priceCents !== 0 || cmd.postOnly)) return false;
  if (cmd.postOnly && (cmd.timeInForce === TimeInForce.IOC || cmd.timeInForce === TimeInForce.FOK)) return false;
  return cmd.clientOrderId.length <= 64;
}

function sameOrder(prior: ClientOrderRecord, cmd: NewOrderCommand): boolean {
  return (
    prior.symbolId === cmd.symbolId &&
    prior.side === cmd.side &&
    prior.orderType === cmd.orderType &&
    prior.priceCents === cmd.priceCents &&
    prior.quantity === cmd.quantity &&
    prior.timeInForce === cmd.timeInForce &&
    prior.postOnly === cmd.postOnly
  );
}

function meetsOpposite(state: RefState, symbolId: number, side: Side, priceCents: number): boolean {
  const best = bestOpposite(state.resting, symbolId, side);
  return best !== undefined && accepts(side, priceCents, best.priceCents);
}

function hasFunds(state: RefState, accountId: number, symbolId: number, side: Side, limitCents: number, quantity: number): boolean {
  if (side === Side.Buy) return requiredHold(limitCents, quantity, state.maxFeeBps) <= state.available(accountId, CASH_ASSET);
  return quantity <= state.available(accountId, symbolId + 1);
}

/** Checks 3..12 (after the argument and duplicate checks). */
function checkAdmission(state: RefState, cmd: NewOrderCommand): NewOrderVerdict {
  const account = state.accounts.get(cmd.accountId);
  if (account === undefined) return reject(RejectCode.NotFound);
  if (account.status === AccountStatus.Blocked) return reject(RejectCode.AccountBlocked);
  if (!state.isSymbol(cmd.symbolId)) return reject(RejectCode.UnknownSymbol);
  const instrument = state.config.instruments[cmd.symbolId];
  const isLimit = cmd.orderType === OrderType.Limit;
  if (isLimit && cmd.priceCents % instrument.tickCents !== 0) return reject(RejectCode.InvalidArgument);
  if (!state.sessionOpen) return reject(RejectCode.MarketClosed);
  if (state.symbols[cmd.symbolId].status === SymbolStatus.Halted) return reject(RejectCode.SymbolHalted);
  if (cmd.quantity > instrument.maxOrderQuantity) return reject(RejectCode.RiskLimit);
  const band = state.band(cmd.symbolId);
  if (isLimit && (cmd.priceCents < band.lowCents || cmd.priceCents > band.highCents)) return reject(RejectCode.PriceBand);
  const limitCents = isLimit ? cmd.priceCents : cmd.side === Side.Buy ? band.highCents : band.lowCents;
  if (state.openOrdersOf(cmd.accountId).length >= account.maxOpenOrders) return reject(RejectCode.RiskLimit);
  if (state.openNotionalOf(cmd.accountId) + limitCents * cmd.quantity > account.maxOpenNotionalCents) return reject(RejectCode.RiskLimit);
  if (cmd.postOnly && meetsOpposite(state, cmd.symbolId, cmd.side, limitCents)) return reject(RejectCode.PostOnlyWouldTrade);
  if (!hasFunds(state, cmd.accountId, cmd.symbolId, cmd.side, limitCents, cmd.quantity)) return reject(RejectCode.InsufficientFunds);
  return { kind: 'accept', limitCents };
}

function checkNewOrder(state: RefState, cmd: NewOrderCommand): NewOrderVerdict {
  if (!argumentsValid(state, cmd)) return reject(RejectCode.InvalidArgument);
  if (cmd.clientOrderId !== '') {
    const prior = state.clientOrders.get(cmd.accountId)?.get(cmd.clientOrderId);
    if (prior !== undefined) return sameOrder(prior, cmd) ? { kind: 'duplicate', orderId: prior.orderId } : reject(RejectCode.DuplicateClientOrderId);
  }
  return checkAdmission(state, cmd);
}

function recordClientOrder(state: RefState, cmd: NewOrderCommand): void {
  if (cmd.clientOrderId === '') return;
  let byId = state.clientOrders.get(cmd.accountId);
  if (byId === undefined) {
    byId = new Map();
    state.clientOrders.set(cmd.accountId, byId);
  }
  byId.set(cmd.clientOrderId, {
    orderId: cmd.sequence,
    symbolId: cmd.symbolId,
    side: cmd.side,
    orderType: cmd.orderType,
    priceCents: cmd.priceCents, // 0 for a market order (any other price is refused)
    quantity: cmd.quantity,
    timeInForce: cmd.timeInForce,
    postOnly: cmd.postOnly,
  });
}

function emitAccepted(state: RefState, cmd: NewOrderCommand): void {
  state.emit({
    kind: EventKind.OrderAccepted,
    orderId: cmd.sequence,
    accountId: cmd.accountId,
    symbolId: cmd.symbolId,
    side: cmd.side,
    orderType: cmd.orderType,
    priceCents: cmd.priceCents,
    quantity: cmd.quantity,
    timeInForce: cmd.timeInForce,
    postOnly: cmd.postOnly,
    clientOrderId: cmd.clientOrderId,
  });
}

export function newOrder(state: RefState, cmd: NewOrderCommand): void {
  const verdict = checkNewOrder(state, cmd);
  if (verdict.kind === 'reject') {
    state.emit({ kind: EventKind.OrderRejected, accountId: cmd.accountId, symbolId: cmd.symbolId, code: verdict.code, clientOrderId: cmd.clientOrderId });
    return;
  }
  if (verdict.kind === 'duplicate') {
    state.emit({ kind: EventKind.DuplicateOrder, accountId: cmd.accountId, orderId: verdict.orderId, clientOrderId: cmd.clientOrderId });
    return;
  }
  recordClientOrder(state, cmd);
  emitAccepted(state, cmd);
  const order: RefOrder = {
    orderId: cmd.sequence,
    accountId: cmd.accountId,
    symbolId: cmd.symbolId,
    side: cmd.side,
    orderType: cmd.orderType,
    priceCents: verdict.limitCents,
    quantity: cmd.quantity,
    remainingQuantity: cmd.quantity,
    timeInForce: cmd.timeInForce,
    postOnly: cmd.postOnly,
    creationTimeMs: cmd.timestampMs,
    queuedAt: cmd.sequence,
  };
  if (cmd.timeInForce === TimeInForce.FOK && fillableQuantity(state, order) < order.quantity) {
    emitCanceled(state, order, CancelReason.FillOrKill, order.quantity);
    return;
  }
  if (!matchIncoming(state, order) || order.remainingQuantity === 0) return;
  const rests = cmd.orderType === OrderType.Limit && (cmd.timeInForce === TimeInForce.GTC || cmd.timeInForce === TimeInForce.DAY);
  if (rests) state.resting.push(order);
  else emitCanceled(state, order, CancelReason.ImmediateOrCancel, order.remainingQuantity);
}

function rejectCommand(state: RefState, cmd: CancelOrderCommand | ReplaceOrderCommand, code: RejectCode): void {
  state.emit({ kind: EventKind.CommandRejected, commandKind: cmd.kind, accountId: cmd.accountId, orderId: cmd.orderId, code });
}

export function cancelOrder(state: RefState, cmd: CancelOrderCommand): void {
  const order = findOpen(state.resting, cmd.orderId);
  if (order === undefined || order.accountId !== cmd.accountId) {
    rejectCommand(state, cmd, RejectCode.NotFound);
    return;
  }
  cancelOpen(state, order, CancelReason.User);
}

interface ReplaceTarget {
  quantity: number;
  priceCents: number;
  remainingQuantity: number;
}

function replaceArgumentsValid(state: RefState, order: RefOrder, cmd: ReplaceOrderCommand): boolean {
  const { quantity, priceCents } = cmd;
  if (quantity !== 0 && !isSafeIntIn(quantity, 1, Number.MAX_SAFE_INTEGER)) return false;
  if (quantity === 0 && priceCents === 0) return false;
  const newQuantity = quantity === 0 ? order.quantity : quantity;
  if (newQuantity <= order.quantity - order.remainingQuantity) return false;
  if (priceCents === 0) return true;
  if (!isSafeIntIn(priceCents, 1, state.config.maxPriceCents)) return false;
  return priceCents % state.config.instruments[order.symbolId].tickCents === 0;
}

/** Checks 3..7 of a replace whose order and arguments are valid. */
function checkReplace(state: RefState, order: RefOrder, target: ReplaceTarget): RejectCode | undefined {
  const account = state.accounts.get(order.accountId)!;
  if (account.status === AccountStatus.Blocked) return RejectCode.AccountBlocked;
  if (!state.sessionOpen) return RejectCode.MarketClosed;
  if (state.symbols[order.symbolId].status === SymbolStatus.Halted) return RejectCode.SymbolHalted;
  if (target.quantity > state.config.instruments[order.symbolId].maxOrderQuantity) return RejectCode.RiskLimit;
  const band = state.band(order.symbolId);
  if (target.priceCents !== order.priceCents && (target.priceCents < band.lowCents || target.priceCents > band.highCents)) return RejectCode.PriceBand;
  const notional = state.openNotionalOf(order.accountId) - order.priceCents * order.remainingQuantity + target.priceCents * target.remainingQuantity;
  if (notional > account.maxOpenNotionalCents) return RejectCode.RiskLimit;
  if (order.postOnly && meetsOpposite(state, order.symbolId, order.side, target.priceCents)) return RejectCode.PostOnlyWouldTrade;
  if (order.side === Side.Buy) {
    const extra = requiredHold(target.priceCents, target.remainingQuantity, state.maxFeeBps) - requiredHold(order.priceCents, order.remainingQuantity, state.maxFeeBps);
    if (extra > state.available(order.accountId, CASH_ASSET)) return RejectCode.InsufficientFunds;
  } else if (target.remainingQuantity - order.remainingQuantity > state.available(order.accountId, order.symbolId + 1)) {
    return RejectCode.InsufficientFunds;
  }
  return undefined;
}

export function replaceOrder(state: RefState, cmd: ReplaceOrderCommand): void {
  const order = findOpen(state.resting, cmd.orderId);
  if (order === undefined || order.accountId !== cmd.accountId) return rejectCommand(state, cmd, RejectCode.NotFound);
  if (!replaceArgumentsValid(state, order, cmd)) return rejectCommand(state, cmd, RejectCode.InvalidArgument);
  const quantity = cmd.quantity === 0 ? order.quantity : cmd.quantity;
  const priceCents = cmd.priceCents === 0 ? order.priceCents : cmd.priceCents;
  const target: ReplaceTarget = { quantity, priceCents, remainingQuantity: quantity - (order.quantity - order.remainingQuantity) };
  const code = checkReplace(state, order, target);
  if (code !== undefined) return rejectCommand(state, cmd, code);

  const keptPriority = priceCents === order.priceCents && quantity <= order.quantity;
  order.quantity = target.quantity;
  order.priceCents = target.priceCents;
  order.remainingQuantity = target.remainingQuantity;
  state.emit({
    kind: EventKind.OrderReplaced,
    orderId: order.orderId,
    accountId: order.accountId,
    symbolId: order.symbolId,
    side: order.side,
    priceCents,
    quantity,
    remainingQuantity: target.remainingQuantity,
    keptPriority,
  });
  if (keptPriority) return;
  removeOrder(state.resting, order.orderId);
  order.queuedAt = cmd.sequence;
  if (matchIncoming(state, order) && order.remainingQuantity > 0) state.resting.push(order);
}

/** Session close: every open DAY order, ascending order id, expires. */
export function expireDayOrders(state: RefState): void {
  const dayOrders = state.resting.filter((order) => order.timeInForce === TimeInForce.DAY).sort((a, b) => a.orderId - b.orderId);
  for (const order of dayOrders) cancelOpen(state, order, CancelReason.Expired);
}
