// The one error catalogue of the public API (API.md, "Conventions"): every code with its HTTP status and a
// default human message, defined once. Gateways throw or return ApiError; the HTTP layer turns it into
// `status` + `toBody()` (plus `Retry-After` when retryAfterSeconds is set). Never a stack trace in a body.

import { REJECT_CODE_NAMES, RejectCode } from '../../engine/types.ts';

interface CatalogueEntry {
  readonly status: number;
  readonly message: string;
}

/** Every API error code, its HTTP status and its default message. */
export const ERROR_CATALOGUE = {
  INVALID_ARGUMENT: { status: 400, message: 'invalid argument: a field is missing, malformed or out of range' },
  UNAUTHENTICATED: { status: 401, message: 'missing or invalid credentials' },
  PERMISSION_DENIED: { status: 403, message: 'not allowed' },
  IP_DENIED: { status: 403, message: 'requests from this IP address are not allowed' },
  NOT_FOUND: { status: 404, message: 'not found' },
  ORDER_NOT_OPEN: { status: 409, message: 'the order is no longer open (already filled or canceled)' },
  DUPLICATE_CLIENT_ORDER_ID: {
    status: 409,
    message: 'clientOrderId was already used by this account for a different order',
  },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'the request body is too large' },
  INSUFFICIENT_FUNDS: {
    status: 422,
    message: 'insufficient funds: the order needs more cash (or shares) than are available',
  },
  RISK_LIMIT: {
    status: 422,
    message: 'risk limit: the order exceeds a limit (order quantity, open orders or open notional)',
  },
  PRICE_BAND: { status: 422, message: 'price band: the price is outside the allowed band around the last trade' },
  SYMBOL_HALTED: { status: 422, message: 'the symbol is halted: trading is suspended' },
  MARKET_CLOSED: { status: 422, message: 'the market is closed' },
  UNKNOWN_SYMBOL: { status: 422, message: 'unknown symbol' },
  ACCOUNT_BLOCKED: { status: 422, message: 'the account is blocked' },
  POST_ONLY_WOULD_TRADE: {
    status: 422,
    message: 'post-only order would trade on arrival, so it was not placed',
  },
  RATE_LIMITED: { status: 429, message: 'too many requests: rate limit exceeded, retry later' },
  INTERNAL: { status: 500, message: 'internal error' },
  UNAVAILABLE: { status: 503, message: 'service unavailable: not the leader or not ready, retry later' },
} as const satisfies Record<string, CatalogueEntry>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** All error codes, in catalogue order. */
export const ERROR_CODES: readonly ErrorCode[] = Object.freeze(Object.keys(ERROR_CATALOGUE) as ErrorCode[]);

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CATALOGUE, value);
}

/** HTTP status of an error code. */
export function httpStatusOf(code: ErrorCode): number {
  return ERROR_CATALOGUE[code].status;
}

export interface ApiErrorBody {
  error: { code: ErrorCode; message: string };
}

export interface ApiErrorOptions {
  /** Seconds for the Retry-After header (429, optionally 503). Integer >= 1. */
  retryAfterSeconds?: number;
  cause?: unknown;
}

/** An error the API reports to the client as is: status, code and a human message. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly retryAfterSeconds?: number;

  constructor(code: ErrorCode, message?: string, options: ApiErrorOptions = {}) {
    super(message ?? ERROR_CATALOGUE[code].message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ApiError';
    this.code = code;
    this.status = ERROR_CATALOGUE[code].status;
    if (options.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
  }

  /** The response body: `{"error": {"code", "message"}}`. */
  toBody(): ApiErrorBody {
    return { error: { code: this.code, message: this.message } };
  }
}

export function isApiError(value: unknown): value is ApiError {
  return value instanceof ApiError;
}

/** 400 INVALID_ARGUMENT; the message should name the field. */
export function invalidArgument(message: string): ApiError {
  return new ApiError('INVALID_ARGUMENT', message);
}

/** 429 RATE_LIMITED with the seconds for Retry-After (rounded up, at least 1). */
export function rateLimited(retryAfterSeconds: number, message?: string): ApiError {
  const seconds = Number.isFinite(retryAfterSeconds) ? Math.max(1, Math.ceil(retryAfterSeconds)) : 1;
  return new ApiError('RATE_LIMITED', message ?? `too many requests: rate limit exceeded, retry in ${seconds} s`, {
    retryAfterSeconds: seconds,
  });
}

/**
 * Any thrown value as an ApiError: an ApiError stays as it is; anything else is a server bug and becomes
 * 500 INTERNAL with the generic message (the original is kept as `cause` for logs, never sent).
 */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  return new ApiError('INTERNAL', undefined, { cause: error });
}

/** Human message for each engine reject code (the core gives only the code). */
const REJECT_MESSAGES: Readonly<Record<RejectCode, string>> = {
  [RejectCode.InvalidArgument]:
    'invalid argument: a field is out of range (e.g. a price not a multiple of the tick size or above the maximum, ' +
    'or a new quantity not above the filled quantity)',
  [RejectCode.NotFound]: 'not found: no such open order, account or asset',
  [RejectCode.OrderNotOpen]: ERROR_CATALOGUE.ORDER_NOT_OPEN.message,
  [RejectCode.DuplicateClientOrderId]: ERROR_CATALOGUE.DUPLICATE_CLIENT_ORDER_ID.message,
  [RejectCode.InsufficientFunds]: ERROR_CATALOGUE.INSUFFICIENT_FUNDS.message,
  [RejectCode.RiskLimit]: ERROR_CATALOGUE.RISK_LIMIT.message,
  [RejectCode.PriceBand]: ERROR_CATALOGUE.PRICE_BAND.message,
  [RejectCode.SymbolHalted]: ERROR_CATALOGUE.SYMBOL_HALTED.message,
  [RejectCode.MarketClosed]: ERROR_CATALOGUE.MARKET_CLOSED.message,
  [RejectCode.UnknownSymbol]: ERROR_CATALOGUE.UNKNOWN_SYMBOL.message,
  [RejectCode.AccountBlocked]: ERROR_CATALOGUE.ACCOUNT_BLOCKED.message,
  [RejectCode.PostOnlyWouldTrade]: ERROR_CATALOGUE.POST_ONLY_WOULD_TRADE.message,
};

/**
 * The API error for an engine reject code. Status follows the catalogue (INVALID_ARGUMENT 400, NOT_FOUND 404,
 * ORDER_NOT_OPEN and DUPLICATE_CLIENT_ORDER_ID 409, business codes 422). `context`, when given, is appended
 * in parentheses, e.g. `apiErrorFromReject(RejectCode.InvalidArgument, 'price must be a multiple of 0.05')`.
 * A code the engine does not define (a decoding bug) becomes 500 INTERNAL.
 */
export function apiErrorFromReject(code: RejectCode, context?: string): ApiError {
  const name = Object.prototype.hasOwnProperty.call(REJECT_CODE_NAMES, code) ? REJECT_CODE_NAMES[code] : undefined;
  if (name === undefined || !isErrorCode(name)) {
    return new ApiError('INTERNAL', undefined, { cause: new Error(`unexpected engine reject code ${String(code)}`) });
  }
  const base = REJECT_MESSAGES[code];
  return new ApiError(name, context === undefined || context === '' ? base : `${base} (${context})`);
}

/** The message apiErrorFromReject gives a reject code, without making an Error (hot paths answer many). */
export function rejectMessageOf(code: RejectCode): string {
  return Object.prototype.hasOwnProperty.call(REJECT_MESSAGES, code) ? REJECT_MESSAGES[code] : ERROR_CATALOGUE.INTERNAL.message;
}
