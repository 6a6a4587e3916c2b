// The checks an order passes before it reaches the book: shape, account, market state, instrument
// limits, price band, account limits and funds. Each returns 0 (pass) or the reject code.
import { NIL } from './book/order-pool.ts';
import { bandHighCents, bandLowCents, requiredHoldCents } from './money.ts';
import { FEE_ACCOUNT_ID, type State } from './state.ts';
import { AccountStatus, type NewOrderCommand, OrderType, RejectCode, Side, SymbolStatus, TimeInForce } from './types.ts';

export const MAX_ID_LENGTH = 64;

export function isIntIn(value: number, min: number, max: number): boolean {
  return Number.isSafeInteger(value) && value >= min && value <= max;
}

/** The shape of a new order, before anything about the market is known. */
export function checkNewOrderShape(state: State, cmd: NewOrderCommand): number {
  if (!isIntIn(cmd.quantity, 1, Number.MAX_SAFE_INTEGER)) return RejectCode.InvalidArgument;
  if (cmd.side !== Side.Buy && cmd.side !== Side.Sell) return RejectCode.InvalidArgument;
  if (cmd.orderType !== OrderType.Limit && cmd.orderType !== OrderType.Market) return RejectCode.InvalidArgument;
  if (!isIntIn(cmd.timeInForce, TimeInForce.GTC, TimeInForce.FOK)) return RejectCode.InvalidArgument;
  if (cmd.orderType === OrderType.Limit && !isIntIn(cmd.priceCents, 1, state.config.maxPriceCents)) return RejectCode.InvalidArgument;
  if (cmd.orderType === OrderType.Market && cmd.priceCents !== 0) return RejectCode.InvalidArgument;
  if (cmd.postOnly && (cmd.orderType === OrderType.Market || cmd.timeInForce === TimeInForce.IOC || cmd.timeInForce === TimeInForce.FOK)) {
    return RejectCode.InvalidArgument;
  }
  if (cmd.clientOrderId.length > MAX_ID_LENGTH) return RejectCode.InvalidArgument;
  return 0;
}

/** Account can trade: exists and is active. */
export function checkAccount(state: State, accountId: number): number {
  if (!state.accounts.exists(accountId)) return RejectCode.NotFound;
  if (accountId === FEE_ACCOUNT_ID || state.accounts.status[accountId] !== AccountStatus.Active) return RejectCode.AccountBlocked;
  return 0;
}

export function isKnownSymbol(state: State, symbolId: number): boolean {
  return Number.isSafeInteger(symbolId) && symbolId >= 0 && symbolId < state.books.length;
}

/** Session open and symbol trading. */
export function checkMarketOpen(state: State, symbolId: number): number {
  if (!state.sessionOpen) return RejectCode.MarketClosed;
  if (state.books[symbolId].status !== SymbolStatus.Trading) return RejectCode.SymbolHalted;
  return 0;
}

function bandCenterCents(state: State, symbolId: number): number {
  const last = state.books[symbolId].lastTradePriceCents;
  return last > 0 ? last : state.instruments[symbolId].referencePriceCents;
}

export function bandLow(state: State, symbolId: number): number {
  const instrument = state.instruments[symbolId];
  return bandLowCents(bandCenterCents(state, symbolId), instrument.priceBandPercent, instrument.tickCents);
}

export function bandHigh(state: State, symbolId: number): number {
  const instrument = state.instruments[symbolId];
  return bandHighCents(bandCenterCents(state, symbolId), instrument.priceBandPercent, instrument.tickCents);
}

export function isInBand(state: State, symbolId: number, priceCents: number): boolean {
  return priceCents >= bandLow(state, symbolId) && priceCents <= bandHigh(state, symbolId);
}

/** Would a limit order at this price meet the opposite best (the post-only test)? */
export function wouldCross(state: State, symbolId: number, side: Side, priceCents: number): boolean {
  const book = state.books[symbolId];
  const opposite = side === Side.Buy ? book.asks : book.bids;
  const best = opposite.best();
  if (best === NIL) return false;
  const bestPrice = state.levels.priceCents[best];
  return side === Side.Buy ? priceCents >= bestPrice : priceCents <= bestPrice;
}

/** Per-account limits: resting order count and open notional after adding `addedNotionalCents`. */
export function checkAccountLimits(state: State, accountId: number, addedOrders: number, addedNotionalCents: number): number {
  const accounts = state.accounts;
  if (addedOrders > 0 && accounts.openOrders[accountId] >= accounts.maxOpenOrders[accountId]) return RejectCode.RiskLimit;
  if (accounts.openNotionalCents[accountId] + addedNotionalCents > accounts.maxOpenNotionalCents[accountId]) return RejectCode.RiskLimit;
  return 0;
}

/** Can the account put `quantity` more at `priceCents` on hold (cash for a buy, shares for a sell)? */
export function checkFunds(state: State, accountId: number, symbolId: number, side: Side, extraCash: number, extraShares: number): number {
  const accounts = state.accounts;
  if (side === Side.Buy) return extraCash > accounts.cashAvailable[accountId] ? RejectCode.InsufficientFunds : 0;
  return extraShares > accounts.sharesAvailable[accountId * accounts.symbolCount + symbolId] ? RejectCode.InsufficientFunds : 0;
}

export function holdFor(state: State, priceCents: number, quantity: number): number {
  return requiredHoldCents(priceCents, quantity, state.maxFeeBps);
}
