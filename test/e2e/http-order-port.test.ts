// REST order entry on the order-entry port (a gateway thread): POST /v1/order, DELETE and PUT /v1/order/{id}
// there must answer as the HTTP port answers (API.md "Trading"), black-box against the REAL server process.
// Every refusal is sent to both ports with the same input and must come back with the same status and body;
// every success must be the order the HTTP port then shows.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { orderEntryPort } from './order-entry-helpers.ts';
import { type Account, Client, type Json, type Reply, type ServerProcess, startServer } from './server-process.ts';
import { money } from './ws-client.ts';

const ENV = { EXCHANGE_FSYNC: '0', EXCHANGE_RATE_PER_KEY: '1000000', EXCHANGE_BURST_PER_KEY: '1000000' };

let server: ServerProcess;
let rest: Client;
let port: Client;
let alice: Account;
let bob: Account;
let pool: Array<{ symbol: string; ref: number }> = [];

async function freshSymbol(): Promise<{ symbol: string; ref: number }> {
  const next = pool.shift();
  assert.ok(next, 'ran out of symbols');
  await rest.deposit(alice, next.symbol, '1000000');
  await rest.deposit(bob, next.symbol, '1000000');
  return next;
}

const limit = (symbol: string, side: 'buy' | 'sell', priceCents: number, quantity: number, extra: Record<string, unknown> = {}): Record<string, unknown> =>
  ({ symbol, side, orderType: 'limit', price: money(priceCents), quantity, ...extra });

function expectStatus(reply: Reply, status: number, what: string): Json {
  assert.equal(reply.status, status, `${what}: ${reply.status} ${reply.text}`);
  return reply.body;
}

/** The same refusal from both ports: status, body, and Retry-After. */
function assertSame(fromPort: Reply, fromRest: Reply, status: number, code: string, what: string): void {
  assert.equal(fromRest.status, status, `${what}: HTTP port ${fromRest.status} ${fromRest.text}`);
  assert.equal(fromRest.body?.error?.code, code, `${what}: HTTP port ${fromRest.text}`);
  assert.equal(fromPort.status, fromRest.status, `${what}: order-entry port ${fromPort.status} ${fromPort.text}`);
  assert.deepEqual(fromPort.body, fromRest.body, `${what}: order-entry port vs HTTP port`);
  assert.match(fromPort.headers.get('content-type') ?? '', /^application\/json/);
  assert.equal(fromPort.headers.get('retry-after'), fromRest.headers.get('retry-after'), `${what}: Retry-After`);
}

before(async () => {
  server = await startServer({ env: ENV });
  rest = server.client;
  port = new Client(`http://127.0.0.1:${await orderEntryPort(rest)}`);
  const listed = await rest.publicGet('/v1/symbols');
  pool = (listed.body.symbols as Array<{ symbol: string; tickSize: string; referencePrice: string; priceBandPercent: number }>)
    .filter((s) => s.symbol !== 'AAPL' && s.tickSize === '0.01' && s.priceBandPercent >= 10 && Number(s.referencePrice) >= 50)
    .map((s) => ({ symbol: s.symbol, ref: Math.round(Number(s.referencePrice) * 100) }));
  [alice, bob] = await Promise.all([rest.createAccount('port-alice'), rest.createAccount('port-bob')]);
  await Promise.all([rest.deposit(alice, 'USD', '100000000.00'), rest.deposit(bob, 'USD', '100000000.00'), rest.deposit(bob, 'AAPL', '100000')]);
});

describe('orders through the order-entry port', () => {
  it('POST: 201 with the order the HTTP port then shows; a repeated clientOrderId is 200 with the first order', async () => {
    const { symbol, ref } = await freshSymbol();
    const body = limit(symbol, 'buy', ref - 100, 5, { clientOrderId: 'port-ü-1', timeInForce: 'DAY', postOnly: true });
    const order = expectStatus(await port.signed(alice, 'POST', '/v1/order', body), 201, 'new order');
    assert.equal(order.status, 'new');
    assert.equal(order.clientOrderId, 'port-ü-1');
    assert.deepEqual(expectStatus(await rest.signed(alice, 'GET', `/v1/order/${order.id}`), 200, 'GET'), order);
    assert.deepEqual(expectStatus(await port.signed(alice, 'POST', '/v1/order', body), 200, 'repeat'), order);
  });

  it('a crossing order comes back filled with its average price, as REST shows it; the maker is filled too', async () => {
    const { symbol, ref } = await freshSymbol();
    const maker1 = expectStatus(await rest.signed(bob, 'POST', '/v1/order', limit(symbol, 'sell', ref, 3)), 201, 'maker 1');
    const maker2 = expectStatus(await port.signed(bob, 'POST', '/v1/order', limit(symbol, 'sell', ref + 1, 4)), 201, 'maker 2');
    const taker = expectStatus(await port.signed(alice, 'POST', '/v1/order', limit(symbol, 'buy', ref + 5, 10, { timeInForce: 'IOC' })), 201, 'taker');
    assert.equal(taker.status, 'canceled');
    assert.equal(taker.filledQuantity, 7);
    assert.equal(taker.averagePrice, (Math.round((3 * ref + 4 * (ref + 1)) * 10_000 / 7) / 1_000_000).toFixed(4));
    assert.deepEqual(expectStatus(await rest.signed(alice, 'GET', `/v1/order/${taker.id}`), 200, 'GET taker'), taker);
    for (const maker of [maker1, maker2]) assert.equal(expectStatus(await rest.signed(bob, 'GET', `/v1/order/${maker.id}`), 200, 'GET maker').status, 'filled');
  });

  it('PUT replaces and DELETE cancels: 200 with the order as the HTTP port then shows it', async () => {
    const { symbol, ref } = await freshSymbol();
    const order = expectStatus(await port.signed(alice, 'POST', '/v1/order', limit(symbol, 'buy', ref - 20, 10)), 201, 'new');
    const replaced = expectStatus(await port.signed(alice, 'PUT', `/v1/order/${order.id}`, { quantity: 8, price: money(ref - 21) }), 200, 'replace');
    assert.deepEqual([replaced.quantity, replaced.price], [8, money(ref - 21)]);
    assert.deepEqual(expectStatus(await rest.signed(alice, 'GET', `/v1/order/${order.id}`), 200, 'GET'), replaced);
    const canceled = expectStatus(await port.signed(alice, 'DELETE', `/v1/order/${order.id}`), 200, 'cancel');
    assert.equal(canceled.status, 'canceled');
    assert.deepEqual(expectStatus(await rest.signed(alice, 'GET', `/v1/order/${order.id}`), 200, 'GET'), canceled);
  });
});

describe('refusals: the HTTP port\'s status and body for the same input', () => {
  const badBodies: Array<[string, Record<string, unknown>]> = [
    ['missing symbol', { side: 'buy', orderType: 'limit', price: '200.00', quantity: 1 }],
    ['bad side', { symbol: 'AAPL', side: 'hold', orderType: 'limit', price: '200.00', quantity: 1 }],
    ['quantity as a string', { symbol: 'AAPL', side: 'buy', orderType: 'limit', price: '200.00', quantity: '5' }],
    ['price with 3 decimals', { symbol: 'AAPL', side: 'buy', orderType: 'limit', price: '200.001', quantity: 1 }],
    ['price 0', { symbol: 'AAPL', side: 'buy', orderType: 'limit', price: '0', quantity: 1 }],
    ['limit without a price', { symbol: 'AAPL', side: 'buy', orderType: 'limit', quantity: 1 }],
    ['market with a price', { symbol: 'AAPL', side: 'buy', orderType: 'market', price: '200.00', quantity: 1 }],
    ['an unknown field', { symbol: 'AAPL', side: 'buy', orderType: 'limit', price: '200.00', quantity: 1, stopPrice: '1.00' }],
  ];
  for (const [what, body] of badBodies) {
    it(`POST 400: ${what}`, async () => {
      assertSame(await port.signed(alice, 'POST', '/v1/order', body), await rest.signed(alice, 'POST', '/v1/order', body), 400, 'INVALID_ARGUMENT', what);
    });
  }

  it('POST 422: UNKNOWN_SYMBOL, INSUFFICIENT_FUNDS, PRICE_BAND', async () => {
    const poor = await rest.createAccount('port-poor');
    const cases: Array<[string, Account, Record<string, unknown>]> = [
      ['UNKNOWN_SYMBOL', alice, limit('NOSUCH', 'buy', 100_00, 1)],
      ['INSUFFICIENT_FUNDS', poor, limit('AAPL', 'buy', 210_00, 1)],
      ['PRICE_BAND', alice, limit('AAPL', 'buy', 300_00, 1)],
    ];
    for (const [code, account, body] of cases) {
      assertSame(await port.signed(account, 'POST', '/v1/order', body), await rest.signed(account, 'POST', '/v1/order', body), 422, code, code);
    }
  });

  it('DELETE and PUT: 404 NOT_FOUND (unknown, another account\'s), 409 ORDER_NOT_OPEN, 400 for a bad id or body', async () => {
    const { symbol, ref } = await freshSymbol();
    const bobs = expectStatus(await rest.signed(bob, 'POST', '/v1/order', limit(symbol, 'sell', ref + 10, 1)), 201, 'bob');
    const done = expectStatus(await rest.signed(alice, 'POST', '/v1/order', limit(symbol, 'buy', ref - 10, 1)), 201, 'alice');
    expectStatus(await rest.signed(alice, 'DELETE', `/v1/order/${done.id}`), 200, 'cancel');
    const open = expectStatus(await rest.signed(alice, 'POST', '/v1/order', limit(symbol, 'buy', ref - 11, 5)), 201, 'open');
    const cases: Array<[number, string, string, string, Record<string, unknown> | undefined]> = [
      [404, 'NOT_FOUND', 'DELETE', '/v1/order/987654321', undefined],
      [404, 'NOT_FOUND', 'DELETE', `/v1/order/${bobs.id}`, undefined],
      [409, 'ORDER_NOT_OPEN', 'DELETE', `/v1/order/${done.id}`, undefined],
      [400, 'INVALID_ARGUMENT', 'DELETE', '/v1/order/abc', undefined],
      [400, 'INVALID_ARGUMENT', 'DELETE', '/v1/order/%zz', undefined],
      [400, 'INVALID_ARGUMENT', 'DELETE', `/v1/order/${'9'.repeat(40)}`, undefined],
      [404, 'NOT_FOUND', 'PUT', '/v1/order/987654321', { quantity: 5 }],
      [409, 'ORDER_NOT_OPEN', 'PUT', `/v1/order/${done.id}`, { quantity: 5 }],
      [400, 'INVALID_ARGUMENT', 'PUT', `/v1/order/${open.id}`, {}],
      [400, 'INVALID_ARGUMENT', 'PUT', `/v1/order/${open.id}`, { quantity: '9' }],
      [400, 'INVALID_ARGUMENT', 'PUT', `/v1/order/${open.id}`, { quantity: 9, side: 'sell' }],
      [422, 'PRICE_BAND', 'PUT', `/v1/order/${open.id}`, { price: money(ref * 2) }],
    ];
    for (const [status, code, method, path, body] of cases) {
      const what = `${method} ${path} ${JSON.stringify(body)}`;
      assertSame(await port.signed(alice, method, path, body), await rest.signed(alice, method, path, body), status, code, what);
    }
    assert.equal(expectStatus(await rest.signed(bob, 'GET', `/v1/order/${bobs.id}`), 200, 'GET').status, 'new', 'another account\'s order is untouched');
    assert.equal(expectStatus(await rest.signed(alice, 'GET', `/v1/order/${open.id}`), 200, 'GET').quantity, 5, 'nothing refused changed the order');
  });

  it('401 for missing or bad credentials, a key never seen, a wrong secret; 400 for bad JSON or media type; 413 past the body limit', async () => {
    const body = limit('AAPL', 'buy', 200_00, 1);
    const stranger: Account = { accountId: '0', apiKey: 'no-such-key-' + 'a'.repeat(20), apiSecret: 'x' };
    const cases: Array<[number, string, string, (client: Client) => Promise<Reply>]> = [
      [401, 'UNAUTHENTICATED', 'no credentials', (c) => c.request('POST', '/v1/order', { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })],
      [401, 'UNAUTHENTICATED', 'unknown key', (c) => c.signed(stranger, 'POST', '/v1/order', body)],
      [401, 'UNAUTHENTICATED', 'wrong secret', (c) => c.signed({ ...alice, apiSecret: 'not-the-secret' }, 'POST', '/v1/order', body)],
      [401, 'UNAUTHENTICATED', 'bad signature format', (c) => c.signed(alice, 'POST', '/v1/order', body, { headers: { 'X-Signature': 'xyz' } })],
      [400, 'INVALID_ARGUMENT', 'bad JSON', (c) => c.signed(alice, 'POST', '/v1/order', '{"symbol": "AAPL",')],
      [400, 'INVALID_ARGUMENT', 'text/plain', (c) => c.signed(alice, 'POST', '/v1/order', JSON.stringify(body), { headers: { 'Content-Type': 'text/plain' } })],
      [413, 'PAYLOAD_TOO_LARGE', 'a 20 KiB body', (c) => c.signed(alice, 'POST', '/v1/order', { ...body, clientOrderId: 'x'.repeat(20 * 1024) })],
    ];
    for (const [status, code, what, send] of cases) assertSame(await send(port), await send(rest), status, code, what);
    // A timestamp outside the window: same code; the message carries each server's clock reading.
    const stale = await port.signed(alice, 'POST', '/v1/order', body, { timestampMs: Date.now() - 60_000 });
    assert.equal(stale.status, 401);
    assert.match(stale.body.error.message, /more than 5000 ms away from the server clock/);
  });

  it('malformed bodies: the same status and body from both ports, never a 500', async () => {
    const good = '{"symbol":"AAPL","side":"buy","orderType":"limit","price":"190.00","quantity":1}';
    const raw = (client: Client, body: string, type = 'application/json'): Promise<Reply> =>
      client.signed(alice, 'POST', '/v1/order', body, { headers: { 'Content-Type': type } });
    const bodies: Array<[string, string, string?]> = [
      ['not JSON', 'hello'], ['a form', 'symbol=AAPL&side=buy', 'application/x-www-form-urlencoded'], ['empty', ''], ['{}', '{}'], ['[]', '[]'],
      ['null', 'null'], ['a string', '"buy"'], ['a number', '123'], ['an array of orders', `[${good}]`],
      ['quantity 1e400', good.replace('"quantity":1', '"quantity":1e400')], ['quantity 2^53 + 1', good.replace('"quantity":1', '"quantity":9007199254740993')],
      ['quantity -0', good.replace('"quantity":1', '"quantity":-0')], ['price huge', good.replace('190.00', '99999999999999999999.99')],
      ['price NaN', good.replace('190.00', 'NaN')], ['unicode symbol', good.replace('AAPL', 'ÄPFEL🚀')], ['NUL symbol', good.replace('AAPL', '\\u0000')],
      ['lone surrogate symbol', good.replace('AAPL', '\\ud800')], ['__proto__', good.replace('{', '{"__proto__":{"isAdmin":true},')],
      ['deeply nested', `${'['.repeat(5000)}${']'.repeat(5000)}`], ['BOM before JSON', `\ufeff${good}`],
    ];
    for (const [what, body, type] of bodies) {
      const fromRest = await raw(rest, body, type);
      assert.ok(fromRest.status >= 400 && fromRest.status < 500, `${what}: HTTP port ${fromRest.status} ${fromRest.text}`);
      assertSame(await raw(port, body, type), fromRest, fromRest.status, fromRest.body.error.code, what);
    }
  });

  it('other routes are 404 on the order-entry port, naming what it takes', async () => {
    const reply = await port.signed(alice, 'GET', '/v1/wallet');
    assert.equal(reply.status, 404);
    assert.equal(reply.body.error.code, 'NOT_FOUND');
    assert.match(reply.body.error.message, /POST \/v1\/order.*HTTP port/);
  });
});

describe('RATE_LIMITED on the order-entry port', () => {
  let limited: ServerProcess;
  before(async () => {
    limited = await startServer({ env: { EXCHANGE_FSYNC: '0', EXCHANGE_RATE_PER_KEY: '1', EXCHANGE_BURST_PER_KEY: '3' } });
  });
  after(async () => {
    await limited?.stop();
  });

  it('past the burst: 429 with REST\'s body and Retry-After', async () => {
    const carol = await limited.client.createAccount('port-carol');
    await limited.client.deposit(carol, 'USD', '100000.00');
    const limitedPort = new Client(`http://127.0.0.1:${await orderEntryPort(limited.client)}`);
    const body = limit('AAPL', 'buy', 200_00, 1);
    const replies: Reply[] = [];
    for (let i = 0; i < 6; i++) replies.push(await limitedPort.signed(carol, 'POST', '/v1/order', body));
    assert.deepEqual(replies.map((r) => r.status).slice(0, 3), [201, 201, 201]);
    let fromRest = await limited.client.signed(carol, 'GET', '/v1/wallet');
    for (let i = 0; i < 5 && fromRest.status !== 429; i++) fromRest = await limited.client.signed(carol, 'GET', '/v1/wallet');
    assertSame(replies[5], fromRest, 429, 'RATE_LIMITED', 'rate limited');
  });
});
