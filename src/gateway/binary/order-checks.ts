// The checks a gateway thread makes on an order before it goes to the engine: the same rules and messages as
// the REST route (POST /v1/order) for what the binary frame can get wrong, so both transports refuse the same
// input the same way. Fields the engine checks (funds, bands, halts, limits) are left to it.
import { MAX_CLIENT_ORDER_ID_BYTES, OrderFlag, type NewOrderFrame, type ReplaceFrame } from '../../protocol/order-entry/index.ts';

export interface InstrumentRules {
  tickCents: number;
}

export interface CheckFailure {
  code: 'INVALID_ARGUMENT' | 'UNKNOWN_SYMBOL';
  message: string;
}

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

function invalid(message: string): CheckFailure {
  return { code: 'INVALID_ARGUMENT', message };
}

export function checkNewOrder(order: NewOrderFrame, instruments: readonly InstrumentRules[]): CheckFailure | null {
  if (order.symbolId >= instruments.length) {
    return { code: 'UNKNOWN_SYMBOL', message: `unknown symbol: symbolId ${order.symbolId} is not listed (see GET /v1/symbols)` };
  }
  if (order.side > 1) return invalid('side must be 0 (buy) or 1 (sell)');
  if (order.orderType > 1) return invalid('orderType must be 0 (limit) or 1 (market)');
  if (order.timeInForce > 3) return invalid('timeInForce must be 0 (GTC), 1 (DAY), 2 (IOC) or 3 (FOK)');
  if ((order.flags & ~OrderFlag.PostOnly) !== 0) return invalid('flags may only have bit 0 (postOnly) set');
  if (!(order.quantity >= 1)) return invalid('quantity must be an integer >= 1');
  if (order.orderType === 0) {
    if (!(order.priceCents >= 1)) return invalid('price is required for a limit order');
    const tickCents = instruments[order.symbolId].tickCents;
    if (order.priceCents % tickCents !== 0) {
      return invalid(`price must be a multiple of the tick size ${(tickCents / 100).toFixed(2)} for symbolId ${order.symbolId}`);
    }
  } else if (order.priceCents !== 0) {
    return invalid('price is for limit orders only; a market order has none');
  }
  if (order.clientOrderId.length > MAX_CLIENT_ORDER_ID_BYTES || !PRINTABLE_ASCII.test(order.clientOrderId)) {
    return invalid(`clientOrderId must be at most ${MAX_CLIENT_ORDER_ID_BYTES} printable ASCII characters`);
  }
  return null;
}

export function checkOrderId(orderId: number): CheckFailure | null {
  return orderId >= 1 ? null : invalid('orderId must be an integer >= 1');
}

export function checkReplace(replace: ReplaceFrame): CheckFailure | null {
  const idFailure = checkOrderId(replace.orderId);
  if (idFailure) return idFailure;
  if (!(replace.quantity >= 0)) return invalid('quantity must be an integer >= 0 (0 keeps it)');
  if (!(replace.priceCents >= 0)) return invalid('price must be >= 0 (0 keeps it)');
  if (replace.quantity === 0 && replace.priceCents === 0) return invalid('a replace must change quantity, price or both');
  return null;
}
