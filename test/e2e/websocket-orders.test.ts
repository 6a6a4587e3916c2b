// Order entry over the JSON WebSocket (README "Order entry over WebSocket"), tested black-box against the
// REAL server process with the contract-only clients of server-process.ts and ws-client.ts:
//
//  1. order.new, order.cancel, order.replace succeed after auth; the answer's order is the REST order
//     (GET /v1/order/{id}); an order placed over the WebSocket trades against one placed over REST.
//  2. every error code a WebSocket order can meet, each compared with REST for the same input: same
//     code, same message. UNAUTHENTICATED before auth; RATE_LIMITED from the bucket REST uses too.
//  3. pipelining: 500 orders on one connection, 500 answers in order; refusals keep their place; more
//     requests in flight than the server reads at once are all answered on a connection that stays open.
//  4. the private orders channel works alongside order entry on the same connection.
//
// UNAVAILABLE cannot be met black-box (the server listens only once ready, and closes its WebSockets
// before it stops being ready), so the last group starts the server in this process and marks the node
// not ready.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Account, ADMIN_TOKEN, Client, type Json, type Reply, type ServerProcess, startServer } from './server-process.ts';
import { orderEntryPort } from './order-entry-helpers.ts';
import { authMessage, money, OrdersFollower, WsClient } from './ws-client.ts';

/** Order entry, not the disk, is under test; the per-key limit is lifted except where it is the subject. */
const ENV = { EXCHANGE_FSYNC: '0', EXCHANGE_RATE_PER_KEY: '1000000', EXCHANGE_BURST_PER_KEY: '1000000' };

const clients: WsClient[] = [];
after(() => {
  for (const client of clients) client.close();
});

/** A connection that sends order-entry requests and waits for the answer carrying their requestId. */
class Trader {
  private nextRequestId = 1;

  constructor(readonly ws: WsClient) {}

  static async connect(url: string, account: Account | null, name: string): Promise<Trader> {
    const ws = await WsClient.connect(url, name);
    clients.push(ws);
    if (account) {
      const from = ws.mark();
      ws.send(authMessage(account));
      const reply = await ws.waitFor((m) => m.op === 'authenticated' || m.op === 'error', 'auth reply', { from });
      assert.equal(reply.op, 'authenticated', JSON.stringify(reply));
    }
    return new Trader(ws);
  }

  /** Sends `{op, requestId, ...fields}` and waits for its answer (its op, or an error with its requestId). */
  request(op: string, fields: Record<string, unknown>, requestId: string | number = this.nextRequestId++): Promise<Json> {
    const from = this.ws.mark();
    this.ws.send({ op, requestId, ...fields });
    return this.ws.waitFor((m) => (m.op === op || m.op === 'error') && m.requestId === requestId, `${op} answer to ${String(requestId)}`, { from });
  }

  /** A request that must succeed: returns the order. */
  async ok(op: string, fields: Record<string, unknown>): Promise<Json> {
    const answer = await this.request(op, fields);
    assert.equal(answer.op, op, `${op} ${JSON.stringify(fields)}: ${JSON.stringify(answer)}`);
    return answer.order;
  }
}

function assertStatus(reply: Reply, status: number): void {
  assert.equal(reply.status, status, `expected ${status}, got ${reply.status} ${reply.text}`);
}

/** The WebSocket answer is the error REST gave: same code and message (and REST's code is `code`). */
function assertSameError(answer: Json, rest: Reply, code: string, what: string): void {
  assert.equal(rest.body?.error?.code, code, `${what}: REST ${rest.status} ${rest.text}`);
  assert.equal(answer.op, 'error', `${what}: expected an error, got ${JSON.stringify(answer)}`);
  assert.deepEqual({ code: answer.error.code, message: answer.error.message }, rest.body.error, `${what}: WebSocket vs REST`);
}

// ---------------------------------------------------------------------------------------------------------

let server: ServerProcess;
let api: Client;
let alice: Account;
let bob: Account;
let aliceWs: Trader;
let bobWs: Trader;
/** The base URL of the /v1/ws under test (the HTTP port's, or an order-entry port's). */
let wsUrl: string;

/** Symbols handed out one per scenario, so that each starts with an empty book. */
let pool: Array<{ symbol: string; ref: number }> = [];
async function freshSymbol(): Promise<{ symbol: string; ref: number }> {
  const next = pool.shift();
  assert.ok(next, 'ran out of symbols');
  await api.deposit(alice, next.symbol, '1000000');
  await api.deposit(bob, next.symbol, '1000000');
  return next;
}

async function restOrder(account: Account, body: Record<string, unknown>, status = 201): Promise<Json> {
  const reply = await api.signed(account, 'POST', '/v1/order', body);
  assertStatus(reply, status);
  return reply.body;
}

async function restGetOrder(account: Account, id: string): Promise<Json> {
  const reply = await api.signed(account, 'GET', `/v1/order/${id}`);
  assertStatus(reply, 200);
  return reply.body;
}

const limit = (symbol: string, side: 'buy' | 'sell', priceCents: number, quantity: number, extra: Record<string, unknown> = {}): Record<string, unknown> =>
  ({ symbol, side, orderType: 'limit', price: money(priceCents), quantity, ...extra });

before(async () => {
  server = await startServer({ env: ENV });
  api = server.client;
  const listed = await api.publicGet('/v1/symbols');
  assertStatus(listed, 200);
  pool = (listed.body.symbols as Array<{ symbol: string; tickSize: string; referencePrice: string; priceBandPercent: number }>)
    .filter((s) => s.symbol !== 'AAPL' && s.tickSize === '0.01' && s.priceBandPercent >= 10 && Number(s.referencePrice) >= 50)
    .map((s) => ({ symbol: s.symbol, ref: Math.round(Number(s.referencePrice) * 100) }));
  [alice, bob] = await Promise.all([api.createAccount('ws-alice'), api.createAccount('ws-bob')]);
  await Promise.all([api.deposit(alice, 'USD', '100000000.00'), api.deposit(bob, 'USD', '100000000.00'), api.deposit(bob, 'AAPL', '100000')]);
});

// =========================================================================================================
// Groups 1 to 3 run twice: against /v1/ws on the HTTP port (on the engine thread) and against /v1/ws on an
// order-entry port (a gateway thread, which sends the orders to the engine thread over the bus): the same
// answers either way.
const ENDPOINTS = [
  { name: 'the HTTP port', httpPort: true, url: async (): Promise<string> => server.url },
  { name: 'an order-entry port (a gateway thread)', httpPort: false, url: async (): Promise<string> => `http://127.0.0.1:${await orderEntryPort(api)}` },
];

for (const endpoint of ENDPOINTS) describe(`/v1/ws on ${endpoint.name}`, () => {
  // The accounts are the same in both runs, so their clientOrderIds differ; the second run's are not ASCII
  // (the bus carries them as UTF-8).
  const idTag = endpoint.httpPort ? 'ws' : 'gw-ü-東';
  before(async () => {
    wsUrl = await endpoint.url();
    [aliceWs, bobWs] = await Promise.all([Trader.connect(wsUrl, alice, 'alice'), Trader.connect(wsUrl, bob, 'bob')]);
  });

  // =========================================================================================================
  describe('order.new, order.cancel, order.replace', () => {
    it('order.new: the answer echoes the requestId (integer or string) and carries the REST order', async () => {
      const { symbol, ref } = await freshSymbol();
      const byNumber = await aliceWs.request('order.new', limit(symbol, 'buy', ref - 100, 5, { clientOrderId: `${idTag}-new-1` }), 41);
      assert.equal(byNumber.op, 'order.new', JSON.stringify(byNumber));
      assert.equal(byNumber.requestId, 41);
      assert.equal(byNumber.duplicate, undefined);
      const order = byNumber.order;
      assert.equal(order.status, 'new');
      assert.equal(order.clientOrderId, `${idTag}-new-1`);
      assert.equal(order.timeInForce, 'GTC', 'the REST default');
      assert.equal(order.postOnly, false, 'the REST default');
      assert.deepEqual(order, await restGetOrder(alice, order.id), 'the same order object REST returns');
      const byString = await aliceWs.request('order.new', limit(symbol, 'buy', ref - 101, 1, { timeInForce: 'DAY', postOnly: true }), 'req-α');
      assert.equal(byString.op, 'order.new');
      assert.equal(byString.requestId, 'req-α');
      assert.equal(byString.order.timeInForce, 'DAY');
      assert.equal(byString.order.postOnly, true);
    });

    it('order.new trades against a REST order: both filled, REST sees the WebSocket order', async () => {
      const { symbol, ref } = await freshSymbol();
      const resting = await restOrder(bob, limit(symbol, 'sell', ref, 7));
      const taker = await aliceWs.ok('order.new', limit(symbol, 'buy', ref + 5, 7));
      assert.equal(taker.status, 'filled');
      assert.equal(taker.filledQuantity, 7);
      assert.equal(taker.remainingQuantity, 0);
      assert.equal(Number(taker.averagePrice), ref / 100, 'filled at the resting price');
      assert.deepEqual(await restGetOrder(alice, taker.id), taker);
      const maker = await restGetOrder(bob, resting.id);
      assert.equal(maker.status, 'filled');
      assert.equal(maker.filledQuantity, 7);
      // A market order over the WebSocket, against a REST limit order.
      await restOrder(alice, limit(symbol, 'buy', ref - 10, 3));
      const market = await bobWs.ok('order.new', { symbol, side: 'sell', orderType: 'market', quantity: 5 });
      assert.equal(market.orderType, 'market');
      assert.equal(market.price, null);
      assert.equal(market.filledQuantity, 3);
      assert.equal(market.status, 'canceled', 'a market remainder is canceled, as over REST');
    });

    it('a repeated clientOrderId answers with the first order, as REST answers 200', async () => {
      const { symbol, ref } = await freshSymbol();
      const body = limit(symbol, 'buy', ref - 50, 2, { clientOrderId: `${idTag}-dup` });
      const first = await aliceWs.ok('order.new', body);
      const again = await aliceWs.request('order.new', body);
      assert.equal(again.op, 'order.new');
      assert.equal(again.duplicate, true);
      assert.deepEqual(again.order, first);
      const rest = await restOrder(alice, body, 200);
      assert.equal(rest.id, first.id);
    });

    it('order.replace: new total quantity and price, the REST order after the change', async () => {
      const { symbol, ref } = await freshSymbol();
      const order = await aliceWs.ok('order.new', limit(symbol, 'buy', ref - 20, 10));
      const smaller = await aliceWs.ok('order.replace', { orderId: order.id, quantity: 8 });
      assert.equal(smaller.id, order.id);
      assert.equal(smaller.quantity, 8);
      assert.equal(smaller.price, money(ref - 20));
      const repriced = await aliceWs.ok('order.replace', { orderId: order.id, price: money(ref - 25) });
      assert.equal(repriced.price, money(ref - 25));
      const both = await aliceWs.ok('order.replace', { orderId: Number(order.id), quantity: 12, price: money(ref - 30) });
      assert.equal(both.quantity, 12);
      assert.equal(both.price, money(ref - 30));
      assert.equal(both.status, 'new');
      assert.deepEqual(await restGetOrder(alice, order.id), both);
      // A replace that crosses trades at once, as over REST.
      await restOrder(bob, limit(symbol, 'sell', ref - 20, 12));
      const crossed = await aliceWs.ok('order.replace', { orderId: order.id, price: money(ref - 20) });
      assert.equal(crossed.status, 'filled');
    });

    it('order.cancel: the order with status canceled, as REST then shows it', async () => {
      const { symbol, ref } = await freshSymbol();
      const order = await restOrder(alice, limit(symbol, 'buy', ref - 30, 4));
      const canceled = await aliceWs.ok('order.cancel', { orderId: order.id });
      assert.equal(canceled.id, order.id);
      assert.equal(canceled.status, 'canceled');
      assert.equal(canceled.remainingQuantity, 0);
      assert.deepEqual(await restGetOrder(alice, order.id), canceled);
      const l3 = await api.publicGet(`/v1/marketdata/orderBook/L3?symbol=${symbol}`);
      assert.deepEqual(l3.body.bids, []);
    });

    // The gateway threads do not count commands into the HTTP server's metrics.
    if (endpoint.httpPort) it('commands are counted in the metrics as REST counts them', async () => {
      const count = async (): Promise<number> => {
        const text = (await api.publicGet('/metrics')).text;
        const line = /^exchange_commands_total\{type="new_order",result="accepted"\} ([0-9.e+]+)$/m.exec(text);
        return line ? Number(line[1]) : 0;
      };
      const { symbol, ref } = await freshSymbol();
      const before = await count();
      await aliceWs.ok('order.new', limit(symbol, 'buy', ref - 1, 1));
      await aliceWs.ok('order.new', limit(symbol, 'buy', ref - 2, 1));
      assert.equal(await count(), before + 2);
    });
  });

  // =========================================================================================================
  describe('errors: the REST code and message for the same input', () => {
    const badNewOrders: Array<[string, Record<string, unknown>]> = [
      ['missing symbol', { side: 'buy', orderType: 'limit', price: '200.00', quantity: 1 }],
      ['missing quantity', { symbol: 'AAPL', side: 'buy', orderType: 'limit', price: '200.00' }],
      ['bad side', { symbol: 'AAPL', side: 'hold', orderType: 'limit', price: '200.00', quantity: 1 }],
      ['bad orderType', { symbol: 'AAPL', side: 'buy', orderType: 'stop', price: '200.00', quantity: 1 }],
      ['quantity 0', { symbol: 'AAPL', side: 'buy', orderType: 'limit', price: '200.00', quantity: 0 }],
      ['quantity as a string', { symbol: 'AAPL', side: 'buy', orderType: 'limit', price: '200.00', quantity: '5' }],
      ['fractional quantity', { symbol: 'AAPL', side: 'buy', orderType: 'limit', price: '200.00', quantity: 1.5 }],
      ['price with 3 decimals', { symbol: 'AAPL', side: 'buy', orderType: 'limit', price: '200.001', quantity: 1 }],
      ['price as a number', { symbol: 'AAPL', side: 'buy', orderType: 'limit', price: 200, quantity: 1 }],
      ['price 0', { symbol: 'AAPL', side: 'buy', orderType: 'limit', price: '0', quantity: 1 }],
      ['limit without a price', { symbol: 'AAPL', side: 'buy', orderType: 'limit', quantity: 1 }],
      ['market with a price', { symbol: 'AAPL', side: 'buy', orderType: 'market', price: '200.00', quantity: 1 }],
      ['bad timeInForce', { symbol: 'AAPL', side: 'buy', orderType: 'limit', price: '200.00', quantity: 1, timeInForce: 'GTD' }],
      ['empty clientOrderId', { symbol: 'AAPL', side: 'buy', orderType: 'limit', price: '200.00', quantity: 1, clientOrderId: '' }],
      ['postOnly not a boolean', { symbol: 'AAPL', side: 'buy', orderType: 'limit', price: '200.00', quantity: 1, postOnly: 'yes' }],
      ['an unknown field', { symbol: 'AAPL', side: 'buy', orderType: 'limit', price: '200.00', quantity: 1, stopPrice: '1.00' }],
    ];
    for (const [what, body] of badNewOrders) {
      it(`order.new INVALID_ARGUMENT: ${what}`, async () => {
        const rest = await api.signed(alice, 'POST', '/v1/order', body);
        assertStatus(rest, 400);
        assertSameError(await aliceWs.request('order.new', body), rest, 'INVALID_ARGUMENT', what);
      });
    }

    it('order.new 422: UNKNOWN_SYMBOL, INSUFFICIENT_FUNDS, RISK_LIMIT, PRICE_BAND', async () => {
      const poor = await api.createAccount('ws-poor');
      const poorWs = await Trader.connect(wsUrl, poor, 'poor');
      const cases: Array<[string, Account, Trader, Record<string, unknown>]> = [
        ['UNKNOWN_SYMBOL', alice, aliceWs, limit('NOSUCH', 'buy', 100_00, 1)],
        ['INSUFFICIENT_FUNDS', poor, poorWs, limit('AAPL', 'buy', 210_00, 1)],
        ['RISK_LIMIT', alice, aliceWs, limit('AAPL', 'buy', 200_00, 1_000_001)],
        ['PRICE_BAND', alice, aliceWs, limit('AAPL', 'buy', 300_00, 1)],
      ];
      for (const [code, account, trader, body] of cases) {
        const rest = await api.signed(account, 'POST', '/v1/order', body);
        assertStatus(rest, 422);
        assertSameError(await trader.request('order.new', body), rest, code, code);
      }
    });

    it('order.new 422 POST_ONLY_WOULD_TRADE, and 409 DUPLICATE_CLIENT_ORDER_ID for a different repeat', async () => {
      const { symbol, ref } = await freshSymbol();
      await restOrder(bob, limit(symbol, 'sell', ref, 5));
      const postOnly = limit(symbol, 'buy', ref, 1, { postOnly: true });
      const rest = await api.signed(alice, 'POST', '/v1/order', postOnly);
      assertStatus(rest, 422);
      assertSameError(await aliceWs.request('order.new', postOnly), rest, 'POST_ONLY_WOULD_TRADE', 'post-only');
      await aliceWs.ok('order.new', limit(symbol, 'buy', ref - 10, 1, { clientOrderId: `${idTag}-dup-diff` }));
      const different = limit(symbol, 'buy', ref - 10, 2, { clientOrderId: `${idTag}-dup-diff` });
      const restDup = await api.signed(alice, 'POST', '/v1/order', different);
      assertStatus(restDup, 409);
      assertSameError(await aliceWs.request('order.new', different), restDup, 'DUPLICATE_CLIENT_ORDER_ID', 'different repeat');
    });

    it('order.new 422 SYMBOL_HALTED, MARKET_CLOSED, ACCOUNT_BLOCKED', async () => {
      const { symbol, ref } = await freshSymbol();
      const body = limit(symbol, 'buy', ref - 10, 1);
      const compare = async (code: string, account: Account, trader: Trader): Promise<void> => {
        const rest = await api.signed(account, 'POST', '/v1/order', body);
        assertStatus(rest, 422);
        assertSameError(await trader.request('order.new', body), rest, code, code);
      };
      assertStatus(await api.admin('POST', `/v1/admin/symbols/${symbol}/halt`), 200);
      try {
        await compare('SYMBOL_HALTED', alice, aliceWs);
      } finally {
        assertStatus(await api.admin('POST', `/v1/admin/symbols/${symbol}/resume`), 200);
      }
      assertStatus(await api.admin('POST', '/v1/admin/session/close'), 200);
      try {
        await compare('MARKET_CLOSED', alice, aliceWs);
      } finally {
        assertStatus(await api.admin('POST', '/v1/admin/session/open'), 200);
      }
      const grace = await api.createAccount('ws-grace');
      await api.deposit(grace, 'USD', '10000.00');
      const graceWs = await Trader.connect(wsUrl, grace, 'grace');
      const open = await graceWs.ok('order.new', body);
      assertStatus(await api.admin('POST', `/v1/admin/accounts/${grace.accountId}/block`), 200);
      try {
        await compare('ACCOUNT_BLOCKED', grace, graceWs);
        assert.equal((await graceWs.ok('order.cancel', { orderId: open.id })).status, 'canceled', 'cancels still pass, as over REST');
      } finally {
        assertStatus(await api.admin('POST', `/v1/admin/accounts/${grace.accountId}/unblock`), 200);
      }
      await graceWs.ok('order.new', body);
    });

    it('order.cancel: NOT_FOUND (unknown, or another account\'s), ORDER_NOT_OPEN, INVALID_ARGUMENT naming orderId', async () => {
      const { symbol, ref } = await freshSymbol();
      const bobs = await restOrder(bob, limit(symbol, 'sell', ref + 10, 1));
      const done = await restOrder(alice, limit(symbol, 'buy', ref - 10, 1));
      assertStatus(await api.signed(alice, 'DELETE', `/v1/order/${done.id}`), 200);
      const cases: Array<[string, string, number]> = [['NOT_FOUND', '987654321', 404], ['NOT_FOUND', bobs.id, 404], ['ORDER_NOT_OPEN', done.id, 409]];
      for (const [code, id, status] of cases) {
        const rest = await api.signed(alice, 'DELETE', `/v1/order/${id}`);
        assertStatus(rest, status);
        assertSameError(await aliceWs.request('order.cancel', { orderId: id }), rest, code, `cancel ${id}`);
      }
      assert.equal((await restGetOrder(bob, bobs.id)).status, 'new', 'another account\'s order is untouched');
      for (const orderId of ['abc', '', '1234567890123456', -1, 1.5, null, undefined]) {
        const answer = await aliceWs.request('order.cancel', { orderId });
        assert.equal(answer.error?.code, 'INVALID_ARGUMENT', JSON.stringify(answer));
        assert.match(answer.error.message, /\borderId\b/);
      }
      assertStatus(await api.signed(alice, 'DELETE', '/v1/order/abc'), 400);
    });

    it('order.replace: INVALID_ARGUMENT (empty, bad fields, quantity not above the filled part), NOT_FOUND, ORDER_NOT_OPEN, PRICE_BAND', async () => {
      const { symbol, ref } = await freshSymbol();
      const order = await restOrder(alice, limit(symbol, 'buy', ref - 10, 10));
      await restOrder(bob, limit(symbol, 'sell', ref - 10, 4));
      assert.equal((await restGetOrder(alice, order.id)).filledQuantity, 4);
      const done = await restOrder(alice, limit(symbol, 'buy', ref - 20, 1));
      assertStatus(await api.signed(alice, 'DELETE', `/v1/order/${done.id}`), 200);
      const cases: Array<[string, string, string, Record<string, unknown>]> = [
        ['INVALID_ARGUMENT', 'no field', order.id, {}],
        ['INVALID_ARGUMENT', 'quantity 0', order.id, { quantity: 0 }],
        ['INVALID_ARGUMENT', 'quantity as a string', order.id, { quantity: '9' }],
        ['INVALID_ARGUMENT', 'price with 3 decimals', order.id, { price: '1.234' }],
        ['INVALID_ARGUMENT', 'an unknown field', order.id, { quantity: 9, side: 'sell' }],
        ['INVALID_ARGUMENT', 'quantity not above the filled quantity', order.id, { quantity: 4 }],
        ['PRICE_BAND', 'a price outside the band', order.id, { price: money(ref * 2) }],
        ['NOT_FOUND', 'an unknown order', '987654321', { quantity: 5 }],
        ['ORDER_NOT_OPEN', 'a canceled order', done.id, { quantity: 5 }],
      ];
      for (const [code, what, id, body] of cases) {
        const rest = await api.signed(alice, 'PUT', `/v1/order/${id}`, body);
        assertSameError(await aliceWs.request('order.replace', { orderId: id, ...body }), rest, code, what);
      }
      const bad = await aliceWs.request('order.replace', { orderId: 'x1', quantity: 5 });
      assert.equal(bad.error?.code, 'INVALID_ARGUMENT');
      assert.match(bad.error.message, /\borderId\b/);
      assert.equal((await restGetOrder(alice, order.id)).quantity, 10, 'nothing refused changed the order');
    });

    it('UNAUTHENTICATED before auth (and after a failed auth); the requestId is echoed', async () => {
      const anonymous = await Trader.connect(wsUrl, null, 'anonymous');
      const body = limit('AAPL', 'buy', 200_00, 1);
      for (const [op, fields] of [['order.new', body], ['order.cancel', { orderId: '1' }], ['order.replace', { orderId: '1', quantity: 2 }]] as const) {
        const answer = await anonymous.request(op, fields, `anon-${op}`);
        assert.equal(answer.op, 'error');
        assert.equal(answer.requestId, `anon-${op}`);
        assert.equal(answer.error.code, 'UNAUTHENTICATED');
        assert.match(answer.error.message, /auth/);
      }
      const from = anonymous.ws.mark();
      anonymous.ws.send(authMessage(alice, Date.now(), 'not-the-secret'));
      await anonymous.ws.waitFor((m) => m.op === 'error' && m.requestId === undefined, 'auth refusal', { from });
      assert.equal((await anonymous.request('order.new', body)).error?.code, 'UNAUTHENTICATED');
      assertStatus(await api.request('POST', '/v1/order', { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }), 401);
      assert.ok(anonymous.ws.isOpen, 'the connection stays open');
    });

    it('a missing or malformed requestId is refused with requestId null', async () => {
      const body = limit('AAPL', 'buy', 200_00, 1);
      for (const requestId of [undefined, null, {}, [1], 1.5, '', 'x'.repeat(65), true]) {
        const from = aliceWs.ws.mark();
        aliceWs.ws.send({ op: 'order.new', requestId, ...body });
        const answer = await aliceWs.ws.waitFor((m) => m.op === 'error' || m.op === 'order.new', 'requestId refusal', { from });
        assert.equal(answer.op, 'error', `requestId ${JSON.stringify(requestId)}: ${JSON.stringify(answer)}`);
        assert.equal(answer.requestId, null);
        assert.equal(answer.error.code, 'INVALID_ARGUMENT');
        assert.match(answer.error.message, /\brequestId\b/);
      }
    });

    it('unknown ops name the order ops', async () => {
      const answer = await aliceWs.ws.expectError({ op: 'order.amend', requestId: 1 });
      assert.match(answer.error.message, /order\.new, order\.cancel, order\.replace/);
    });
  });

  // =========================================================================================================
  describe('pipelining', () => {
    /** Sends every message in one go, then waits for one answer per requestId. */
    async function pipeline(trader: Trader, messages: Array<Record<string, unknown>>, timeoutMs = 30_000): Promise<Json[]> {
      const wanted = new Set(messages.map((m) => m.requestId));
      const from = trader.ws.mark();
      for (const message of messages) trader.ws.send(message);
      const last = messages[messages.length - 1].requestId;
      await trader.ws.waitFor((m) => m.requestId === last, `answer to ${String(last)}`, { from, timeoutMs });
      await new Promise((resolve) => setTimeout(resolve, 50));
      return trader.ws.messages.slice(from).filter((m) => m.op !== undefined && wanted.has(m.requestId));
    }

    it('500 orders on one connection: 500 answers with their requestIds, in order, sequenced in that order', async () => {
      const { symbol, ref } = await freshSymbol();
      const messages = Array.from({ length: 500 }, (_, i) => ({
        op: 'order.new', requestId: `p-${i}`, ...limit(symbol, i % 2 === 0 ? 'buy' : 'sell', i % 2 === 0 ? ref - 1 - (i % 40) : ref + 1 + (i % 40), 1 + (i % 3)),
      }));
      const answers = await pipeline(aliceWs, messages);
      assert.equal(answers.length, 500);
      assert.deepEqual(answers.map((a) => a.requestId), messages.map((m) => m.requestId), 'answers in request order');
      assert.ok(answers.every((a) => a.op === 'order.new' && a.order.status === 'new'), JSON.stringify(answers.find((a) => a.op !== 'order.new')));
      const ids = answers.map((a) => Number(a.order.id));
      for (let i = 1; i < ids.length; i++) assert.ok(ids[i] > ids[i - 1], `order ids follow the request order at ${i}`);
      const open = await api.signed(alice, 'GET', `/v1/orders?symbol=${symbol}&status=open&limit=1000`);
      assert.equal(open.body.orders.length, 500);
    });

    it('refusals keep their place among pipelined commands', async () => {
      const { symbol, ref } = await freshSymbol();
      const messages = Array.from({ length: 60 }, (_, i) => ({
        op: 'order.new', requestId: i, ...limit(symbol, 'buy', ref - 1 - i, i % 10 === 7 ? 0 : 1),
      }));
      const answers = await pipeline(aliceWs, messages);
      assert.deepEqual(answers.map((a) => a.requestId), messages.map((m) => m.requestId));
      answers.forEach((answer, i) => assert.equal(answer.op, i % 10 === 7 ? 'error' : 'order.new', `answer ${i}: ${JSON.stringify(answer)}`));
    });

    it('more requests in flight than the server reads at once: all answered, in order, the connection stays open', async () => {
      const { symbol, ref } = await freshSymbol();
      const trader = await Trader.connect(wsUrl, bob, 'bob-burst');
      const messages = Array.from({ length: 3000 }, (_, i) => ({
        op: 'order.new', requestId: i, ...limit(symbol, 'sell', ref + 1 + (i % 100), 1),
      }));
      const answers = await pipeline(trader, messages, 60_000);
      assert.equal(answers.length, 3000);
      assert.ok(answers.every((a, i) => a.requestId === i && a.op === 'order.new'));
      assert.ok(trader.ws.isOpen, `open (close: ${JSON.stringify(trader.ws.closeInfo)})`);
    });
  });

});

// =========================================================================================================
describe('the private orders channel alongside order entry', () => {
  it('a connection subscribed to orders gets its order and execution messages as well as the answers', async () => {
    const { symbol, ref } = await freshSymbol();
    const ws = await WsClient.connect(server.url, 'alice-orders');
    clients.push(ws);
    const follower = new OrdersFollower(ws);
    await ws.subscribeOrders(alice);
    const trader = new Trader(ws);
    const resting = await restOrder(bob, limit(symbol, 'sell', ref, 3));
    const order = await trader.ok('order.new', limit(symbol, 'buy', ref, 3));
    assert.equal(order.status, 'filled');
    await ws.waitFor((m) => m.type === 'execution' && m.execution.orderId === order.id, 'execution on orders');
    await ws.waitFor((m) => m.type === 'order' && m.order.id === order.id && m.order.status === 'filled', 'order on orders');
    const canceled = await trader.ok('order.cancel', { orderId: (await trader.ok('order.new', limit(symbol, 'buy', ref - 5, 1))).id });
    await ws.waitFor((m) => m.type === 'order' && m.order.id === canceled.id && m.order.status === 'canceled', 'canceled order on orders');
    assert.deepEqual(follower.gaps, []);
    assert.deepEqual(follower.problems, []);
    assert.ok(follower.executions.every((e) => e.orderId !== resting.id), 'only the account\'s own executions');
    // Market data subscriptions still work on the same connection.
    const snapshot = await ws.subscribe('book.L2', symbol);
    assert.deepEqual(snapshot.asks, []);
  });
});

// =========================================================================================================
describe('/v1/ws on an order-entry port takes order entry only', () => {
  it('subscribe and unsubscribe are refused with where to go; bad JSON and unknown ops as on the HTTP port; the connection stays open', async () => {
    const ws = await WsClient.connect(`http://127.0.0.1:${await orderEntryPort(api)}`, 'gateway-only');
    clients.push(ws);
    for (const message of [{ op: 'subscribe', channel: 'book.L2', symbol: 'AAPL' }, { op: 'unsubscribe', channel: 'orders' }]) {
      const answer = await ws.expectError(message);
      assert.equal(answer.error.code, 'INVALID_ARGUMENT');
      assert.match(answer.error.message, /order entry only.*\/v1\/ws on the HTTP port/);
    }
    assert.equal((await ws.expectError('{not json', true)).error.code, 'INVALID_ARGUMENT');
    assert.match((await ws.expectError({ op: 'order.amend', requestId: 1 })).error.message, /order\.new, order\.cancel, order\.replace/);
    const tooLong = await ws.expectError({ op: 'order.new', requestId: 1, clientOrderId: 'x'.repeat(5000) });
    assert.match(tooLong.error.message, /at most 4096 are read/);
    assert.ok(ws.isOpen);
  });
});

// =========================================================================================================
describe('RATE_LIMITED: the per-key token bucket REST uses', () => {
  let limited: ServerProcess;
  before(async () => {
    limited = await startServer({ env: { EXCHANGE_FSYNC: '0', EXCHANGE_RATE_PER_KEY: '1', EXCHANGE_BURST_PER_KEY: '5' } });
  });
  after(async () => {
    await limited?.stop();
  });

  it('20 pipelined orders against burst 5: the rest are RATE_LIMITED with REST\'s message, and REST finds the bucket empty', async () => {
    const carol = await limited.client.createAccount('carol');
    await limited.client.deposit(carol, 'USD', '100000.00');
    const trader = await Trader.connect(limited.url, carol, 'carol');
    const body = limit('AAPL', 'buy', 200_00, 1);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => trader.request('order.new', body, i)));
    const refused = answers.filter((a) => a.op === 'error');
    assert.ok(answers.length - refused.length >= 1 && answers.length - refused.length <= 8, `about 5 pass: ${answers.length - refused.length} did`);
    const rest = await limited.client.signed(carol, 'GET', '/v1/wallet');
    assertStatus(rest, 429);
    for (const answer of refused) {
      assertSameError(answer, rest, 'RATE_LIMITED', 'rate limited');
      assert.ok(Number.isInteger(answer.error.retryAfterSeconds) && answer.error.retryAfterSeconds >= 1, JSON.stringify(answer));
    }
    // Another key has a bucket of its own.
    const dave = await limited.client.createAccount('dave');
    const daveWs = await Trader.connect(limited.url, dave, 'dave');
    assert.equal((await daveWs.request('order.new', body)).error?.code, 'INSUFFICIENT_FUNDS');
  });

  it('on an order-entry port: the gateway thread\'s own bucket per key, refusing with REST\'s code and message', async () => {
    const frank = await limited.client.createAccount('frank');
    await limited.client.deposit(frank, 'USD', '100000.00');
    const trader = await Trader.connect(`http://127.0.0.1:${await orderEntryPort(limited.client)}`, frank, 'frank');
    const body = limit('AAPL', 'buy', 200_00, 1);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => trader.request('order.new', body, i)));
    const refused = answers.filter((a) => a.op === 'error');
    assert.ok(answers.length - refused.length >= 1 && answers.length - refused.length <= 8, `about 5 pass: ${answers.length - refused.length} did`);
    let rest = await limited.client.signed(frank, 'GET', '/v1/wallet');
    while (rest.status !== 429) rest = await limited.client.signed(frank, 'GET', '/v1/wallet');
    for (const answer of refused) {
      assertSameError(answer, rest, 'RATE_LIMITED', 'rate limited');
      assert.ok(Number.isInteger(answer.error.retryAfterSeconds) && answer.error.retryAfterSeconds >= 1, JSON.stringify(answer));
    }
  });
});

// =========================================================================================================
describe('UNAVAILABLE when the node is not ready (server in this process)', () => {
  let dataDir: string;
  let running: { node: { ready: boolean }; url: string; close(): Promise<void> } | undefined;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'exchange-ws-orders-'));
    const { loadConfig } = await import('../../src/cli/config.ts');
    const { startServer: startInProcess } = await import('../../src/cli/server.ts');
    const config = loadConfig({ PORT: '0', EXCHANGE_ORDER_ENTRY_PORT: '0', HOST: '127.0.0.1', EXCHANGE_DATA_DIR: dataDir, EXCHANGE_ADMIN_TOKEN: ADMIN_TOKEN, EXCHANGE_FSYNC: '0' });
    running = await startInProcess(config, () => {});
  });
  after(async () => {
    if (running) {
      running.node.ready = true;
      await running.close();
    }
    await rm(dataDir, { recursive: true, force: true });
  });

  it('order.new, order.cancel and order.replace answer UNAVAILABLE with REST\'s message', async () => {
    const local = new Client(running!.url);
    const erin = await local.createAccount('erin');
    await local.deposit(erin, 'USD', '100000.00');
    const trader = await Trader.connect(running!.url, erin, 'erin');
    const order = await trader.ok('order.new', limit('AAPL', 'buy', 200_00, 2));
    running!.node.ready = false;
    try {
      const body = limit('AAPL', 'buy', 200_00, 1);
      const rest = await local.signed(erin, 'POST', '/v1/order', body);
      assertStatus(rest, 503);
      assertSameError(await trader.request('order.new', body), rest, 'UNAVAILABLE', 'new');
      assertSameError(await trader.request('order.cancel', { orderId: order.id }), await local.signed(erin, 'DELETE', `/v1/order/${order.id}`), 'UNAVAILABLE', 'cancel');
      assertSameError(await trader.request('order.replace', { orderId: order.id, quantity: 1 }),
        await local.signed(erin, 'PUT', `/v1/order/${order.id}`, { quantity: 1 }), 'UNAVAILABLE', 'replace');
    } finally {
      running!.node.ready = true;
    }
    assert.equal((await trader.ok('order.cancel', { orderId: order.id })).status, 'canceled');
  });
});
