// JSON order entry on a gateway thread: the /v1/ws endpoint of the order-entry port speaks the order-entry
// messages of the HTTP server's /v1/ws (README "Order entry over WebSocket": auth, order.new, order.cancel,
// order.replace, with a requestId) so that parsing, checking and encoding JSON happen here and not on the
// engine thread. Requests travel to the engine as the binary protocol's frames on the shared-memory bus; the
// engine answers each with the order after the command (order-state.ts) or the Rejected frame of REST's
// refusal, and the answer is the REST order object built by the same presenter. Market data and the private
// orders channel stay on the HTTP server's /v1/ws.
//
// Answers leave a connection in the order its requests arrived (AnswerQueue): refusals made here wait behind
// the answers of requests still at the engine. A connection with maxOrdersInFlight requests unanswered is
// not read until half of them are answered.
import type { WebSocket } from 'ws';
import { ApiError, invalidArgument, parsePriceCents, type TokenBucketLimiter, toApiError } from '../common/index.ts';
import { type NewOrderBody, newOrderCommand, schemaError } from '../http/order-commands.ts';
import { presentOrderJson } from '../http/presenters.ts';
import type { SymbolTable } from '../http/symbols.ts';
import { AnswerQueue, type PendingAnswer } from '../ws/answer-queue.ts';
import {
  admitOrderRequest, compileOrderValidators, errorAnswer, hasBodyField, isRequestId, type OrderOp, orderIdOf, type OrderValidators, type RequestId,
  requestIdRequired,
} from '../ws/order-requests.ts';
import { Session } from '../ws/session.ts';
import type { NewOrderCommand } from '../../engine/index.ts';
import { emptyOrderRecord } from '../../views/index.ts';
import { decodeServerFrame, errorCodeName, ServerFrame } from '../../protocol/order-entry/index.ts';
import { InboundKind, OutboundTarget } from './bus-records.ts';
import type { BusWriter } from './bus-writer.ts';
import { decodeOrderState } from './order-state.ts';

export interface JsonEntrySettings {
  /** Longer messages are answered with INVALID_ARGUMENT (16 times longer close the connection). */
  maxMessageBytes: number;
  /** Answer bytes a connection may leave unread before it is closed as a slow consumer. */
  maxBufferedBytes: number;
  /** Requests a connection may have unanswered before it is no longer read (until half are answered). */
  maxOrdersInFlight: number;
  /** Ping interval; a connection that did not answer the previous ping is closed. */
  heartbeatIntervalMs: number;
}

/** A request waiting for its answer: at the engine until `answer` is set. */
interface PendingRequest extends PendingAnswer {
  op: OrderOp | 'auth';
  requestId: RequestId | null;
  /** For auth: the key the connection becomes once the engine accepts it. */
  apiKey: string;
}

class JsonSession {
  accountId: number | null = null;
  apiKey: string | null = null;
  /** Every request in arrival order, answered or not (answers leave from the front only). */
  readonly answers = new AnswerQueue();
  /** The requests at the engine, oldest first: its answers come back in this order. */
  private readonly atEngine: PendingRequest[] = [];
  private atEngineHead = 0;
  authPending = 0;

  constructor(readonly connectionId: number, readonly out: Session) {}

  sentToEngine(request: PendingRequest): void {
    this.answers.push(request);
    this.atEngine.push(request);
  }

  /** The oldest request at the engine (the one an answer arriving now belongs to). */
  takeAnswered(): PendingRequest | undefined {
    if (this.atEngineHead >= this.atEngine.length) return undefined;
    const request = this.atEngine[this.atEngineHead++];
    if (this.atEngineHead === this.atEngine.length) {
      this.atEngine.length = 0;
      this.atEngineHead = 0;
    } else if (this.atEngineHead > 1024) {
      this.atEngine.splice(0, this.atEngineHead);
      this.atEngineHead = 0;
    }
    return request;
  }
}

const NOT_HERE = 'this endpoint takes order entry only (auth, order.new, order.cancel, order.replace); market data and the orders channel are at /v1/ws on the HTTP port';

export class JsonOrderEntry {
  private readonly sessions = new Map<number, JsonSession>();
  private readonly validate: OrderValidators = compileOrderValidators();
  private readonly dirty = new Set<Session>();
  private flushScheduled = false;
  private readonly order = emptyOrderRecord();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly sessionEvents = {
    sent: () => {},
    slowConsumer: () => {},
    queued: (session: Session) => {
      this.dirty.add(session);
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(this.flush);
      }
    },
  };

  constructor(
    private readonly bus: BusWriter,
    private readonly symbols: SymbolTable,
    private readonly limiter: TokenBucketLimiter,
    private readonly settings: JsonEntrySettings,
  ) {
    this.heartbeat = setInterval(() => {
      for (const session of this.sessions.values()) session.out.heartbeat();
    }, settings.heartbeatIntervalMs);
    this.heartbeat.unref();
  }

  /** The WebSocket's `maxPayload`: frames up to 16 times the message limit are read and refused, larger ones close the connection. */
  get maxPayloadBytes(): number {
    return this.settings.maxMessageBytes * 16;
  }

  /** Takes a new WebSocket as connection `connectionId`. */
  open(ws: WebSocket, connectionId: number): void {
    const session = new JsonSession(connectionId, new Session(ws, { maxBufferedBytes: this.settings.maxBufferedBytes, maxSubscriptions: 0 }, this.sessionEvents));
    this.sessions.set(connectionId, session);
    ws.on('message', (raw: Buffer) => this.handle(session, raw));
    ws.on('close', () => {
      session.out.closed = true;
      this.sessions.delete(connectionId);
    });
    ws.on('error', () => ws.terminate());
  }

  /** True when the connection is one of these (answers for it go to onAnswer). */
  has(connectionId: number): boolean {
    return this.sessions.has(connectionId);
  }

  /** Writes what the sessions have queued (after a batch of answers, or on the next turn). */
  readonly flush = (): void => {
    this.flushScheduled = false;
    for (const session of this.dirty) session.flush();
    this.dirty.clear();
  };

  /** Closes every connection (the server is stopping); answers still at the engine are not waited for. */
  close(): void {
    clearInterval(this.heartbeat);
    this.flush();
    for (const session of this.sessions.values()) session.out.close(1001, 'server shutting down');
  }

  // Requests ------------------------------------------------------------------------------------------------

  private handle(session: JsonSession, raw: Buffer): void {
    if (raw.length > this.settings.maxMessageBytes) {
      this.sendNow(session, invalidArgument(`message is ${raw.length} bytes; at most ${this.settings.maxMessageBytes} are read`));
      return;
    }
    let message: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(raw.toString('utf8'));
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      message = parsed as Record<string, unknown>;
    } catch {
      this.sendNow(session, invalidArgument('message must be a JSON object like {"op":"auth","apiKey":"...","timestamp":1700000000000,"signature":"..."}'));
      return;
    }
    switch (message.op) {
      case 'auth':
        return this.authenticate(session, message);
      case 'order.new':
      case 'order.cancel':
      case 'order.replace':
        return this.orderRequest(session, message.op, message);
      case 'subscribe':
      case 'unsubscribe':
        this.sendNow(session, invalidArgument(NOT_HERE));
        return;
      default:
        this.sendNow(session, invalidArgument('op must be one of auth, order.new, order.cancel, order.replace'));
    }
  }

  /** The engine thread checks the signature (it owns the keys); the answer binds the connection. */
  private authenticate(session: JsonSession, message: Record<string, unknown>): void {
    const fields = JSON.stringify({ apiKey: message.apiKey, timestamp: message.timestamp, signature: message.signature });
    session.authPending++;
    this.sent(session, { op: 'auth', requestId: null, answer: null, apiKey: typeof message.apiKey === 'string' ? message.apiKey : '' });
    this.bus.record(InboundKind.JsonLogin, session.connectionId, 0, Buffer.from(fields, 'utf8'));
  }

  private orderRequest(session: JsonSession, op: OrderOp, message: Record<string, unknown>): void {
    const requestId = message.requestId;
    if (!isRequestId(requestId)) {
      this.refuse(session, null, requestIdRequired());
      return;
    }
    try {
      const accountId = admitOrderRequest(session, this.limiter, session.authPending > 0);
      const pending: PendingRequest = { op, requestId, answer: null, apiKey: '' };
      if (op === 'order.new') this.newOrder(session, accountId, message, pending);
      else if (op === 'order.cancel') this.cancel(session, accountId, message, pending);
      else this.replace(session, accountId, message, pending);
    } catch (error) {
      this.refuse(session, requestId, toApiError(error));
    }
  }

  // The checks of the REST route that need no order state; the engine thread makes the rest (an order that
  // is not this account's or no longer open, a replace off the tick or not above the filled part).

  private newOrder(session: JsonSession, accountId: number, message: Record<string, unknown>, pending: PendingRequest): void {
    if (!this.validate.newOrder(message)) throw schemaError(this.validate.newOrder, 'body');
    const command = newOrderCommand(message as unknown as NewOrderBody, accountId, this.symbols) as Omit<NewOrderCommand, 'sequence' | 'timestampMs'>;
    this.bus.newOrder(session.connectionId, accountId, command);
    this.sent(session, pending);
  }

  private cancel(session: JsonSession, accountId: number, message: Record<string, unknown>, pending: PendingRequest): void {
    this.bus.cancel(session.connectionId, accountId, Number(orderIdOf(message.orderId)));
    this.sent(session, pending);
  }

  private replace(session: JsonSession, accountId: number, message: Record<string, unknown>, pending: PendingRequest): void {
    const orderId = Number(orderIdOf(message.orderId));
    if (!hasBodyField(message)) {
      this.validate.emptyReplace({});
      throw schemaError(this.validate.emptyReplace, 'body');
    }
    if (!this.validate.replace(message)) throw schemaError(this.validate.replace, 'body');
    const priceCents = message.price === undefined ? 0 : parsePriceCents(message.price, 'price');
    this.bus.replace(session.connectionId, accountId, orderId, message.quantity === undefined ? 0 : (message.quantity as number), priceCents);
    this.sent(session, pending);
  }

  /** The request is on its way to the engine: its answer is awaited in order; a full window stops reading. */
  private sent(session: JsonSession, pending: PendingRequest): void {
    session.sentToEngine(pending);
    if (session.answers.size >= this.settings.maxOrdersInFlight && !session.out.socket.isPaused) session.out.socket.pause();
  }

  /** A refusal made here: it waits behind the connection's requests still at the engine, if any. */
  private refuse(session: JsonSession, requestId: RequestId | null, error: ApiError): void {
    const answer = errorAnswer(requestId, error);
    if (session.answers.size === 0) session.out.send(answer);
    else session.answers.push({ answer });
  }

  /** A message that is no request (bad JSON, an unknown op): answered at once, as the HTTP server's /v1/ws does. */
  private sendNow(session: JsonSession, error: ApiError): void {
    session.out.sendJson({ op: 'error', error: { code: error.code, message: error.message } });
  }

  // Answers from the engine thread -----------------------------------------------------------------------------

  /** One answer record for one of these connections (target Connection or OrderState). */
  onAnswer(target: number, connectionId: number, data: Uint8Array, view: DataView, start: number): void {
    const session = this.sessions.get(connectionId);
    if (!session) return;
    const request = session.takeAnswered();
    if (!request) return;
    if (target === OutboundTarget.OrderState) {
      const duplicate = decodeOrderState(data, view, start, this.order);
      // JSON.stringify({ op, requestId, order, duplicate? }) with the order written directly (presentOrderJson).
      request.answer = Buffer.from('{"op":' + JSON.stringify(request.op) + ',"requestId":' + JSON.stringify(request.requestId) +
        ',"order":' + presentOrderJson(this.order, this.symbols) + (duplicate ? ',"duplicate":true}' : '}'));
    } else {
      const frame = decodeServerFrame(data[start + 2], data, view, start + 3, view.getUint16(start, true) - 1);
      if (request.op === 'auth') session.authPending--;
      if (frame.type === ServerFrame.LoginAccepted) {
        session.accountId = frame.accountId;
        session.apiKey = request.apiKey;
        request.answer = Buffer.from(JSON.stringify({ op: 'authenticated', accountId: String(frame.accountId) }));
      } else if (frame.type === ServerFrame.Rejected) {
        const error = new ApiError(errorCodeName(frame.errorCode) ?? 'INTERNAL', frame.message);
        request.answer = request.op === 'auth'
          ? Buffer.from(JSON.stringify({ op: 'error', error: { code: error.code, message: error.message } }))
          : errorAnswer(request.requestId, error);
      } else {
        request.answer = errorAnswer(request.requestId, new ApiError('INTERNAL', `unexpected answer frame 0x${frame.type.toString(16)}`));
      }
    }
    session.answers.drainTo(session.out);
    const socket = session.out.socket;
    if (socket.isPaused && session.answers.size <= this.settings.maxOrdersInFlight / 2) socket.resume();
  }
}
