// The frames of the binary order-entry protocol as plain objects (docs/order-entry-protocol.md). Decoders
// fill caller-owned objects of these shapes, so a reader can decode without allocating.

export interface LoginFrame {
  timestampMs: number;
  apiKey: string;
  /** Raw HMAC-SHA256 (32 bytes) of `${timestampMs}GET/v1/order-entry` under the API secret. */
  signature: Uint8Array;
}

export interface NewOrderFrame {
  clientSeq: number;
  symbolId: number;
  /** 0 buy, 1 sell */
  side: number;
  /** 0 limit, 1 market */
  orderType: number;
  /** 0 GTC, 1 DAY, 2 IOC, 3 FOK */
  timeInForce: number;
  /** OrderFlag bits */
  flags: number;
  /** 0 for a market order. */
  priceCents: number;
  quantity: number;
  /** Printable ASCII, "" for none. */
  clientOrderId: string;
}

export interface ReplaceFrame {
  clientSeq: number;
  orderId: number;
  /** New total quantity, 0 keeps it. */
  quantity: number;
  /** New price, 0 keeps it. */
  priceCents: number;
}

export interface CancelFrame {
  clientSeq: number;
  orderId: number;
}

export interface LoginAcceptedFrame {
  accountId: number;
  serverTimeMs: number;
}

export interface RejectedFrame {
  clientSeq: number;
  /** The ClientFrame type of the request refused. */
  requestType: number;
  /** ERROR_CODE_NUMBERS */
  errorCode: number;
  /** The order a cancel or replace named, else 0. */
  orderId: number;
  message: string;
}

export interface OrderAcceptedFrame {
  clientSeq: number;
  orderId: number;
  symbolId: number;
  side: number;
  orderType: number;
  timeInForce: number;
  flags: number;
  priceCents: number;
  quantity: number;
  /** After the matching this command did. */
  filledQuantity: number;
  leavesQuantity: number;
  /** OrderStatusCode */
  status: number;
  timestampMs: number;
  clientOrderId: string;
}

export interface FillFrame {
  /** The request that caused it when it came from this connection, else 0 (a resting order traded). */
  clientSeq: number;
  orderId: number;
  tradeId: number;
  symbolId: number;
  side: number;
  /** 0 maker, 1 taker */
  liquidity: number;
  priceCents: number;
  quantity: number;
  leavesQuantity: number;
  feeCents: number;
  timestampMs: number;
}

export interface CanceledFrame {
  clientSeq: number;
  orderId: number;
  symbolId: number;
  /** The engine's CancelReason: 0 user, 1 IOC/market remainder, 2 FOK, 3 self-trade, 4 expired. */
  reason: number;
  canceledQuantity: number;
  timestampMs: number;
}

export interface ReplacedFrame {
  clientSeq: number;
  orderId: number;
  priceCents: number;
  quantity: number;
  leavesQuantity: number;
  keptPriority: boolean;
  timestampMs: number;
}

export interface DisconnectFrame {
  code: number;
  reason: string;
}

export function emptyNewOrder(): NewOrderFrame {
  return { clientSeq: 0, symbolId: 0, side: 0, orderType: 0, timeInForce: 0, flags: 0, priceCents: 0, quantity: 0, clientOrderId: '' };
}

export function emptyReplace(): ReplaceFrame {
  return { clientSeq: 0, orderId: 0, quantity: 0, priceCents: 0 };
}

export function emptyCancel(): CancelFrame {
  return { clientSeq: 0, orderId: 0 };
}
