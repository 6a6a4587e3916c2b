// The public contract (/work/shared/API.md) tested black-box: the real server runs as a child process and
// every check goes over HTTP, with a client and an HMAC written here (see server-process.ts). Grouped by
// API.md's sections. One server serves most of the file; the rate-limit, IP-filter and durability tests
// start their own.
//
// Books are shared by the whole file, so each scenario that needs a clean book takes a symbol of its own
// from the listed instruments (freshSymbol), and prices are written relative to that symbol's reference
// price. Fees are the defaults: maker 1 bps, taker 3 bps.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Account, Client, type Json, type Reply, type ServerProcess, signedHeaders, startServer } from './server-process.ts';

const MAKER_BPS = 1;
const TAKER_BPS = 3;
const MAX_FEE_BPS = Math.max(MAKER_BPS, TAKER_BPS);

// ---------------------------------------------------------------------------------------------------------
// Arithmetic in integer cents, independent of the server's code.

const fee = (notionalCents: number, bps: number): number => Math.floor((notionalCents * bps) / 10_000);
const requiredHold = (priceCents: number, quantity: number): number => priceCents * quantity + fee(priceCents * quantity, MAX_FEE_BPS);

/** Integer cents as the API writes money: "189.50". */
function money(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** A decimal string (at most 2 decimals) as integer cents. */
function cents(text: string): number {
  const match = /^(-?)([0-9]+)(?:\.([0-9]{1,2}))?$/.exec(text);
  assert.ok(match, `not a decimal string with at most 2 decimals: ${JSON.stringify(text)}`);
  const value = Number(match[2]) * 100 + Number((match[3] ?? '').padEnd(2, '0'));
  return match[1] === '-' ? -value : value;
}

/** An average price (any number of decimals) against an exact expected value in cents (a fraction allowed). */
function assertAveragePrice(actual: unknown, expectedCents: number): void {
  assert.equal(typeof actual, 'string', `averagePrice should be a decimal string, got ${JSON.stringify(actual)}`);
  assert.match(actual as string, /^[0-9]+(\.[0-9]+)?$/);
  assert.ok(Math.abs(Number(actual) * 100 - expectedCents) < 0.01, `averagePrice ${String(actual)}, expected ${expectedCents / 100}`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The reply is the API error `status` + `code`, with a message (naming `mentions` when given). */
function assertError(reply: Reply, status: number, code: string, mentions?: string | RegExp): void {
  assert.equal(reply.status, status, `expected ${status} ${code}, got ${reply.status} ${reply.text}`);
  assert.equal(typeof reply.body, 'object', `error body should be JSON: ${reply.text}`);
  assert.equal(reply.body?.error?.code, code, `expected code ${code}: ${reply.text}`);
  assert.equal(typeof reply.body.error.message, 'string');
  assert.ok(reply.body.error.message.length > 0);
  if (mentions !== undefined) {
    const pattern = typeof mentions === 'string' ? new RegExp(`\\b${escapeRegExp(mentions)}\\b`) : mentions;
    assert.match(reply.body.error.message, pattern, `the message should name ${String(mentions)}`);
  }
}

function assertStatus(reply: Reply, status: number): void {
  assert.equal(reply.status, status, `expected ${status}, got ${reply.status} ${reply.text}`);
}

/** Never a 500, never a stack trace: a 4xx with {error: {code, message}}. */
function assertClientError(reply: Reply): void {
  assert.ok(reply.status >= 400 && reply.status < 500, `expected a 4xx, got ${reply.status} ${reply.text}`);
  assert.equal(typeof reply.body, 'object', `error body should be JSON: ${reply.text}`);
  assert.match(String(reply.body?.error?.code), /^[A-Z][A-Z_]*$/, reply.text);
  assert.equal(typeof reply.body.error.message, 'string', reply.text);
  assert.doesNotMatch(reply.text, /\n\s+at |\.ts:[0-9]+|node_modules|Error:/, `stack trace or internals leaked: ${reply.text}`);
}

function balanceOf(wallet: Json, asset: string): { asset: string; available: Json; held: Json } | undefined {
  return (wallet.balances as Array<{ asset: string; available: Json; held: Json }>).find((b) => b.asset === asset);
}

const ORDER_FIELDS = ['id', 'clientOrderId', 'symbol', 'side', 'orderType', 'price', 'quantity', 'timeInForce', 'creationTime',
  'filledQuantity', 'remainingQuantity', 'status', 'averagePrice'];
const EXECUTION_FIELDS = ['id', 'tradeId', 'orderId', 'symbol', 'side', 'price', 'orderType', 'quantity', 'fee', 'liquidity', 'time'];

// ---------------------------------------------------------------------------------------------------------
// The file's server, its accounts, and symbols handed out one per scenario.

let server: ServerProcess;
let api: Client;
/** Rich buyers and sellers: $100M each, and 100,000 shares of every symbol handed out. */
let alice: Account;
let bob: Account;

interface Instrument {
  symbol: string;
  /** Reference price, cents. */
  ref: number;
}
let pool: Instrument[] = [];
const used = new Set<string>(['AAPL']);

/** A symbol no other scenario has touched (empty book, no trades), with shares for alice and bob. */
async function freshSymbol(): Promise<Instrument> {
  const next = pool.find((instrument) => !used.has(instrument.symbol));
  assert.ok(next, 'ran out of symbols');
  used.add(next.symbol);
  await api.deposit(alice, next.symbol, '100000');
  await api.deposit(bob, next.symbol, '100000');
  return next;
}

interface OrderSpec {
  symbol: string;
  side: 'buy' | 'sell';
  orderType?: 'limit' | 'market';
  /** Cents; omitted for market orders. */
  price?: number;
  quantity: number;
  timeInForce?: 'GTC' | 'DAY' | 'IOC' | 'FOK';
  clientOrderId?: string;
  postOnly?: boolean;
}

function orderBody(spec: OrderSpec): Record<string, unknown> {
  const { price, orderType = 'limit', ...rest } = spec;
  return { ...rest, orderType, ...(price === undefined ? {} : { price: money(price) }) };
}

function place(account: Account, spec: OrderSpec): Promise<Reply> {
  return api.signed(account, 'POST', '/v1/order', orderBody(spec));
}

/** Places an order that must be accepted (201); returns the order. */
async function placeOk(account: Account, spec: OrderSpec): Promise<Json> {
  const reply = await place(account, spec);
  assertStatus(reply, 201);
  return reply.body;
}

/** Places a limit order that must rest untouched (201, status new). */
async function rest(account: Account, symbol: string, side: 'buy' | 'sell', price: number, quantity: number, extra: Partial<OrderSpec> = {}): Promise<Json> {
  const order = await placeOk(account, { symbol, side, price, quantity, ...extra });
  assert.equal(order.status, 'new', `expected a resting order: ${JSON.stringify(order)}`);
  return order;
}

async function getOrder(account: Account, id: string): Promise<Json> {
  const reply = await api.signed(account, 'GET', `/v1/order/${id}`);
  assertStatus(reply, 200);
  return reply.body;
}

async function wallet(account: Account): Promise<Json> {
  const reply = await api.signed(account, 'GET', '/v1/wallet');
  assertStatus(reply, 200);
  return reply.body;
}

async function newAccount(name: string, usd?: string): Promise<Account> {
  const account = await api.createAccount(name);
  if (usd !== undefined) await api.deposit(account, 'USD', usd);
  return account;
}

async function l3(symbol: string): Promise<Json> {
  const reply = await api.publicGet(`/v1/marketdata/orderBook/L3?symbol=${symbol}`);
  assertStatus(reply, 200);
  return reply.body;
}

async function l2(symbol: string, depth?: number): Promise<Json> {
  const reply = await api.publicGet(`/v1/marketdata/orderBook/L2?symbol=${symbol}${depth === undefined ? '' : `&depth=${depth}`}`);
  assertStatus(reply, 200);
  return reply.body;
}

const ids = (orders: Array<{ id?: string; orderId?: string }>): string[] => orders.map((o) => (o.id ?? o.orderId)!);

before(async () => {
  server = await startServer();
  api = server.client;
  const symbols = await api.publicGet('/v1/symbols');
  assertStatus(symbols, 200);
  pool = (symbols.body.symbols as Array<{ symbol: string; tickSize: string; referencePrice: string; priceBandPercent: number }>)
    .filter((s) => s.tickSize === '0.01' && s.priceBandPercent >= 10 && cents(s.referencePrice) >= 5_000)
    .map((s) => ({ symbol: s.symbol, ref: cents(s.referencePrice) }));
  alice = await newAccount('alice', '100000000.00');
  bob = await newAccount('bob', '100000000.00');
});

// Leftover servers are killed by server-process.ts's own `after` hook; the file's server is stopped by
// the last test ("Shutdown"), which checks its exit code.

// =========================================================================================================
describe('Admin', () => {
  it('POST /v1/admin/accounts: 201 {accountId, apiKey, apiSecret} as strings, and the credentials work', async () => {
    const reply = await api.admin('POST', '/v1/admin/accounts', { name: 'admin-create' });
    assertStatus(reply, 201);
    for (const field of ['accountId', 'apiKey', 'apiSecret']) {
      assert.equal(typeof reply.body[field], 'string', `${field} should be a string: ${reply.text}`);
      assert.ok(reply.body[field].length > 0, field);
    }
    const account: Account = reply.body;
    const other = await api.createAccount('admin-create-2');
    assert.notEqual(other.accountId, account.accountId);
    assert.notEqual(other.apiKey, account.apiKey);
    const w = await wallet(account);
    assert.equal(w.accountId, account.accountId);
  });

  it('deposit: 200 with the wallet; cash as decimal strings, shares per symbol', async () => {
    const account = await api.createAccount('admin-deposit');
    const cash = await api.admin('POST', `/v1/admin/accounts/${account.accountId}/deposit`, { asset: 'USD', amount: '1000.00' });
    assertStatus(cash, 200);
    assert.equal(cash.body.accountId, account.accountId);
    assert.deepEqual(balanceOf(cash.body, 'USD'), { asset: 'USD', available: '1000.00', held: '0.00' });
    const shares = await api.admin('POST', `/v1/admin/accounts/${account.accountId}/deposit`, { asset: 'AAPL', amount: '100' });
    assertStatus(shares, 200);
    assert.equal(shares.body.accountId, account.accountId);
    assert.deepEqual(balanceOf(shares.body, 'USD'), { asset: 'USD', available: '1000.00', held: '0.00' });
    assert.deepEqual(balanceOf(shares.body, 'AAPL'), { asset: 'AAPL', available: 100, held: 0 });
    // The account sees the same wallet.
    assert.deepEqual(await wallet(account), shares.body);
  });

  it('withdraw: 200 with the wallet; 422 INSUFFICIENT_FUNDS past the available amount (held funds excluded)', async () => {
    const account = await newAccount('admin-withdraw', '1000.00');
    await api.deposit(account, 'AAPL', '100');
    const path = `/v1/admin/accounts/${account.accountId}/withdraw`;
    const cash = await api.admin('POST', path, { asset: 'USD', amount: '250.50' });
    assertStatus(cash, 200);
    assert.deepEqual(balanceOf(cash.body, 'USD'), { asset: 'USD', available: '749.50', held: '0.00' });
    const shares = await api.admin('POST', path, { asset: 'AAPL', amount: '40' });
    assertStatus(shares, 200);
    assert.deepEqual(balanceOf(shares.body, 'AAPL'), { asset: 'AAPL', available: 60, held: 0 });

    assertError(await api.admin('POST', path, { asset: 'USD', amount: '749.51' }), 422, 'INSUFFICIENT_FUNDS');
    assertError(await api.admin('POST', path, { asset: 'AAPL', amount: '61' }), 422, 'INSUFFICIENT_FUNDS');
    const unchanged = await wallet(account);
    assert.deepEqual(balanceOf(unchanged, 'USD'), { asset: 'USD', available: '749.50', held: '0.00' });
    assert.deepEqual(balanceOf(unchanged, 'AAPL'), { asset: 'AAPL', available: 60, held: 0 });

    // Held funds are not available: a resting sell of 50 leaves 10 shares to withdraw.
    const order = await rest(account, 'AAPL', 'sell', 220_00, 50);
    assertError(await api.admin('POST', path, { asset: 'AAPL', amount: '11' }), 422, 'INSUFFICIENT_FUNDS');
    assertStatus(await api.admin('POST', path, { asset: 'AAPL', amount: '10' }), 200);
    assertStatus(await api.signed(account, 'DELETE', `/v1/order/${order.id}`), 200);
    assert.deepEqual(balanceOf(await wallet(account), 'AAPL'), { asset: 'AAPL', available: 50, held: 0 });
  });

  it('deposit and withdraw: 400 INVALID_ARGUMENT naming amount for a malformed amount', async () => {
    const account = await api.createAccount('admin-bad-amount');
    for (const amount of ['10.001', '-5.00', '0.00', 'abc', '']) {
      assertError(await api.admin('POST', `/v1/admin/accounts/${account.accountId}/deposit`, { asset: 'USD', amount }), 400, 'INVALID_ARGUMENT', 'amount');
    }
    assertError(await api.admin('POST', `/v1/admin/accounts/${account.accountId}/deposit`, { asset: 'USD' }), 400, 'INVALID_ARGUMENT', 'amount');
    assertError(await api.admin('POST', `/v1/admin/accounts/${account.accountId}/withdraw`, { amount: '1.00' }), 400, 'INVALID_ARGUMENT', 'asset');
  });

  it('block and unblock: 200 {accountId, status}', async () => {
    const account = await api.createAccount('admin-block');
    const blocked = await api.admin('POST', `/v1/admin/accounts/${account.accountId}/block`);
    assertStatus(blocked, 200);
    assert.equal(blocked.body.accountId, account.accountId);
    assert.equal(typeof blocked.body.status, 'string');
    const unblocked = await api.admin('POST', `/v1/admin/accounts/${account.accountId}/unblock`);
    assertStatus(unblocked, 200);
    assert.equal(unblocked.body.accountId, account.accountId);
    assert.equal(typeof unblocked.body.status, 'string');
    assert.notEqual(unblocked.body.status, blocked.body.status);
    // This server's words for them.
    assert.equal(blocked.body.status, 'blocked');
    assert.equal(unblocked.body.status, 'active');
  });

  it('halt and resume: 200 {symbol, status: "halted" | "trading"}, and /v1/symbols shows it', async () => {
    const { symbol } = await freshSymbol();
    const statusInList = async (): Promise<string> =>
      ((await api.publicGet('/v1/symbols')).body.symbols as Array<{ symbol: string; status: string }>).find((s) => s.symbol === symbol)!.status;
    try {
      const halted = await api.admin('POST', `/v1/admin/symbols/${symbol}/halt`);
      assertStatus(halted, 200);
      assert.deepEqual({ symbol: halted.body.symbol, status: halted.body.status }, { symbol, status: 'halted' });
      assert.equal(await statusInList(), 'halted');
    } finally {
      const resumed = await api.admin('POST', `/v1/admin/symbols/${symbol}/resume`);
      assertStatus(resumed, 200);
      assert.deepEqual({ symbol: resumed.body.symbol, status: resumed.body.status }, { symbol, status: 'trading' });
    }
    assert.equal(await statusInList(), 'trading');
  });

  it('a missing or bad bearer token: 401 UNAUTHENTICATED on every admin endpoint', async () => {
    const account = await api.createAccount('admin-auth');
    const endpoints: Array<[string, string, unknown]> = [
      ['POST', '/v1/admin/accounts', { name: 'mallory' }],
      ['POST', `/v1/admin/accounts/${account.accountId}/deposit`, { asset: 'USD', amount: '1.00' }],
      ['POST', `/v1/admin/accounts/${account.accountId}/withdraw`, { asset: 'USD', amount: '1.00' }],
      ['POST', `/v1/admin/accounts/${account.accountId}/block`, undefined],
      ['POST', `/v1/admin/accounts/${account.accountId}/unblock`, undefined],
      ['POST', '/v1/admin/symbols/AAPL/halt', undefined],
      ['POST', '/v1/admin/symbols/AAPL/resume', undefined],
    ];
    const authorizations: Array<string | undefined> = [undefined, '', 'Bearer wrong-token', `Basic ${Buffer.from(`admin:${api.adminToken}`).toString('base64')}`,
      api.adminToken, `Bearer ${api.adminToken}x`, 'Bearer'];
    for (const [method, path, body] of endpoints) {
      for (const authorization of authorizations) {
        const headers: Record<string, string> = {};
        if (authorization !== undefined) headers.Authorization = authorization;
        if (body !== undefined) headers['Content-Type'] = 'application/json';
        const reply = await api.request(method, path, { headers, body: body === undefined ? undefined : JSON.stringify(body) });
        assertError(reply, 401, 'UNAUTHENTICATED');
      }
    }
    // Nothing happened: not blocked, no money moved, AAPL still trading.
    assert.deepEqual(balanceOf(await wallet(account), 'USD'), { asset: 'USD', available: '0.00', held: '0.00' });
    const aapl = ((await api.publicGet('/v1/symbols')).body.symbols as Array<{ symbol: string; status: string }>).find((s) => s.symbol === 'AAPL');
    assert.equal(aapl?.status, 'trading');
  });

  it('an unknown account: 404 NOT_FOUND (and an unknown symbol to halt: 404)', async () => {
    for (const action of ['deposit', 'withdraw']) {
      assertError(await api.admin('POST', `/v1/admin/accounts/999999/${action}`, { asset: 'USD', amount: '1.00' }), 404, 'NOT_FOUND');
    }
    for (const action of ['block', 'unblock']) assertError(await api.admin('POST', `/v1/admin/accounts/999999/${action}`), 404, 'NOT_FOUND');
    for (const action of ['halt', 'resume']) assertError(await api.admin('POST', `/v1/admin/symbols/NOSUCH/${action}`), 404, 'NOT_FOUND');
  });
});

// =========================================================================================================
describe('Trading', () => {
  describe('POST /v1/order', () => {
    // The AAPL scenario: exact holds and fees in cents.
    let carol: Account;
    let dave: Account;
    let carolOrder: Json;
    let daveOrder: Json;

    it('a limit order: 201 with every field of the order object; the wallet holds price * qty + max fee', async () => {
      carol = await newAccount('carol', '5000.00');
      const before = Date.now();
      const reply = await place(carol, { symbol: 'AAPL', side: 'buy', price: 209_99, quantity: 7, timeInForce: 'GTC', clientOrderId: 'carol-1' });
      const afterMs = Date.now();
      assertStatus(reply, 201);
      const order = reply.body;
      for (const field of ORDER_FIELDS) assert.ok(field in order, `order field ${field} missing: ${reply.text}`);
      assert.equal(typeof order.id, 'string');
      assert.match(order.id, /.+/);
      assert.equal(order.clientOrderId, 'carol-1');
      assert.equal(order.symbol, 'AAPL');
      assert.equal(order.side, 'buy');
      assert.equal(order.orderType, 'limit');
      assert.equal(order.price, '209.99');
      assert.equal(order.quantity, 7);
      assert.equal(order.timeInForce, 'GTC');
      assert.ok(Number.isSafeInteger(order.creationTime), 'creationTime is integer ms');
      assert.ok(order.creationTime >= before - 1000 && order.creationTime <= afterMs + 1000, `creationTime ${order.creationTime} is now`);
      assert.equal(order.filledQuantity, 0);
      assert.equal(order.remainingQuantity, 7);
      assert.equal(order.status, 'new');
      assert.equal(order.averagePrice, null);
      carolOrder = order;

      // 7 * 209.99 = 1469.93, + 3 bps = 0.44 (rounded down): 1470.37 held.
      assert.equal(requiredHold(209_99, 7), 1470_37);
      const w = await wallet(carol);
      assert.equal(w.accountId, carol.accountId);
      assert.deepEqual(balanceOf(w, 'USD'), { asset: 'USD', available: '3529.63', held: '1470.37' });
    });

    it('an order that trades on arrival comes back filled, with averagePrice; the resting one is partially_filled', async () => {
      dave = await api.createAccount('dave');
      await api.deposit(dave, 'AAPL', '10');
      const reply = await place(dave, { symbol: 'AAPL', side: 'sell', price: 209_99, quantity: 3 });
      assertStatus(reply, 201);
      daveOrder = reply.body;
      assert.equal(daveOrder.status, 'filled');
      assert.equal(daveOrder.filledQuantity, 3);
      assert.equal(daveOrder.remainingQuantity, 0);
      assertAveragePrice(daveOrder.averagePrice, 209_99);

      const resting = await getOrder(carol, carolOrder.id);
      assert.equal(resting.status, 'partially_filled');
      assert.equal(resting.filledQuantity, 3);
      assert.equal(resting.remainingQuantity, 4);
      assertAveragePrice(resting.averagePrice, 209_99);
    });

    it('GET /v1/wallet: exact cash after the fill (maker 1 bps, taker 3 bps), shares moved, held follows', async () => {
      // carol, maker: paid 3 * 209.99 = 629.97 + fee 0.06; still holds requiredHold(209.99, 4) = 839.96 + 0.25.
      assert.equal(fee(629_97, MAKER_BPS), 6);
      assert.equal(requiredHold(209_99, 4), 840_21);
      const c = await wallet(carol);
      assert.deepEqual(balanceOf(c, 'USD'), { asset: 'USD', available: money(5000_00 - 629_97 - 6 - 840_21), held: '840.21' });
      assert.equal(money(5000_00 - 629_97 - 6 - 840_21), '3529.76');
      assert.deepEqual(balanceOf(c, 'AAPL'), { asset: 'AAPL', available: 3, held: 0 });
      // dave, taker: received 629.97 - fee 0.18.
      assert.equal(fee(629_97, TAKER_BPS), 18);
      const d = await wallet(dave);
      assert.deepEqual(balanceOf(d, 'USD'), { asset: 'USD', available: '629.79', held: '0.00' });
      assert.deepEqual(balanceOf(d, 'AAPL'), { asset: 'AAPL', available: 7, held: 0 });
      // An open sell holds shares.
      const sell = await rest(dave, 'AAPL', 'sell', 215_00, 2);
      assert.deepEqual(balanceOf(await wallet(dave), 'AAPL'), { asset: 'AAPL', available: 5, held: 2 });
      assertStatus(await api.signed(dave, 'DELETE', `/v1/order/${sell.id}`), 200);
      assert.deepEqual(balanceOf(await wallet(dave), 'AAPL'), { asset: 'AAPL', available: 7, held: 0 });
    });

    it('GET /v1/execution: every field, maker and taker sides of the trade with their fees', async () => {
      const c = await api.signed(carol, 'GET', '/v1/execution');
      assertStatus(c, 200);
      assert.equal(c.body.executions.length, 1);
      const maker = c.body.executions[0];
      for (const field of EXECUTION_FIELDS) assert.ok(field in maker, `execution field ${field} missing: ${c.text}`);
      assert.equal(typeof maker.id, 'string');
      assert.equal(typeof maker.tradeId, 'string');
      assert.deepEqual(
        { orderId: maker.orderId, symbol: maker.symbol, side: maker.side, price: maker.price, orderType: maker.orderType, quantity: maker.quantity, fee: maker.fee, liquidity: maker.liquidity },
        { orderId: carolOrder.id, symbol: 'AAPL', side: 'buy', price: '209.99', orderType: 'limit', quantity: 3, fee: '0.06', liquidity: 'maker' },
      );
      assert.ok(Number.isSafeInteger(maker.time));
      const d = await api.signed(dave, 'GET', '/v1/execution');
      assertStatus(d, 200);
      assert.equal(d.body.executions.length, 1);
      const taker = d.body.executions[0];
      assert.deepEqual(
        { tradeId: taker.tradeId, orderId: taker.orderId, symbol: taker.symbol, side: taker.side, price: taker.price, quantity: taker.quantity, fee: taker.fee, liquidity: taker.liquidity },
        { tradeId: maker.tradeId, orderId: daveOrder.id, symbol: 'AAPL', side: 'sell', price: '209.99', quantity: 3, fee: '0.18', liquidity: 'taker' },
      );
      assert.notEqual(taker.id, maker.id);
      assert.equal(taker.time, maker.time);
    });

    it('timeInForce defaults to GTC, postOnly is optional, clientOrderId is optional', async () => {
      const { symbol, ref } = await freshSymbol();
      const order = await rest(alice, symbol, 'buy', ref - 100, 1);
      assert.equal(order.timeInForce, 'GTC');
      assert.ok(order.clientOrderId === null || order.clientOrderId === undefined || order.clientOrderId === '',
        `clientOrderId of an order without one: ${JSON.stringify(order.clientOrderId)}`);
    });

    it('IOC: the remainder comes back canceled (after a partial fill, and with no fill at all)', async () => {
      const { symbol, ref } = await freshSymbol();
      await rest(bob, symbol, 'sell', ref, 2);
      const ioc = await placeOk(alice, { symbol, side: 'buy', price: ref, quantity: 5, timeInForce: 'IOC' });
      assert.equal(ioc.status, 'canceled');
      assert.equal(ioc.filledQuantity, 2);
      assert.equal(ioc.remainingQuantity, 0);
      assertAveragePrice(ioc.averagePrice, ref);
      assert.equal(ioc.timeInForce, 'IOC');
      const book = await l2(symbol);
      assert.deepEqual([book.bids, book.asks], [[], []], 'the IOC remainder does not rest');

      const none = await placeOk(alice, { symbol, side: 'buy', price: ref, quantity: 5, timeInForce: 'IOC' });
      assert.equal(none.status, 'canceled');
      assert.equal(none.filledQuantity, 0);
      assert.equal(none.remainingQuantity, 0);
      assert.equal(none.averagePrice, null);
    });

    it('FOK: canceled with filledQuantity 0 when it cannot fill whole; filled when it can', async () => {
      const { symbol, ref } = await freshSymbol();
      const maker = await rest(bob, symbol, 'sell', ref, 2);
      const fok = await placeOk(alice, { symbol, side: 'buy', price: ref, quantity: 5, timeInForce: 'FOK' });
      assert.equal(fok.status, 'canceled');
      assert.equal(fok.filledQuantity, 0);
      assert.equal(fok.remainingQuantity, 0);
      assert.equal(fok.averagePrice, null);
      assert.equal(fok.timeInForce, 'FOK');
      assert.deepEqual((await l2(symbol)).asks, [[money(ref), 2]], 'nothing traded');
      assert.equal((await getOrder(bob, maker.id)).filledQuantity, 0);

      const whole = await placeOk(alice, { symbol, side: 'buy', price: ref, quantity: 2, timeInForce: 'FOK' });
      assert.equal(whole.status, 'filled');
      assert.equal(whole.filledQuantity, 2);
      assertAveragePrice(whole.averagePrice, ref);
    });

    it('a market order behaves as IOC: sweeps the book, the remainder comes back canceled', async () => {
      const { symbol, ref } = await freshSymbol();
      await rest(bob, symbol, 'sell', ref, 3);
      await rest(bob, symbol, 'sell', ref + 1, 2);
      const first = await placeOk(alice, { symbol, side: 'buy', orderType: 'market', quantity: 4 });
      assert.equal(first.orderType, 'market');
      assert.equal(first.status, 'filled');
      assert.equal(first.filledQuantity, 4);
      assert.equal(first.remainingQuantity, 0);
      assertAveragePrice(first.averagePrice, (3 * ref + (ref + 1)) / 4);

      const second = await placeOk(alice, { symbol, side: 'buy', orderType: 'market', quantity: 10 });
      assert.equal(second.status, 'canceled');
      assert.equal(second.filledQuantity, 1);
      assert.equal(second.remainingQuantity, 0);
      assertAveragePrice(second.averagePrice, ref + 1);
      assert.deepEqual(await l2(symbol).then((b) => [b.bids, b.asks]), [[], []], 'a market remainder never rests');

      const empty = await placeOk(alice, { symbol, side: 'sell', orderType: 'market', quantity: 3 });
      assert.equal(empty.status, 'canceled');
      assert.equal(empty.filledQuantity, 0);
      assert.equal(empty.averagePrice, null);
    });

    it('clientOrderId: a repeat returns the first order with 200; a different request with it is 409 DUPLICATE_CLIENT_ORDER_ID', async () => {
      const { symbol, ref } = await freshSymbol();
      const spec: OrderSpec = { symbol, side: 'buy', price: ref - 100, quantity: 3, clientOrderId: 'dup-1' };
      const first = await place(alice, spec);
      assertStatus(first, 201);
      const again = await place(alice, spec);
      assertStatus(again, 200);
      assert.deepEqual(again.body, first.body);
      const explicitDefaults = await place(alice, { ...spec, timeInForce: 'GTC', postOnly: false });
      assertStatus(explicitDefaults, 200);
      assert.equal(explicitDefaults.body.id, first.body.id);

      assertError(await place(alice, { ...spec, quantity: 4 }), 409, 'DUPLICATE_CLIENT_ORDER_ID');
      assertError(await place(alice, { ...spec, price: ref - 101 }), 409, 'DUPLICATE_CLIENT_ORDER_ID');
      assertError(await place(alice, { ...spec, side: 'sell', price: ref + 100 }), 409, 'DUPLICATE_CLIENT_ORDER_ID');
      // Unique per account: another account may use the same clientOrderId.
      const other = await place(bob, spec);
      assertStatus(other, 201);
      assert.notEqual(other.body.id, first.body.id);
      // Only one order of alice's with it.
      const list = await api.signed(alice, 'GET', `/v1/orders?symbol=${symbol}`);
      assert.deepEqual(ids(list.body.orders), [first.body.id]);
    });

    it('a price that is not a multiple of the tick: 400 INVALID_ARGUMENT naming price', async () => {
      for (const price of ['210.005', '209.991', '0.001']) {
        const reply = await api.signed(alice, 'POST', '/v1/order', { symbol: 'AAPL', side: 'buy', orderType: 'limit', price, quantity: 1 });
        assertError(reply, 400, 'INVALID_ARGUMENT', 'price');
      }
      // One decimal is still a decimal string.
      const { symbol, ref } = await freshSymbol();
      const oneDecimal = await api.signed(alice, 'POST', '/v1/order', { symbol, side: 'buy', orderType: 'limit', price: `${Math.floor(ref / 100) - 1}.5`, quantity: 1 });
      assertStatus(oneDecimal, 201);
      assert.equal(cents(oneDecimal.body.price), (Math.floor(ref / 100) - 1) * 100 + 50);
    });

    const valid = { symbol: 'AAPL', side: 'buy', orderType: 'limit', price: '100.00', quantity: 1 };
    for (const field of ['symbol', 'side', 'orderType', 'quantity']) {
      it(`a missing ${field}: 400 INVALID_ARGUMENT naming it`, async () => {
        const body: Record<string, unknown> = { ...valid };
        delete body[field];
        assertError(await api.signed(alice, 'POST', '/v1/order', body), 400, 'INVALID_ARGUMENT', field);
      });
    }
    it('a limit order without price: 400 INVALID_ARGUMENT naming price', async () => {
      const { price: _price, ...body } = valid;
      assertError(await api.signed(alice, 'POST', '/v1/order', body), 400, 'INVALID_ARGUMENT', 'price');
    });
    it('a market order with a price: 400 INVALID_ARGUMENT naming price (price is for limit orders only)', async () => {
      assertError(await api.signed(alice, 'POST', '/v1/order', { ...valid, orderType: 'market' }), 400, 'INVALID_ARGUMENT', 'price');
    });

    const wrongTypes: Array<{ field: string; value: unknown }> = [
      { field: 'quantity', value: 1.5 },
      { field: 'quantity', value: 'ten' },
      { field: 'quantity', value: 0 },
      { field: 'quantity', value: -5 },
      { field: 'quantity', value: null },
      { field: 'quantity', value: true },
      { field: 'quantity', value: '5' },
      { field: 'quantity', value: [5] },
      { field: 'quantity', value: { n: 5 } },
      { field: 'side', value: 'hold' },
      { field: 'side', value: 1 },
      { field: 'side', value: ['buy'] },
      { field: 'orderType', value: 'stop' },
      { field: 'timeInForce', value: 'GTD' },
      { field: 'timeInForce', value: 'gtc' },
      { field: 'price', value: 'abc' },
      { field: 'price', value: '-1.00' },
      { field: 'price', value: '0.00' },
      { field: 'price', value: '1e3' },
      { field: 'price', value: 190 },
      { field: 'postOnly', value: 'yes' },
      { field: 'postOnly', value: 'true' },
      { field: 'postOnly', value: 1 },
      { field: 'clientOrderId', value: '' },
      { field: 'clientOrderId', value: 'x'.repeat(65) },
      { field: 'clientOrderId', value: 42 },
      { field: 'symbol', value: '' },
      { field: 'symbol', value: 7 },
    ];
    for (const { field, value } of wrongTypes) {
      it(`${field}: ${JSON.stringify(value)} is 400 INVALID_ARGUMENT naming ${field}`, async () => {
        // Far below the market, so that an order accepted by mistake does not trade.
        const reply = await api.signed(alice, 'POST', '/v1/order', { ...valid, price: '190.00', [field]: value });
        if (reply.status === 201) await api.signed(alice, 'DELETE', `/v1/order/${reply.body.id}`);
        assertError(reply, 400, 'INVALID_ARGUMENT', field);
      });
    }
    it('an unknown field: 400 INVALID_ARGUMENT naming it', async () => {
      assertError(await api.signed(alice, 'POST', '/v1/order', { ...valid, price: '190.00', leverage: 10 }), 400, 'INVALID_ARGUMENT', 'leverage');
      assertError(await api.signed(alice, 'POST', '/v1/order', { ...valid, price: '190.00', Quantity: 1 }), 400, 'INVALID_ARGUMENT', 'Quantity');
    });
  });

  describe('GET and DELETE /v1/order/{id}', () => {
    it('GET: 200 the order; 404 NOT_FOUND for another account\'s order and for an unknown id', async () => {
      const { symbol, ref } = await freshSymbol();
      const order = await rest(alice, symbol, 'buy', ref - 100, 5, { clientOrderId: 'get-1' });
      assert.deepEqual(await getOrder(alice, order.id), order);
      assertError(await api.signed(bob, 'GET', `/v1/order/${order.id}`), 404, 'NOT_FOUND');
      assertError(await api.signed(alice, 'GET', '/v1/order/999999999'), 404, 'NOT_FOUND');
    });

    it('DELETE: 200 the order with status canceled, the hold released; again → 409 ORDER_NOT_OPEN; another account → 404', async () => {
      const { symbol, ref } = await freshSymbol();
      const erin = await newAccount('erin-delete', '1000.00');
      const order = await rest(erin, symbol, 'buy', ref - 100, 3);
      assert.equal(balanceOf(await wallet(erin), 'USD')?.held, money(requiredHold(ref - 100, 3)));
      assertError(await api.signed(bob, 'DELETE', `/v1/order/${order.id}`), 404, 'NOT_FOUND');
      const canceled = await api.signed(erin, 'DELETE', `/v1/order/${order.id}`);
      assertStatus(canceled, 200);
      assert.equal(canceled.body.id, order.id);
      assert.equal(canceled.body.status, 'canceled');
      assert.equal(canceled.body.filledQuantity, 0);
      assert.equal(canceled.body.remainingQuantity, 0);
      assert.deepEqual(balanceOf(await wallet(erin), 'USD'), { asset: 'USD', available: '1000.00', held: '0.00' });
      assert.equal((await getOrder(erin, order.id)).status, 'canceled');
      assert.deepEqual((await l3(symbol)).bids, []);
      assertError(await api.signed(erin, 'DELETE', `/v1/order/${order.id}`), 409, 'ORDER_NOT_OPEN');
      assertError(await api.signed(erin, 'DELETE', '/v1/order/999999999'), 404, 'NOT_FOUND');
    });

    it('DELETE a filled order: 409 ORDER_NOT_OPEN; DELETE a partially filled one: canceled, filledQuantity kept', async () => {
      const { symbol, ref } = await freshSymbol();
      const partial = await rest(bob, symbol, 'sell', ref, 10);
      const taker = await placeOk(alice, { symbol, side: 'buy', price: ref, quantity: 4 });
      assert.equal(taker.status, 'filled');
      assertError(await api.signed(alice, 'DELETE', `/v1/order/${taker.id}`), 409, 'ORDER_NOT_OPEN');
      const canceled = await api.signed(bob, 'DELETE', `/v1/order/${partial.id}`);
      assertStatus(canceled, 200);
      assert.equal(canceled.body.status, 'canceled');
      assert.equal(canceled.body.filledQuantity, 4);
      assert.equal(canceled.body.remainingQuantity, 0);
    });
  });

  describe('PUT /v1/order/{id} (cancel-replace)', () => {
    let symbol: string;
    let ref: number;
    let erin: Account;
    let mine: Json;
    let theirs: Json;
    const bidsOf = async (): Promise<Array<[string, string, number]>> =>
      ((await l3(symbol)).bids as Array<{ orderId: string; price: string; quantity: number }>).map((o) => [o.orderId, o.price, o.quantity]);

    before(async () => {
      ({ symbol, ref } = await freshSymbol());
      erin = await newAccount('erin-replace', '100000.00');
      mine = await rest(erin, symbol, 'buy', ref - 100, 10);
      theirs = await rest(bob, symbol, 'buy', ref - 100, 10);
    });

    it('lowering the quantity at the same price keeps time priority (L3), and the hold follows', async () => {
      assert.deepEqual(await bidsOf(), [[mine.id, money(ref - 100), 10], [theirs.id, money(ref - 100), 10]]);
      const reply = await api.signed(erin, 'PUT', `/v1/order/${mine.id}`, { quantity: 6 });
      assertStatus(reply, 200);
      assert.equal(reply.body.id, mine.id);
      assert.equal(reply.body.quantity, 6);
      assert.equal(reply.body.remainingQuantity, 6);
      assert.equal(reply.body.price, money(ref - 100));
      assert.equal(reply.body.status, 'new');
      assert.deepEqual(await bidsOf(), [[mine.id, money(ref - 100), 6], [theirs.id, money(ref - 100), 10]]);
      assert.equal(balanceOf(await wallet(erin), 'USD')?.held, money(requiredHold(ref - 100, 6)));
    });

    it('raising the quantity loses time priority', async () => {
      const reply = await api.signed(erin, 'PUT', `/v1/order/${mine.id}`, { quantity: 8 });
      assertStatus(reply, 200);
      assert.equal(reply.body.quantity, 8);
      assert.deepEqual(await bidsOf(), [[theirs.id, money(ref - 100), 10], [mine.id, money(ref - 100), 8]]);
      assert.equal(balanceOf(await wallet(erin), 'USD')?.held, money(requiredHold(ref - 100, 8)));
    });

    it('a new price loses time priority (even back to the old price)', async () => {
      const away = await api.signed(bob, 'PUT', `/v1/order/${theirs.id}`, { price: money(ref - 101) });
      assertStatus(away, 200);
      assert.equal(away.body.price, money(ref - 101));
      assert.deepEqual(await bidsOf(), [[mine.id, money(ref - 100), 8], [theirs.id, money(ref - 101), 10]]);
      const back = await api.signed(bob, 'PUT', `/v1/order/${theirs.id}`, { price: money(ref - 100) });
      assertStatus(back, 200);
      assert.deepEqual(await bidsOf(), [[mine.id, money(ref - 100), 8], [theirs.id, money(ref - 100), 10]]);
      // Price and quantity together; the hold follows.
      const both = await api.signed(erin, 'PUT', `/v1/order/${mine.id}`, { quantity: 5, price: money(ref - 99) });
      assertStatus(both, 200);
      assert.deepEqual([both.body.quantity, both.body.price, both.body.remainingQuantity], [5, money(ref - 99), 5]);
      assert.deepEqual(await bidsOf(), [[mine.id, money(ref - 99), 5], [theirs.id, money(ref - 100), 10]]);
      assert.equal(balanceOf(await wallet(erin), 'USD')?.held, money(requiredHold(ref - 99, 5)));
    });

    it('a new price that crosses trades at once; quantity is the new total, which must exceed filledQuantity (400)', async () => {
      await rest(bob, symbol, 'sell', ref, 3);
      const crossed = await api.signed(erin, 'PUT', `/v1/order/${mine.id}`, { price: money(ref) });
      assertStatus(crossed, 200);
      assert.equal(crossed.body.status, 'partially_filled');
      assert.equal(crossed.body.filledQuantity, 3);
      assert.equal(crossed.body.remainingQuantity, 2);
      assertAveragePrice(crossed.body.averagePrice, ref);

      assertError(await api.signed(erin, 'PUT', `/v1/order/${mine.id}`, { quantity: 3 }), 400, 'INVALID_ARGUMENT', 'quantity');
      assertError(await api.signed(erin, 'PUT', `/v1/order/${mine.id}`, { quantity: 2 }), 400, 'INVALID_ARGUMENT', 'quantity');
      const four = await api.signed(erin, 'PUT', `/v1/order/${mine.id}`, { quantity: 4 });
      assertStatus(four, 200);
      assert.deepEqual([four.body.quantity, four.body.filledQuantity, four.body.remainingQuantity, four.body.status], [4, 3, 1, 'partially_filled']);
      assert.equal(balanceOf(await wallet(erin), 'USD')?.held, money(requiredHold(ref, 1)));
    });

    it('bad replace bodies: 400 INVALID_ARGUMENT', async () => {
      assertError(await api.signed(erin, 'PUT', `/v1/order/${mine.id}`, {}), 400, 'INVALID_ARGUMENT');
      assertError(await api.signed(erin, 'PUT', `/v1/order/${mine.id}`, { quantity: 0 }), 400, 'INVALID_ARGUMENT', 'quantity');
      assertError(await api.signed(erin, 'PUT', `/v1/order/${mine.id}`, { quantity: 2.5 }), 400, 'INVALID_ARGUMENT', 'quantity');
      assertError(await api.signed(erin, 'PUT', `/v1/order/${mine.id}`, { price: money(ref) + '1' }), 400, 'INVALID_ARGUMENT', 'price');
      assertError(await api.signed(erin, 'PUT', `/v1/order/${mine.id}`, { price: '-1.00' }), 400, 'INVALID_ARGUMENT', 'price');
      assertError(await api.signed(erin, 'PUT', `/v1/order/${mine.id}`, { quantity: 9, side: 'sell' }), 400, 'INVALID_ARGUMENT', 'side');
      assertError(await api.signed(bob, 'PUT', `/v1/order/${mine.id}`, { quantity: 9 }), 404, 'NOT_FOUND');
    });

    it('replacing a closed order: 409 ORDER_NOT_OPEN (canceled and filled)', async () => {
      assertStatus(await api.signed(erin, 'DELETE', `/v1/order/${mine.id}`), 200);
      assertError(await api.signed(erin, 'PUT', `/v1/order/${mine.id}`, { quantity: 9 }), 409, 'ORDER_NOT_OPEN');
      assertError(await api.signed(erin, 'PUT', `/v1/order/${mine.id}`, { price: money(ref - 100) }), 409, 'ORDER_NOT_OPEN');
      const sell = await rest(bob, symbol, 'sell', ref + 50, 1);
      const filled = await placeOk(alice, { symbol, side: 'buy', price: ref + 50, quantity: 1 });
      assert.equal(filled.status, 'filled');
      assertError(await api.signed(alice, 'PUT', `/v1/order/${filled.id}`, { quantity: 5 }), 409, 'ORDER_NOT_OPEN');
      assertError(await api.signed(bob, 'PUT', `/v1/order/${sell.id}`, { quantity: 5 }), 409, 'ORDER_NOT_OPEN');
    });
  });

  describe('GET /v1/orders and GET /v1/execution', () => {
    let frank: Account;
    let s1: Instrument;
    let s2: Instrument;
    const o: Record<string, Json> = {};

    before(async () => {
      s1 = await freshSymbol();
      s2 = await freshSymbol();
      frank = await newAccount('frank', '100000.00');
      await rest(bob, s1.symbol, 'sell', s1.ref + 50, 5);
      o.o1 = await rest(frank, s1.symbol, 'buy', s1.ref - 100, 1);
      o.o2 = await rest(frank, s2.symbol, 'buy', s2.ref - 100, 1);
      o.o3 = await rest(frank, s1.symbol, 'buy', s1.ref - 100, 1);
      assertStatus(await api.signed(frank, 'DELETE', `/v1/order/${o.o3.id}`), 200);
      o.o4 = await placeOk(frank, { symbol: s1.symbol, side: 'buy', price: s1.ref + 50, quantity: 3 });
      assert.equal(o.o4.status, 'filled');
      o.o5 = await placeOk(frank, { symbol: s1.symbol, side: 'buy', price: s1.ref + 50, quantity: 4 });
      assert.equal(o.o5.status, 'partially_filled');
    });

    const list = async (query: string): Promise<string[]> => {
      const reply = await api.signed(frank, 'GET', `/v1/orders${query}`);
      assertStatus(reply, 200);
      assert.ok(Array.isArray(reply.body.orders));
      return ids(reply.body.orders);
    };

    it('all orders, newest first, each the order object', async () => {
      const reply = await api.signed(frank, 'GET', '/v1/orders');
      assertStatus(reply, 200);
      assert.deepEqual(ids(reply.body.orders), [o.o5.id, o.o4.id, o.o3.id, o.o2.id, o.o1.id]);
      for (const order of reply.body.orders) for (const field of ORDER_FIELDS) assert.ok(field in order, `order field ${field} missing`);
      assert.deepEqual(reply.body.orders[3], await getOrder(frank, o.o2.id));
    });

    it('status=open (new or partially filled), filled, canceled', async () => {
      assert.deepEqual(await list('?status=open'), [o.o5.id, o.o2.id, o.o1.id]);
      assert.deepEqual(await list('?status=filled'), [o.o4.id]);
      assert.deepEqual(await list('?status=canceled'), [o.o3.id]);
    });

    it('symbol, symbol with status, limit (the newest)', async () => {
      assert.deepEqual(await list(`?symbol=${s2.symbol}`), [o.o2.id]);
      assert.deepEqual(await list(`?symbol=${s1.symbol}&status=open`), [o.o5.id, o.o1.id]);
      assert.deepEqual(await list('?limit=2'), [o.o5.id, o.o4.id]);
      assert.deepEqual(await list(`?symbol=${s1.symbol}&status=open&limit=1`), [o.o5.id]);
      assert.deepEqual(await list('?limit=1000'), [o.o5.id, o.o4.id, o.o3.id, o.o2.id, o.o1.id]);
    });

    it('bad filters: 400 INVALID_ARGUMENT naming the parameter', async () => {
      assertError(await api.signed(frank, 'GET', '/v1/orders?limit=1001'), 400, 'INVALID_ARGUMENT', 'limit');
      assertError(await api.signed(frank, 'GET', '/v1/orders?limit=0'), 400, 'INVALID_ARGUMENT', 'limit');
      assertError(await api.signed(frank, 'GET', '/v1/orders?status=new'), 400, 'INVALID_ARGUMENT', 'status');
    });

    it('GET /v1/execution: fields, and the symbol, orderId, startTime, endTime and limit filters', async () => {
      const reply = await api.signed(frank, 'GET', '/v1/execution');
      assertStatus(reply, 200);
      const executions = reply.body.executions as Json[];
      assert.equal(executions.length, 2);
      for (const execution of executions) {
        for (const field of EXECUTION_FIELDS) assert.ok(field in execution, `execution field ${field} missing`);
        assert.equal(execution.symbol, s1.symbol);
        assert.equal(execution.side, 'buy');
        assert.equal(execution.price, money(s1.ref + 50));
        assert.equal(execution.orderType, 'limit');
        assert.equal(execution.liquidity, 'taker');
        assert.equal(execution.fee, money(fee((s1.ref + 50) * execution.quantity, TAKER_BPS)));
        assert.ok(Number.isSafeInteger(execution.time));
      }
      const byOrder = new Map(executions.map((e) => [e.orderId, e]));
      assert.equal(byOrder.get(o.o4.id)?.quantity, 3);
      assert.equal(byOrder.get(o.o5.id)?.quantity, 2);

      const query = async (q: string): Promise<Json[]> => {
        const r = await api.signed(frank, 'GET', `/v1/execution${q}`);
        assertStatus(r, 200);
        return r.body.executions;
      };
      assert.deepEqual((await query(`?orderId=${o.o4.id}`)).map((e) => e.orderId), [o.o4.id]);
      assert.equal((await query(`?symbol=${s1.symbol}`)).length, 2);
      assert.equal((await query(`?symbol=${s2.symbol}`)).length, 0);
      const times = executions.map((e) => e.time as number);
      const first = Math.min(...times);
      const last = Math.max(...times);
      assert.equal((await query(`?startTime=${first}&endTime=${last}`)).length, 2);
      assert.equal((await query(`?startTime=${last + 1}`)).length, 0);
      assert.equal((await query(`?endTime=${first - 1}`)).length, 0);
      assert.equal((await query('?limit=1')).length, 1);
      assert.equal((await query(`?symbol=${s1.symbol}&orderId=${o.o5.id}&startTime=${first}&limit=5`)).length, 1);

      // The other side of those trades: bob, maker, maker fee.
      const bobs = await api.signed(bob, 'GET', `/v1/execution?symbol=${s1.symbol}`);
      assertStatus(bobs, 200);
      assert.equal(bobs.body.executions.length, 2);
      for (const execution of bobs.body.executions) {
        assert.equal(execution.liquidity, 'maker');
        assert.equal(execution.side, 'sell');
        assert.equal(execution.fee, money(fee((s1.ref + 50) * execution.quantity, MAKER_BPS)));
      }
      assert.deepEqual(new Set(bobs.body.executions.map((e: Json) => e.tradeId)), new Set(executions.map((e) => e.tradeId)));
    });
  });
});

// =========================================================================================================
describe('Business rejections: 422 with the code', () => {
  it('INSUFFICIENT_FUNDS: a buy beyond available cash, a sell beyond available shares', async () => {
    const poor = await newAccount('poor', '10.00');
    assertError(await place(poor, { symbol: 'AAPL', side: 'buy', price: 210_00, quantity: 1 }), 422, 'INSUFFICIENT_FUNDS');
    assertError(await place(poor, { symbol: 'AAPL', side: 'sell', price: 210_00, quantity: 1 }), 422, 'INSUFFICIENT_FUNDS');
    // The boundary: cash for exactly requiredHold(price, 2), fee included. 3 shares, or 2 a cent higher, do not fit.
    const { symbol, ref } = await freshSymbol();
    const exact = await newAccount('exact', money(requiredHold(ref, 2)));
    assertError(await place(exact, { symbol, side: 'buy', price: ref, quantity: 3 }), 422, 'INSUFFICIENT_FUNDS');
    assertError(await place(exact, { symbol, side: 'buy', price: ref + 1, quantity: 2 }), 422, 'INSUFFICIENT_FUNDS');
    await rest(exact, symbol, 'buy', ref, 2);
    assert.deepEqual(balanceOf(await wallet(exact), 'USD'), { asset: 'USD', available: '0.00', held: money(requiredHold(ref, 2)) });
    assert.deepEqual(balanceOf(await wallet(poor), 'USD'), { asset: 'USD', available: '10.00', held: '0.00' });
  });

  it('RISK_LIMIT: quantity above maxOrderQuantity (1,000,001 AAPL)', async () => {
    assertError(await place(alice, { symbol: 'AAPL', side: 'buy', price: 200_00, quantity: 1_000_001 }), 422, 'RISK_LIMIT');
    assertError(await place(bob, { symbol: 'AAPL', side: 'sell', orderType: 'market', quantity: 1_000_001 }), 422, 'RISK_LIMIT');
  });

  it('PRICE_BAND: a price far from the reference (or last) price', async () => {
    assertError(await place(alice, { symbol: 'AAPL', side: 'buy', price: 300_00, quantity: 1 }), 422, 'PRICE_BAND');
    assertError(await place(bob, { symbol: 'AAPL', side: 'sell', price: 1_00, quantity: 1 }), 422, 'PRICE_BAND');
    // Before the first trade the band is centred on the reference price: 10% of it is inside, 11% is not.
    const { symbol, ref } = await freshSymbol();
    assertError(await place(alice, { symbol, side: 'buy', price: Math.ceil((ref * 111) / 100), quantity: 1 }), 422, 'PRICE_BAND');
    assertError(await place(alice, { symbol, side: 'buy', price: Math.floor((ref * 89) / 100), quantity: 1 }), 422, 'PRICE_BAND');
    assertError(await place(bob, { symbol, side: 'sell', price: Math.ceil((ref * 110) / 100) + 1, quantity: 1 }), 422, 'PRICE_BAND');
    await rest(alice, symbol, 'buy', Math.ceil((ref * 90) / 100), 1);
    await rest(bob, symbol, 'sell', Math.floor((ref * 110) / 100), 1);
  });

  it('SYMBOL_HALTED: after a halt (and accepted again after resume)', async () => {
    const { symbol, ref } = await freshSymbol();
    assertStatus(await api.admin('POST', `/v1/admin/symbols/${symbol}/halt`), 200);
    try {
      assertError(await place(alice, { symbol, side: 'buy', price: ref, quantity: 1 }), 422, 'SYMBOL_HALTED');
      assertError(await place(bob, { symbol, side: 'sell', orderType: 'market', quantity: 1 }), 422, 'SYMBOL_HALTED');
    } finally {
      assertStatus(await api.admin('POST', `/v1/admin/symbols/${symbol}/resume`), 200);
    }
    await rest(alice, symbol, 'buy', ref, 1);
  });

  it('MARKET_CLOSED: after POST /v1/admin/session/close (DAY orders expire, GTC stay), accepted after /open', async () => {
    const { symbol, ref } = await freshSymbol();
    const day = await rest(alice, symbol, 'buy', ref - 100, 1, { timeInForce: 'DAY' });
    assert.equal(day.timeInForce, 'DAY');
    const gtc = await rest(alice, symbol, 'buy', ref - 101, 1, { timeInForce: 'GTC' });
    const closed = await api.admin('POST', '/v1/admin/session/close');
    try {
      assertStatus(closed, 200);
      assertError(await place(alice, { symbol, side: 'buy', price: ref, quantity: 1 }), 422, 'MARKET_CLOSED');
      assert.equal((await getOrder(alice, day.id)).status, 'canceled', 'a DAY order expires at the close');
      assert.equal((await getOrder(alice, gtc.id)).status, 'new', 'a GTC order stays');
      assert.deepEqual(ids((await l3(symbol)).bids), [gtc.id]);
    } finally {
      assertStatus(await api.admin('POST', '/v1/admin/session/open'), 200);
    }
    await rest(alice, symbol, 'buy', ref - 100, 1);
  });

  it('UNKNOWN_SYMBOL: a symbol that is not listed', async () => {
    assertError(await place(alice, { symbol: 'NOSUCH', side: 'buy', price: 100_00, quantity: 1 }), 422, 'UNKNOWN_SYMBOL');
    assertError(await place(alice, { symbol: 'aapl', side: 'buy', price: 210_00, quantity: 1 }), 422, 'UNKNOWN_SYMBOL');
  });

  it('ACCOUNT_BLOCKED: after a block (cancels still pass; orders accepted again after unblock)', async () => {
    const { symbol, ref } = await freshSymbol();
    const grace = await newAccount('grace', '10000.00');
    const open = await rest(grace, symbol, 'buy', ref - 100, 1);
    assertStatus(await api.admin('POST', `/v1/admin/accounts/${grace.accountId}/block`), 200);
    try {
      assertError(await place(grace, { symbol, side: 'buy', price: ref - 100, quantity: 1 }), 422, 'ACCOUNT_BLOCKED');
      assertStatus(await api.signed(grace, 'DELETE', `/v1/order/${open.id}`), 200);
    } finally {
      assertStatus(await api.admin('POST', `/v1/admin/accounts/${grace.accountId}/unblock`), 200);
    }
    await rest(grace, symbol, 'buy', ref - 100, 1);
  });

  it('POST_ONLY_WOULD_TRADE: a post-only order that would trade on arrival', async () => {
    const { symbol, ref } = await freshSymbol();
    await rest(bob, symbol, 'sell', ref, 5);
    await rest(alice, symbol, 'buy', ref - 10, 5);
    assertError(await place(alice, { symbol, side: 'buy', price: ref, quantity: 1, postOnly: true }), 422, 'POST_ONLY_WOULD_TRADE');
    assertError(await place(alice, { symbol, side: 'buy', price: ref + 5, quantity: 1, postOnly: true }), 422, 'POST_ONLY_WOULD_TRADE');
    assertError(await place(bob, { symbol, side: 'sell', price: ref - 10, quantity: 1, postOnly: true }), 422, 'POST_ONLY_WOULD_TRADE');
    const passive = await rest(alice, symbol, 'buy', ref - 1, 1, { postOnly: true });
    assert.equal(passive.status, 'new');
    assert.deepEqual((await l2(symbol)).asks, [[money(ref), 5]], 'nothing traded');
  });
});

// =========================================================================================================
describe('Authentication: signing rules', () => {
  let account: Account;
  let order: Json;
  before(async () => {
    account = await newAccount('signer', '10000.00');
    order = await rest(account, 'AAPL', 'buy', 200_00, 1);
  });

  it('a correctly signed request passes (control), including with a query and a body', async () => {
    assertStatus(await api.signed(account, 'GET', '/v1/wallet'), 200);
    assertStatus(await api.signed(account, 'GET', '/v1/orders?symbol=AAPL&limit=5'), 200);
    const id = (await placeOk(account, { symbol: 'AAPL', side: 'buy', price: 200_00, quantity: 1 })).id;
    assertStatus(await api.signed(account, 'DELETE', `/v1/order/${id}`), 200);
  });

  it('missing headers: 401 UNAUTHENTICATED', async () => {
    const full = signedHeaders(account, 'GET', '/v1/wallet', '');
    for (const missing of ['X-API-Key', 'X-Timestamp', 'X-Signature']) {
      const headers = { ...full };
      delete headers[missing as keyof typeof headers];
      assertError(await api.request('GET', '/v1/wallet', { headers }), 401, 'UNAUTHENTICATED');
      assertError(await api.request('GET', '/v1/wallet', { headers: { ...full, [missing]: '' } }), 401, 'UNAUTHENTICATED');
    }
    assertError(await api.request('GET', '/v1/wallet'), 401, 'UNAUTHENTICATED');
    assertError(await api.request('GET', '/v1/orders'), 401, 'UNAUTHENTICATED');
    assertError(await api.request('POST', '/v1/order', { headers: { 'Content-Type': 'application/json' }, body: '{}' }), 401, 'UNAUTHENTICATED');
    // The admin token is not an account credential.
    assertError(await api.request('GET', '/v1/wallet', { headers: { Authorization: `Bearer ${api.adminToken}` } }), 401, 'UNAUTHENTICATED');
  });

  it('timestamps: 5,001 ms in the past → 401; more than 5,000 ms in the future → 401; within the window → 200', async () => {
    assertError(await api.signed(account, 'GET', '/v1/wallet', undefined, { timestampMs: Date.now() - 5_001 }), 401, 'UNAUTHENTICATED');
    assertError(await api.signed(account, 'GET', '/v1/wallet', undefined, { timestampMs: Date.now() - 60_000 }), 401, 'UNAUTHENTICATED');
    // +5,001 would race with the request's own travel time (the server's clock moves on while it travels,
    // bringing a future timestamp closer), so the future side is checked with a margin: +5,500.
    assertError(await api.signed(account, 'GET', '/v1/wallet', undefined, { timestampMs: Date.now() + 5_500 }), 401, 'UNAUTHENTICATED');
    assertError(await api.signed(account, 'GET', '/v1/wallet', undefined, { timestampMs: Date.now() + 3_600_000 }), 401, 'UNAUTHENTICATED');
    assertStatus(await api.signed(account, 'GET', '/v1/wallet', undefined, { timestampMs: Date.now() - 3_000 }), 200);
    assertStatus(await api.signed(account, 'GET', '/v1/wallet', undefined, { timestampMs: Date.now() + 4_500 }), 200);
    // Seconds instead of milliseconds are 50 years off.
    assertError(await api.signed(account, 'GET', '/v1/wallet', undefined, { timestampMs: Math.floor(Date.now() / 1000) }), 401, 'UNAUTHENTICATED');
  });

  it('a tampered body: 401 (the signature covers the exact raw body)', async () => {
    const signedBody = JSON.stringify({ symbol: 'AAPL', side: 'buy', orderType: 'limit', price: '200.00', quantity: 1 });
    const sentBody = JSON.stringify({ symbol: 'AAPL', side: 'buy', orderType: 'limit', price: '200.00', quantity: 2 });
    const headers = { ...signedHeaders(account, 'POST', '/v1/order', signedBody), 'Content-Type': 'application/json' };
    assertError(await api.request('POST', '/v1/order', { headers, body: sentBody }), 401, 'UNAUTHENTICATED');
    // Same JSON, different bytes.
    const spaced = JSON.stringify(JSON.parse(signedBody), null, 1);
    assertError(await api.request('POST', '/v1/order', { headers, body: spaced }), 401, 'UNAUTHENTICATED');
    // A body signed as "" but sent.
    const empty = { ...signedHeaders(account, 'POST', '/v1/order', ''), 'Content-Type': 'application/json' };
    assertError(await api.request('POST', '/v1/order', { headers: empty, body: signedBody }), 401, 'UNAUTHENTICATED');
    // No order was placed.
    const orders = await api.signed(account, 'GET', '/v1/orders?status=open');
    assert.deepEqual(ids(orders.body.orders), [order.id]);
  });

  it('a tampered path, query or method: 401', async () => {
    const path = (signed: string, sent: string): Promise<Reply> => api.request('GET', sent, { headers: signedHeaders(account, 'GET', signed, '') });
    assertError(await path('/v1/orders', '/v1/wallet'), 401, 'UNAUTHENTICATED');
    assertError(await path('/v1/orders?limit=5', '/v1/orders?limit=6'), 401, 'UNAUTHENTICATED');
    assertError(await path('/v1/orders', '/v1/orders?limit=5'), 401, 'UNAUTHENTICATED');
    assertError(await path('/v1/orders?limit=5', '/v1/orders'), 401, 'UNAUTHENTICATED');
    assertError(await path('/v1/orders?symbol=AAPL&limit=5', '/v1/orders?limit=5&symbol=AAPL'), 401, 'UNAUTHENTICATED');
    assertError(await path(`/v1/order/${order.id}`, `/v1/order/${order.id}0`), 401, 'UNAUTHENTICATED');
    // Signed as a GET, sent as a DELETE: refused, and the order is still open.
    const asGet = signedHeaders(account, 'GET', `/v1/order/${order.id}`, '');
    assertError(await api.request('DELETE', `/v1/order/${order.id}`, { headers: asGet }), 401, 'UNAUTHENTICATED');
    assert.equal((await getOrder(account, order.id)).status, 'new');
    // The method is upper case in the signed string.
    const lower = { ...signedHeaders(account, 'get', '/v1/wallet', '') };
    assertError(await api.request('GET', '/v1/wallet', { headers: lower }), 401, 'UNAUTHENTICATED');
  });

  it('an unknown API key, a wrong secret, another account\'s key: 401', async () => {
    const other = await api.createAccount('signer-other');
    const cases: Account[] = [
      { ...account, apiKey: 'no-such-key' },
      { ...account, apiSecret: 'not-the-secret' },
      { ...account, apiKey: other.apiKey },
      { ...account, apiSecret: account.apiSecret.toUpperCase() === account.apiSecret ? 'x' : account.apiSecret.toUpperCase() },
    ];
    for (const creds of cases) assertError(await api.signed(creds, 'GET', '/v1/wallet'), 401, 'UNAUTHENTICATED');
    const headers = signedHeaders(account, 'GET', '/v1/wallet', '');
    for (const signature of ['', 'zz', headers['X-Signature'].slice(0, 63), `${headers['X-Signature']}00`, '0'.repeat(64)]) {
      assertError(await api.request('GET', '/v1/wallet', { headers: { ...headers, 'X-Signature': signature } }), 401, 'UNAUTHENTICATED');
    }
  });

  it('a body larger than 16 KiB: 413', async () => {
    const big = JSON.stringify({ symbol: 'AAPL', side: 'buy', orderType: 'limit', price: '200.00', quantity: 1, clientOrderId: 'x'.repeat(17 * 1024) });
    const signedReply = await api.signed(account, 'POST', '/v1/order', big);
    assert.equal(signedReply.status, 413, signedReply.text);
    assertClientError(signedReply);
    const adminReply = await api.admin('POST', '/v1/admin/accounts', { name: 'y'.repeat(20 * 1024) });
    assert.equal(adminReply.status, 413, adminReply.text);
    assertClientError(adminReply);
    // Just under the limit is read (and refused for what it says, not for its size).
    const under = JSON.stringify({ symbol: 'AAPL', side: 'buy', orderType: 'limit', price: '200.00', quantity: 1, clientOrderId: 'x'.repeat(15 * 1024) });
    assertError(await api.signed(account, 'POST', '/v1/order', under), 400, 'INVALID_ARGUMENT', 'clientOrderId');
  });
});

// =========================================================================================================
describe('Rate limits (429 RATE_LIMITED with Retry-After) and the IP deny list (403 IP_DENIED)', () => {
  let perKey: ServerProcess;
  let perIp: ServerProcess;
  let denied: ServerProcess;

  before(async () => {
    [perKey, perIp, denied] = await Promise.all([
      startServer({ env: { EXCHANGE_RATE_PER_KEY: '5', EXCHANGE_BURST_PER_KEY: '5' } }),
      startServer({ env: { EXCHANGE_RATE_PER_IP: '5', EXCHANGE_BURST_PER_IP: '5' } }),
      startServer({ env: { EXCHANGE_IP_DENY: '127.0.0.1' }, waitReady: false }),
    ]);
  });
  after(async () => {
    await Promise.all([perKey, perIp, denied].filter((s) => s !== undefined).map((s) => s.stop()));
  });

  function assertRateLimited(replies: Reply[], burst: number): void {
    const limited = replies.filter((r) => r.status === 429);
    const ok = replies.filter((r) => r.status === 200);
    assert.equal(limited.length + ok.length, replies.length, `only 200 and 429 expected: ${replies.map((r) => r.status).join(' ')}`);
    // About `burst` pass; a slow machine may refill a few more tokens while the requests arrive.
    assert.ok(ok.length >= 1 && ok.length <= replies.length - 5, `about ${burst} should pass, ${ok.length} did`);
    assert.ok(limited.length >= 5, `the rest should be refused, ${limited.length} were`);
    for (const reply of limited) {
      assertError(reply, 429, 'RATE_LIMITED');
      const retryAfter = reply.headers.get('retry-after');
      assert.match(String(retryAfter), /^[0-9]+$/, `Retry-After should be whole seconds, got ${retryAfter}`);
      assert.ok(Number(retryAfter) >= 1);
    }
  }

  it('per API key: 20 signed requests at once against 5/s, burst 5 → 429 with Retry-After; another key is unaffected', async () => {
    const client = perKey.client;
    const [busy, calm] = await Promise.all([client.createAccount('busy'), client.createAccount('calm')]);
    const replies = await Promise.all(Array.from({ length: 20 }, () => client.signed(busy, 'GET', '/v1/wallet')));
    assertRateLimited(replies, 5);
    assertStatus(await client.signed(calm, 'GET', '/v1/wallet'), 200);
    // Public requests are not charged to the key.
    assertStatus(await client.publicGet('/v1/marketdata/ticker?symbol=AAPL'), 200);
  });

  it('per IP: 20 public requests at once against 5/s, burst 5 → 429 with Retry-After', async () => {
    const replies = await Promise.all(Array.from({ length: 20 }, () => perIp.client.publicGet('/v1/marketdata/ticker?symbol=AAPL')));
    assertRateLimited(replies, 5);
  });

  it('IP deny list: every request from a denied address is 403 IP_DENIED (health, readiness and metrics included)', async () => {
    const client = denied.client;
    const fake: Account = { accountId: '1', apiKey: 'k', apiSecret: 's' };
    const replies: Array<[string, Reply]> = [
      ['GET /healthz', await client.publicGet('/healthz')],
      ['GET /readyz', await client.publicGet('/readyz')],
      ['GET /metrics', await client.publicGet('/metrics')],
      ['GET /v1/symbols', await client.publicGet('/v1/symbols')],
      ['GET L2', await client.publicGet('/v1/marketdata/orderBook/L2?symbol=AAPL')],
      ['POST admin account', await client.admin('POST', '/v1/admin/accounts', { name: 'x' })],
      ['GET signed wallet', await client.signed(fake, 'GET', '/v1/wallet')],
      ['POST signed order', await client.signed(fake, 'POST', '/v1/order', { symbol: 'AAPL' })],
      ['GET unknown path', await client.publicGet('/no/such/path')],
    ];
    for (const [what, reply] of replies) {
      assert.equal(reply.status, 403, `${what}: ${reply.status} ${reply.text}`);
      assertError(reply, 403, 'IP_DENIED');
    }
  });

  const malformedUrls: Array<[string, string]> = [
    ['a bad percent-encoding', '/v1/order/%E0%A4%A'],
    ['a path parameter over 100 characters', `/v1/admin/symbols/${'A'.repeat(500)}/halt`],
  ];
  for (const [what, path] of malformedUrls) {
    it(`IP deny list: a malformed URL (${what}) from a denied address is refused too`, async () => {
      assertError(await denied.client.publicGet(path), 403, 'IP_DENIED');
    });
  }
});

// =========================================================================================================
describe('Market data (public)', () => {
  it('GET /v1/symbols: at least 100 symbols with the fields of API.md; AAPL as configured', async () => {
    const reply = await api.publicGet('/v1/symbols');
    assertStatus(reply, 200);
    const symbols = reply.body.symbols as Json[];
    assert.ok(symbols.length >= 100, `${symbols.length} symbols`);
    assert.equal(new Set(symbols.map((s) => s.symbol)).size, symbols.length, 'symbols are unique');
    for (const s of symbols) {
      assert.equal(typeof s.symbol, 'string');
      assert.match(s.tickSize, /^[0-9]+\.[0-9]+$/);
      assert.ok(Number.isSafeInteger(s.maxOrderQuantity) && s.maxOrderQuantity > 0);
      assert.match(s.referencePrice, /^[0-9]+\.[0-9]+$/);
      assert.equal(typeof s.priceBandPercent, 'number');
      assert.ok(s.priceBandPercent >= 5, `${s.symbol}: the band is never narrower than 5%`);
      assert.ok(s.status === 'trading' || s.status === 'halted');
    }
    const aapl = symbols.find((s) => s.symbol === 'AAPL');
    assert.deepEqual(
      { tickSize: aapl.tickSize, maxOrderQuantity: aapl.maxOrderQuantity, referencePrice: aapl.referencePrice, priceBandPercent: aapl.priceBandPercent, status: aapl.status },
      { tickSize: '0.01', maxOrderQuantity: 1_000_000, referencePrice: '210.00', priceBandPercent: 10, status: 'trading' },
    );
  });

  describe('books, trades, ticker and candles of one symbol', () => {
    let symbol: string;
    let ref: number;
    const orders: Record<string, Json> = {};
    let seq0: number;

    before(async () => {
      ({ symbol, ref } = await freshSymbol());
      seq0 = (await l2(symbol)).sequence;
      orders.a1 = await rest(alice, symbol, 'buy', ref - 10, 5);
      orders.b1 = await rest(bob, symbol, 'buy', ref - 10, 3);
      orders.a2 = await rest(alice, symbol, 'buy', ref - 20, 2);
      orders.a3 = await rest(alice, symbol, 'buy', ref - 30, 1);
      orders.s1 = await rest(bob, symbol, 'sell', ref + 10, 4);
      orders.s2 = await rest(bob, symbol, 'sell', ref + 20, 6);
    });

    it('L2: [price, quantity] levels, best first, aggregated; depth; sequence goes up with every change', async () => {
      const book = await l2(symbol);
      assert.equal(book.symbol, symbol);
      assert.ok(Number.isSafeInteger(book.sequence));
      assert.ok(book.sequence > seq0, 'sequence went up');
      assert.deepEqual(book.bids, [[money(ref - 10), 8], [money(ref - 20), 2], [money(ref - 30), 1]]);
      assert.deepEqual(book.asks, [[money(ref + 10), 4], [money(ref + 20), 6]]);
      const top = await l2(symbol, 1);
      assert.deepEqual([top.bids, top.asks], [[[money(ref - 10), 8]], [[money(ref + 10), 4]]]);
      assert.equal((await l2(symbol)).sequence, book.sequence, 'no change, same sequence');
      const extra = await rest(alice, symbol, 'buy', ref - 40, 1);
      const changed = await l2(symbol);
      assert.ok(changed.sequence > book.sequence, 'a new order changes the sequence');
      assertStatus(await api.signed(alice, 'DELETE', `/v1/order/${extra.id}`), 200);
      const canceled = await l2(symbol);
      assert.ok(canceled.sequence > changed.sequence, 'a cancel changes the sequence');
      assert.deepEqual(canceled.bids, book.bids);
    });

    it('L2 depth defaults to 10', async () => {
      const { symbol: deep, ref: deepRef } = await freshSymbol();
      for (let level = 1; level <= 12; level++) await rest(alice, deep, 'buy', deepRef - level, 1);
      const book = await l2(deep);
      assert.equal(book.bids.length, 10);
      assert.deepEqual(book.bids[0], [money(deepRef - 1), 1]);
      assert.deepEqual(book.bids[9], [money(deepRef - 10), 1]);
      assert.equal((await l2(deep, 12)).bids.length, 12);
      assert.equal((await l2(deep, 1000)).bids.length, 12);
    });

    it('L3: every order {orderId, price, quantity} in priority order; the same sequence as L2', async () => {
      const book = await l3(symbol);
      assert.equal(book.symbol, symbol);
      assert.deepEqual(book.bids, [
        { orderId: orders.a1.id, price: money(ref - 10), quantity: 5 },
        { orderId: orders.b1.id, price: money(ref - 10), quantity: 3 },
        { orderId: orders.a2.id, price: money(ref - 20), quantity: 2 },
        { orderId: orders.a3.id, price: money(ref - 30), quantity: 1 },
      ]);
      assert.deepEqual(book.asks, [
        { orderId: orders.s1.id, price: money(ref + 10), quantity: 4 },
        { orderId: orders.s2.id, price: money(ref + 20), quantity: 6 },
      ]);
      assert.equal(book.sequence, (await l2(symbol)).sequence);
    });

    it('trades: newest first, with aggressorSide; ticker; and L3 after the fills', async () => {
      const buy = await placeOk(alice, { symbol, side: 'buy', price: ref + 10, quantity: 1 });
      assert.equal(buy.status, 'filled');
      const sell = await placeOk(bob, { symbol, side: 'sell', price: ref - 10, quantity: 2 });
      assert.equal(sell.status, 'filled');

      const reply = await api.publicGet(`/v1/marketdata/trades?symbol=${symbol}`);
      assertStatus(reply, 200);
      const trades = reply.body.trades as Json[];
      assert.equal(trades.length, 2);
      for (const t of trades) {
        assert.equal(typeof t.tradeId, 'string');
        assert.ok(Number.isSafeInteger(t.time));
      }
      assert.deepEqual(trades.map((t) => [t.price, t.quantity, t.aggressorSide]), [[money(ref - 10), 2, 'sell'], [money(ref + 10), 1, 'buy']]);
      assert.ok(Number(trades[0].tradeId) > Number(trades[1].tradeId), 'newest first');
      assert.ok(trades[0].time >= trades[1].time);
      const one = await api.publicGet(`/v1/marketdata/trades?symbol=${symbol}&limit=1`);
      assert.deepEqual(one.body.trades, [trades[0]]);

      // The first bid order took the sell (priority): 5 - 2 = 3 left, plus bob's 3.
      assert.deepEqual((await l3(symbol)).bids.slice(0, 2), [
        { orderId: orders.a1.id, price: money(ref - 10), quantity: 3 },
        { orderId: orders.b1.id, price: money(ref - 10), quantity: 3 },
      ]);

      const ticker = await api.publicGet(`/v1/marketdata/ticker?symbol=${symbol}`);
      assertStatus(ticker, 200);
      assert.deepEqual(
        { symbol: ticker.body.symbol, bidPrice: ticker.body.bidPrice, bidQuantity: ticker.body.bidQuantity, askPrice: ticker.body.askPrice,
          askQuantity: ticker.body.askQuantity, lastPrice: ticker.body.lastPrice, volume: ticker.body.volume },
        { symbol, bidPrice: money(ref - 10), bidQuantity: 6, askPrice: money(ref + 10), askQuantity: 3, lastPrice: money(ref - 10), volume: 3 },
      );
    });

    it('candles: 1m candles hold the trades\' OHLCV; other resolutions; a bad resolution is 400', async () => {
      const trades = ((await api.publicGet(`/v1/marketdata/trades?symbol=${symbol}`)).body.trades as Json[]).slice().reverse();
      const expected = new Map<number, { time: number; open: string; high: string; low: string; close: string; volume: number }>();
      for (const t of trades) {
        const time = Math.floor(t.time / 60_000) * 60_000;
        const c = expected.get(time);
        if (!c) expected.set(time, { time, open: t.price, high: t.price, low: t.price, close: t.price, volume: t.quantity });
        else {
          if (cents(t.price) > cents(c.high)) c.high = t.price;
          if (cents(t.price) < cents(c.low)) c.low = t.price;
          c.close = t.price;
          c.volume += t.quantity;
        }
      }
      const reply = await api.publicGet(`/v1/marketdata/candles?symbol=${symbol}&resolution=1m`);
      assertStatus(reply, 200);
      assert.equal(reply.body.symbol, symbol);
      assert.equal(reply.body.resolution, '1m');
      assert.deepEqual(reply.body.candles, [...expected.values()]);

      for (const resolution of ['5m', '15m', '1h', '1d']) {
        const r = await api.publicGet(`/v1/marketdata/candles?symbol=${symbol}&resolution=${resolution}`);
        assertStatus(r, 200);
        assert.equal(r.body.resolution, resolution);
        assert.equal((r.body.candles as Json[]).reduce((sum, c) => sum + c.volume, 0), 3, `${resolution}: volume of all candles`);
      }
      const lastTime = trades[trades.length - 1].time;
      const later = await api.publicGet(`/v1/marketdata/candles?symbol=${symbol}&resolution=1m&startTime=${lastTime + 120_000}`);
      assertStatus(later, 200);
      assert.deepEqual(later.body.candles, []);
      const window = await api.publicGet(`/v1/marketdata/candles?symbol=${symbol}&resolution=1m&startTime=${trades[0].time - 120_000}&endTime=${lastTime + 60_000}`);
      assert.deepEqual(window.body.candles, [...expected.values()]);

      assertError(await api.publicGet(`/v1/marketdata/candles?symbol=${symbol}&resolution=2m`), 400, 'INVALID_ARGUMENT', 'resolution');
      assertError(await api.publicGet(`/v1/marketdata/candles?symbol=${symbol}`), 400, 'INVALID_ARGUMENT', 'resolution');
    });

    it('an empty book: empty sides; the ticker of an untraded symbol has no last price', async () => {
      const { symbol: quiet } = await freshSymbol();
      const book = await l2(quiet);
      assert.deepEqual([book.symbol, book.bids, book.asks], [quiet, [], []]);
      const book3 = await l3(quiet);
      assert.deepEqual([book3.symbol, book3.bids, book3.asks], [quiet, [], []]);
      const trades = await api.publicGet(`/v1/marketdata/trades?symbol=${quiet}`);
      assert.deepEqual(trades.body.trades, []);
      const ticker = await api.publicGet(`/v1/marketdata/ticker?symbol=${quiet}`);
      assertStatus(ticker, 200);
      assert.equal(ticker.body.lastPrice, null);
      assert.equal(ticker.body.volume, 0);
    });

    it('a missing symbol is 400; an unknown one is a 4xx error', async () => {
      for (const path of ['/v1/marketdata/orderBook/L2', '/v1/marketdata/orderBook/L3', '/v1/marketdata/trades', '/v1/marketdata/ticker']) {
        assertError(await api.publicGet(path), 400, 'INVALID_ARGUMENT', 'symbol');
        assertClientError(await api.publicGet(`${path}?symbol=NOSUCH`));
      }
    });
  });
});

// =========================================================================================================
describe('Operations', () => {
  it('GET /healthz 200, GET /readyz 200', async () => {
    assertStatus(await api.publicGet('/healthz'), 200);
    assertStatus(await api.publicGet('/readyz'), 200);
  });

  it('GET /metrics: Prometheus text with the exchange\'s metrics', async () => {
    const reply = await api.publicGet('/metrics');
    assertStatus(reply, 200);
    assert.match(reply.headers.get('content-type') ?? '', /^text\/plain/);
    for (const name of ['exchange_commands_total', 'exchange_rejects_total', 'exchange_journal_fsync_seconds', 'exchange_journal_batch_records',
      'exchange_order_latency_seconds', 'exchange_open_orders', 'exchange_connections']) {
      assert.match(reply.text, new RegExp(`^# TYPE ${name} `, 'm'), `${name} missing`);
    }
    // Counted by now: accepted orders, rejections, journal batches.
    assert.match(reply.text, /^exchange_commands_total\{[^}]*\} [1-9]/m);
    assert.match(reply.text, /^exchange_rejects_total\{[^}]*\} [1-9]/m);
    assert.match(reply.text, /^exchange_journal_batch_records_count [1-9]/m);
    assert.match(reply.text, /^exchange_open_orders [1-9]/m);
  });

  it('GET /docs and /docs/openapi.json: an OpenAPI document with the API\'s paths', async () => {
    assertStatus(await api.publicGet('/docs'), 200);
    const reply = await api.publicGet('/docs/openapi.json');
    assertStatus(reply, 200);
    assert.match(String(reply.body.openapi), /^3\./);
    const paths = Object.keys(reply.body.paths).map((p) => p.replace(/\{[^}]+\}/g, '{}'));
    assert.ok(reply.body.paths['/v1/order']?.post, 'POST /v1/order is described');
    for (const path of ['/v1/admin/accounts', '/v1/admin/accounts/{}/deposit', '/v1/admin/accounts/{}/withdraw', '/v1/admin/accounts/{}/block',
      '/v1/admin/accounts/{}/unblock', '/v1/admin/symbols/{}/halt', '/v1/admin/symbols/{}/resume', '/v1/order', '/v1/order/{}', '/v1/orders',
      '/v1/execution', '/v1/wallet', '/v1/symbols', '/v1/marketdata/orderBook/L2', '/v1/marketdata/orderBook/L3', '/v1/marketdata/candles',
      '/v1/marketdata/trades', '/v1/marketdata/ticker']) {
      assert.ok(paths.includes(path), `${path} missing from the OpenAPI document`);
    }
  });
});

// =========================================================================================================
describe('Never a 500 or a stack trace for bad input', () => {
  const json = { 'Content-Type': 'application/json' };
  const goodOrder = '{"symbol":"AAPL","side":"buy","orderType":"limit","price":"190.00","quantity":1}';
  let account: Account;
  before(async () => {
    account = await newAccount('fuzz', '1000000.00');
    await api.deposit(account, 'AAPL', '1000');
  });
  const signedRaw = (method: string, path: string, body?: string, headers: Record<string, string> = json): Promise<Reply> => {
    const text = body ?? '';
    return api.request(method, path, { headers: { ...signedHeaders(account, method, path, text), ...(body === undefined ? {} : headers) }, body });
  };
  const adminRaw = (method: string, path: string, body?: string | Uint8Array, headers: Record<string, string> = json): Promise<Reply> =>
    api.request(method, path, { headers: { Authorization: `Bearer ${api.adminToken}`, ...(body === undefined ? {} : headers) }, body });
  const withHeaders = (overrides: Record<string, string>): Promise<Reply> =>
    api.request('GET', '/v1/wallet', { headers: { ...signedHeaders(account, 'GET', '/v1/wallet', ''), ...overrides } });

  /** [name, send, options]: okay lists success statuses that are acceptable (lenient, harmless). */
  const cases: Array<[string, () => Promise<Reply>, { okay?: number[] }?]> = [
    ['order: bad JSON', () => signedRaw('POST', '/v1/order', '{"symbol": "AAPL",')],
    ['order: not JSON at all', () => signedRaw('POST', '/v1/order', 'hello')],
    ['order: text/plain content type', () => signedRaw('POST', '/v1/order', goodOrder, { 'Content-Type': 'text/plain' })],
    ['order: form content type', () => signedRaw('POST', '/v1/order', 'symbol=AAPL&side=buy', { 'Content-Type': 'application/x-www-form-urlencoded' })],
    ['order: empty JSON body', () => signedRaw('POST', '/v1/order', '')],
    ['order: {}', () => signedRaw('POST', '/v1/order', '{}')],
    ['order: []', () => signedRaw('POST', '/v1/order', '[]')],
    ['order: array of orders', () => signedRaw('POST', '/v1/order', `[${goodOrder}]`)],
    ['order: null', () => signedRaw('POST', '/v1/order', 'null')],
    ['order: a string', () => signedRaw('POST', '/v1/order', '"buy"')],
    ['order: a number', () => signedRaw('POST', '/v1/order', '123')],
    ['order: quantity 1e400', () => signedRaw('POST', '/v1/order', goodOrder.replace('"quantity":1', '"quantity":1e400'))],
    ['order: quantity 2^53 + 1', () => signedRaw('POST', '/v1/order', goodOrder.replace('"quantity":1', '"quantity":9007199254740993'))],
    ['order: quantity 1e21', () => signedRaw('POST', '/v1/order', goodOrder.replace('"quantity":1', '"quantity":1e21'))],
    ['order: quantity -1', () => signedRaw('POST', '/v1/order', goodOrder.replace('"quantity":1', '"quantity":-1'))],
    ['order: quantity -0', () => signedRaw('POST', '/v1/order', goodOrder.replace('"quantity":1', '"quantity":-0'))],
    ['order: price huge', () => signedRaw('POST', '/v1/order', goodOrder.replace('190.00', '99999999999999999999.99'))],
    ['order: price 10^15', () => signedRaw('POST', '/v1/order', goodOrder.replace('190.00', '999999999999999.99'))],
    ['order: price NaN', () => signedRaw('POST', '/v1/order', goodOrder.replace('190.00', 'NaN'))],
    ['order: price Infinity', () => signedRaw('POST', '/v1/order', goodOrder.replace('"190.00"', '1e999'))],
    ['order: price with spaces', () => signedRaw('POST', '/v1/order', goodOrder.replace('190.00', ' 190.00 '))],
    ['order: unicode symbol', () => signedRaw('POST', '/v1/order', goodOrder.replace('AAPL', 'ÄPFEL🚀'))],
    ['order: NUL symbol', () => signedRaw('POST', '/v1/order', goodOrder.replace('AAPL', '\\u0000'))],
    ['order: lone surrogate symbol', () => signedRaw('POST', '/v1/order', goodOrder.replace('AAPL', '\\ud800'))],
    ['order: __proto__', () => signedRaw('POST', '/v1/order', goodOrder.replace('{', '{"__proto__":{"isAdmin":true},'))],
    ['order: constructor', () => signedRaw('POST', '/v1/order', goodOrder.replace('{', '{"constructor":{"prototype":{"x":1}},'))],
    ['order: deeply nested', () => signedRaw('POST', '/v1/order', `${'['.repeat(5000)}${']'.repeat(5000)}`)],
    ['order: nested object as symbol', () => signedRaw('POST', '/v1/order', goodOrder.replace('"AAPL"', '{"$ne":null}'))],
    ['order: BOM before JSON', () => signedRaw('POST', '/v1/order', `\ufeff${goodOrder}`)],
    ['admin: invalid UTF-8 body', () => adminRaw('POST', '/v1/admin/accounts', new Uint8Array([0x7b, 0x22, 0x6e, 0xff, 0xfe, 0x22, 0x7d]))],
    ['admin: accounts []', () => adminRaw('POST', '/v1/admin/accounts', '[]')],
    ['admin: accounts name is a number', () => adminRaw('POST', '/v1/admin/accounts', '{"name": 5e500}')],
    ['admin: accounts name too long', () => adminRaw('POST', '/v1/admin/accounts', JSON.stringify({ name: 'n'.repeat(1000) }))],
    ['admin: deposit amount 1e308', () => adminRaw('POST', `/v1/admin/accounts/${account.accountId}/deposit`, '{"asset":"AAPL","amount":1e308}')],
    ['admin: deposit amount huge string', () => adminRaw('POST', `/v1/admin/accounts/${account.accountId}/deposit`, '{"asset":"USD","amount":"99999999999999999999.00"}')],
    ['admin: deposit past 2^53 cents', () => adminRaw('POST', `/v1/admin/accounts/${account.accountId}/deposit`, '{"asset":"USD","amount":"900000000000000.00"}')],
    ['admin: deposit amount null', () => adminRaw('POST', `/v1/admin/accounts/${account.accountId}/deposit`, '{"asset":"USD","amount":null}')],
    ['admin: deposit unknown asset', () => adminRaw('POST', `/v1/admin/accounts/${account.accountId}/deposit`, '{"asset":"🚀","amount":"1.00"}')],
    ['admin: deposit to account "abc"', () => adminRaw('POST', '/v1/admin/accounts/abc/deposit', '{"asset":"USD","amount":"1.00"}')],
    ['admin: block account -1', () => adminRaw('POST', '/v1/admin/accounts/-1/block')],
    ['admin: block account 1e3', () => adminRaw('POST', '/v1/admin/accounts/1e3/block')],
    ['admin: block account 99999999999999999999', () => adminRaw('POST', '/v1/admin/accounts/99999999999999999999/block')],
    ['admin: block the fee account 0', () => adminRaw('POST', '/v1/admin/accounts/0/block')],
    ['admin: halt a unicode symbol', () => adminRaw('POST', '/v1/admin/symbols/%F0%9F%9A%80/halt')],
    ['admin: halt a very long symbol', () => adminRaw('POST', `/v1/admin/symbols/${'A'.repeat(500)}/halt`)],
    ['GET a very long order id', () => signedRaw('GET', `/v1/order/${'9'.repeat(200)}`)],
    ['order id "abc"', () => signedRaw('GET', '/v1/order/abc')],
    ['order id "-1"', () => signedRaw('GET', '/v1/order/-1')],
    ['order id "1e3"', () => signedRaw('GET', '/v1/order/1e3')],
    ['order id "1.5"', () => signedRaw('GET', '/v1/order/1.5')],
    ['order id "0"', () => signedRaw('GET', '/v1/order/0')],
    ['order id 20 digits', () => signedRaw('GET', '/v1/order/99999999999999999999')],
    ['order id unicode', () => signedRaw('GET', '/v1/order/%F0%9F%9A%80')],
    ['order id %00', () => signedRaw('GET', '/v1/order/%00')],
    ['order id bad percent-encoding', () => signedRaw('GET', '/v1/order/%E0%A4%A')],
    ['DELETE order id "abc"', () => signedRaw('DELETE', '/v1/order/abc')],
    ['DELETE order id "-1"', () => signedRaw('DELETE', '/v1/order/-1')],
    ['PUT order id "1e3"', () => signedRaw('PUT', '/v1/order/1e3', '{"quantity":5}')],
    ['PUT order body []', () => signedRaw('PUT', '/v1/order/1', '[]')],
    ['PUT order bad JSON', () => signedRaw('PUT', '/v1/order/1', '{"quantity":')],
    ['PATCH /v1/order/1', () => signedRaw('PATCH', '/v1/order/1', '{"quantity":5}')],
    ['orders limit=abc', () => signedRaw('GET', '/v1/orders?limit=abc')],
    ['orders limit=-1', () => signedRaw('GET', '/v1/orders?limit=-1')],
    ['orders limit=20 digits', () => signedRaw('GET', '/v1/orders?limit=99999999999999999999')],
    ['orders status=bogus', () => signedRaw('GET', '/v1/orders?status=bogus')],
    ['orders unknown parameter', () => signedRaw('GET', '/v1/orders?foo=bar')],
    ['orders symbol empty', () => signedRaw('GET', '/v1/orders?symbol=')],
    ['orders symbol twice', () => signedRaw('GET', '/v1/orders?symbol=AAPL&symbol=MSFT')],
    ['executions startTime=-5', () => signedRaw('GET', '/v1/execution?startTime=-5')],
    ['executions orderId=abc', () => signedRaw('GET', '/v1/execution?orderId=abc')],
    // Query strings are coerced to numbers; "1e400" becomes Infinity, read as "no upper bound": harmless.
    ['executions endTime=1e400', () => signedRaw('GET', '/v1/execution?endTime=1e400'), { okay: [200] }],
    ['L2 depth=0', () => api.publicGet('/v1/marketdata/orderBook/L2?symbol=AAPL&depth=0')],
    ['L2 depth=abc', () => api.publicGet('/v1/marketdata/orderBook/L2?symbol=AAPL&depth=abc')],
    ['L2 depth=1e9', () => api.publicGet('/v1/marketdata/orderBook/L2?symbol=AAPL&depth=1000000000')],
    ['L2 symbol empty', () => api.publicGet('/v1/marketdata/orderBook/L2?symbol=')],
    ['L3 unicode symbol', () => api.publicGet('/v1/marketdata/orderBook/L3?symbol=%F0%9F%9A%80')],
    ['trades limit=0', () => api.publicGet('/v1/marketdata/trades?symbol=AAPL&limit=0')],
    ['candles resolution=7m', () => api.publicGet('/v1/marketdata/candles?symbol=AAPL&resolution=7m')],
    ['candles startTime=abc', () => api.publicGet('/v1/marketdata/candles?symbol=AAPL&resolution=1m&startTime=abc')],
    ['ticker unknown symbol', () => api.publicGet('/v1/marketdata/ticker?symbol=NOSUCH')],
    ['unknown path', () => api.publicGet('/v1/nothing/here')],
    ['X-Timestamp "abc"', () => withHeaders({ 'X-Timestamp': 'abc' })],
    ['X-Timestamp "1e12"', () => withHeaders({ 'X-Timestamp': '1e12' })],
    ['X-Timestamp "-1"', () => withHeaders({ 'X-Timestamp': '-1' })],
    ['X-Timestamp 30 digits', () => withHeaders({ 'X-Timestamp': '9'.repeat(30) })],
    ['X-Signature not hex', () => withHeaders({ 'X-Signature': 'g'.repeat(64) })],
    ['X-API-Key 4,000 characters', () => withHeaders({ 'X-API-Key': 'k'.repeat(4000) })],
    ['X-API-Key unicode (percent-encoded bytes)', () => withHeaders({ 'X-API-Key': '%F0%9F%9A%80' })],
  ];

  for (const [name, send, options = {}] of cases) {
    it(name, async () => {
      const reply = await send();
      if (options.okay?.includes(reply.status)) return;
      assertClientError(reply);
    });
  }

  it('the server is still up and consistent after all that', async () => {
    assertStatus(await api.publicGet('/healthz'), 200);
    assertStatus(await api.publicGet('/readyz'), 200);
    const w = await wallet(account);
    assert.equal(balanceOf(w, 'USD')?.available, '1000000.00', 'no money appeared or vanished');
    assert.ok(server.running);
  });
});

// =========================================================================================================
describe('Durability over restart (its own server and data directory)', () => {
  interface Capture {
    orders: Json;
    executions: Json;
    wallets: Json[];
    l3: Json;
    trades: Json;
  }

  let first: ServerProcess | undefined;
  after(async () => {
    await first?.stop();
  });

  it('orders and balances survive a SIGTERM restart (exit code 0) and a kill -9 restart', async () => {
    first = await startServer();
    let client = first.client;
    const symbol = 'AAPL';
    const [henry, iris] = await Promise.all([client.createAccount('henry'), client.createAccount('iris')]);
    await client.deposit(henry, 'USD', '100000.00');
    await client.deposit(iris, symbol, '500');
    const signedOk = async (account: Account, method: string, path: string, body?: unknown): Promise<Json> => {
      const reply = await client.signed(account, method, path, body);
      assert.ok(reply.status === 200 || reply.status === 201, `${method} ${path}: ${reply.status} ${reply.text}`);
      return reply.body;
    };
    const o1 = await signedOk(henry, 'POST', '/v1/order', { symbol, side: 'buy', orderType: 'limit', price: '205.00', quantity: 10, clientOrderId: 'h-1' });
    await signedOk(henry, 'POST', '/v1/order', { symbol, side: 'buy', orderType: 'limit', price: '206.00', quantity: 5, timeInForce: 'DAY' });
    await signedOk(iris, 'POST', '/v1/order', { symbol, side: 'sell', orderType: 'limit', price: '206.00', quantity: 3 });
    await signedOk(iris, 'POST', '/v1/order', { symbol, side: 'sell', orderType: 'limit', price: '215.00', quantity: 7 });
    const toCancel = await signedOk(henry, 'POST', '/v1/order', { symbol, side: 'buy', orderType: 'limit', price: '204.00', quantity: 1 });
    await signedOk(henry, 'DELETE', `/v1/order/${toCancel.id}`);
    await signedOk(henry, 'PUT', `/v1/order/${o1.id}`, { quantity: 8 });
    await client.admin('POST', `/v1/admin/accounts/${iris.accountId}/withdraw`, { asset: 'AAPL', amount: '10' });

    const capture = async (): Promise<Capture> => ({
      orders: [await signedOk(henry, 'GET', '/v1/orders'), await signedOk(iris, 'GET', '/v1/orders')],
      executions: [await signedOk(henry, 'GET', '/v1/execution'), await signedOk(iris, 'GET', '/v1/execution')],
      wallets: [await signedOk(henry, 'GET', '/v1/wallet'), await signedOk(iris, 'GET', '/v1/wallet')],
      l3: (await client.publicGet(`/v1/marketdata/orderBook/L3?symbol=${symbol}`)).body,
      trades: (await client.publicGet(`/v1/marketdata/trades?symbol=${symbol}`)).body,
    });
    const beforeTerm = await capture();
    assert.equal(beforeTerm.orders[0].orders.length, 3);
    assert.equal(beforeTerm.trades.trades.length, 1);

    // SIGTERM: a clean stop, exit code 0.
    const code = await first.stop('SIGTERM');
    assert.equal(code, 0, `exit code after SIGTERM:\n${first.output()}`);
    const dataDir = first.dataDir;
    first = await startServer({ dataDir });
    client = first.client;
    assert.deepEqual(await capture(), beforeTerm, 'the same state after a SIGTERM restart');
    assert.deepEqual((await signedOk(henry, 'GET', `/v1/order/${o1.id}`)).quantity, 8);
    // The clientOrderId is remembered: a repeat returns the first order.
    const repeat = await client.signed(henry, 'POST', '/v1/order', { symbol, side: 'buy', orderType: 'limit', price: '205.00', quantity: 10, clientOrderId: 'h-1' });
    assertStatus(repeat, 200);
    assert.equal(repeat.body.id, o1.id);

    // More acknowledged commands, then kill -9: every one of them must be there.
    const o6 = await signedOk(iris, 'POST', '/v1/order', { symbol, side: 'sell', orderType: 'limit', price: '205.00', quantity: 2 });
    assert.equal(o6.status, 'filled');
    assert.ok(Number(o6.id) > Number(o1.id), 'ids keep increasing after a restart');
    await client.admin('POST', `/v1/admin/accounts/${henry.accountId}/deposit`, { asset: 'USD', amount: '0.01' });
    const o7 = await signedOk(henry, 'POST', '/v1/order', { symbol, side: 'buy', orderType: 'limit', price: '200.00', quantity: 4 });
    const beforeKill = await capture();
    await first.kill9();
    first = await startServer({ dataDir });
    client = first.client;
    assert.deepEqual(await capture(), beforeKill, 'the same state after kill -9');
    assert.equal((await signedOk(henry, 'GET', `/v1/order/${o7.id}`)).status, 'new');
    assert.equal((await signedOk(iris, 'GET', `/v1/order/${o6.id}`)).status, 'filled');
  });
});

// =========================================================================================================
describe('Shutdown', () => {
  it('SIGTERM: the file\'s server, after all of the above, exits with code 0', async () => {
    const code = await server.stop('SIGTERM');
    assert.equal(code, 0, `exit code after SIGTERM:\n${server.output()}`);
  });
});
