// The binary order-entry protocol against the REAL server process (test/e2e/server-process.ts): login,
// orders, fills (solicited and unsolicited), cancels and replaces over TCP and over the WebSocket carrying
// the same frames; a table of scenarios run once over REST and once over binary on fresh, identically funded
// accounts that must end the same way (same error code, or same status and quantities); 2,000 pipelined
// orders whose answers come back in order; heartbeat and logout; and a seeded fuzz of malformed frames, each
// on its own connection, after which the server must still be up and trading.
//
// One server serves the whole file. Every scenario takes symbols of its own (freshSymbol), so books never
// interfere; prices are written relative to the symbol's reference price.
// Reproduce the fuzz with ORDER_ENTRY_FUZZ_SEED=<seed printed on failure>.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import type { NewOrderRequest } from '../../src/client/order-entry-client.ts';
import { splitmix32 } from '../../src/ops/seeded-random.ts';
import {
  ClientFrame, DisconnectCode, ERROR_CODE_NUMBERS, errorCodeName, FrameWriter, OrderFlag, OrderStatusCode, ServerFrame, type ServerMessage,
} from '../../src/protocol/order-entry/index.ts';
import {
  listSymbols, money, orderEntryPort, RawConnection, Session, sleep, type SymbolInfo, toCents, type Transport, within,
} from './order-entry-helpers.ts';
import { type Account, type Client, type Json, ServerProcess } from './server-process.ts';

type Frame<T extends number> = Extract<ServerMessage, { type: T }>;
type Accepted = Frame<typeof ServerFrame.OrderAccepted>;

const STATUS_NAMES = ['new', 'partially_filled', 'filled', 'canceled'] as const;
const SIDE_NAMES = ['buy', 'sell'] as const;
const TIF_NAMES = ['GTC', 'DAY', 'IOC', 'FOK'] as const;

let server: ServerProcess;
let api: Client;
/** The first order-entry port (most tests), and every port (two gateway threads: fills must cross them). */
let port: number;
let ports: number[];
let symbols: SymbolInfo[];
const sessions: Session[] = [];

before(async () => {
  server = await ServerProcess.start({
    env: { EXCHANGE_RATE_PER_KEY: '10000000', EXCHANGE_RATE_PER_IP: '10000000', EXCHANGE_GATEWAY_THREADS: '2' },
  });
  api = server.client;
  port = await orderEntryPort(api);
  ports = (await api.request('GET', '/v1/order-entry')).body.ports as number[];
  symbols = await listSymbols(api);
});

after(() => {
  for (const session of sessions) session.close();
});

// ---------------------------------------------------------------------------------------------------------
// Helpers

let nextSymbolIndex = 0;
/** A symbol no other test has used: a clean book, 10% band, reference price of at least $50. */
function freshSymbol(): SymbolInfo {
  while (nextSymbolIndex < symbols.length) {
    const s = symbols[nextSymbolIndex++];
    if (s.bandPercent === 10 && s.refCents >= 5_000 && s.tickCents === 1) return s;
  }
  throw new Error('ran out of fresh symbols');
}

/** The reference price moved by `percent` (whole cents). */
const at = (s: SymbolInfo, percent: number): number => Math.round(s.refCents * (1 + percent / 100));

let accountCounter = 0;
async function fundedAccount(name: string, cash: string, shares: Array<[string, number]> = []): Promise<Account> {
  const account = await api.createAccount(`${name}-${++accountCounter}`);
  if (cash !== '0') await api.deposit(account, 'USD', cash);
  for (const [symbol, count] of shares) await api.deposit(account, symbol, String(count));
  return account;
}

async function login(account: Account, transport: Transport = 'tcp', onPort = port): Promise<Session> {
  const session = await Session.loggedIn(onPort, account, transport);
  sessions.push(session);
  return session;
}

async function openSession(transport: Transport = 'tcp'): Promise<Session> {
  const session = await Session.open(port, transport);
  sessions.push(session);
  return session;
}

/** A REST order that must be accepted (201). */
async function restOrder(account: Account, body: Record<string, unknown>): Promise<Json> {
  const reply = await api.signed(account, 'POST', '/v1/order', body);
  assert.equal(reply.status, 201, `POST /v1/order ${JSON.stringify(body)}: ${reply.status} ${reply.text}`);
  return reply.body;
}

async function restGetOrder(account: Account, id: number | string): Promise<Json> {
  const reply = await api.signed(account, 'GET', `/v1/order/${id}`);
  assert.equal(reply.status, 200, `GET /v1/order/${id}: ${reply.status} ${reply.text}`);
  return reply.body;
}

/** The REST view of an order agrees with the OrderAccepted frame that described it. */
function assertSameOrder(rest: Json, frame: Accepted, symbol: string): void {
  assert.equal(rest.id, String(frame.orderId));
  assert.equal(rest.symbol, symbol);
  assert.equal(rest.side, SIDE_NAMES[frame.side]);
  assert.equal(rest.orderType, frame.orderType === 0 ? 'limit' : 'market');
  assert.equal(rest.price, frame.orderType === 0 ? money(frame.priceCents) : null);
  assert.equal(rest.quantity, frame.quantity);
  assert.equal(rest.timeInForce, TIF_NAMES[frame.timeInForce]);
  assert.equal(rest.creationTime, frame.timestampMs);
  assert.equal(rest.clientOrderId, frame.clientOrderId === '' ? null : frame.clientOrderId);
  assert.equal(rest.postOnly ?? false, (frame.flags & OrderFlag.PostOnly) !== 0);
  if (frame.orderType === 1) assert.equal(frame.priceCents, 0, 'a market order has no price');
}

/** The frame's state after its command, against the REST fields of the same moment. */
function assertSameState(rest: Json, frame: Accepted): void {
  assert.equal(rest.status, STATUS_NAMES[frame.status]);
  assert.equal(rest.filledQuantity, frame.filledQuantity);
  assert.equal(rest.remainingQuantity, frame.leavesQuantity);
}

const isFrame = <T extends number>(type: T) => (m: ServerMessage): m is Frame<T> => m.type === type;

// ---------------------------------------------------------------------------------------------------------

describe('order entry: login', () => {
  it('GET /v1/order-entry lists a port per gateway thread and the WebSocket path', async () => {
    const reply = await api.request('GET', '/v1/order-entry');
    assert.equal(reply.status, 200);
    assert.equal(reply.body.ports.length, 2, 'EXCHANGE_GATEWAY_THREADS=2');
    assert.ok(reply.body.ports.every((p: unknown) => Number.isInteger(p) && (p as number) > 0));
    assert.equal(reply.body.webSocketPath, '/v1/order-entry');
  });

  it('any port takes any account', async () => {
    const account = await fundedAccount('any-port', '0');
    for (const p of ports) {
      const session = await Session.loggedIn(p, account);
      sessions.push(session);
      assert.equal(session.client.accountId, Number(account.accountId));
    }
  });

  for (const transport of ['tcp', 'ws'] as const) {
    it(`${transport}: a correct login gets LoginAccepted with the account id and the server time`, async () => {
      const account = await fundedAccount('login-ok', '0');
      const session = await openSession(transport);
      const before = Date.now();
      const accountId = await session.client.login(account.apiKey, account.apiSecret);
      assert.equal(accountId, Number(account.accountId));
      const accepted = session.frames.find(isFrame(ServerFrame.LoginAccepted))!;
      assert.ok(Math.abs(accepted.serverTimeMs - before) < 60_000, `serverTimeMs ${accepted.serverTimeMs} vs ${before}`);
    });

    it(`${transport}: bad signature, stale or future timestamp, unknown key -> Rejected UNAUTHENTICATED; the connection stays usable`, async () => {
      const account = await fundedAccount('login-bad', '0');
      const session = await openSession(transport);
      await assert.rejects(session.client.login(account.apiKey, 'not-the-secret'), { code: 'UNAUTHENTICATED' }, 'wrong secret');
      await assert.rejects(session.client.login(account.apiKey, account.apiSecret, Date.now() - 60_000), { code: 'UNAUTHENTICATED' }, 'stale');
      await assert.rejects(session.client.login(account.apiKey, account.apiSecret, Date.now() + 60_000), { code: 'UNAUTHENTICATED' }, 'future');
      await assert.rejects(session.client.login('no-such-key', account.apiSecret), { code: 'UNAUTHENTICATED' }, 'unknown key');
      const rejected = session.frames.filter(isFrame(ServerFrame.Rejected));
      assert.equal(rejected.length, 4);
      for (const frame of rejected) {
        assert.equal(frame.requestType, ClientFrame.Login);
        assert.ok(frame.message.length > 0);
      }
      assert.equal(session.client.isClosed, false);
      assert.equal(await session.client.login(account.apiKey, account.apiSecret), Number(account.accountId));
    });
  }

  it('a second Login on a logged-in connection -> INVALID_ARGUMENT, the session goes on', async () => {
    const account = await fundedAccount('login-twice', '1000.00');
    const session = await login(account);
    await assert.rejects(session.client.login(account.apiKey, account.apiSecret), { code: 'INVALID_ARGUMENT' });
    const s = freshSymbol();
    const order = await session.accepted({ symbolId: s.symbolId, side: 'buy', priceCents: at(s, -5), quantity: 1 });
    assert.equal(order.status, OrderStatusCode.New);
  });

  for (const transport of ['tcp', 'ws'] as const) {
    it(`${transport}: NewOrder, Cancel and Replace before login -> UNAUTHENTICATED; heartbeat answered; login still possible`, async () => {
      const account = await fundedAccount('before-login', '1000.00');
      const session = await openSession(transport);
      const s = freshSymbol();
      assert.equal(await session.refused(session.client.placeOrder({ symbolId: s.symbolId, side: 'buy', priceCents: s.refCents, quantity: 1 }), 'order'), 'UNAUTHENTICATED');
      assert.equal(await session.refused(session.client.cancelOrder(1), 'cancel'), 'UNAUTHENTICATED');
      assert.equal(await session.refused(session.client.replaceOrder(1, { quantity: 2 }), 'replace'), 'UNAUTHENTICATED');
      session.client.sendHeartbeat();
      await session.waitFor('Heartbeat', isFrame(ServerFrame.Heartbeat));
      await session.client.login(account.apiKey, account.apiSecret);
      const order = await session.accepted({ symbolId: s.symbolId, side: 'buy', priceCents: at(s, -5), quantity: 1 });
      assert.equal(order.status, OrderStatusCode.New);
    });
  }
});

describe('order entry: orders, fills, cancels, replaces', () => {
  for (const transport of ['tcp', 'ws'] as const) {
    it(`${transport}: a limit order rests (status new) and REST GET /v1/order/{id} shows the same order`, async () => {
      const s = freshSymbol();
      const account = await fundedAccount('rest-visible', '100000.00');
      const session = await login(account, transport);
      const request: NewOrderRequest = { symbolId: s.symbolId, side: 'buy', priceCents: at(s, -2), quantity: 7, clientOrderId: `vis-${transport}-1` };
      const frame = await session.accepted(request);
      assert.equal(frame.status, OrderStatusCode.New);
      assert.equal(frame.symbolId, s.symbolId);
      assert.equal(frame.side, 0);
      assert.equal(frame.orderType, 0);
      assert.equal(frame.timeInForce, 0);
      assert.equal(frame.priceCents, at(s, -2));
      assert.equal(frame.quantity, 7);
      assert.equal(frame.filledQuantity, 0);
      assert.equal(frame.leavesQuantity, 7);
      assert.equal(frame.clientOrderId, `vis-${transport}-1`);
      assert.equal(frame.flags & OrderFlag.Duplicate, 0);
      const rest = await restGetOrder(account, frame.orderId);
      assertSameOrder(rest, frame, s.symbol);
      assertSameState(rest, frame);
      const sell = await session.accepted({ symbolId: s.symbolId, side: 'sell', priceCents: at(s, 3), quantity: 1, postOnly: true, timeInForce: 'DAY' })
        .catch((error: Error) => error);
      // Selling needs shares this account does not have.
      assert.ok(sell instanceof Error && /INSUFFICIENT_FUNDS/.test(sell.message), String(sell));
    });

    it(`${transport}: a crossing order fills: taker gets OrderAccepted then Fills with its clientSeq; the maker an unsolicited Fill (clientSeq 0)`, async () => {
      const s = freshSymbol();
      const price = at(s, 1);
      const maker = await fundedAccount('maker', '0', [[s.symbol, 100]]);
      const taker = await fundedAccount('taker', '100000.00');
      // Maker and taker on different gateway threads: the maker's Fill crosses from one to the other.
      const makerSession = await login(maker, transport, ports[0]);
      const takerSession = await login(taker, transport, ports[ports.length - 1]);
      const resting = await makerSession.accepted({ symbolId: s.symbolId, side: 'sell', priceCents: price, quantity: 10 });
      assert.equal(resting.status, OrderStatusCode.New);

      const clientSeq = takerSession.client.sendNewOrder({ symbolId: s.symbolId, side: 'buy', priceCents: at(s, 2), quantity: 6 });
      const taken = await takerSession.waitFor('taker OrderAccepted', (m): m is Accepted => m.type === ServerFrame.OrderAccepted && m.clientSeq === clientSeq);
      assert.equal(taken.status, OrderStatusCode.Filled);
      assert.equal(taken.filledQuantity, 6);
      assert.equal(taken.leavesQuantity, 0);
      const takerFill = await takerSession.waitFor('taker Fill', (m): m is Frame<typeof ServerFrame.Fill> => m.type === ServerFrame.Fill && m.orderId === taken.orderId);
      assert.equal(takerFill.clientSeq, clientSeq);
      assert.ok(takerSession.frames.indexOf(taken) < takerSession.frames.indexOf(takerFill), 'OrderAccepted comes before its Fills');
      assert.deepStrictEqual(
        { side: takerFill.side, liquidity: takerFill.liquidity, priceCents: takerFill.priceCents, quantity: takerFill.quantity, leaves: takerFill.leavesQuantity, symbolId: takerFill.symbolId },
        { side: 0, liquidity: 1, priceCents: price, quantity: 6, leaves: 0, symbolId: s.symbolId },
      );
      const makerFill = await makerSession.waitFor('maker Fill', (m): m is Frame<typeof ServerFrame.Fill> => m.type === ServerFrame.Fill && m.orderId === resting.orderId);
      assert.deepStrictEqual(
        { clientSeq: makerFill.clientSeq, side: makerFill.side, liquidity: makerFill.liquidity, priceCents: makerFill.priceCents, quantity: makerFill.quantity, leaves: makerFill.leavesQuantity },
        { clientSeq: 0, side: 1, liquidity: 0, priceCents: price, quantity: 6, leaves: 4 },
      );
      assert.equal(makerFill.tradeId, takerFill.tradeId);
      assert.equal(makerSession.frames.filter(isFrame(ServerFrame.OrderAccepted)).length, 1, 'the maker hears no OrderAccepted for the taker\'s order');

      // Fees and trade ids agree with REST executions.
      const executions = (await api.signed(taker, 'GET', `/v1/execution?orderId=${taken.orderId}`)).body.executions as Json[];
      assert.equal(executions.length, 1);
      assert.equal(executions[0].tradeId, String(takerFill.tradeId));
      assert.equal(toCents(executions[0].fee), takerFill.feeCents);
      assert.equal(executions[0].time, takerFill.timestampMs);

      // A bigger order sweeps the rest and rests the remainder: partially filled.
      const partial = await takerSession.accepted({ symbolId: s.symbolId, side: 'buy', priceCents: price, quantity: 9 });
      assert.equal(partial.status, OrderStatusCode.PartiallyFilled);
      assert.equal(partial.filledQuantity, 4);
      assert.equal(partial.leavesQuantity, 5);
      assertSameState(await restGetOrder(taker, partial.orderId), partial);
      const makerFill2 = await makerSession.waitFor('maker second Fill', (m) => m.type === ServerFrame.Fill && m.orderId === resting.orderId && m.leavesQuantity === 0);
      assert.equal((makerFill2 as Frame<typeof ServerFrame.Fill>).quantity, 4);
      assert.equal((await restGetOrder(maker, resting.orderId)).status, 'filled');
    });
  }

  it('a REST order hitting a binary user\'s resting order reaches the binary session as a Fill (clientSeq 0)', async () => {
    const s = freshSymbol();
    const maker = await fundedAccount('bin-maker', '100000.00');
    const taker = await fundedAccount('rest-taker', '0', [[s.symbol, 50]]);
    const makerSession = await login(maker, 'tcp', ports[ports.length - 1]);
    const resting = await makerSession.accepted({ symbolId: s.symbolId, side: 'buy', priceCents: s.refCents, quantity: 20 });
    const restTaker = await restOrder(taker, { symbol: s.symbol, side: 'sell', orderType: 'market', quantity: 8 });
    assert.equal(restTaker.status, 'filled');
    const fill = await makerSession.waitFor('unsolicited Fill', isFrame(ServerFrame.Fill));
    assert.deepStrictEqual(
      { clientSeq: fill.clientSeq, orderId: fill.orderId, quantity: fill.quantity, leaves: fill.leavesQuantity, priceCents: fill.priceCents, liquidity: fill.liquidity },
      { clientSeq: 0, orderId: resting.orderId, quantity: 8, leaves: 12, priceCents: s.refCents, liquidity: 0 },
    );
    const executions = (await api.signed(maker, 'GET', `/v1/execution?orderId=${resting.orderId}`)).body.executions as Json[];
    assert.equal(executions[0].tradeId, String(fill.tradeId));
    assert.equal(toCents(executions[0].fee), fill.feeCents);
    // A REST cancel of the binary user's order reaches the session too.
    const canceled = await api.signed(maker, 'DELETE', `/v1/order/${resting.orderId}`);
    assert.equal(canceled.status, 200, canceled.text);
    const frame = await makerSession.waitFor('Canceled after REST DELETE', isFrame(ServerFrame.Canceled));
    assert.deepStrictEqual({ clientSeq: frame.clientSeq, orderId: frame.orderId, canceledQuantity: frame.canceledQuantity }, { clientSeq: 0, orderId: resting.orderId, canceledQuantity: 12 });
  });

  it('cancel -> Canceled; again -> ORDER_NOT_OPEN; unknown order or another account\'s -> NOT_FOUND', async () => {
    const s = freshSymbol();
    const account = await fundedAccount('cancel', '100000.00');
    const other = await fundedAccount('cancel-other', '100000.00');
    const session = await login(account);
    const otherSession = await login(other);
    const order = await session.accepted({ symbolId: s.symbolId, side: 'buy', priceCents: at(s, -3), quantity: 5 });
    const canceled = await session.client.cancelOrder(order.orderId);
    assert.ok(canceled.type === ServerFrame.Canceled, JSON.stringify(canceled));
    assert.equal(canceled.orderId, order.orderId);
    assert.equal(canceled.canceledQuantity, 5);
    assert.equal(canceled.reason, 0);
    assert.equal(canceled.symbolId, s.symbolId);
    assert.equal((await restGetOrder(account, order.orderId)).status, 'canceled');
    assert.equal(await session.refused(session.client.cancelOrder(order.orderId), 'cancel again'), 'ORDER_NOT_OPEN');
    const notFound = await session.client.cancelOrder(987_654_321).catch((error: { code: string; frame: ServerMessage }) => error);
    assert.equal((notFound as { code: string }).code, 'NOT_FOUND');
    const frame = (notFound as { frame: ServerMessage }).frame;
    assert.ok(frame.type === ServerFrame.Rejected && frame.requestType === ClientFrame.Cancel && frame.orderId === 987_654_321, JSON.stringify(frame));
    const othersOrder = await otherSession.accepted({ symbolId: s.symbolId, side: 'buy', priceCents: at(s, -4), quantity: 5 });
    assert.equal(await session.refused(session.client.cancelOrder(othersOrder.orderId), 'cancel another account\'s order'), 'NOT_FOUND');
    assert.equal(await session.refused(session.client.replaceOrder(othersOrder.orderId, { quantity: 1 }), 'replace another account\'s order'), 'NOT_FOUND');
    assert.equal((await restGetOrder(other, othersOrder.orderId)).status, 'new', 'the other account\'s order is untouched');
    assert.equal(await session.refused(session.client.cancelOrder(0), 'cancel order 0'), 'INVALID_ARGUMENT');
  });

  it('replace -> Replaced (priority kept when only lowering quantity), visible at REST; replace of a closed order -> ORDER_NOT_OPEN', async () => {
    const s = freshSymbol();
    const account = await fundedAccount('replace', '100000.00');
    const session = await login(account);
    const order = await session.accepted({ symbolId: s.symbolId, side: 'buy', priceCents: at(s, -3), quantity: 10 });
    const lower = await session.client.replaceOrder(order.orderId, { quantity: 6 });
    assert.ok(lower.type === ServerFrame.Replaced, JSON.stringify(lower));
    assert.deepStrictEqual(
      { orderId: lower.orderId, quantity: lower.quantity, leaves: lower.leavesQuantity, priceCents: lower.priceCents, kept: lower.keptPriority },
      { orderId: order.orderId, quantity: 6, leaves: 6, priceCents: at(s, -3), kept: true },
    );
    const moved = await session.client.replaceOrder(order.orderId, { priceCents: at(s, -2), quantity: 8 });
    assert.ok(moved.type === ServerFrame.Replaced, JSON.stringify(moved));
    assert.deepStrictEqual({ quantity: moved.quantity, priceCents: moved.priceCents, kept: moved.keptPriority }, { quantity: 8, priceCents: at(s, -2), kept: false });
    const rest = await restGetOrder(account, order.orderId);
    assert.equal(rest.quantity, 8);
    assert.equal(rest.price, money(at(s, -2)));
    assert.equal(rest.remainingQuantity, 8);
    assert.equal(await session.refused(session.client.replaceOrder(order.orderId, { quantity: 0, priceCents: 0 }), 'replace changing nothing'), 'INVALID_ARGUMENT');
    await session.client.cancelOrder(order.orderId);
    assert.equal(await session.refused(session.client.replaceOrder(order.orderId, { quantity: 3 }), 'replace a canceled order'), 'ORDER_NOT_OPEN');
    assert.equal(await session.refused(session.client.replaceOrder(123_456_789, { quantity: 3 }), 'replace an unknown order'), 'NOT_FOUND');
  });

  it('a replace whose new price trades: Replaced, then Fill with the replace\'s clientSeq; a REST replace reaches the session as Replaced (clientSeq 0)', async () => {
    const s = freshSymbol();
    const account = await fundedAccount('replace-cross', '100000.00');
    const maker = await fundedAccount('replace-cross-maker', '0', [[s.symbol, 100]]);
    const session = await login(account);
    const makerSession = await login(maker, 'ws');
    const bid = await session.accepted({ symbolId: s.symbolId, side: 'buy', priceCents: at(s, -1), quantity: 5 });
    const ask = await makerSession.accepted({ symbolId: s.symbolId, side: 'sell', priceCents: s.refCents, quantity: 3 });
    const clientSeq = session.client.sendReplace(bid.orderId, { priceCents: s.refCents });
    const replaced = await session.waitFor('Replaced', (m): m is Frame<typeof ServerFrame.Replaced> => m.type === ServerFrame.Replaced && m.clientSeq === clientSeq);
    assert.deepStrictEqual({ priceCents: replaced.priceCents, quantity: replaced.quantity, kept: replaced.keptPriority }, { priceCents: s.refCents, quantity: 5, kept: false });
    const fill = await session.waitFor('Fill after the replace', (m): m is Frame<typeof ServerFrame.Fill> => m.type === ServerFrame.Fill && m.orderId === bid.orderId);
    assert.deepStrictEqual({ clientSeq: fill.clientSeq, quantity: fill.quantity, leaves: fill.leavesQuantity, liquidity: fill.liquidity }, { clientSeq, quantity: 3, leaves: 2, liquidity: 1 });
    assert.ok(session.frames.indexOf(replaced) < session.frames.indexOf(fill), 'Replaced comes before the Fill it caused');
    const makerFill = await makerSession.waitFor('maker Fill', (m) => m.type === ServerFrame.Fill && m.orderId === ask.orderId);
    assert.equal((makerFill as Frame<typeof ServerFrame.Fill>).clientSeq, 0);

    const rest = await api.signed(account, 'PUT', `/v1/order/${bid.orderId}`, { quantity: 4 });
    assert.equal(rest.status, 200, rest.text);
    const unsolicited = await session.waitFor('Replaced after REST PUT', (m): m is Frame<typeof ServerFrame.Replaced> => m.type === ServerFrame.Replaced && m.clientSeq === 0);
    assert.deepStrictEqual({ orderId: unsolicited.orderId, quantity: unsolicited.quantity, leaves: unsolicited.leavesQuantity }, { orderId: bid.orderId, quantity: 4, leaves: 1 });
  });

  it('a wrong value in a well-formed frame (side 7, type 5, timeInForce 9, unknown flag, bad clientOrderId, quantity 0) -> INVALID_ARGUMENT naming the field; the connection stays open', async () => {
    const s = freshSymbol();
    const account = await fundedAccount('bad-fields', '100000.00');
    const session = await login(account);
    const writer = new FrameWriter();
    const base = { symbolId: s.symbolId, side: 0, orderType: 0, timeInForce: 0, flags: 0, priceCents: s.refCents, quantity: 1, clientOrderId: '' };
    const cases: Array<[number, RegExp, (w: FrameWriter) => void]> = [
      [9001, /side/, (w) => w.newOrder({ ...base, clientSeq: 9001, side: 7 })],
      [9002, /orderType/, (w) => w.newOrder({ ...base, clientSeq: 9002, orderType: 5 })],
      [9003, /timeInForce/, (w) => w.newOrder({ ...base, clientSeq: 9003, timeInForce: 9 })],
      [9004, /flags/, (w) => w.newOrder({ ...base, clientSeq: 9004, flags: 0x80 })],
      [9005, /quantity/, (w) => w.newOrder({ ...base, clientSeq: 9005, quantity: 0 })],
      [9006, /quantity/, (w) => w.newOrder({ ...base, clientSeq: 9006, quantity: -5 })],
      [9007, /price/, (w) => w.newOrder({ ...base, clientSeq: 9007, priceCents: -100 })],
      [9008, /orderId/, (w) => w.cancel(9008, -1)],
    ];
    for (const [, , write] of cases) write(writer);
    // A clientOrderId with a control character (the writer refuses one: patch the bytes).
    writer.newOrder({ ...base, clientSeq: 9009, clientOrderId: 'abc' });
    const bytes = writer.take();
    bytes[bytes.length - 2] = 0x01;
    session.client.sendRaw(bytes);
    cases.push([9009, /clientOrderId/, () => {}]);
    for (const [clientSeq, field] of cases) {
      const rejected = await session.waitFor(`Rejected ${clientSeq}`, (m): m is Frame<typeof ServerFrame.Rejected> => m.type === ServerFrame.Rejected && m.clientSeq === clientSeq);
      assert.equal(errorCodeName(rejected.errorCode), 'INVALID_ARGUMENT', JSON.stringify(rejected));
      assert.match(rejected.message, field, `clientSeq ${clientSeq}: ${rejected.message}`);
    }
    session.client.sendHeartbeat();
    await session.waitFor('Heartbeat', isFrame(ServerFrame.Heartbeat));
    assert.equal(session.client.isClosed, false);
  });

  it('an order frame holding an i64 that is not a safe integer is a malformed frame: Disconnect code 1', async () => {
    const account = await fundedAccount('unsafe-i64', '0');
    const session = await login(account);
    const writer = new FrameWriter();
    writer.cancel(77, 1);
    const bytes = writer.take();
    bytes.writeUInt32LE(0x0020_0000, 3 + 4 + 4); // orderId = 2^53
    session.client.sendRaw(bytes);
    const disconnect = await session.waitFor('Disconnect', (m) => m.type === ServerFrame.Disconnect || m.type === ServerFrame.Rejected, 5_000);
    assert.ok(disconnect.type === ServerFrame.Disconnect && disconnect.code === DisconnectCode.MalformedFrame, JSON.stringify(disconnect));
    await within(5_000, 'close after the Disconnect', session.closed);
  });

  it('GET /v1/symbols gives each symbol its symbolId (its index)', async () => {
    const listed = (await api.request('GET', '/v1/symbols')).body.symbols as Json[];
    listed.forEach((entry, index) => assert.equal(entry.symbolId, index, entry.symbol));
  });

  it('heartbeat is answered; logout gets Disconnect code 0 and the connection closes', async () => {
    const account = await fundedAccount('logout', '0');
    for (const transport of ['tcp', 'ws'] as const) {
      const session = await login(account, transport);
      session.client.sendHeartbeat();
      session.client.sendHeartbeat();
      await session.waitFor('two Heartbeats', () => session.frames.filter(isFrame(ServerFrame.Heartbeat)).length === 2);
      session.client.logout();
      const disconnect = await session.waitFor('Disconnect', isFrame(ServerFrame.Disconnect));
      assert.equal(disconnect.code, DisconnectCode.Logout);
      await within(5_000, `${transport} close after logout`, session.closed);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------
// REST parity: the same scenario on fresh, identically funded accounts, once per transport.

interface OrderSpec {
  side: 'buy' | 'sell';
  orderType?: 'limit' | 'market';
  /** Cents; for a market order too when a test wants the price sent. */
  priceCents?: number;
  quantity: number;
  timeInForce?: 'GTC' | 'DAY' | 'IOC' | 'FOK';
  clientOrderId?: string;
  postOnly?: boolean;
  /** Name a symbol that is not listed (REST: "ZZZZ9", binary: an id past the list). */
  unknownSymbol?: boolean;
}

type Outcome =
  | { code: string }
  | { status: string; filledQuantity: number; remainingQuantity: number; quantity: number; duplicate: boolean }
  | { canceled: true }
  | { replaced: { quantity: number; remainingQuantity: number; price: string } };

interface Placed {
  outcome: Outcome;
  orderId: string | null;
}

interface Trader {
  readonly via: 'rest' | 'binary';
  place(spec: OrderSpec): Promise<Placed>;
  cancel(orderId: string): Promise<Outcome>;
  replace(orderId: string, change: { quantity?: number; priceCents?: number }): Promise<Outcome>;
}

interface Ctx {
  s: SymbolInfo;
  trader: Account;
  maker: Account;
  t: Trader;
}

const TRADER_CASH = '100000.00';
const TRADER_SHARES = 1000;

function restTrader(ctx: Omit<Ctx, 't'>): Trader {
  const { s, trader } = ctx;
  const asOutcome = (reply: { status: number; body: Json; text: string }): Outcome | null =>
    reply.status >= 400 ? { code: String(reply.body?.error?.code ?? `HTTP ${reply.status}: ${reply.text}`) } : null;
  return {
    via: 'rest',
    async place(spec) {
      const body: Record<string, unknown> = {
        symbol: spec.unknownSymbol ? 'ZZZZ9' : s.symbol, side: spec.side, orderType: spec.orderType ?? 'limit', quantity: spec.quantity,
      };
      if (spec.priceCents !== undefined) body.price = money(spec.priceCents);
      if (spec.timeInForce !== undefined) body.timeInForce = spec.timeInForce;
      if (spec.clientOrderId !== undefined) body.clientOrderId = spec.clientOrderId;
      if (spec.postOnly !== undefined) body.postOnly = spec.postOnly;
      const reply = await api.signed(trader, 'POST', '/v1/order', body);
      const refused = asOutcome(reply);
      if (refused) return { outcome: refused, orderId: null };
      assert.ok(reply.status === 200 || reply.status === 201, reply.text);
      const o = reply.body;
      return {
        outcome: { status: o.status, filledQuantity: o.filledQuantity, remainingQuantity: o.remainingQuantity, quantity: o.quantity, duplicate: reply.status === 200 },
        orderId: o.id,
      };
    },
    async cancel(orderId) {
      const reply = await api.signed(trader, 'DELETE', `/v1/order/${orderId}`);
      const refused = asOutcome(reply);
      if (refused) return refused;
      assert.equal(reply.body.status, 'canceled', reply.text);
      return { canceled: true };
    },
    async replace(orderId, change) {
      const body: Record<string, unknown> = {};
      if (change.quantity !== undefined) body.quantity = change.quantity;
      if (change.priceCents !== undefined) body.price = money(change.priceCents);
      const reply = await api.signed(trader, 'PUT', `/v1/order/${orderId}`, body);
      const refused = asOutcome(reply);
      if (refused) return refused;
      return { replaced: { quantity: reply.body.quantity, remainingQuantity: reply.body.remainingQuantity, price: priceLabel(s, toCents(reply.body.price)) } };
    },
  };
}

function binaryTrader(ctx: Omit<Ctx, 't'>, session: Session): Trader {
  const { s, trader } = ctx;
  const refusal = (error: unknown): Outcome => {
    const code = (error as { code?: string }).code;
    if (typeof code !== 'string') throw error;
    return { code };
  };
  return {
    via: 'binary',
    async place(spec) {
      const request: NewOrderRequest = {
        symbolId: spec.unknownSymbol ? symbols.length + 1000 : s.symbolId, side: spec.side, orderType: spec.orderType, priceCents: spec.priceCents,
        quantity: spec.quantity, timeInForce: spec.timeInForce, clientOrderId: spec.clientOrderId, postOnly: spec.postOnly,
      };
      let frame: ServerMessage;
      try {
        frame = await within(10_000, `binary order ${JSON.stringify(spec)}`, session.client.placeOrder(request));
      } catch (error) {
        return { outcome: refusal(error), orderId: null };
      }
      assert.ok(frame.type === ServerFrame.OrderAccepted, JSON.stringify(frame));
      // Every accepted binary order is visible over REST with the same fields and state.
      const rest = await restGetOrder(trader, frame.orderId);
      assertSameOrder(rest, frame, s.symbol);
      if ((frame.flags & OrderFlag.Duplicate) === 0) assertSameState(rest, frame);
      if (frame.status === OrderStatusCode.Canceled && (frame.flags & OrderFlag.Duplicate) === 0) {
        // An IOC/market remainder or an unfillable FOK: the Canceled frame follows, with the request's clientSeq.
        const canceled = await session.waitFor(`Canceled for order ${frame.orderId}`, (m) => m.type === ServerFrame.Canceled && m.orderId === frame.orderId);
        assert.equal((canceled as Frame<typeof ServerFrame.Canceled>).clientSeq, frame.clientSeq);
        assert.equal((canceled as Frame<typeof ServerFrame.Canceled>).canceledQuantity, frame.quantity - frame.filledQuantity);
      }
      return {
        outcome: {
          status: STATUS_NAMES[frame.status], filledQuantity: frame.filledQuantity, remainingQuantity: frame.leavesQuantity, quantity: frame.quantity,
          duplicate: (frame.flags & OrderFlag.Duplicate) !== 0,
        },
        orderId: String(frame.orderId),
      };
    },
    async cancel(orderId) {
      try {
        const frame = await within(10_000, 'binary cancel', session.client.cancelOrder(Number(orderId)));
        assert.ok(frame.type === ServerFrame.Canceled, JSON.stringify(frame));
        return { canceled: true };
      } catch (error) {
        return refusal(error);
      }
    },
    async replace(orderId, change) {
      try {
        const frame = await within(10_000, 'binary replace', session.client.replaceOrder(Number(orderId), change));
        assert.ok(frame.type === ServerFrame.Replaced, JSON.stringify(frame));
        return { replaced: { quantity: frame.quantity, remainingQuantity: frame.leavesQuantity, price: priceLabel(s, frame.priceCents) } };
      } catch (error) {
        return refusal(error);
      }
    },
  };
}

/** A price as the scenarios write it (relative to the reference price), so runs on different symbols compare. */
function priceLabel(s: SymbolInfo, cents: number): string {
  for (const percent of [-3, -2, -1, 0, 1, 2, 3]) if (cents === at(s, percent)) return `ref${percent < 0 ? '' : '+'}${percent}%`;
  return `${cents} cents (ref ${s.refCents})`;
}

/** Liquidity from the maker over REST. */
const makerOrder = (ctx: Ctx, side: 'buy' | 'sell', priceCents: number, quantity: number): Promise<Json> =>
  restOrder(ctx.maker, { symbol: ctx.s.symbol, side, orderType: 'limit', price: money(priceCents), quantity });

const placed = (status: string, filledQuantity: number, remainingQuantity: number, quantity: number, duplicate = false): Outcome =>
  ({ status, filledQuantity, remainingQuantity, quantity, duplicate });

interface Scenario {
  name: string;
  /** What both transports must give (undefined: only that they agree). */
  expected?: Outcome[];
  setup?: (ctx: Ctx) => Promise<void>;
  run: (ctx: Ctx) => Promise<Outcome[]>;
  cleanup?: (ctx: Ctx) => Promise<void>;
}

const one = async (ctx: Ctx, spec: OrderSpec): Promise<Outcome[]> => [(await ctx.t.place(spec)).outcome];

const SCENARIOS: Scenario[] = [
  {
    name: 'limit GTC rests',
    expected: [placed('new', 0, 10, 10)],
    run: (ctx) => one(ctx, { side: 'buy', priceCents: at(ctx.s, -1), quantity: 10 }),
  },
  {
    name: 'limit DAY sell rests',
    expected: [placed('new', 0, 10, 10)],
    run: (ctx) => one(ctx, { side: 'sell', priceCents: at(ctx.s, 1), quantity: 10, timeInForce: 'DAY' }),
  },
  {
    name: 'limit GTC that trades part and rests the rest: partially_filled',
    expected: [placed('partially_filled', 4, 6, 10)],
    setup: async (ctx) => void (await makerOrder(ctx, 'buy', ctx.s.refCents, 4)),
    run: (ctx) => one(ctx, { side: 'sell', priceCents: ctx.s.refCents, quantity: 10 }),
  },
  {
    name: 'limit GTC that fills completely over two price levels',
    expected: [placed('filled', 10, 0, 10)],
    setup: async (ctx) => {
      await makerOrder(ctx, 'sell', ctx.s.refCents, 4);
      await makerOrder(ctx, 'sell', at(ctx.s, 1), 6);
    },
    run: (ctx) => one(ctx, { side: 'buy', priceCents: at(ctx.s, 1), quantity: 10 }),
  },
  {
    name: 'IOC remainder canceled',
    expected: [placed('canceled', 4, 0, 10)],
    setup: async (ctx) => void (await makerOrder(ctx, 'sell', ctx.s.refCents, 4)),
    run: (ctx) => one(ctx, { side: 'buy', priceCents: ctx.s.refCents, quantity: 10, timeInForce: 'IOC' }),
  },
  {
    name: 'IOC on an empty book: canceled, nothing filled',
    expected: [placed('canceled', 0, 0, 10)],
    run: (ctx) => one(ctx, { side: 'buy', priceCents: ctx.s.refCents, quantity: 10, timeInForce: 'IOC' }),
  },
  {
    name: 'market remainder canceled',
    expected: [placed('canceled', 4, 0, 10)],
    setup: async (ctx) => void (await makerOrder(ctx, 'sell', ctx.s.refCents, 4)),
    run: (ctx) => one(ctx, { side: 'buy', orderType: 'market', quantity: 10 }),
  },
  {
    name: 'market sell filled in full',
    expected: [placed('filled', 10, 0, 10)],
    setup: async (ctx) => void (await makerOrder(ctx, 'buy', ctx.s.refCents, 10)),
    run: (ctx) => one(ctx, { side: 'sell', orderType: 'market', quantity: 10 }),
  },
  {
    name: 'FOK that cannot fill whole: canceled with filledQuantity 0',
    expected: [placed('canceled', 0, 0, 10)],
    setup: async (ctx) => void (await makerOrder(ctx, 'sell', ctx.s.refCents, 4)),
    run: (ctx) => one(ctx, { side: 'buy', priceCents: ctx.s.refCents, quantity: 10, timeInForce: 'FOK' }),
  },
  {
    name: 'FOK that can fill whole: filled',
    expected: [placed('filled', 10, 0, 10)],
    setup: async (ctx) => void (await makerOrder(ctx, 'sell', ctx.s.refCents, 12)),
    run: (ctx) => one(ctx, { side: 'buy', priceCents: ctx.s.refCents, quantity: 10, timeInForce: 'FOK' }),
  },
  {
    name: 'market FOK that cannot fill whole: canceled with filledQuantity 0',
    expected: [placed('canceled', 0, 0, 10)],
    setup: async (ctx) => void (await makerOrder(ctx, 'sell', ctx.s.refCents, 4)),
    run: (ctx) => one(ctx, { side: 'buy', orderType: 'market', quantity: 10, timeInForce: 'FOK' }),
  },
  {
    name: 'post-only that would trade -> POST_ONLY_WOULD_TRADE',
    expected: [{ code: 'POST_ONLY_WOULD_TRADE' }],
    setup: async (ctx) => void (await makerOrder(ctx, 'sell', ctx.s.refCents, 4)),
    run: (ctx) => one(ctx, { side: 'buy', priceCents: ctx.s.refCents, quantity: 10, postOnly: true }),
  },
  {
    name: 'post-only that does not cross rests',
    expected: [placed('new', 0, 10, 10)],
    setup: async (ctx) => void (await makerOrder(ctx, 'sell', ctx.s.refCents, 4)),
    run: (ctx) => one(ctx, { side: 'buy', priceCents: at(ctx.s, -1), quantity: 10, postOnly: true }),
  },
  {
    name: 'post-only with IOC -> INVALID_ARGUMENT',
    expected: [{ code: 'INVALID_ARGUMENT' }],
    run: (ctx) => one(ctx, { side: 'buy', priceCents: at(ctx.s, -1), quantity: 10, postOnly: true, timeInForce: 'IOC' }),
  },
  {
    name: 'insufficient funds (cash) -> INSUFFICIENT_FUNDS',
    expected: [{ code: 'INSUFFICIENT_FUNDS' }],
    run: (ctx) => one(ctx, { side: 'buy', priceCents: ctx.s.refCents, quantity: Math.ceil(2 * toCents(TRADER_CASH) / ctx.s.refCents) }),
  },
  {
    name: 'insufficient funds (shares) -> INSUFFICIENT_FUNDS',
    expected: [{ code: 'INSUFFICIENT_FUNDS' }],
    run: (ctx) => one(ctx, { side: 'sell', priceCents: ctx.s.refCents, quantity: TRADER_SHARES + 1 }),
  },
  {
    name: 'price above the band -> PRICE_BAND',
    expected: [{ code: 'PRICE_BAND' }],
    run: (ctx) => one(ctx, { side: 'buy', priceCents: at(ctx.s, 15), quantity: 1 }),
  },
  {
    name: 'price below the band -> PRICE_BAND',
    expected: [{ code: 'PRICE_BAND' }],
    run: (ctx) => one(ctx, { side: 'sell', priceCents: at(ctx.s, -15), quantity: 1 }),
  },
  {
    name: 'market order with a price -> INVALID_ARGUMENT',
    expected: [{ code: 'INVALID_ARGUMENT' }],
    run: (ctx) => one(ctx, { side: 'buy', orderType: 'market', priceCents: ctx.s.refCents, quantity: 1 }),
  },
  {
    name: 'limit order without a price -> INVALID_ARGUMENT',
    expected: [{ code: 'INVALID_ARGUMENT' }],
    run: (ctx) => one(ctx, { side: 'buy', quantity: 1 }),
  },
  {
    name: 'limit order at price 0 -> INVALID_ARGUMENT',
    expected: [{ code: 'INVALID_ARGUMENT' }],
    run: (ctx) => one(ctx, { side: 'buy', priceCents: 0, quantity: 1 }),
  },
  {
    name: 'quantity 0 -> INVALID_ARGUMENT',
    expected: [{ code: 'INVALID_ARGUMENT' }],
    run: (ctx) => one(ctx, { side: 'buy', priceCents: ctx.s.refCents, quantity: 0 }),
  },
  {
    name: 'unknown symbol -> UNKNOWN_SYMBOL',
    expected: [{ code: 'UNKNOWN_SYMBOL' }],
    run: (ctx) => one(ctx, { side: 'buy', priceCents: 10_000, quantity: 1, unknownSymbol: true }),
  },
  {
    name: 'halted symbol -> SYMBOL_HALTED',
    expected: [{ code: 'SYMBOL_HALTED' }],
    setup: async (ctx) => {
      const reply = await api.admin('POST', `/v1/admin/symbols/${ctx.s.symbol}/halt`);
      assert.equal(reply.status, 200, reply.text);
    },
    run: (ctx) => one(ctx, { side: 'buy', priceCents: ctx.s.refCents, quantity: 1 }),
    cleanup: async (ctx) => void (await api.admin('POST', `/v1/admin/symbols/${ctx.s.symbol}/resume`)),
  },
  {
    name: 'blocked account -> ACCOUNT_BLOCKED',
    expected: [{ code: 'ACCOUNT_BLOCKED' }],
    setup: async (ctx) => {
      const reply = await api.admin('POST', `/v1/admin/accounts/${ctx.trader.accountId}/block`);
      assert.equal(reply.status, 200, reply.text);
    },
    run: (ctx) => one(ctx, { side: 'buy', priceCents: ctx.s.refCents, quantity: 1 }),
  },
  {
    name: 'quantity over the instrument maximum (whatever REST says; RISK_LIMIT expected)',
    run: (ctx) => one(ctx, { side: 'buy', priceCents: ctx.s.refCents, quantity: ctx.s.maxOrderQuantity + 1 }),
  },
  {
    name: 'duplicate clientOrderId, same fields: the first order again (REST 200, binary Duplicate flag)',
    expected: [placed('new', 0, 5, 5), placed('new', 0, 5, 5, true), { code: 'same order' }],
    run: async (ctx) => {
      const spec: OrderSpec = { side: 'buy', priceCents: at(ctx.s, -2), quantity: 5, clientOrderId: `dup-${ctx.t.via}` };
      const first = await ctx.t.place(spec);
      const second = await ctx.t.place(spec);
      return [first.outcome, second.outcome, { code: first.orderId === second.orderId ? 'same order' : `ids ${first.orderId} and ${second.orderId}` }];
    },
  },
  {
    name: 'duplicate clientOrderId, different fields -> DUPLICATE_CLIENT_ORDER_ID',
    expected: [placed('new', 0, 5, 5), { code: 'DUPLICATE_CLIENT_ORDER_ID' }],
    run: async (ctx) => {
      const first = await ctx.t.place({ side: 'buy', priceCents: at(ctx.s, -2), quantity: 5, clientOrderId: 'dup-diff' });
      const second = await ctx.t.place({ side: 'buy', priceCents: at(ctx.s, -2), quantity: 6, clientOrderId: 'dup-diff' });
      return [first.outcome, second.outcome];
    },
  },
  {
    name: 'cancel, cancel again, cancel the maker\'s order',
    expected: [placed('new', 0, 5, 5), { canceled: true }, { code: 'ORDER_NOT_OPEN' }, { code: 'NOT_FOUND' }, { code: 'NOT_FOUND' }],
    run: async (ctx) => {
      const order = await ctx.t.place({ side: 'buy', priceCents: at(ctx.s, -2), quantity: 5 });
      const makers = await makerOrder(ctx, 'buy', at(ctx.s, -3), 5);
      return [order.outcome, await ctx.t.cancel(order.orderId!), await ctx.t.cancel(order.orderId!), await ctx.t.cancel(makers.id), await ctx.t.cancel('999999999')];
    },
  },
  {
    name: 'replace: lower, raise, to quantity <= filled -> INVALID_ARGUMENT, of a filled order -> ORDER_NOT_OPEN',
    run: async (ctx) => {
      const order = await ctx.t.place({ side: 'buy', priceCents: ctx.s.refCents, quantity: 10 });
      await makerOrder(ctx, 'sell', ctx.s.refCents, 4);
      const outcomes: Outcome[] = [order.outcome];
      outcomes.push(await ctx.t.replace(order.orderId!, { quantity: 4 }));
      outcomes.push(await ctx.t.replace(order.orderId!, { quantity: 3 }));
      outcomes.push(await ctx.t.replace(order.orderId!, { quantity: 8 }));
      outcomes.push(await ctx.t.replace(order.orderId!, { priceCents: at(ctx.s, -1) }));
      outcomes.push(await ctx.t.replace(order.orderId!, { priceCents: at(ctx.s, 20) }));
      await makerOrder(ctx, 'sell', at(ctx.s, -1), 4);
      outcomes.push(await ctx.t.replace(order.orderId!, { quantity: 20 }));
      return outcomes;
    },
    expected: [
      placed('new', 0, 10, 10), { code: 'INVALID_ARGUMENT' }, { code: 'INVALID_ARGUMENT' },
      { replaced: { quantity: 8, remainingQuantity: 4, price: 'ref+0%' } },
      { replaced: { quantity: 8, remainingQuantity: 4, price: 'ref-1%' } },
      { code: 'PRICE_BAND' },
      { code: 'ORDER_NOT_OPEN' },
    ],
  },
];

/** A fresh symbol and accounts for one run; the trader's binary session is logged in before the setup. */
async function prepare(via: 'rest' | 'binary'): Promise<Ctx> {
  const s = freshSymbol();
  const [trader, maker] = await Promise.all([
    fundedAccount(`parity-${via}-trader`, TRADER_CASH, [[s.symbol, TRADER_SHARES]]),
    fundedAccount(`parity-${via}-maker`, '1000000.00', [[s.symbol, 100_000]]),
  ]);
  const base = { s, trader, maker };
  const t = via === 'rest' ? restTrader(base) : binaryTrader(base, await login(trader));
  return { ...base, t };
}

describe('order entry: REST parity', () => {
  for (const scenario of SCENARIOS) {
    it(scenario.name, async () => {
      const results: Record<'rest' | 'binary', Outcome[]> = { rest: [], binary: [] };
      for (const via of ['rest', 'binary'] as const) {
        const ctx = await prepare(via);
        try {
          await scenario.setup?.(ctx);
          results[via] = await scenario.run(ctx);
          if (scenario.expected) assert.deepStrictEqual(results[via], scenario.expected, `${via}: ${scenario.name}`);
        } finally {
          await scenario.cleanup?.(ctx);
        }
      }
      assert.deepStrictEqual(results.binary, results.rest, `binary and REST disagree on "${scenario.name}"`);
      if (scenario.expected === undefined) {
        assert.ok(results.rest.every((o) => 'code' in o), `expected a refusal: ${JSON.stringify(results.rest)}`);
      }
    });
  }

  it('tick violation -> INVALID_ARGUMENT over both (when some symbol has a tick above one cent)', async (t) => {
    const s = freshSymbol();
    const account = await fundedAccount('tick', TRADER_CASH);
    const rest = await api.signed(account, 'POST', '/v1/order', { symbol: s.symbol, side: 'buy', orderType: 'limit', price: `${money(s.refCents)}5`, quantity: 1 });
    assert.equal(rest.status, 400, rest.text);
    assert.equal(rest.body.error.code, 'INVALID_ARGUMENT');
    const coarse = symbols.find((x) => x.tickCents > 1);
    if (!coarse) {
      t.skip('every listed symbol has a 1-cent tick: a binary price in whole cents cannot miss it (REST sub-cent price checked)');
      return;
    }
    const [restTraderAccount, binaryTraderAccount] = await Promise.all([fundedAccount('tick-rest', TRADER_CASH), fundedAccount('tick-bin', TRADER_CASH)]);
    const price = coarse.refCents + 1;
    const restReply = await api.signed(restTraderAccount, 'POST', '/v1/order', { symbol: coarse.symbol, side: 'buy', orderType: 'limit', price: money(price), quantity: 1 });
    const session = await login(binaryTraderAccount);
    const code = await session.refused(session.client.placeOrder({ symbolId: coarse.symbolId, side: 'buy', priceCents: price, quantity: 1 }), 'off-tick order');
    assert.equal(code, restReply.body?.error?.code);
    assert.equal(code, 'INVALID_ARGUMENT');
  });
});

// ---------------------------------------------------------------------------------------------------------

describe('order entry: pipelining', () => {
  it('2,000 orders sent without waiting get 2,000 answers, their clientSeqs in the order sent', async () => {
    const s = freshSymbol();
    const account = await fundedAccount('pipeline', '10000000.00');
    const session = await login(account);
    const sent: number[] = [];
    const answered: number[] = [];
    session.client.onRawFrame = (type, _bytes, view, offset) => {
      if (type === ServerFrame.OrderAccepted || type === ServerFrame.Rejected) answered.push(view.getUint32(offset, true));
      return true;
    };
    const started = Date.now();
    for (let i = 0; i < 2_000; i++) {
      sent.push(session.client.sendNewOrder({ symbolId: s.symbolId, side: 'buy', priceCents: at(s, -1) - (i % 100), quantity: 1 + (i % 3) }));
    }
    const deadline = Date.now() + 30_000;
    while (answered.length < sent.length && Date.now() < deadline && !session.client.isClosed) await sleep(10);
    assert.equal(answered.length, sent.length, `answers received: ${answered.length} of ${sent.length}; ${session.describe()}`);
    assert.deepStrictEqual(answered, sent);
    console.log(`pipelining: 2,000 orders answered in ${Date.now() - started} ms`);
    const open = await api.signed(account, 'GET', `/v1/orders?symbol=${s.symbol}&status=open&limit=1000`);
    assert.equal(open.body.orders.length, 1000, 'all accepted and resting (1,000 shown per page)');
  });

  it('pipelined orders refused at the gateway, refused by the engine and accepted each get exactly one answer', async () => {
    const s = freshSymbol();
    const account = await fundedAccount('pipeline-mixed', '10000000.00');
    const session = await login(account);
    const expected = new Map<number, string>();
    const answers = new Map<number, string[]>();
    const order: number[] = [];
    session.client.onRawFrame = (type, _bytes, view, offset) => {
      if (type !== ServerFrame.OrderAccepted && type !== ServerFrame.Rejected) return true;
      const clientSeq = view.getUint32(offset, true);
      const code = type === ServerFrame.OrderAccepted ? 'accepted' : errorCodeName(view.getUint16(offset + 5, true)) ?? 'unknown';
      answers.set(clientSeq, [...(answers.get(clientSeq) ?? []), code]);
      order.push(clientSeq);
      return true;
    };
    for (let i = 0; i < 600; i++) {
      const kind = i % 4;
      if (kind === 0) expected.set(session.client.sendNewOrder({ symbolId: s.symbolId, side: 'buy', priceCents: at(s, -1), quantity: 1 }), 'accepted');
      if (kind === 1) expected.set(session.client.sendNewOrder({ symbolId: s.symbolId, side: 'buy', priceCents: at(s, 30), quantity: 1 }), 'PRICE_BAND');
      if (kind === 2) expected.set(session.client.sendNewOrder({ symbolId: symbols.length + 5, side: 'buy', priceCents: 100, quantity: 1 }), 'UNKNOWN_SYMBOL');
      if (kind === 3) expected.set(session.client.sendNewOrder({ symbolId: s.symbolId, side: 'buy', priceCents: at(s, -1), quantity: 0 }), 'INVALID_ARGUMENT');
    }
    const deadline = Date.now() + 20_000;
    while (order.length < expected.size && Date.now() < deadline) await sleep(10);
    for (const [clientSeq, code] of expected) assert.deepStrictEqual(answers.get(clientSeq), [code], `clientSeq ${clientSeq}`);
    assert.equal(order.length, expected.size);
  });
});

describe('order entry: answer order', () => {
  it('answers come in the order requests were sent, also when some are refused at the gateway (docs/order-entry-protocol.md, clientSeq)', async () => {
    const s = freshSymbol();
    const account = await fundedAccount('answer-order', '1000000.00');
    const session = await login(account);
    const sent: number[] = [];
    const answered: number[] = [];
    session.client.onRawFrame = (type, _bytes, view, offset) => {
      if (type === ServerFrame.OrderAccepted || type === ServerFrame.Rejected) answered.push(view.getUint32(offset, true));
      return true;
    };
    for (let i = 0; i < 200; i++) {
      const bad = i % 10 === 9;
      sent.push(session.client.sendNewOrder({ symbolId: bad ? symbols.length + 5 : s.symbolId, side: 'buy', priceCents: at(s, -1), quantity: 1 }));
    }
    const deadline = Date.now() + 10_000;
    while (answered.length < sent.length && Date.now() < deadline) await sleep(10);
    assert.equal(answered.length, sent.length);
    assert.deepStrictEqual(answered, sent);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Malformed input: a seeded fuzz over the real server, each case on its own connection.

const FUZZ_SEED = process.env.ORDER_ENTRY_FUZZ_SEED ? Number(process.env.ORDER_ENTRY_FUZZ_SEED) : Date.now() % 1_000_000_007;
const FUZZ_TCP_CASES = 320;
const FUZZ_WS_CASES = 80;

class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = splitmix32(seed);
  }

  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(0, 255);
    return out;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)];
  }
}

/** What the server must do with a byte stream, worked out from the frame layouts alone. */
interface StreamModel {
  /** Requests before the first fatal frame, each of which gets exactly one answer frame. */
  answerable: number;
  /** ...of which heartbeats (answered by a Heartbeat). */
  heartbeats: number;
  /** ...of which need the engine thread (logins before login, orders after): their answers may be lost on a disconnect. */
  engineBound: number;
  fatal: 'malformed' | 'logout' | null;
  /** Bytes missing to complete the last frame (0: the stream ends on a frame boundary); -1: one length byte missing. */
  missing: number;
}

/** What the server must do with a byte stream; an order frame holding a non-safe i64 is malformed
 *  (docs/order-entry-protocol.md, Disconnect code 1). */
function model(bytes: Uint8Array, loggedIn: boolean): StreamModel {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const i64Safe = (at: number): boolean => Number.isSafeInteger(view.getInt32(at + 4, true) * 2 ** 32 + view.getUint32(at, true));
  const m: StreamModel = { answerable: 0, heartbeats: 0, engineBound: 0, fatal: null, missing: 0 };
  let o = 0;
  let loginSeen = loggedIn;
  while (bytes.length - o >= 2) {
    const length = view.getUint16(o, true);
    if (length === 0) return { ...m, fatal: 'malformed' };
    if (bytes.length - o < 2 + length) return { ...m, missing: 2 + length - (bytes.length - o) };
    const type = bytes[o + 2];
    const body = o + 3;
    const bodyLength = length - 1;
    let ok: boolean;
    let engine = false;
    switch (type) {
      case ClientFrame.Login: {
        ok = bodyLength >= 41 && bodyLength === 41 + bytes[body + 8];
        ok = ok && Number.isSafeInteger(view.getInt32(body + 4, true) * 2 ** 32 + view.getUint32(body, true));
        engine = !loginSeen; // a Login while one is pending or accepted is refused at the gateway
        loginSeen = true;
        break;
      }
      case ClientFrame.NewOrder:
        ok = bodyLength >= 29 && bodyLength === 29 + bytes[body + 28] && i64Safe(body + 12) && i64Safe(body + 20);
        engine = loggedIn;
        break;
      case ClientFrame.Cancel:
        ok = bodyLength === 12 && i64Safe(body + 4);
        engine = loggedIn;
        break;
      case ClientFrame.Replace:
        ok = bodyLength === 28 && i64Safe(body + 4) && i64Safe(body + 12) && i64Safe(body + 20);
        engine = loggedIn;
        break;
      case ClientFrame.Heartbeat:
        ok = bodyLength === 0;
        if (ok) m.heartbeats++;
        break;
      case ClientFrame.Logout:
        return { ...m, fatal: 'logout' };
      default:
        ok = false;
    }
    if (!ok) return { ...m, fatal: 'malformed' };
    m.answerable++;
    if (engine) m.engineBound++;
    o += 2 + length;
  }
  return { ...m, missing: bytes.length - o === 1 ? -1 : 0 };
}

interface FuzzCase {
  index: number;
  label: string;
  transport: Transport;
  /** Log in with a real account first (and wait for LoginAccepted). */
  login: boolean;
  stream: Uint8Array;
  /** Truncated: close our side after sending instead of probing with a heartbeat. */
  endAfter: boolean;
  text?: string;
}

function frameBytes(write: (w: FrameWriter) => void): Uint8Array {
  const w = new FrameWriter(256);
  write(w);
  return new Uint8Array(w.take());
}

function validFrame(rng: Rng): Uint8Array {
  const i64 = (): number => rng.pick([0, 1, -1, rng.int(1, 1_000_000), Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]);
  switch (rng.int(0, 5)) {
    case 0:
      return frameBytes((w) => w.login({
        timestampMs: rng.chance(0.5) ? Date.now() : i64(), apiKey: String.fromCharCode(...rng.bytes(rng.int(0, 40)).map((b) => 0x20 + (b % 95))),
        signature: rng.bytes(32),
      }));
    case 1:
      return frameBytes((w) => w.newOrder({
        clientSeq: rng.int(0, 0xffff_ffff), symbolId: rng.chance(0.7) ? rng.int(0, symbols.length + 2) : rng.int(0, 0xffff_ffff), side: rng.int(0, 2),
        orderType: rng.int(0, 2), timeInForce: rng.int(0, 4), flags: rng.int(0, 3), priceCents: i64(), quantity: i64(),
        clientOrderId: rng.chance(0.5) ? '' : `f-${rng.int(0, 1e6)}`,
      }));
    case 2:
      return frameBytes((w) => w.cancel(rng.int(0, 0xffff_ffff), i64()));
    case 3:
      return frameBytes((w) => w.replace({ clientSeq: rng.int(0, 0xffff_ffff), orderId: i64(), quantity: i64(), priceCents: i64() }));
    default:
      return frameBytes((w) => w.heartbeat());
  }
}

function randomFrame(rng: Rng): Uint8Array {
  const type = rng.chance(0.7) ? rng.int(1, 6) : rng.int(0, 255);
  const typical = [0, 12, 28, 29, 41][rng.int(0, 4)];
  const bodyLength = rng.chance(0.5) ? typical + rng.int(-2, 2) : rng.int(0, 120);
  const body = rng.bytes(Math.max(0, bodyLength));
  const frame = new Uint8Array(3 + body.length);
  new DataView(frame.buffer).setUint16(0, 1 + body.length, true);
  frame[2] = type;
  frame.set(body, 3);
  return frame;
}

function mutate(rng: Rng, bytes: Uint8Array): Uint8Array {
  let out = new Uint8Array(bytes);
  const operations = rng.int(1, 3);
  for (let k = 0; k < operations && out.length > 0; k++) {
    const at = rng.int(0, out.length - 1);
    switch (rng.int(0, 5)) {
      case 0: out[at] ^= 1 << rng.int(0, 7); break;
      case 1: out[at] = rng.int(0, 255); break;
      case 2: out = out.slice(0, at); break;
      case 3: out = new Uint8Array(Buffer.concat([out.subarray(0, at), rng.bytes(rng.int(1, 8)), out.subarray(at)])); break;
      case 4: out = new Uint8Array(Buffer.concat([out.subarray(0, at), out.subarray(Math.min(out.length, at + rng.int(1, 8)))])); break;
      default: out[0] = (out[0] + rng.int(-3, 3)) & 0xff; break; // the first frame's length
    }
  }
  return out;
}

function concatBytes(parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

/** Completes a trailing partial frame with zero bytes, so that what the server must do is decided. */
function complete(stream: Uint8Array, loggedIn: boolean): Uint8Array {
  let out = stream;
  for (let i = 0; i < 3; i++) {
    const m = model(out, loggedIn);
    if (m.fatal !== null || m.missing === 0) return out;
    out = concatBytes([out, new Uint8Array(m.missing === -1 ? 1 : m.missing)]);
  }
  return out;
}

function fuzzCase(rng: Rng, index: number, transport: Transport): FuzzCase {
  const kind = rng.int(0, 8);
  const login = kind === 8;
  const body = (): Uint8Array => {
    switch (rng.int(0, 3)) {
      case 0: return rng.bytes(rng.int(1, 200));
      case 1: return concatBytes(Array.from({ length: rng.int(1, 6) }, () => randomFrame(rng)));
      case 2: return concatBytes(Array.from({ length: rng.int(1, 6) }, () => validFrame(rng)));
      default: return mutate(rng, concatBytes(Array.from({ length: rng.int(1, 4) }, () => validFrame(rng))));
    }
  };
  let label: string;
  let stream: Uint8Array;
  let endAfter = false;
  switch (kind) {
    case 0: label = 'random bytes'; stream = rng.bytes(rng.int(1, 300)); break;
    case 1: label = 'random frames'; stream = concatBytes(Array.from({ length: rng.int(1, 8) }, () => randomFrame(rng))); break;
    case 2: label = 'valid frames'; stream = concatBytes(Array.from({ length: rng.int(1, 8) }, () => validFrame(rng))); break;
    case 3:
    case 4: label = 'mutated valid frames'; stream = mutate(rng, concatBytes(Array.from({ length: rng.int(1, 5) }, () => validFrame(rng)))); break;
    case 5: label = 'length 0 among valid frames'; stream = concatBytes([validFrame(rng), new Uint8Array(2), validFrame(rng)]); break;
    case 6: {
      label = 'unknown frame type';
      const bodyLength = rng.pick([0, 4, 12]);
      const unknown = new Uint8Array(3 + bodyLength);
      unknown[0] = 1 + bodyLength;
      unknown[2] = rng.pick([0x00, 0x07, 0x10, 0x81, 0x87, 0x88, 0xff]);
      stream = concatBytes([validFrame(rng), unknown, validFrame(rng)]);
      break;
    }
    case 7: {
      label = 'truncated then closed';
      const whole = concatBytes(Array.from({ length: rng.int(1, 4) }, () => validFrame(rng)));
      stream = whole.subarray(0, rng.int(1, whole.length - 1));
      endAfter = true;
      break;
    }
    default: label = 'valid login, then garbage'; stream = body(); break;
  }
  if (stream.length >= 4 && Buffer.from(stream.subarray(0, 4)).toString('latin1') === 'GET ') stream[0] = 0x7f; // not an HTTP upgrade
  if (!endAfter) stream = complete(stream, login);
  if (!endAfter && model(stream, login).fatal === null) stream = concatBytes([stream, frameBytes((w) => w.heartbeat())]);
  return { index, label, transport, login, stream, endAfter };
}

function loginFrame(account: Account): Uint8Array {
  const timestampMs = Date.now();
  const signature = createHmac('sha256', account.apiSecret).update(`${timestampMs}GET/v1/order-entry`, 'utf8').digest();
  return frameBytes((w) => w.login({ timestampMs, apiKey: account.apiKey, signature }));
}

/** How the fuzz cases ended, for the log (a fuzz that only ever hits one path tests little). */
const fuzzOutcomes = new Map<string, number>();
const countOutcome = (what: string): void => void fuzzOutcomes.set(what, (fuzzOutcomes.get(what) ?? 0) + 1);

/** Checks what a fuzz connection got against the model `m`; a failure description, or null. */
async function judge(c: FuzzCase, connection: RawConnection, skip: number, m: StreamModel, fail: (why: string) => string): Promise<string | null> {
  const answers = (): ServerMessage[] => connection.frames.slice(skip).filter((f) => f.type !== ServerFrame.Disconnect);
  if (c.endAfter || m.fatal !== null) {
    if (!(await connection.until(() => connection.closed, 5_000))) return fail('the connection was neither answered with a Disconnect nor closed (hang)');
  } else {
    const done = await connection.until(() => answers().length >= m.answerable || connection.closed, 5_000);
    if (!done) return fail(`expected ${m.answerable} answers, got ${answers().length} within 5 s (hang)`);
    await sleep(20);
    if (connection.closed) return fail('closed although every frame was well-formed');
    if (answers().length !== m.answerable) return fail(`expected exactly ${m.answerable} answers, got ${answers().length}`);
    const heartbeats = answers().filter((f) => f.type === ServerFrame.Heartbeat).length;
    if (heartbeats !== m.heartbeats) return fail(`expected ${m.heartbeats} Heartbeat answers, got ${heartbeats}`);
  }
  if (connection.decodeError !== null) return fail(`the server sent a frame that does not decode: ${connection.decodeError}`);
  const frames = connection.frames.slice(skip);
  const disconnects = frames.filter((f): f is Frame<typeof ServerFrame.Disconnect> => f.type === ServerFrame.Disconnect);
  for (const f of answers()) {
    if (f.type === ServerFrame.Rejected) {
      if (errorCodeName(f.errorCode) === undefined || f.message.length === 0) return fail(`Rejected without a known code and a message: ${JSON.stringify(f)}`);
    } else if (f.type !== ServerFrame.Heartbeat && !c.login) {
      return fail(`unexpected ${JSON.stringify(f)} on a connection that never logged in`);
    }
  }
  if (m.fatal !== null && !c.endAfter) {
    if (disconnects.length !== 1 || frames[frames.length - 1] !== disconnects[0]) return fail('expected exactly one Disconnect, as the last frame');
    const expectedCode = m.fatal === 'logout' ? DisconnectCode.Logout : DisconnectCode.MalformedFrame;
    if (disconnects[0].code !== expectedCode) return fail(`Disconnect code ${disconnects[0].code}, expected ${expectedCode}`);
    if (disconnects[0].reason.length === 0) return fail('Disconnect without a reason');
    const got = answers().length;
    if (got > m.answerable || got < m.answerable - m.engineBound) return fail(`expected ${m.answerable - m.engineBound}..${m.answerable} answers before the Disconnect, got ${got}`);
  } else if (c.endAfter) {
    // Our side closed: answers still in flight may be lost; what came must be well-formed.
    if (disconnects.some((d) => d.reason.length === 0)) return fail('Disconnect without a reason');
    if (answers().length > m.answerable) return fail(`more answers (${answers().length}) than requests (${m.answerable})`);
  }
  return null;
}

/** Runs one case; returns a failure description, or null. */
async function runFuzzCase(c: FuzzCase, account: Account): Promise<string | null> {
  const rng = new Rng((FUZZ_SEED + Math.imul(c.index + 1, 0x9e37_79b9)) >>> 0); // chunking, reproducible per case
  const connection = c.transport === 'tcp' ? await RawConnection.tcp(port) : await RawConnection.webSocket(port);
  const fail = (why: string): string =>
    `case ${c.index} (${c.transport}, ${c.label}${c.login ? ', logged in' : ''}): ${why}\n  sent ${Buffer.from(c.stream).toString('hex')}` +
    `\n  received ${JSON.stringify(connection.frames)}${connection.closed ? ' then closed' : ''}`;
  try {
    let skip = 0;
    if (c.login) {
      connection.send(loginFrame(account));
      const ok = await connection.until(() => connection.frames.length > 0 || connection.closed, 5_000);
      if (!ok || connection.frames[0]?.type !== ServerFrame.LoginAccepted) return fail('the real login was not accepted');
      skip = 1;
    }
    if (c.text !== undefined && 'sendText' in connection) {
      (connection as RawConnection & { sendText(text: string): void }).sendText(c.text);
    } else {
      // Random chunks, a turn apart, so frames straddle writes.
      let offset = 0;
      while (offset < c.stream.length) {
        const size = rng.chance(0.3) ? c.stream.length - offset : rng.int(1, Math.max(1, Math.min(40, c.stream.length - offset)));
        connection.send(c.stream.subarray(offset, offset + size));
        offset += size;
        if (rng.chance(0.5)) await sleep(rng.int(0, 2));
      }
    }
    if (c.endAfter) connection.end();
    const counted = (m: StreamModel, failure: string | null): string | null => {
      if (failure === null) countOutcome(c.endAfter ? 'closed by the client' : m.fatal === null ? 'stayed open' : `Disconnect (${m.fatal})`);
      return failure;
    };
    if (c.text !== undefined) {
      const m: StreamModel = { ...model(new Uint8Array(0), c.login), fatal: 'malformed' };
      return counted(m, await judge(c, connection, skip, m, fail));
    }
    const asSpecified = model(c.stream, c.login);
    return counted(asSpecified, await judge(c, connection, skip, asSpecified, fail));
  } finally {
    connection.destroy();
  }
}

describe('order entry: malformed frames (seeded fuzz over the real server)', () => {
  it(`each connection gets Rejected frames, or a Disconnect with a reason and a close, or stays open answering a heartbeat (seed ${FUZZ_SEED})`, async () => {
    console.log(`order-entry fuzz: seed ${FUZZ_SEED} (rerun with ORDER_ENTRY_FUZZ_SEED=${FUZZ_SEED})`);
    const account = await fundedAccount('fuzz', '0');
    const rng = new Rng(FUZZ_SEED);
    const cases: FuzzCase[] = [];
    for (let i = 0; i < FUZZ_TCP_CASES + FUZZ_WS_CASES; i++) cases.push(fuzzCase(rng, i, i < FUZZ_TCP_CASES ? 'tcp' : 'ws'));
    // WebSocket only: a text message is not a frame.
    cases.push({ index: cases.length, label: 'text message', transport: 'ws', login: false, stream: new Uint8Array(0), endAfter: false, text: 'hello' });
    cases.push({ index: cases.length, label: 'text message after login', transport: 'ws', login: true, stream: new Uint8Array(0), endAfter: false, text: '{"op":"x"}' });
    const failures: string[] = [];
    const CONCURRENCY = 12;
    let next = 0;
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next < cases.length) {
        const c = cases[next++];
        try {
          const failure = await runFuzzCase(c, account);
          if (failure) failures.push(failure);
        } catch (error) {
          failures.push(`case ${c.index} (${c.label}): ${String(error)}`);
        }
      }
    }));
    const labels = new Map<string, number>();
    for (const c of cases) labels.set(c.label, (labels.get(c.label) ?? 0) + 1);
    console.log(`order-entry fuzz: ${cases.length} cases ${JSON.stringify([...labels])}; outcomes ${JSON.stringify([...fuzzOutcomes])}`);
    assert.deepStrictEqual(failures, [], `seed ${FUZZ_SEED} (rerun with ORDER_ENTRY_FUZZ_SEED=${FUZZ_SEED}); cases: ${JSON.stringify([...labels])}\n${failures.slice(0, 5).join('\n')}`);
  });

  it('afterwards the server is up: /healthz 200, and a fresh client logs in and trades', async () => {
    assert.equal(server.running, true, 'the server process is still running');
    const health = await api.request('GET', '/healthz');
    assert.equal(health.status, 200);
    const s = freshSymbol();
    const seller = await fundedAccount('after-fuzz-seller', '0', [[s.symbol, 10]]);
    const buyer = await fundedAccount('after-fuzz-buyer', '100000.00');
    const sellerSession = await login(seller);
    const buyerSession = await login(buyer, 'ws');
    const ask = await sellerSession.accepted({ symbolId: s.symbolId, side: 'sell', priceCents: s.refCents, quantity: 10 });
    const bid = await buyerSession.accepted({ symbolId: s.symbolId, side: 'buy', priceCents: s.refCents, quantity: 10 });
    assert.equal(bid.status, OrderStatusCode.Filled);
    await sellerSession.waitFor('seller Fill', (m) => m.type === ServerFrame.Fill && m.orderId === ask.orderId);
  });

  it('error code numbers of Rejected frames are API.md names', () => {
    assert.equal(errorCodeName(ERROR_CODE_NUMBERS.UNAUTHENTICATED), 'UNAUTHENTICATED');
  });
});

describe('order entry: idle connections and other protocols on the port', () => {
  let idleServer: ServerProcess;
  let idlePort: number;
  before(async () => {
    idleServer = await ServerProcess.start({ env: { EXCHANGE_ORDER_ENTRY_IDLE_MS: '1000', EXCHANGE_GATEWAY_THREADS: '1' } });
    idlePort = await orderEntryPort(idleServer.client);
  });
  after(async () => {
    await idleServer?.stop();
  });

  const idleDisconnect = async (connection: RawConnection, what: string): Promise<void> => {
    try {
      assert.ok(await connection.until(() => connection.closed, 4_000), `${what}: still open 4 s after a 1 s idle timeout (${JSON.stringify(connection.frames)})`);
      const last = connection.frames[connection.frames.length - 1];
      assert.ok(last?.type === ServerFrame.Disconnect && last.code === DisconnectCode.HeartbeatTimeout && last.reason.length > 0, JSON.stringify(connection.frames));
    } finally {
      connection.destroy();
    }
  };

  it('a connection that stops mid-frame gets Disconnect HeartbeatTimeout and is closed', async () => {
    const tcp = await RawConnection.tcp(idlePort);
    tcp.send(Uint8Array.of(40, 0, ClientFrame.NewOrder, 1, 2));
    const ws = await RawConnection.webSocket(idlePort);
    ws.send(Uint8Array.of(5));
    await Promise.all([idleDisconnect(tcp, 'tcp'), idleDisconnect(ws, 'ws')]);
  });

  it('a session that sends Heartbeats stays open past the idle timeout', async () => {
    const account = await idleServer.client.createAccount('idle-heartbeats');
    const session = await Session.loggedIn(idlePort, account);
    sessions.push(session);
    for (let i = 0; i < 8; i++) {
      session.client.sendHeartbeat();
      await sleep(300);
    }
    assert.equal(session.client.isClosed, false, session.describe());
    await within(5_000, 'idle disconnect once the heartbeats stop', session.closed);
    const last = session.frames[session.frames.length - 1];
    assert.ok(last.type === ServerFrame.Disconnect && last.code === DisconnectCode.HeartbeatTimeout, JSON.stringify(last));
  });

  it('a TCP connection that never sends a byte is timed out too', async () => {
    await idleDisconnect(await RawConnection.tcp(idlePort), 'silent tcp');
  });

  it('HTTP on the order-entry port: 404 naming what it takes off the order routes; a WebSocket upgrade elsewhere than /v1/order-entry and /v1/ws is refused', async () => {
    const plain = await fetch(`http://127.0.0.1:${idlePort}/anything`);
    assert.equal(plain.status, 404);
    const body = await plain.json() as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'NOT_FOUND');
    assert.match(body.error.message, /POST \/v1\/order.*HTTP port/);
    const wrongPath = new WebSocket(`ws://127.0.0.1:${idlePort}/v1/nothing`);
    const error = await within(5_000, 'WebSocket upgrade at a wrong path', new Promise<Error>((resolve) => {
      wrongPath.once('error', resolve);
      wrongPath.once('open', () => resolve(new Error('opened')));
    }));
    wrongPath.terminate();
    assert.match(error.message, /404/);
  });
});
