// The whole state of the core as plain data in canonical order. It is the snapshot format (the edge
// serializes it) and the input of the state hash, so two engines in the same logical state produce the
// same dump whatever their memory layout.
import type { AccountStatus, Side, SymbolStatus, TimeInForce } from './types.ts';

export interface OrderDump {
  orderId: number;
  accountId: number;
  side: Side;
  priceCents: number;
  /** Total quantity, filled part included. */
  quantity: number;
  remainingQuantity: number;
  timeInForce: TimeInForce;
  postOnly: boolean;
  creationTimeMs: number;
}

export interface SymbolDump {
  symbolId: number;
  status: SymbolStatus;
  /** 0 before the first trade. */
  lastTradePriceCents: number;
  /** Best price first; within a price, time priority. */
  bids: OrderDump[];
  asks: OrderDump[];
}

export interface BalanceDump {
  asset: number;
  available: number;
  held: number;
}

export interface AccountDump {
  accountId: number;
  name: string;
  status: AccountStatus;
  maxOpenOrders: number;
  maxOpenNotionalCents: number;
  /** Ascending asset; assets with available = held = 0 are left out. */
  balances: BalanceDump[];
}

/** A clientOrderId accepted once, with the fields a repeat is compared on. */
export interface ClientOrderDump {
  accountId: number;
  clientOrderId: string;
  orderId: number;
  symbolId: number;
  side: Side;
  orderType: number;
  priceCents: number;
  quantity: number;
  timeInForce: TimeInForce;
  postOnly: boolean;
}

export interface IdempotencyKeyDump {
  accountId: number;
  key: string;
}

export interface StateDump {
  lastSequence: number;
  lastEventSequence: number;
  lastTradeId: number;
  sessionOpen: boolean;
  symbols: SymbolDump[];
  /** Ascending accountId, fee account (0) included. */
  accounts: AccountDump[];
  /** Net deposits minus withdrawals per asset (index = asset): what conservation is checked against. */
  netDeposits: number[];
  /** Sorted by accountId, then clientOrderId (code unit order). */
  clientOrders: ClientOrderDump[];
  /** Sorted by accountId, then key (code unit order). */
  idempotencyKeys: IdempotencyKeyDump[];
}
