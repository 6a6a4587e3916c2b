// Order entry over the WebSocket (README "Order entry over WebSocket"). After auth, `order.new`,
// `order.cancel` and `order.replace` take the fields of POST, DELETE and PUT /v1/order, pass the same
// checks in the same order (http/order-commands.ts: one set of codes and messages), draw on the same
// per-key rate limit, and are answered once the command is durable: {"op", "requestId", "order"} or
// {"op": "error", "requestId", "error": {"code", "message"}}.
//
// Clients pipeline. Answers leave a connection in the order its requests arrived (AnswerQueue), which
// for commands is the order they were sequenced. A connection with `maxInFlight` requests unanswered is
// no longer read until half of them are answered: TCP pushes back on the client, and neither its requests
// nor its answers pile up here.
import type { Released, UnstampedCommand } from '../../sequencer/index.ts';
import type { OrderRecord } from '../../views/index.ts';
import { ApiError, type TokenBucketLimiter, toApiError } from '../common/index.ts';
import { requireReady } from '../http/auth.ts';
import type { GatewayContext } from '../http/context.ts';
import {
  amendOutcome, cancelCommand, isDuplicate, type NewOrderBody, newOrderCommand, newOrderOutcome, openOwnOrder, type ReplaceBody, replaceCommand,
  schemaError,
} from '../http/order-commands.ts';
import { presentOrder } from '../http/presenters.ts';
import type { PendingAnswer } from './answer-queue.ts';
import {
  admitOrderRequest, compileOrderValidators, errorAnswer, hasBodyField, isRequestId, type OrderOp, orderIdOf, type RequestId, requestIdRequired,
} from './order-requests.ts';
import type { Session } from './session.ts';

export type { OrderOp } from './order-requests.ts';

/** A command waiting to be durable; `order` is the order a cancel or replace acts on. */
class PendingCommand implements PendingAnswer {
  answer: Buffer | null = null;
  constructor(
    readonly op: OrderOp,
    readonly requestId: RequestId,
    readonly order: OrderRecord | null,
    readonly receivedMs: number,
  ) {}
}

export class OrderEntry {
  private readonly validate = compileOrderValidators();

  constructor(
    private readonly context: GatewayContext,
    private readonly perKey: TokenBucketLimiter,
    private readonly maxInFlight: number,
  ) {}

  /** One order-entry message, parsed; answered now (a refusal) or once its command is durable. */
  handle(session: Session, op: OrderOp, message: Record<string, unknown>): void {
    const requestId = message.requestId;
    if (!isRequestId(requestId)) {
      this.refuse(session, null, requestIdRequired());
      return;
    }
    try {
      const accountId = admitOrderRequest(session, this.perKey);
      if (op === 'order.new') this.newOrder(session, accountId, requestId, message);
      else if (op === 'order.cancel') this.cancel(session, accountId, requestId, message);
      else this.replace(session, accountId, requestId, message);
    } catch (error) {
      this.refuse(session, requestId, this.apiErrorOf(error));
    }
  }

  // The three ops check what their REST route checks, in its order: the body's schema, readiness, then
  // the route's own checks. Submitting is their last step: everything before it may throw a refusal.

  private newOrder(session: Session, accountId: number, requestId: RequestId, message: Record<string, unknown>): void {
    const receivedMs = performance.now();
    if (!this.validate.newOrder(message)) throw schemaError(this.validate.newOrder, 'body');
    requireReady(this.context);
    const command = newOrderCommand(message as unknown as NewOrderBody, accountId, this.context.symbols);
    this.submit(session, new PendingCommand('order.new', requestId, null, receivedMs), command);
  }

  private cancel(session: Session, accountId: number, requestId: RequestId, message: Record<string, unknown>): void {
    const idText = orderIdOf(message.orderId);
    requireReady(this.context);
    const order = openOwnOrder(this.context.node, accountId, idText);
    this.submit(session, new PendingCommand('order.cancel', requestId, order, 0), cancelCommand(order));
  }

  private replace(session: Session, accountId: number, requestId: RequestId, message: Record<string, unknown>): void {
    const idText = orderIdOf(message.orderId);
    if (!hasBodyField(message)) {
      this.validate.emptyReplace({});
      throw schemaError(this.validate.emptyReplace, 'body');
    }
    if (!this.validate.replace(message)) throw schemaError(this.validate.replace, 'body');
    requireReady(this.context);
    const order = openOwnOrder(this.context.node, accountId, idText);
    const command = replaceCommand(order, message as ReplaceBody, this.context.symbols);
    this.submit(session, new PendingCommand('order.replace', requestId, order, 0), command);
  }

  private submit(session: Session, pending: PendingCommand, command: UnstampedCommand): void {
    session.answers.push(pending);
    if (session.answers.size >= this.maxInFlight && !session.socket.isPaused) session.socket.pause();
    void this.complete(session, pending, command);
  }

  private async complete(session: Session, pending: PendingCommand, command: UnstampedCommand): Promise<void> {
    try {
      const released = await this.context.node.submit(command);
      pending.answer = this.answerOf(pending, released);
    } catch (error) {
      const apiError = this.apiErrorOf(error);
      this.context.metrics.rejects.inc({ code: apiError.code });
      pending.answer = errorAnswer(pending.requestId, apiError);
    }
    session.answers.drainTo(session);
    if (session.socket.isPaused && session.answers.size <= this.maxInFlight / 2) session.socket.resume();
  }

  /** The answer to a durable command: its order, or the rejection (thrown, as REST throws it). */
  private answerOf(pending: PendingCommand, released: Released): Buffer {
    const { node, metrics, symbols } = this.context;
    if (pending.op === 'order.new') {
      const order = newOrderOutcome(node, metrics, released);
      metrics.orderLatencySeconds.observe((performance.now() - pending.receivedMs) / 1e3);
      const answer = isDuplicate(released)
        ? { op: pending.op, requestId: pending.requestId, order: presentOrder(order, symbols), duplicate: true }
        : { op: pending.op, requestId: pending.requestId, order: presentOrder(order, symbols) };
      return Buffer.from(JSON.stringify(answer));
    }
    const order = amendOutcome(node, metrics, pending.op === 'order.cancel' ? 'cancel' : 'replace', released, pending.order!);
    return Buffer.from(JSON.stringify({ op: pending.op, requestId: pending.requestId, order: presentOrder(order, symbols) }));
  }

  /** A refusal before sequencing: it waits behind the connection's earlier requests, if any. */
  private refuse(session: Session, requestId: RequestId | null, error: ApiError): void {
    this.context.metrics.rejects.inc({ code: error.code });
    const answer = errorAnswer(requestId, error);
    if (session.answers.size === 0) session.send(answer);
    else session.answers.push({ answer });
  }

  private apiErrorOf(error: unknown): ApiError {
    const apiError = toApiError(error);
    if (apiError.code === 'INTERNAL') console.error('internal error in WebSocket order entry:', error);
    return apiError;
  }
}
