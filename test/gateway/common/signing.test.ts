import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { signRequest, verifyAdminToken, verifySignature } from '../../../src/gateway/common/index.ts';
import type { VerifySignatureInput } from '../../../src/gateway/common/index.ts';

const KEY = 'ak_live_alice';
const SECRET = 'sk_3f9a2c7e1b';
const NOW = 1_700_000_000_000;
const BODY = '{"symbol":"AAPL","side":"buy","orderType":"limit","price":"189.50","quantity":100}';
const PATH = '/v1/order';

/** Independent reference: HMAC-SHA256 straight from node:crypto on the concatenated string. */
function reference(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload).digest('hex');
}

function request(overrides: Partial<VerifySignatureInput> = {}): VerifySignatureInput {
  const timestamp = String(NOW);
  return {
    apiKey: KEY,
    timestamp,
    signature: reference(SECRET, `${timestamp}POST${PATH}${BODY}`),
    method: 'POST',
    pathWithQuery: PATH,
    rawBody: BODY,
    nowMs: NOW,
    lookupSecret: (apiKey) => (apiKey === KEY ? SECRET : undefined),
    ...overrides,
  };
}

function refused(input: VerifySignatureInput, pattern: RegExp): void {
  const result = verifySignature(input);
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.equal(result.error.code, 'UNAUTHENTICATED');
  assert.equal(result.error.status, 401);
  assert.match(result.error.message, pattern);
}

describe('signRequest', () => {
  it('matches HMAC-SHA256(secret, timestamp + METHOD + pathWithQuery + body) in lowercase hex', () => {
    const expected = reference(SECRET, `${NOW}POST${PATH}${BODY}`);
    assert.match(expected, /^[0-9a-f]{64}$/);
    assert.equal(signRequest(SECRET, NOW, 'POST', PATH, BODY), expected);
    assert.equal(signRequest(SECRET, String(NOW), 'post', PATH, Buffer.from(BODY)), expected);
    assert.equal(signRequest(SECRET, NOW, 'GET', '/v1/orders?symbol=AAPL&limit=5', ''), reference(SECRET, `${NOW}GET/v1/orders?symbol=AAPL&limit=5`));
  });

  it('matches fixed vectors computed with openssl', () => {
    // printf '%s' '1700000000000GET/v1/wallet' | openssl dgst -sha256 -hmac secret
    assert.equal(
      signRequest('secret', 1_700_000_000_000, 'GET', '/v1/wallet', ''),
      'a6a1852ad5b727660475413db85987894763fd38f404eb441e94fb2cee93b062',
    );
    // printf '%s' "1700000000000POST/v1/order$BODY" | openssl dgst -sha256 -hmac sk_3f9a2c7e1b
    assert.equal(signRequest(SECRET, NOW, 'POST', PATH, BODY), 'beb0b8c2f1c2c9547180592065397eac0bb5eb6e2be31fa9daccafdae8b16ec0');
  });
});

describe('verifySignature', () => {
  it('accepts a correctly signed request', () => {
    assert.deepEqual(verifySignature(request()), { ok: true, apiKey: KEY });
  });

  it('tolerates an upper-case hex signature (same bytes)', () => {
    const signature = reference(SECRET, `${NOW}POST${PATH}${BODY}`).toUpperCase();
    assert.equal(verifySignature(request({ signature })).ok, true);
  });

  it('accepts bytes as the raw body and an empty body', () => {
    assert.equal(verifySignature(request({ rawBody: Buffer.from(BODY) })).ok, true);
    const signature = reference(SECRET, `${NOW}GET/v1/wallet`);
    assert.equal(verifySignature(request({ method: 'GET', pathWithQuery: '/v1/wallet', rawBody: '', signature })).ok, true);
  });

  it('accepts timestamps exactly 5000 ms away either way, refuses 5001', () => {
    for (const delta of [-5000, 5000, 0, 4999, -4999]) {
      const timestamp = String(NOW + delta);
      const signature = reference(SECRET, `${timestamp}POST${PATH}${BODY}`);
      assert.equal(verifySignature(request({ timestamp, signature })).ok, true, `delta ${delta}`);
    }
    for (const delta of [-5001, 5001, 60_000, -NOW]) {
      const timestamp = String(NOW + delta);
      const signature = reference(SECRET, `${timestamp}POST${PATH}${BODY}`);
      refused(request({ timestamp, signature }), /X-Timestamp header \(\d+\) is more than 5000 ms away from the server clock \(server time 1700000000000\)/);
    }
  });

  it('honours a custom window', () => {
    const timestamp = String(NOW - 1001);
    const signature = reference(SECRET, `${timestamp}POST${PATH}${BODY}`);
    refused(request({ timestamp, signature, windowMs: 1000 }), /more than 1000 ms/);
  });

  it('refuses missing or repeated headers, naming the header', () => {
    refused(request({ apiKey: undefined }), /^missing X-API-Key header$/);
    refused(request({ apiKey: '' }), /^missing X-API-Key header$/);
    refused(request({ timestamp: undefined }), /^missing X-Timestamp header$/);
    refused(request({ signature: undefined }), /^missing X-Signature header$/);
    refused(request({ signature: [] }), /^missing X-Signature header$/);
    refused(request({ apiKey: [KEY, KEY] }), /^X-API-Key header must appear exactly once$/);
    assert.equal(verifySignature(request({ apiKey: [KEY] })).ok, true);
    refused(request({ apiKey: [''] }), /^missing X-API-Key header$/);
  });

  it('refuses malformed timestamps', () => {
    for (const timestamp of ['abc', '1.7e12', '-1700000000000', ' 1700000000000', '1700000000000.0', '0x1', '12345678901234567']) {
      refused(request({ timestamp }), /^X-Timestamp header must be an integer number of milliseconds since the Unix epoch$/);
    }
  });

  it('refuses malformed signatures', () => {
    for (const signature of ['abc', 'z'.repeat(64), reference(SECRET, 'x').slice(0, 63), `${reference(SECRET, 'x')}0`]) {
      refused(request({ signature }), /^X-Signature header must be the lowercase hex HMAC-SHA256/);
    }
  });

  it('refuses an unknown key and a wrong signature with the same message', () => {
    refused(request({ apiKey: 'ak_nobody' }), /^invalid API key or signature$/);
    refused(request({ apiKey: 'x'.repeat(10_000) }), /^invalid API key or signature$/);
    refused(request({ signature: reference('wrong-secret', `${NOW}POST${PATH}${BODY}`) }), /^invalid API key or signature$/);
  });

  it('refuses a tampered body, path, query, method or timestamp', () => {
    refused(request({ rawBody: BODY.replace('100', '1000') }), /^invalid API key or signature$/);
    refused(request({ rawBody: `${BODY} ` }), /^invalid API key or signature$/);
    refused(request({ rawBody: '' }), /^invalid API key or signature$/);
    refused(request({ pathWithQuery: '/v1/order/1' }), /^invalid API key or signature$/);
    refused(request({ pathWithQuery: `${PATH}?x=1` }), /^invalid API key or signature$/);
    refused(request({ method: 'PUT' }), /^invalid API key or signature$/);
    refused(request({ timestamp: String(NOW + 1) }), /^invalid API key or signature$/);
  });

  it('accepts the WebSocket auth payload and uses its field names in messages', () => {
    const timestamp = String(NOW);
    const signature = reference(SECRET, `${timestamp}GET/v1/ws`);
    const fieldNames = { apiKey: 'apiKey field', timestamp: 'timestamp field', signature: 'signature field' };
    assert.equal(verifySignature(request({ method: 'GET', pathWithQuery: '/v1/ws', rawBody: '', signature, fieldNames })).ok, true);
    refused(request({ apiKey: undefined, fieldNames }), /^missing apiKey field$/);
  });
});

describe('verifyAdminToken', () => {
  const TOKEN = 'adm_0123456789abcdef';
  it('accepts the right bearer token', () => {
    assert.equal(verifyAdminToken(`Bearer ${TOKEN}`, TOKEN), null);
    assert.equal(verifyAdminToken(`bearer ${TOKEN}`, TOKEN), null);
  });
  it('refuses missing, malformed and wrong tokens with 401', () => {
    const cases: Array<[string | undefined, RegExp]> = [
      [undefined, /missing Authorization header/],
      ['', /missing Authorization header/],
      [TOKEN, /must be "Bearer <admin token>"/],
      [`Basic ${TOKEN}`, /must be "Bearer <admin token>"/],
      ['Bearer ', /must be "Bearer <admin token>"/],
      [`Bearer ${TOKEN}x`, /^invalid admin token$/],
      [`Bearer ${TOKEN.slice(0, -1)}`, /^invalid admin token$/],
      [`Bearer ${TOKEN.toUpperCase()}`, /^invalid admin token$/],
    ];
    for (const [header, pattern] of cases) {
      const error = verifyAdminToken(header, TOKEN);
      assert.ok(error !== null, String(header));
      assert.equal(error.status, 401);
      assert.equal(error.code, 'UNAUTHENTICATED');
      assert.match(error.message, pattern);
    }
  });
  it('never accepts when the configured token is empty', () => {
    assert.notEqual(verifyAdminToken('Bearer ', ''), null);
    assert.notEqual(verifyAdminToken('Bearer x', ''), null);
  });
});
