// Commands (intents) and events (facts) of the core, as plain data.
// Units are in the names: cents for money and prices, shares for quantities, ms for time.
// Numeric enums keep the binary codec compact and the hot path free of string compares.

export const Side = { Buy: 0, Sell: 1 } as const;
export type Side = (typeof Side)[keyof typeof Side];

export const OrderType = { Limit: 0, Market: 1 } as const;
export type OrderType = (typeof OrderType)[keyof typeof OrderType];

export const TimeInForce = { GTC: 0, DAY: 1, IOC: 2, FOK: 3 } as const;
export type TimeInForce = (typeof TimeInForce)[keyof typeof TimeInForce];

/** Rejection codes: the business subset of API.md's error catalogue, as the core emits them. */
export const RejectCode = {
  InvalidArgument: 1,
  NotFound: 2,
  OrderNotOpen: 3,
  DuplicateClientOrderId: 4,
  InsufficientFunds: 5,
  RiskLimit: 6,
  PriceBand: 7,
  SymbolHalted: 8,
  MarketClosed: 9,
  UnknownSymbol: 10,
  AccountBlocked: 11,
  PostOnlyWouldTrade: 12,
} as const;
export type RejectCode = (typeof RejectCode)[keyof typeof RejectCode];

/** API.md spelling of each reject code. */
export const REJECT_CODE_NAMES: Readonly<Record<RejectCode, string>> = {
  1: 'INVALID_ARGUMENT',
  2: 'NOT_FOUND',
  3: 'ORDER_NOT_OPEN',
  4: 'DUPLICATE_CLIENT_ORDER_ID',
  5: 'INSUFFICIENT_FUNDS',
  6: 'RISK_LIMIT',
  7: 'PRICE_BAND',
  8: 'SYMBOL_HALTED',
  9: 'MARKET_CLOSED',
  10: 'UNKNOWN_SYMBOL',
  11: 'ACCOUNT_BLOCKED',
  12: 'POST_ONLY_WOULD_TRADE',
};

/** Why an order left the book without filling completely. */
export const CancelReason = {
  /** The owner asked (DELETE /v1/order). */
  User: 0,
  /** IOC or market remainder after matching. */
  ImmediateOrCancel: 1,
  /** FOK that could not fill whole; nothing traded. */
  FillOrKill: 2,
  /** Self-trade prevention. */
  SelfTrade: 3,
  /** DAY order at session close. */
  Expired: 4,
} as const;
export type CancelReason = (typeof CancelReason)[keyof typeof CancelReason];

export const SelfTradePrevention = { CancelResting: 0, CancelIncoming: 1, CancelBoth: 2 } as const;
export type SelfTradePrevention = (typeof SelfTradePrevention)[keyof typeof SelfTradePrevention];

/** Asset 0 is cash (cents); asset i + 1 is shares of instrument i. */
export const CASH_ASSET = 0;

export const AccountStatus = { Active: 0, Blocked: 1 } as const;
export type AccountStatus = (typeof AccountStatus)[keyof typeof AccountStatus];

export const SymbolStatus = { Trading: 0, Halted: 1 } as const;
export type SymbolStatus = (typeof SymbolStatus)[keyof typeof SymbolStatus];

// ---------------------------------------------------------------- commands

export const CommandKind = {
  NewOrder: 1,
  CancelOrder: 2,
  ReplaceOrder: 3,
  Deposit: 4,
  Withdraw: 5,
  CreateAccount: 6,
  SetAccountStatus: 7,
  SetSymbolStatus: 8,
  OpenSession: 9,
  CloseSession: 10,
  SetAccountLimits: 11,
} as const;
export type CommandKind = (typeof CommandKind)[keyof typeof CommandKind];

/** Stamped by the sequencer: gap-free input sequence and the time the core may use. */
interface Stamped {
  sequence: number;
  timestampMs: number;
}

export interface NewOrderCommand extends Stamped {
  kind: typeof CommandKind.NewOrder;
  accountId: number;
  symbolId: number;
  side: Side;
  orderType: OrderType;
  /** Limit price in cents; ignored (0) for market orders. */
  priceCents: number;
  quantity: number;
  timeInForce: TimeInForce;
  postOnly: boolean;
  /** Empty string when the client sent none. */
  clientOrderId: string;
}

export interface CancelOrderCommand extends Stamped {
  kind: typeof CommandKind.CancelOrder;
  accountId: number;
  orderId: number;
}

export interface ReplaceOrderCommand extends Stamped {
  kind: typeof CommandKind.ReplaceOrder;
  accountId: number;
  orderId: number;
  /** New total quantity (filled part included); 0 keeps the current one. */
  quantity: number;
  /** New limit price in cents; 0 keeps the current one. */
  priceCents: number;
}

export interface BalanceCommand extends Stamped {
  kind: typeof CommandKind.Deposit | typeof CommandKind.Withdraw;
  accountId: number;
  /** CASH_ASSET or symbolId + 1. */
  asset: number;
  /** Cents for cash, shares for an instrument. */
  amount: number;
  /** Idempotency key, unique per account; empty when none. A repeat has no effect. */
  idempotencyKey: string;
}

export interface CreateAccountCommand extends Stamped {
  kind: typeof CommandKind.CreateAccount;
  name: string;
  /**
   * Credentials the gateway generated, opaque to the core (it ignores them): they ride in the journal so
   * that the gateway's key registry is rebuilt from the same log as everything else.
   */
  apiKey: string;
  apiSecret: string;
}

export interface SetAccountStatusCommand extends Stamped {
  kind: typeof CommandKind.SetAccountStatus;
  accountId: number;
  status: AccountStatus;
}

export interface SetSymbolStatusCommand extends Stamped {
  kind: typeof CommandKind.SetSymbolStatus;
  symbolId: number;
  status: SymbolStatus;
}

export interface SessionCommand extends Stamped {
  kind: typeof CommandKind.OpenSession | typeof CommandKind.CloseSession;
}

export interface SetAccountLimitsCommand extends Stamped {
  kind: typeof CommandKind.SetAccountLimits;
  accountId: number;
  maxOpenOrders: number;
  maxOpenNotionalCents: number;
}

export type Command =
  | NewOrderCommand
  | CancelOrderCommand
  | ReplaceOrderCommand
  | BalanceCommand
  | CreateAccountCommand
  | SetAccountStatusCommand
  | SetSymbolStatusCommand
  | SessionCommand
  | SetAccountLimitsCommand;

// ---------------------------------------------------------------- events

export const EventKind = {
  OrderAccepted: 1,
  OrderRejected: 2,
  Execution: 3,
  OrderCanceled: 4,
  OrderReplaced: 5,
  BalanceChanged: 6,
  AccountCreated: 7,
  AccountStatusChanged: 8,
  SymbolStatusChanged: 9,
  SessionChanged: 10,
  CommandRejected: 11,
  DuplicateOrder: 12,
  DuplicateRequest: 13,
  AccountLimitsChanged: 14,
} as const;
export type EventKind = (typeof EventKind)[keyof typeof EventKind];

/**
 * Every event carries its gap-free output sequence and the input sequence of the command that caused it,
 * so a gateway can route the answer and a consumer can detect a gap.
 */
interface EventHeader {
  eventSequence: number;
  commandSequence: number;
  timestampMs: number;
}

/** A new order passed risk and funds; it may trade and rest (events follow). orderId = command sequence. */
export interface OrderAcceptedEvent extends EventHeader {
  kind: typeof EventKind.OrderAccepted;
  orderId: number;
  accountId: number;
  symbolId: number;
  side: Side;
  orderType: OrderType;
  priceCents: number;
  quantity: number;
  timeInForce: TimeInForce;
  postOnly: boolean;
  clientOrderId: string;
}

export interface OrderRejectedEvent extends EventHeader {
  kind: typeof EventKind.OrderRejected;
  accountId: number;
  symbolId: number;
  code: RejectCode;
  clientOrderId: string;
}

/** One side of a trade. Each trade yields two, taker first, sharing tradeId. */
export interface ExecutionEvent extends EventHeader {
  kind: typeof EventKind.Execution;
  tradeId: number;
  orderId: number;
  accountId: number;
  symbolId: number;
  side: Side;
  priceCents: number;
  quantity: number;
  feeCents: number;
  isMaker: boolean;
  /** Quantity of the order still open after this fill. */
  remainingQuantity: number;
}

export interface OrderCanceledEvent extends EventHeader {
  kind: typeof EventKind.OrderCanceled;
  orderId: number;
  accountId: number;
  symbolId: number;
  side: Side;
  priceCents: number;
  /** Quantity that was open and is now canceled. */
  canceledQuantity: number;
  reason: CancelReason;
}

export interface OrderReplacedEvent extends EventHeader {
  kind: typeof EventKind.OrderReplaced;
  orderId: number;
  accountId: number;
  symbolId: number;
  side: Side;
  priceCents: number;
  /** New total quantity, filled part included. */
  quantity: number;
  remainingQuantity: number;
  /** True when the order kept its place in the queue. */
  keptPriority: boolean;
}

export interface BalanceChangedEvent extends EventHeader {
  kind: typeof EventKind.BalanceChanged;
  accountId: number;
  asset: number;
  /** Positive for deposits, negative for withdrawals. */
  amount: number;
  availableAfter: number;
  idempotencyKey: string;
}

export interface AccountCreatedEvent extends EventHeader {
  kind: typeof EventKind.AccountCreated;
  accountId: number;
  name: string;
}

export interface AccountStatusChangedEvent extends EventHeader {
  kind: typeof EventKind.AccountStatusChanged;
  accountId: number;
  status: AccountStatus;
}

export interface AccountLimitsChangedEvent extends EventHeader {
  kind: typeof EventKind.AccountLimitsChanged;
  accountId: number;
  maxOpenOrders: number;
  maxOpenNotionalCents: number;
}

export interface SymbolStatusChangedEvent extends EventHeader {
  kind: typeof EventKind.SymbolStatusChanged;
  symbolId: number;
  status: SymbolStatus;
}

export interface SessionChangedEvent extends EventHeader {
  kind: typeof EventKind.SessionChanged;
  open: boolean;
}

/** A cancel, replace, deposit, withdrawal or admin command refused; the order (if any) is unchanged. */
export interface CommandRejectedEvent extends EventHeader {
  kind: typeof EventKind.CommandRejected;
  commandKind: CommandKind;
  accountId: number;
  orderId: number;
  code: RejectCode;
}

/** A NewOrder repeating an accepted clientOrderId with the same fields: no effect, here is the first order. */
export interface DuplicateOrderEvent extends EventHeader {
  kind: typeof EventKind.DuplicateOrder;
  accountId: number;
  orderId: number;
  clientOrderId: string;
}

/** A deposit or withdrawal repeating an idempotency key: no effect. */
export interface DuplicateRequestEvent extends EventHeader {
  kind: typeof EventKind.DuplicateRequest;
  accountId: number;
  idempotencyKey: string;
}

export type EngineEvent =
  | OrderAcceptedEvent
  | OrderRejectedEvent
  | ExecutionEvent
  | OrderCanceledEvent
  | OrderReplacedEvent
  | BalanceChangedEvent
  | AccountCreatedEvent
  | AccountStatusChangedEvent
  | AccountLimitsChangedEvent
  | SymbolStatusChangedEvent
  | SessionChangedEvent
  | CommandRejectedEvent
  | DuplicateOrderEvent
  | DuplicateRequestEvent;

/**
 * Receives events as the core emits them. The core reuses one mutable object per event kind, so a sink
 * must copy or encode what it keeps before returning: that keeps the hot path free of allocation.
 */
export interface EventSink {
  onEvent(event: Readonly<EngineEvent>): void;
}
