// The JSON order-entry messages (README "Order entry over WebSocket") as both places that take them read
// them: the /v1/ws endpoint of the HTTP server (order-entry.ts, on the engine thread) and the /v1/ws
// endpoint of the order-entry gateway threads (binary/json-order-entry.ts). One set of checks and wordings,
// so a client gets the same answer from either.
import type { ValidateFunction } from 'ajv';
import { ApiError, invalidArgument, rateLimited, type TokenBucketLimiter, verifySignature } from '../common/index.ts';
import { newBodyAjv } from '../http/order-commands.ts';
import { schemas } from '../http/schemas.ts';

export type OrderOp = 'order.new' | 'order.cancel' | 'order.replace';

/** The client's tag of a request, echoed in its answer. */
export type RequestId = string | number;

export const MAX_REQUEST_ID_LENGTH = 64;
const ORDER_ID = /^[0-9]{1,15}$/;

export function isRequestId(value: unknown): value is RequestId {
  if (typeof value === 'string') return value.length >= 1 && value.length <= MAX_REQUEST_ID_LENGTH;
  return Number.isSafeInteger(value);
}

/** The refusal of a message without a usable requestId (answered with "requestId": null). */
export function requestIdRequired(): ApiError {
  return invalidArgument(`requestId is required: a string of 1 to ${MAX_REQUEST_ID_LENGTH} characters or an integer, echoed in the answer`);
}

/** What admitting an order-entry request reads of a session, on either endpoint. */
export interface OrderEntrySession {
  accountId: number | null;
  apiKey: string | null;
}

/**
 * The session's account, once the request is charged to its API key's rate limit (as REST's signature guard
 * does); throws UNAUTHENTICATED before auth, saying so when an auth is sent and not yet answered
 * (`authPending`, the gateway threads' endpoint, which answers auth in turn), and RATE_LIMITED.
 */
export function admitOrderRequest(session: OrderEntrySession, limiter: TokenBucketLimiter, authPending = false): number {
  if (session.accountId === null || session.apiKey === null) {
    throw new ApiError('UNAUTHENTICATED', authPending
      ? 'order entry needs {"op":"auth",...} first: wait for {"op":"authenticated"}'
      : 'order entry needs {"op":"auth",...} first');
  }
  const taken = limiter.take(session.apiKey);
  if (!taken.allowed) throw rateLimited(taken.retryAfterSeconds, 'too many requests for this API key');
  return session.accountId;
}

/** The order id of a cancel or replace as the REST path carries it: 1 to 15 digits (a JSON integer is taken too). */
export function orderIdOf(value: unknown): string {
  if (typeof value === 'string' && ORDER_ID.test(value)) return value;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value < 1e15) return String(value);
  throw invalidArgument('orderId must be an order id: a string of 1 to 15 digits, like "42"');
}

/** Whether a replace carries any field of PUT /v1/order/{id}'s body (known or not) besides the envelope. */
export function hasBodyField(message: Record<string, unknown>): boolean {
  for (const key in message) if (key !== 'op' && key !== 'requestId' && key !== 'orderId') return true;
  return false;
}

export interface OrderValidators {
  newOrder: ValidateFunction;
  replace: ValidateFunction;
  emptyReplace: ValidateFunction;
}

/**
 * The schemas of the REST bodies plus the envelope (op, requestId, orderId), so that a message is checked
 * where it lies, with the REST wording. Replace drops `minProperties` (the envelope would satisfy it):
 * a replace without any body field is checked against the REST schema as the empty body it is.
 */
export function compileOrderValidators(): OrderValidators {
  const ajv = newBodyAjv();
  const envelope = { op: {}, requestId: {}, orderId: {} };
  const rest = schemas.newOrderBody;
  return {
    newOrder: ajv.compile({
      type: 'object', required: [...rest.required], additionalProperties: false,
      properties: { ...rest.properties, op: envelope.op, requestId: envelope.requestId },
    }),
    replace: ajv.compile({ type: 'object', additionalProperties: false, properties: { ...schemas.replaceBody.properties, ...envelope } }),
    emptyReplace: ajv.compile(schemas.replaceBody),
  };
}

/** `{"op": "error", "requestId", "error": {"code", "message"[, "retryAfterSeconds"]}}` as bytes. */
export function errorAnswer(requestId: RequestId | null, error: ApiError): Buffer {
  const body: { code: string; message: string; retryAfterSeconds?: number } = { code: error.code, message: error.message };
  if (error.retryAfterSeconds !== undefined) body.retryAfterSeconds = error.retryAfterSeconds;
  return Buffer.from(JSON.stringify({ op: 'error', requestId, error: body }));
}

/** What signs a WebSocket's auth message (API.md): timestamp + "GET" + "/v1/ws" + "". */
export const WS_SIGNED_PATH = '/v1/ws';

/** Checks `{"op": "auth", "apiKey", "timestamp", "signature"}` as REST checks a signed request. */
export function verifyAuthMessage(
  message: Record<string, unknown>, nowMs: number, lookupSecret: (apiKey: string) => string | undefined, windowMs: number | undefined,
): ReturnType<typeof verifySignature> {
  return verifySignature({
    apiKey: typeof message.apiKey === 'string' ? message.apiKey : undefined,
    timestamp: typeof message.timestamp === 'string' || typeof message.timestamp === 'number' ? String(message.timestamp) : undefined,
    signature: typeof message.signature === 'string' ? message.signature : undefined,
    method: 'GET',
    pathWithQuery: WS_SIGNED_PATH,
    rawBody: '',
    nowMs,
    lookupSecret,
    windowMs,
    fieldNames: { apiKey: 'apiKey field', timestamp: 'timestamp field', signature: 'signature field' },
  });
}
