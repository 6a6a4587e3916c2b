// Builds events into one reusable object per kind, numbers them gap-free and hands them to the sink.
// The sink copies or encodes what it keeps, so emitting allocates nothing.
import {
  type AccountCreatedEvent,
  type AccountLimitsChangedEvent,
  type AccountStatus,
  type AccountStatusChangedEvent,
  type BalanceChangedEvent,
  type CancelReason,
  type CommandKind,
  type CommandRejectedEvent,
  type DuplicateOrderEvent,
  type DuplicateRequestEvent,
  type EngineEvent,
  EventKind,
  type EventSink,
  type ExecutionEvent,
  type OrderAcceptedEvent,
  type OrderCanceledEvent,
  type OrderRejectedEvent,
  type OrderReplacedEvent,
  type OrderType,
  type RejectCode,
  type SessionChangedEvent,
  type Side,
  type SymbolStatus,
  type SymbolStatusChangedEvent,
  type TimeInForce,
} from './types.ts';

// timestampMs starts as a non-integer on purpose: V8 then stores the field as a double in place, and
// writing an epoch-ms time (beyond the small-integer range) into it allocates nothing.
const header = { eventSequence: 0, commandSequence: 0, timestampMs: 0.5 };

export class Emitter {
  lastEventSequence = 0;
  commandSequence = 0;
  timestampMs = 0.5; // a double field from the start, as in `header`
  private readonly sink: EventSink;

  private readonly accepted: OrderAcceptedEvent = {
    ...header, kind: EventKind.OrderAccepted, orderId: 0, accountId: 0, symbolId: 0, side: 0, orderType: 0,
    priceCents: 0, quantity: 0, timeInForce: 0, postOnly: false, clientOrderId: '',
  };
  private readonly rejected: OrderRejectedEvent = {
    ...header, kind: EventKind.OrderRejected, accountId: 0, symbolId: 0, code: 1, clientOrderId: '',
  };
  private readonly execution: ExecutionEvent = {
    ...header, kind: EventKind.Execution, tradeId: 0, orderId: 0, accountId: 0, symbolId: 0, side: 0,
    priceCents: 0, quantity: 0, feeCents: 0, isMaker: false, remainingQuantity: 0,
  };
  private readonly canceled: OrderCanceledEvent = {
    ...header, kind: EventKind.OrderCanceled, orderId: 0, accountId: 0, symbolId: 0, side: 0, priceCents: 0,
    canceledQuantity: 0, reason: 0,
  };
  private readonly replaced: OrderReplacedEvent = {
    ...header, kind: EventKind.OrderReplaced, orderId: 0, accountId: 0, symbolId: 0, side: 0, priceCents: 0,
    quantity: 0, remainingQuantity: 0, keptPriority: false,
  };
  private readonly balance: BalanceChangedEvent = {
    ...header, kind: EventKind.BalanceChanged, accountId: 0, asset: 0, amount: 0, availableAfter: 0, idempotencyKey: '',
  };
  private readonly accountCreated: AccountCreatedEvent = { ...header, kind: EventKind.AccountCreated, accountId: 0, name: '' };
  private readonly accountStatus: AccountStatusChangedEvent = {
    ...header, kind: EventKind.AccountStatusChanged, accountId: 0, status: 0,
  };
  private readonly accountLimits: AccountLimitsChangedEvent = {
    ...header, kind: EventKind.AccountLimitsChanged, accountId: 0, maxOpenOrders: 0, maxOpenNotionalCents: 0,
  };
  private readonly symbolStatus: SymbolStatusChangedEvent = {
    ...header, kind: EventKind.SymbolStatusChanged, symbolId: 0, status: 0,
  };
  private readonly session: SessionChangedEvent = { ...header, kind: EventKind.SessionChanged, open: false };
  private readonly commandRejected: CommandRejectedEvent = {
    ...header, kind: EventKind.CommandRejected, commandKind: 1, accountId: 0, orderId: 0, code: 1,
  };
  private readonly duplicateOrder: DuplicateOrderEvent = {
    ...header, kind: EventKind.DuplicateOrder, accountId: 0, orderId: 0, clientOrderId: '',
  };
  private readonly duplicateRequest: DuplicateRequestEvent = {
    ...header, kind: EventKind.DuplicateRequest, accountId: 0, idempotencyKey: '',
  };

  constructor(sink: EventSink) {
    this.sink = sink;
  }

  private send(event: EngineEvent): void {
    event.eventSequence = ++this.lastEventSequence;
    event.commandSequence = this.commandSequence;
    event.timestampMs = this.timestampMs;
    this.sink.onEvent(event);
  }

  orderAccepted(
    orderId: number, accountId: number, symbolId: number, side: Side, orderType: OrderType, priceCents: number,
    quantity: number, timeInForce: TimeInForce, postOnly: boolean, clientOrderId: string,
  ): void {
    const e = this.accepted;
    e.orderId = orderId; e.accountId = accountId; e.symbolId = symbolId; e.side = side; e.orderType = orderType;
    e.priceCents = priceCents; e.quantity = quantity; e.timeInForce = timeInForce; e.postOnly = postOnly;
    e.clientOrderId = clientOrderId;
    this.send(e);
  }

  orderRejected(accountId: number, symbolId: number, code: RejectCode, clientOrderId: string): void {
    const e = this.rejected;
    e.accountId = accountId; e.symbolId = symbolId; e.code = code; e.clientOrderId = clientOrderId;
    this.send(e);
  }

  executionOf(
    tradeId: number, orderId: number, accountId: number, symbolId: number, side: Side, priceCents: number,
    quantity: number, feeCents: number, isMaker: boolean, remainingQuantity: number,
  ): void {
    const e = this.execution;
    e.tradeId = tradeId; e.orderId = orderId; e.accountId = accountId; e.symbolId = symbolId; e.side = side;
    e.priceCents = priceCents; e.quantity = quantity; e.feeCents = feeCents; e.isMaker = isMaker;
    e.remainingQuantity = remainingQuantity;
    this.send(e);
  }

  orderCanceled(
    orderId: number, accountId: number, symbolId: number, side: Side, priceCents: number,
    canceledQuantity: number, reason: CancelReason,
  ): void {
    const e = this.canceled;
    e.orderId = orderId; e.accountId = accountId; e.symbolId = symbolId; e.side = side; e.priceCents = priceCents;
    e.canceledQuantity = canceledQuantity; e.reason = reason;
    this.send(e);
  }

  orderReplaced(
    orderId: number, accountId: number, symbolId: number, side: Side, priceCents: number, quantity: number,
    remainingQuantity: number, keptPriority: boolean,
  ): void {
    const e = this.replaced;
    e.orderId = orderId; e.accountId = accountId; e.symbolId = symbolId; e.side = side; e.priceCents = priceCents;
    e.quantity = quantity; e.remainingQuantity = remainingQuantity; e.keptPriority = keptPriority;
    this.send(e);
  }

  balanceChanged(accountId: number, asset: number, amount: number, availableAfter: number, idempotencyKey: string): void {
    const e = this.balance;
    e.accountId = accountId; e.asset = asset; e.amount = amount; e.availableAfter = availableAfter;
    e.idempotencyKey = idempotencyKey;
    this.send(e);
  }

  accountCreatedEvent(accountId: number, name: string): void {
    const e = this.accountCreated;
    e.accountId = accountId; e.name = name;
    this.send(e);
  }

  accountStatusChanged(accountId: number, status: AccountStatus): void {
    const e = this.accountStatus;
    e.accountId = accountId; e.status = status;
    this.send(e);
  }

  accountLimitsChanged(accountId: number, maxOpenOrders: number, maxOpenNotionalCents: number): void {
    const e = this.accountLimits;
    e.accountId = accountId; e.maxOpenOrders = maxOpenOrders; e.maxOpenNotionalCents = maxOpenNotionalCents;
    this.send(e);
  }

  symbolStatusChanged(symbolId: number, status: SymbolStatus): void {
    const e = this.symbolStatus;
    e.symbolId = symbolId; e.status = status;
    this.send(e);
  }

  sessionChanged(open: boolean): void {
    this.session.open = open;
    this.send(this.session);
  }

  commandRejectedEvent(commandKind: CommandKind, accountId: number, orderId: number, code: RejectCode): void {
    const e = this.commandRejected;
    e.commandKind = commandKind; e.accountId = accountId; e.orderId = orderId; e.code = code;
    this.send(e);
  }

  duplicateOrderEvent(accountId: number, orderId: number, clientOrderId: string): void {
    const e = this.duplicateOrder;
    e.accountId = accountId; e.orderId = orderId; e.clientOrderId = clientOrderId;
    this.send(e);
  }

  duplicateRequestEvent(accountId: number, idempotencyKey: string): void {
    const e = this.duplicateRequest;
    e.accountId = accountId; e.idempotencyKey = idempotencyKey;
    this.send(e);
  }
}
