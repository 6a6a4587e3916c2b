// Turns a released (durable) command into the order-entry frames its owner and the other accounts concerned
// receive. Runs on the engine thread, once per released command; the frames go to the gateway threads as
// they are. The order the engine emitted events in is the order a client reads them in.
import { CommandKind, type EngineEvent, EventKind, RejectCode, REJECT_CODE_NAMES } from '../../engine/index.ts';
import type { Released } from '../../sequencer/index.ts';
import { emptyOrderRecord, isOpen, type OrderStore, statusOf } from '../../views/index.ts';
import {
  type CanceledFrame, ClientFrame, ERROR_CODE_NUMBERS, type ErrorCodeName, type FillFrame, FrameWriter, type OrderAcceptedFrame, OrderFlag, OrderStatusCode,
  type ReplacedFrame,
} from '../../protocol/order-entry/index.ts';
import { rejectMessageOf } from '../common/errors.ts';
import { encodeOrderState, MAX_ORDER_STATE_ID_BYTES, ORDER_STATE_FIXED_BYTES } from './order-state.ts';

/** Where the frames of one released command go. */
export interface AnswerSink {
  /** Frames written to `writer` since the last call go to the connection that sent the command. */
  toConnection(writer: FrameWriter): void;
  /** True when some gateway has a session of this account (else its frames are not built). */
  hasSessions(accountId: number): boolean;
  /** Frames written to `writer` since the last call go to every session of the account. */
  toAccount(accountId: number, writer: FrameWriter): void;
  /** The order after the command (order-state.ts, `length` bytes) goes to the JSON session that sent it. */
  orderToConnection(state: Uint8Array, length: number): void;
}

const STATUS_CODES = { new: OrderStatusCode.New, partially_filled: OrderStatusCode.PartiallyFilled, filled: OrderStatusCode.Filled, canceled: OrderStatusCode.Canceled } as const;

const requestTypeOf = (kind: number): number =>
  kind === CommandKind.NewOrder ? ClientFrame.NewOrder : kind === CommandKind.CancelOrder ? ClientFrame.Cancel : ClientFrame.Replace;

export class AnswerEncoder {
  private readonly own = new FrameWriter(16 * 1024);
  private readonly other = new FrameWriter(1024);
  // One scratch object per frame kind and for the order read back: filled per answer, never allocated per
  // order (times start as doubles so an epoch-ms value is stored in place).
  private readonly order = emptyOrderRecord();
  private readonly acceptedFrame: OrderAcceptedFrame = {
    clientSeq: 0, orderId: 0, symbolId: 0, side: 0, orderType: 0, timeInForce: 0, flags: 0, priceCents: 0, quantity: 0, filledQuantity: 0,
    leavesQuantity: 0, status: 0, timestampMs: 0.5, clientOrderId: '',
  };
  private readonly fillFrame: FillFrame = {
    clientSeq: 0, orderId: 0, tradeId: 0, symbolId: 0, side: 0, liquidity: 0, priceCents: 0, quantity: 0, leavesQuantity: 0, feeCents: 0, timestampMs: 0.5,
  };
  private readonly canceledFrame: CanceledFrame = { clientSeq: 0, orderId: 0, symbolId: 0, reason: 0, canceledQuantity: 0, timestampMs: 0.5 };
  private readonly replacedFrame: ReplacedFrame = {
    clientSeq: 0, orderId: 0, priceCents: 0, quantity: 0, leavesQuantity: 0, keptPriority: false, timestampMs: 0.5,
  };

  private readonly state = new Uint8Array(ORDER_STATE_FIXED_BYTES + MAX_ORDER_STATE_ID_BYTES);
  private readonly stateView = new DataView(this.state.buffer);

  constructor(private readonly orders: OrderStore, private readonly tickCents: (symbolId: number) => number) {}

  /** The answer to a command a connection sent (clientSeq is the client's number for it). */
  answer(released: Released, clientSeq: number, sink: AnswerSink): void {
    const { command, events } = released;
    if (command.kind !== CommandKind.NewOrder && command.kind !== CommandKind.CancelOrder && command.kind !== CommandKind.ReplaceOrder) return;
    const ownOrderId = command.kind === CommandKind.NewOrder ? command.sequence : command.orderId;
    const writer = this.own;
    for (let i = 0; i < events.length; i++) {
      const event = events[i];
      switch (event.kind) {
        case EventKind.OrderAccepted:
          this.accepted(writer, clientSeq, event.orderId, 0);
          break;
        case EventKind.DuplicateOrder:
          this.accepted(writer, clientSeq, event.orderId, OrderFlag.Duplicate);
          break;
        case EventKind.OrderRejected:
          this.rejected(writer, clientSeq, ClientFrame.NewOrder, 0, event.code, command.accountId, 0);
          break;
        case EventKind.CommandRejected: {
          const quantity = command.kind === CommandKind.ReplaceOrder ? command.quantity : 0;
          this.rejected(writer, clientSeq, requestTypeOf(command.kind), event.orderId, event.code, command.accountId, quantity);
          break;
        }
        default:
          if (eventOrderId(event) === ownOrderId && eventAccountId(event) === command.accountId) this.orderEvent(writer, clientSeq, event);
          else this.forOther(event, sink);
      }
    }
    sink.toConnection(writer);
  }

  /**
   * The answer to a command a JSON session sent: the Rejected frame REST's refusal maps to, or the order as
   * it is after the command. Its own fills are in that order; other accounts' sessions hear theirs as usual.
   */
  answerWithOrder(released: Released, sink: AnswerSink): void {
    const { command, events } = released;
    if (command.kind !== CommandKind.NewOrder && command.kind !== CommandKind.CancelOrder && command.kind !== CommandKind.ReplaceOrder) return;
    let orderId = command.kind === CommandKind.NewOrder ? command.sequence : command.orderId;
    let duplicate = false;
    for (let i = 0; i < events.length; i++) {
      const event = events[i];
      switch (event.kind) {
        case EventKind.OrderRejected:
          this.rejected(this.own, 0, ClientFrame.NewOrder, 0, event.code, command.accountId, 0);
          sink.toConnection(this.own);
          return;
        case EventKind.CommandRejected: {
          const quantity = command.kind === CommandKind.ReplaceOrder ? command.quantity : 0;
          this.rejected(this.own, 0, requestTypeOf(command.kind), event.orderId, event.code, command.accountId, quantity);
          sink.toConnection(this.own);
          return;
        }
        case EventKind.DuplicateOrder:
          orderId = event.orderId;
          duplicate = true;
          break;
        default:
          if (eventAccountId(event) !== command.accountId || eventOrderId(event) !== orderId) this.forOther(event, sink);
      }
    }
    const order = this.order;
    if (!this.orders.read(orderId, order)) throw new Error(`order-entry answer: order ${orderId} is missing from the order store`);
    sink.orderToConnection(this.state, encodeOrderState(order, duplicate, this.state, this.stateView));
  }

  /** A command no connection of this gateway sent (REST, admin, session close): only what others must hear. */
  notify(released: Released, sink: AnswerSink): void {
    const events = released.events;
    for (let i = 0; i < events.length; i++) this.forOther(events[i], sink);
  }

  private forOther(event: EngineEvent, sink: AnswerSink): void {
    const accountId = eventAccountId(event);
    if (accountId < 0 || !sink.hasSessions(accountId)) return;
    if (this.orderEvent(this.other, 0, event)) sink.toAccount(accountId, this.other);
  }

  /** Fill, Canceled or Replaced for an order event; false for events that are not about an order. */
  private orderEvent(writer: FrameWriter, clientSeq: number, event: EngineEvent): boolean {
    switch (event.kind) {
      case EventKind.Execution: {
        const frame = this.fillFrame;
        frame.clientSeq = clientSeq; frame.orderId = event.orderId; frame.tradeId = event.tradeId; frame.symbolId = event.symbolId;
        frame.side = event.side; frame.liquidity = event.isMaker ? 0 : 1; frame.priceCents = event.priceCents; frame.quantity = event.quantity;
        frame.leavesQuantity = event.remainingQuantity; frame.feeCents = event.feeCents; frame.timestampMs = event.timestampMs;
        writer.fill(frame);
        return true;
      }
      case EventKind.OrderCanceled: {
        const frame = this.canceledFrame;
        frame.clientSeq = clientSeq; frame.orderId = event.orderId; frame.symbolId = event.symbolId; frame.reason = event.reason;
        frame.canceledQuantity = event.canceledQuantity; frame.timestampMs = event.timestampMs;
        writer.canceled(frame);
        return true;
      }
      case EventKind.OrderReplaced: {
        const frame = this.replacedFrame;
        frame.clientSeq = clientSeq; frame.orderId = event.orderId; frame.priceCents = event.priceCents; frame.quantity = event.quantity;
        frame.leavesQuantity = event.remainingQuantity; frame.keptPriority = event.keptPriority; frame.timestampMs = event.timestampMs;
        writer.replaced(frame);
        return true;
      }
      default:
        return false;
    }
  }

  /** OrderAccepted describing the order as REST would return it after this command. */
  private accepted(writer: FrameWriter, clientSeq: number, orderId: number, flags: number): void {
    const order = this.order;
    if (!this.orders.read(orderId, order)) throw new Error(`order-entry answer: accepted order ${orderId} is missing from the order store`);
    const frame = this.acceptedFrame;
    frame.clientSeq = clientSeq; frame.orderId = order.orderId; frame.symbolId = order.symbolId; frame.side = order.side;
    frame.orderType = order.orderType; frame.timeInForce = order.timeInForce; frame.flags = flags | (order.postOnly ? OrderFlag.PostOnly : 0);
    frame.priceCents = order.priceCents; frame.quantity = order.quantity; frame.filledQuantity = order.filledQuantity;
    frame.leavesQuantity = isOpen(order) ? order.quantity - order.filledQuantity : 0; frame.status = STATUS_CODES[statusOf(order)];
    frame.timestampMs = order.creationTimeMs; frame.clientOrderId = order.clientOrderId;
    writer.orderAccepted(frame);
  }

  /**
   * The REST route's answer for the same refusal: a cancel or replace of an order that exists but is closed
   * is ORDER_NOT_OPEN, of one that is not this account's NOT_FOUND; a replace refused as INVALID_ARGUMENT
   * says which field.
   */
  private rejected(writer: FrameWriter, clientSeq: number, requestType: number, orderId: number, code: RejectCode, accountId: number, quantity: number): void {
    let name: ErrorCodeName = REJECT_CODE_NAMES[code] as ErrorCodeName;
    let message = rejectMessageOf(code);
    if (requestType !== ClientFrame.NewOrder && (code === RejectCode.NotFound || code === RejectCode.InvalidArgument)) {
      const order = this.orders.get(orderId);
      if (!order || order.accountId !== accountId) {
        name = 'NOT_FOUND';
        message = `no order ${orderId} for this account`;
      } else if (!isOpen(order)) {
        name = 'ORDER_NOT_OPEN';
        message = `order ${orderId} is no longer open (status ${statusOf(order)})`;
      } else if (code === RejectCode.InvalidArgument) {
        message = quantity !== 0 && quantity <= order.filledQuantity
          ? `quantity must exceed the filled quantity ${order.filledQuantity} (it is the new total)`
          : `price must be a multiple of the tick size ${(this.tickCents(order.symbolId) / 100).toFixed(2)}`;
      }
    }
    writer.rejected({ clientSeq, requestType, errorCode: ERROR_CODE_NUMBERS[name], orderId, message });
  }
}

function eventOrderId(event: EngineEvent): number {
  return event.kind === EventKind.Execution || event.kind === EventKind.OrderCanceled || event.kind === EventKind.OrderReplaced ? event.orderId : -1;
}

function eventAccountId(event: EngineEvent): number {
  return event.kind === EventKind.Execution || event.kind === EventKind.OrderCanceled || event.kind === EventKind.OrderReplaced ? event.accountId : -1;
}
