// Read models to API JSON: decimal strings for money, integers for quantities, strings for ids.
import { OrderType, Side, TimeInForce } from '../../engine/index.ts';
import { type BalanceView, type Candle, type ExecutionRecord, isOpen, type OrderRecord, statusOf, type TickerView, type TradeView } from '../../views/index.ts';
import { formatCents } from '../common/index.ts';
import type { SymbolTable } from './symbols.ts';

export const SIDE_NAMES = ['buy', 'sell'] as const;
export const ORDER_TYPE_NAMES = ['limit', 'market'] as const;
export const TIF_NAMES = ['GTC', 'DAY', 'IOC', 'FOK'] as const;

export const sideOf = (name: string): Side => (name === 'buy' ? Side.Buy : Side.Sell);
export const orderTypeOf = (name: string): OrderType => (name === 'market' ? OrderType.Market : OrderType.Limit);
export const timeInForceOf = (name: string): TimeInForce => TimeInForce[name as keyof typeof TimeInForce];

/**
 * A ratio of cents to a quantity as a decimal string with 4 decimals, rounded half up, exactly (integer
 * arithmetic): the average price of fills.
 */
export function formatAverageCents(totalCents: number, quantity: number): string {
  const tenThousandths = Math.floor((totalCents * 200 + quantity) / (2 * quantity)); // round(total * 100 / quantity)
  const whole = Math.floor(tenThousandths / 10_000);
  const fraction = String(tenThousandths % 10_000).padStart(4, '0');
  return `${whole}.${fraction}`;
}

export function presentOrder(order: OrderRecord, symbols: SymbolTable): Record<string, unknown> {
  return {
    id: String(order.orderId),
    clientOrderId: order.clientOrderId === '' ? null : order.clientOrderId,
    symbol: symbols.name(order.symbolId),
    side: SIDE_NAMES[order.side],
    orderType: ORDER_TYPE_NAMES[order.orderType],
    price: order.orderType === OrderType.Limit ? formatCents(order.priceCents) : null,
    quantity: order.quantity,
    timeInForce: TIF_NAMES[order.timeInForce],
    postOnly: order.postOnly,
    creationTime: order.creationTimeMs,
    filledQuantity: order.filledQuantity,
    remainingQuantity: isOpen(order) ? order.quantity - order.filledQuantity : 0,
    status: statusOf(order),
    averagePrice: order.filledQuantity > 0 ? formatAverageCents(order.filledNotionalCents, order.filledQuantity) : null,
  };
}

/**
 * JSON.stringify(presentOrder(order, symbols)), character for character, without building the object: the
 * gateway threads answer every JSON order with it, and the object and the generic stringify were the largest
 * items of a gateway thread's profile under JSON order entry. Only the client's own string is escaped; the
 * other strings are digits, decimals, tickers and fixed names.
 */
export function presentOrderJson(order: OrderRecord, symbols: SymbolTable): string {
  const open = isOpen(order);
  return '{"id":"' + order.orderId +
    '","clientOrderId":' + (order.clientOrderId === '' ? 'null' : JSON.stringify(order.clientOrderId)) +
    ',"symbol":' + JSON.stringify(symbols.name(order.symbolId)) +
    ',"side":"' + SIDE_NAMES[order.side] +
    '","orderType":"' + ORDER_TYPE_NAMES[order.orderType] +
    '","price":' + (order.orderType === OrderType.Limit ? '"' + formatCents(order.priceCents) + '"' : 'null') +
    ',"quantity":' + order.quantity +
    ',"timeInForce":"' + TIF_NAMES[order.timeInForce] +
    '","postOnly":' + order.postOnly +
    ',"creationTime":' + order.creationTimeMs +
    ',"filledQuantity":' + order.filledQuantity +
    ',"remainingQuantity":' + (open ? order.quantity - order.filledQuantity : 0) +
    ',"status":"' + statusOf(order) +
    '","averagePrice":' + (order.filledQuantity > 0 ? '"' + formatAverageCents(order.filledNotionalCents, order.filledQuantity) + '"' : 'null') +
    '}';
}

export function presentExecution(execution: ExecutionRecord, symbols: SymbolTable): Record<string, unknown> {
  return {
    id: String(execution.executionId),
    tradeId: String(execution.tradeId),
    orderId: String(execution.orderId),
    symbol: symbols.name(execution.symbolId),
    side: SIDE_NAMES[execution.side],
    price: formatCents(execution.priceCents),
    orderType: ORDER_TYPE_NAMES[execution.orderType],
    quantity: execution.quantity,
    fee: formatCents(execution.feeCents),
    liquidity: execution.isMaker ? 'maker' : 'taker',
    time: execution.timeMs,
  };
}

export function presentWallet(accountId: number, balances: BalanceView[], symbols: SymbolTable): Record<string, unknown> {
  // Cash is always listed, even at zero, so a client can rely on the USD line.
  const withCash = balances.some((b) => b.asset === 0) ? balances : [{ asset: 0, available: 0, held: 0 }, ...balances];
  return {
    accountId: String(accountId),
    balances: withCash.map((balance) => ({
      asset: symbols.assetName(balance.asset),
      available: balance.asset === 0 ? formatCents(balance.available) : balance.available,
      held: balance.asset === 0 ? formatCents(balance.held) : balance.held,
    })),
  };
}

export function presentTrade(trade: TradeView): Record<string, unknown> {
  return {
    tradeId: String(trade.tradeId), price: formatCents(trade.priceCents), quantity: trade.quantity,
    aggressorSide: SIDE_NAMES[trade.aggressorSide], time: trade.timeMs,
  };
}

export function presentTicker(symbol: string, ticker: TickerView): Record<string, unknown> {
  return {
    symbol,
    bidPrice: ticker.bidCents > 0 ? formatCents(ticker.bidCents) : null,
    bidQuantity: ticker.bidQuantity,
    askPrice: ticker.askCents > 0 ? formatCents(ticker.askCents) : null,
    askQuantity: ticker.askQuantity,
    lastPrice: ticker.lastCents > 0 ? formatCents(ticker.lastCents) : null,
    volume: ticker.volume,
  };
}

export function presentCandle(candle: Candle): Record<string, unknown> {
  return {
    time: candle.timeMs, open: formatCents(candle.openCents), high: formatCents(candle.highCents), low: formatCents(candle.lowCents),
    close: formatCents(candle.closeCents), volume: candle.volume,
  };
}

/** L2 levels as API pairs: ["189.50", 300]. */
export function presentLevels(levels: Array<[number, number]>): Array<[string, number]> {
  return levels.map(([price, quantity]) => [formatCents(price), quantity]);
}
