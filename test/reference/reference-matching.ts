// Matching of an incoming order (a new order, or a replaced one re-entering) against the opposite side.
import { CASH_ASSET, CancelReason, EventKind, OrderType, SelfTradePrevention, Side } from '../../src/engine/types.ts';
import { accepts, opposite, removeOrder, sideOf } from './reference-book.ts';
import { fee } from './reference-math.ts';
import { FEE_ACCOUNT_ID } from './reference-state.ts';
import type { RefOrder, RefState } from './reference-state.ts';

/** Emits OrderCanceled for what is left of `order`; a market order reports price 0 as when accepted. */
export function emitCanceled(state: RefState, order: RefOrder, reason: CancelReason, canceledQuantity: number): void {
  state.emit({
    kind: EventKind.OrderCanceled,
    orderId: order.orderId,
    accountId: order.accountId,
    symbolId: order.symbolId,
    side: order.side,
    priceCents: order.orderType === OrderType.Market ? 0 : order.priceCents,
    canceledQuantity,
    reason,
  });
}

/** Takes an open order off the book; its hold goes with it (holds are derived from open orders). */
export function cancelOpen(state: RefState, order: RefOrder, reason: CancelReason): void {
  removeOrder(state.resting, order.orderId);
  emitCanceled(state, order, reason, order.remainingQuantity);
}

/** What matching would fill, walked without changing anything (for FOK). */
export function fillableQuantity(state: RefState, taker: RefOrder): number {
  let fillable = 0;
  for (const maker of sideOf(state.resting, taker.symbolId, opposite(taker.side))) {
    if (!accepts(taker.side, taker.priceCents, maker.priceCents)) break;
    if (maker.accountId === taker.accountId) {
      if (state.config.selfTradePrevention === SelfTradePrevention.CancelResting) continue;
      break;
    }
    fillable += maker.remainingQuantity;
  }
  return fillable;
}

/**
 * Matches `taker` (not on the book) while it has quantity and the opposite best is acceptable.
 * Returns false when self-trade prevention canceled the taker's remainder.
 */
export function matchIncoming(state: RefState, taker: RefOrder): boolean {
  const policy = state.config.selfTradePrevention;
  while (taker.remainingQuantity > 0) {
    const maker = sideOf(state.resting, taker.symbolId, opposite(taker.side))[0];
    if (maker === undefined || !accepts(taker.side, taker.priceCents, maker.priceCents)) break;
    if (maker.accountId !== taker.accountId) {
      trade(state, taker, maker);
      continue;
    }
    if (policy !== SelfTradePrevention.CancelIncoming) cancelOpen(state, maker, CancelReason.SelfTrade);
    if (policy !== SelfTradePrevention.CancelResting) {
      emitCanceled(state, taker, CancelReason.SelfTrade, taker.remainingQuantity);
      taker.remainingQuantity = 0;
      return false;
    }
  }
  return true;
}

function trade(state: RefState, taker: RefOrder, maker: RefOrder): void {
  const quantity = Math.min(taker.remainingQuantity, maker.remainingQuantity);
  const priceCents = maker.priceCents;
  const notional = priceCents * quantity;
  const takerFee = fee(notional, state.config.takerFeeBps);
  const makerFee = fee(notional, state.config.makerFeeBps);
  const [buyer, buyerFee, seller, sellerFee] = taker.side === Side.Buy ? [taker, takerFee, maker, makerFee] : [maker, makerFee, taker, takerFee];
  const shares = taker.symbolId + 1;
  const buyerTotals = state.accounts.get(buyer.accountId)!.totals;
  const sellerTotals = state.accounts.get(seller.accountId)!.totals;
  buyerTotals[CASH_ASSET] -= notional + buyerFee;
  buyerTotals[shares] += quantity;
  sellerTotals[shares] -= quantity;
  sellerTotals[CASH_ASSET] += notional - sellerFee;
  state.accounts.get(FEE_ACCOUNT_ID)!.totals[CASH_ASSET] += takerFee + makerFee;

  taker.remainingQuantity -= quantity;
  maker.remainingQuantity -= quantity;
  if (maker.remainingQuantity === 0) removeOrder(state.resting, maker.orderId);
  state.symbols[taker.symbolId].lastTradePriceCents = priceCents;
  state.lastTradeId++;
  emitExecution(state, taker, priceCents, quantity, takerFee, false);
  emitExecution(state, maker, priceCents, quantity, makerFee, true);
}

function emitExecution(state: RefState, order: RefOrder, priceCents: number, quantity: number, feeCents: number, isMaker: boolean): void {
  state.emit({
    kind: EventKind.Execution,
    tradeId: state.lastTradeId,
    orderId: order.orderId,
    accountId: order.accountId,
    symbolId: order.symbolId,
    side: order.side,
    priceCents,
    quantity,
    feeCents,
    isMaker,
    remainingQuantity: order.remainingQuantity,
  });
}
