// Request signing (API.md, "Authentication"): X-Signature is the lowercase hex of
// HMAC-SHA256(apiSecret, timestamp + METHOD + pathWithQuery + body), body being the exact raw request body
// ("" when none), and X-Timestamp must be within 5,000 ms of the server clock either way (exactly 5,000 ms
// away is still accepted).
//
// What a client is told: which header is missing or malformed, and that the timestamp is outside the
// window (with the server time, to help fix a skewed clock). An unknown API key and a wrong signature get
// the same message, "invalid API key or signature", and cost the same work (an unknown key is checked
// against a dummy secret), so neither the message nor the timing tells whether a key exists. Checks run in
// this order: headers present, timestamp well-formed, timestamp in the window, signature well-formed (64 hex
// digits; upper case is tolerated, it is the same bytes), then key and signature together.

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { ApiError } from './errors.ts';

export const DEFAULT_SIGNATURE_WINDOW_MS = 5_000;

/** Lowercase hex HMAC-SHA256 of timestamp + METHOD + pathWithQuery + body. The method is upper-cased. */
export function signRequest(
  secret: string,
  timestampMs: string | number,
  method: string,
  pathWithQuery: string,
  body: string | Uint8Array,
): string {
  const hmac = createHmac('sha256', secret);
  hmac.update(`${String(timestampMs)}${method.toUpperCase()}${pathWithQuery}`, 'utf8');
  if (typeof body === 'string') hmac.update(body, 'utf8');
  else hmac.update(body);
  return hmac.digest('hex');
}

/** A header as Node gives it: absent, once, or repeated. */
export type HeaderValue = string | readonly string[] | undefined;

/**
 * How messages name the three credentials: the defaults are the HTTP headers ("X-API-Key header"); the
 * WebSocket auth message passes its own (e.g. "apiKey field").
 */
export interface SignatureFieldNames {
  apiKey: string;
  timestamp: string;
  signature: string;
}

const HEADER_NAMES: SignatureFieldNames = {
  apiKey: 'X-API-Key header',
  timestamp: 'X-Timestamp header',
  signature: 'X-Signature header',
};

export interface VerifySignatureInput {
  apiKey: HeaderValue;
  timestamp: HeaderValue;
  signature: HeaderValue;
  /** HTTP method ("GET", "POST", ...); upper-cased before signing. */
  method: string;
  /** Path and query exactly as the client sent them, e.g. "/v1/orders?symbol=AAPL". */
  pathWithQuery: string;
  /** The exact raw body ("" or empty bytes when none). */
  rawBody: string | Uint8Array;
  /** Server clock, ms since the epoch. */
  nowMs: number;
  /** The API secret of a key, undefined when the key is unknown. */
  lookupSecret: (apiKey: string) => string | undefined;
  /** Allowed distance between the timestamp and nowMs, either way; default 5,000 ms. */
  windowMs?: number;
  fieldNames?: SignatureFieldNames;
}

export type VerifySignatureResult = { ok: true; apiKey: string } | { ok: false; error: ApiError };

const TIMESTAMP = /^[0-9]{1,16}$/;
const SIGNATURE = /^[0-9a-fA-F]{64}$/;
const MAX_API_KEY_LENGTH = 256;
/** Stands in for the secret of an unknown key, so that both paths do the same work. */
const DUMMY_SECRET = 'no-such-key-0000000000000000000000000000000000000000';

function fail(message: string): { ok: false; error: ApiError } {
  return { ok: false, error: new ApiError('UNAUTHENTICATED', message) };
}

/** The value of a header sent exactly once, or an error message. */
function single(value: HeaderValue, name: string): string | { message: string } {
  if (value === undefined) return { message: `missing ${name}` };
  if (typeof value !== 'string') {
    if (value.length === 1) return single(value[0], name);
    return { message: value.length === 0 ? `missing ${name}` : `${name} must appear exactly once` };
  }
  if (value === '') return { message: `missing ${name}` };
  return value;
}

/** Checks the API key, timestamp window and signature of a request; 401 UNAUTHENTICATED when any fails. */
export function verifySignature(input: VerifySignatureInput): VerifySignatureResult {
  const names = input.fieldNames ?? HEADER_NAMES;
  const windowMs = input.windowMs ?? DEFAULT_SIGNATURE_WINDOW_MS;

  const apiKey = single(input.apiKey, names.apiKey);
  if (typeof apiKey !== 'string') return fail(apiKey.message);
  const timestamp = single(input.timestamp, names.timestamp);
  if (typeof timestamp !== 'string') return fail(timestamp.message);
  const signature = single(input.signature, names.signature);
  if (typeof signature !== 'string') return fail(signature.message);

  if (!TIMESTAMP.test(timestamp)) {
    return fail(`${names.timestamp} must be an integer number of milliseconds since the Unix epoch`);
  }
  const timestampMs = Number(timestamp);
  if (!(Math.abs(input.nowMs - timestampMs) <= windowMs)) {
    return fail(
      `${names.timestamp} (${timestamp}) is more than ${windowMs} ms away from the server clock ` +
        `(server time ${Math.floor(input.nowMs)}); check the client's clock`,
    );
  }
  if (!SIGNATURE.test(signature)) {
    return fail(`${names.signature} must be the lowercase hex HMAC-SHA256 of the request (64 characters)`);
  }

  const secret = apiKey.length <= MAX_API_KEY_LENGTH ? input.lookupSecret(apiKey) : undefined;
  const expected = Buffer.from(
    signRequest(secret ?? DUMMY_SECRET, timestamp, input.method, input.pathWithQuery, input.rawBody),
    'hex',
  );
  const given = Buffer.from(signature, 'hex');
  // Both are 32 bytes: the regex above guarantees 64 hex digits.
  const matches = timingSafeEqual(expected, given);
  if (secret === undefined || !matches) return fail('invalid API key or signature');
  return { ok: true, apiKey };
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * Checks `Authorization: Bearer <token>` against the admin token, in constant time (both sides are hashed
 * first, so neither the content nor the length leaks). Returns null when it matches, else 401
 * UNAUTHENTICATED. An empty configured token never matches.
 */
export function verifyAdminToken(authorizationHeader: HeaderValue, token: string): ApiError | null {
  const header = single(authorizationHeader, 'Authorization header');
  if (typeof header !== 'string') {
    return new ApiError('UNAUTHENTICATED', `${header.message} (expected "Authorization: Bearer <admin token>")`);
  }
  const match = /^Bearer +(\S+) *$/i.exec(header);
  if (match === null) {
    return new ApiError('UNAUTHENTICATED', 'Authorization header must be "Bearer <admin token>"');
  }
  const matches = timingSafeEqual(sha256(match[1]), sha256(token));
  if (!matches || token === '') return new ApiError('UNAUTHENTICATED', 'invalid admin token');
  return null;
}
