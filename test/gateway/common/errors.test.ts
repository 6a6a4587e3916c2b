import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { REJECT_CODE_NAMES, RejectCode } from '../../../src/engine/index.ts';
import {
  ApiError,
  ERROR_CATALOGUE,
  ERROR_CODES,
  apiErrorFromReject,
  httpStatusOf,
  isErrorCode,
  rateLimited,
  toApiError,
} from '../../../src/gateway/common/index.ts';
import type { ErrorCode } from '../../../src/gateway/common/index.ts';

const EXPECTED_STATUS: Record<ErrorCode, number> = {
  INVALID_ARGUMENT: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  IP_DENIED: 403,
  NOT_FOUND: 404,
  ORDER_NOT_OPEN: 409,
  DUPLICATE_CLIENT_ORDER_ID: 409,
  PAYLOAD_TOO_LARGE: 413,
  INSUFFICIENT_FUNDS: 422,
  RISK_LIMIT: 422,
  PRICE_BAND: 422,
  SYMBOL_HALTED: 422,
  MARKET_CLOSED: 422,
  UNKNOWN_SYMBOL: 422,
  ACCOUNT_BLOCKED: 422,
  POST_ONLY_WOULD_TRADE: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
};

describe('error catalogue', () => {
  it('has exactly the API.md codes, each with its status and a message', () => {
    assert.deepEqual([...ERROR_CODES].sort(), Object.keys(EXPECTED_STATUS).sort());
    for (const code of ERROR_CODES) {
      assert.equal(httpStatusOf(code), EXPECTED_STATUS[code], code);
      assert.match(code, /^[A-Z]+(_[A-Z]+)*$/);
      assert.ok(ERROR_CATALOGUE[code].message.length > 5, code);
      const error = new ApiError(code);
      assert.equal(error.status, EXPECTED_STATUS[code]);
      assert.deepEqual(error.toBody(), { error: { code, message: ERROR_CATALOGUE[code].message } });
    }
  });

  it('ApiError carries code, status, message and Retry-After; the body has no stack', () => {
    const error = new ApiError('INVALID_ARGUMENT', 'price must be a decimal string');
    assert.ok(error instanceof Error);
    assert.equal(error.name, 'ApiError');
    assert.equal(error.status, 400);
    assert.equal(error.retryAfterSeconds, undefined);
    assert.equal(JSON.stringify(error.toBody()), '{"error":{"code":"INVALID_ARGUMENT","message":"price must be a decimal string"}}');
    const limited = rateLimited(2.2);
    assert.equal(limited.status, 429);
    assert.equal(limited.retryAfterSeconds, 3);
    assert.equal(rateLimited(0).retryAfterSeconds, 1);
  });

  it('toApiError keeps ApiErrors and hides anything else behind 500 INTERNAL', () => {
    const api = new ApiError('NOT_FOUND');
    assert.equal(toApiError(api), api);
    const hidden = toApiError(new TypeError('secret detail at /srv/app.ts:12'));
    assert.equal(hidden.status, 500);
    assert.equal(hidden.code, 'INTERNAL');
    assert.doesNotMatch(JSON.stringify(hidden.toBody()), /secret|app\.ts/);
    assert.equal(isErrorCode('NOT_FOUND'), true);
    assert.equal(isErrorCode('toString'), false);
  });
});

describe('apiErrorFromReject', () => {
  it('maps every engine reject code to its API code and status', () => {
    for (const code of Object.values(RejectCode)) {
      const error = apiErrorFromReject(code);
      assert.equal(error.code, REJECT_CODE_NAMES[code]);
      assert.equal(error.status, EXPECTED_STATUS[error.code]);
      assert.ok(error.message.length > 5);
    }
    assert.equal(apiErrorFromReject(RejectCode.InvalidArgument).status, 400);
    assert.equal(apiErrorFromReject(RejectCode.NotFound).status, 404);
    assert.equal(apiErrorFromReject(RejectCode.OrderNotOpen).status, 409);
    assert.equal(apiErrorFromReject(RejectCode.DuplicateClientOrderId).status, 409);
    assert.equal(apiErrorFromReject(RejectCode.PostOnlyWouldTrade).status, 422);
    assert.equal(
      apiErrorFromReject(RejectCode.InsufficientFunds).message,
      'insufficient funds: the order needs more cash (or shares) than are available',
    );
  });

  it('appends context, and turns an unknown code into 500', () => {
    assert.match(apiErrorFromReject(RejectCode.InvalidArgument, 'price must be a multiple of 0.05').message, /\(price must be a multiple of 0\.05\)$/);
    const unknown = apiErrorFromReject(99 as RejectCode);
    assert.equal(unknown.code, 'INTERNAL');
    assert.equal(unknown.status, 500);
  });
});
