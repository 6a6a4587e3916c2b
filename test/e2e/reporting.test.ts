// The reporting store (ARCHITECTURE.md section 8) tested black-box: the real server runs as a child process
// with whichever backend the environment selects (PGlite when DATABASE_URL is unset, else a database of its
// own on that PostgreSQL server; see server-process.ts), and every check goes over HTTP.
//
// One server, one seeded random trading session (several accounts; deposits, withdrawals, limit, market
// and IOC orders that trade, cancels, replaces) plus a scripted order that is accepted, partially filled,
// replaced and canceled. Then: reconciliation reports no difference; GET /v1/execution agrees with the
// engine's orders (and pages with before/next); the trade report (JSON and CSV), the statement, the daily
// summary and the audit trails agree with the executions and the wallets; the lag metric is exported; and
// a ledger row altered behind the server's back is found and named by reconciliation.
//
// Reproduce with REPORTING_SEED=<printed seed>.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { Rng } from './crash-helpers.ts';
import { type Account, type Client, DEFAULT_BACKEND, type Json, type Reply, type ServerProcess, startServer } from './server-process.ts';

const SEED = process.env.REPORTING_SEED ? Number(process.env.REPORTING_SEED) : Date.now() % 1_000_000;
console.log(`reporting e2e: backend ${DEFAULT_BACKEND}${DEFAULT_BACKEND === 'postgres' ? ' (DATABASE_URL is set)' : ' (DATABASE_URL is unset)'}; ` +
  `seed ${SEED} (rerun with REPORTING_SEED=${SEED})`);

const TRADERS = 5;
const SESSION_SYMBOLS = ['AAPL', 'MSFT', 'KO'] as const;
/** A book only the scripted audit scenario uses. */
const AUDIT_SYMBOL = 'AMD';
const SESSION_STEPS = 360;
const INITIAL_CASH_CENTS = 50_000_000; // 500000.00
const INITIAL_SHARES = 2_000;

// ---------------------------------------------------------------------------------------------------------
// Arithmetic in integer cents, independent of the server's code

/** A decimal string (at most 2 decimals) as integer cents. */
function cents(text: unknown): number {
  assert.equal(typeof text, 'string', `money should be a decimal string, got ${JSON.stringify(text)}`);
  const match = /^(-?)([0-9]+)(?:\.([0-9]{1,2}))?$/.exec(text as string);
  assert.ok(match, `not a decimal string with at most 2 decimals: ${JSON.stringify(text)}`);
  const value = Number(match[2]) * 100 + Number((match[3] ?? '').padEnd(2, '0'));
  return match[1] === '-' ? -value : value;
}

function money(value: number): string {
  const sign = value < 0 ? '-' : '';
  const abs = Math.abs(value);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** A wallet or statement amount in its unit: cents for USD (a decimal string), shares otherwise (an integer). */
function units(asset: string, value: unknown): number {
  if (asset === 'USD') return cents(value);
  assert.ok(Number.isSafeInteger(value), `a share amount should be an integer, got ${JSON.stringify(value)} (${asset})`);
  return value as number;
}

function groupBy<T, K>(items: Iterable<T>, key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group === undefined) groups.set(k, [item]);
    else group.push(item);
  }
  return groups;
}

const utcDate = (timeMs: number): string => new Date(timeMs).toISOString().slice(0, 10);

function assertStatus(reply: Reply, status: number, what = ''): void {
  assert.equal(reply.status, status, `${what} expected ${status}, got ${reply.status} ${reply.text}`);
}

// ---------------------------------------------------------------------------------------------------------
// What the session did, as the clients saw it

interface Trader {
  index: number;
  account: Account;
  /** Acknowledged deposits and withdrawals, in order. */
  deposits: Array<{ asset: string; amount: number }>;
  withdrawals: Array<{ asset: string; amount: number }>;
  /** Order ids from acknowledged POSTs. */
  orderIds: Set<string>;
}

interface ExecutionJson {
  id: string;
  tradeId: string;
  orderId: string;
  symbol: string;
  side: 'buy' | 'sell';
  price: string;
  orderType: string;
  quantity: number;
  fee: string;
  liquidity: 'maker' | 'taker';
  time: number;
}

const EXECUTION_FIELDS = ['id', 'tradeId', 'orderId', 'symbol', 'side', 'price', 'orderType', 'quantity', 'fee', 'liquidity', 'time'];

let server: ServerProcess;
let client: Client;
const traders: Trader[] = [];
const referenceCents = new Map<string, number>();
const sessionStats = { steps: 0, statuses: {} as Record<number, number>, newOrders: 0, cancels: 0, replaces: 0, deposits: 0, withdrawals: 0 };
/** The scripted order (accepted, partially filled, replaced twice, partially filled again, canceled). */
let auditOrderId = '';
let auditTakerIds: string[] = [];
/** After the session: the engine's orders and the store's executions, per trader. */
const ordersOf = new Map<number, Map<string, Json>>();
const executionsOf = new Map<number, ExecutionJson[]>();
let allExecutions: ExecutionJson[] = [];

function count(reply: Reply): Reply {
  sessionStats.statuses[reply.status] = (sessionStats.statuses[reply.status] ?? 0) + 1;
  assert.ok(reply.status < 500, `no 5xx during the session: ${reply.status} ${reply.text}`);
  return reply;
}

async function deposit(trader: Trader, asset: string, amount: number): Promise<void> {
  const reply = count(await client.admin('POST', `/v1/admin/accounts/${trader.account.accountId}/deposit`, {
    asset, amount: asset === 'USD' ? money(amount) : String(amount),
  }));
  assertStatus(reply, 200, `deposit ${amount} ${asset}`);
  trader.deposits.push({ asset, amount });
}

async function withdraw(trader: Trader, asset: string, amount: number): Promise<void> {
  const reply = count(await client.admin('POST', `/v1/admin/accounts/${trader.account.accountId}/withdraw`, {
    asset, amount: asset === 'USD' ? money(amount) : String(amount),
  }));
  if (reply.status === 200) trader.withdrawals.push({ asset, amount });
  else assert.equal(reply.body?.error?.code, 'INSUFFICIENT_FUNDS', reply.text);
}

async function placeOrder(trader: Trader, body: Record<string, unknown>): Promise<Json | null> {
  sessionStats.newOrders++;
  const reply = count(await client.signed(trader.account, 'POST', '/v1/order', body));
  if (reply.status === 201) {
    trader.orderIds.add(reply.body.id);
    return reply.body;
  }
  assert.equal(reply.status, 422, `POST /v1/order ${JSON.stringify(body)}: ${reply.status} ${reply.text}`);
  return null;
}

/** A random walk of SESSION_STEPS requests, one at a time (so the same seed gives the same session). */
async function randomSession(rng: Rng): Promise<void> {
  const open: Array<{ trader: Trader; id: string; symbol: string; filled: number }> = [];
  const priceNear = (symbol: string): string => money(referenceCents.get(symbol)! + rng.int(-8, 8) * 5);
  for (let step = 0; step < SESSION_STEPS; step++) {
    sessionStats.steps++;
    const trader = rng.pick(traders);
    const roll = rng.next();
    if (roll < 0.56) {
      const symbol = rng.pick(SESSION_SYMBOLS);
      const side = rng.next() < 0.5 ? 'buy' : 'sell';
      const kind = rng.next();
      const body = kind < 0.1
        ? { symbol, side, orderType: 'market', quantity: rng.int(1, 25) }
        : { symbol, side, orderType: 'limit', price: priceNear(symbol), quantity: rng.int(1, 40), timeInForce: kind < 0.25 ? 'IOC' : 'GTC' };
      const order = await placeOrder(trader, body);
      if (order !== null && (order.status === 'new' || order.status === 'partially_filled')) {
        open.push({ trader, id: order.id, symbol, filled: order.filledQuantity });
      }
    } else if (roll < 0.84 && open.length > 0) {
      const index = rng.int(0, open.length - 1);
      const order = open[index];
      if (roll < 0.7) {
        sessionStats.cancels++;
        const reply = count(await client.signed(order.trader.account, 'DELETE', `/v1/order/${order.id}`));
        assert.ok(reply.status === 200 || reply.status === 409, `DELETE: ${reply.status} ${reply.text}`);
        open.splice(index, 1);
      } else {
        sessionStats.replaces++;
        const current = await client.signed(order.trader.account, 'GET', `/v1/order/${order.id}`);
        assertStatus(current, 200);
        const what = rng.next();
        const body: { quantity?: number; price?: string } = {};
        if (what < 0.7) body.quantity = current.body.filledQuantity + rng.int(1, 40);
        if (what >= 0.4) body.price = priceNear(order.symbol);
        const reply = count(await client.signed(order.trader.account, 'PUT', `/v1/order/${order.id}`, body));
        assert.ok(reply.status === 200 || reply.status === 409 || reply.status === 422, `PUT ${JSON.stringify(body)}: ${reply.status} ${reply.text}`);
        if (reply.status !== 200 || (reply.body.status !== 'new' && reply.body.status !== 'partially_filled')) open.splice(index, 1);
      }
    } else if (roll < 0.92) {
      sessionStats.deposits++;
      const asset = rng.next() < 0.5 ? 'USD' : rng.pick(SESSION_SYMBOLS);
      await deposit(trader, asset, asset === 'USD' ? rng.int(1, 500_000) : rng.int(1, 100));
    } else {
      sessionStats.withdrawals++;
      const asset = rng.next() < 0.5 ? 'USD' : rng.pick(SESSION_SYMBOLS);
      await withdraw(trader, asset, asset === 'USD' ? rng.int(1, 300_000) : rng.int(1, 60));
    }
  }
}

/**
 * An order with every kind of audit event: accepted (buy 10), partially filled (4, as maker), replaced
 * to 8 at the same price (keeps priority), replaced to a new price (loses it), filled 1 more, canceled.
 */
async function auditScenario(): Promise<void> {
  const [maker, taker] = [traders[0], traders[1]];
  const price = referenceCents.get(AUDIT_SYMBOL)!;
  const order = await placeOrder(maker, { symbol: AUDIT_SYMBOL, side: 'buy', orderType: 'limit', price: money(price), quantity: 10 });
  assert.ok(order);
  auditOrderId = order.id;
  const first = await placeOrder(taker, { symbol: AUDIT_SYMBOL, side: 'sell', orderType: 'limit', price: money(price), quantity: 4, timeInForce: 'IOC' });
  assert.equal(first?.filledQuantity, 4, JSON.stringify(first));
  let reply = await client.signed(maker.account, 'PUT', `/v1/order/${auditOrderId}`, { quantity: 8 });
  assertStatus(reply, 200, 'replace quantity');
  reply = await client.signed(maker.account, 'PUT', `/v1/order/${auditOrderId}`, { price: money(price + 1) });
  assertStatus(reply, 200, 'replace price');
  const second = await placeOrder(taker, { symbol: AUDIT_SYMBOL, side: 'sell', orderType: 'market', quantity: 1 });
  assert.equal(second?.filledQuantity, 1, JSON.stringify(second));
  reply = await client.signed(maker.account, 'DELETE', `/v1/order/${auditOrderId}`);
  assertStatus(reply, 200, 'cancel');
  auditTakerIds = [first!.id, second!.id];
}

/** Every execution of the account via GET /v1/execution, following `next` into `before`. */
async function pagedExecutions(account: Account, pageSize: number, filter = ''): Promise<{ executions: ExecutionJson[]; pages: number }> {
  const executions: ExecutionJson[] = [];
  let before: string | null = null;
  let pages = 0;
  for (;;) {
    const path: string = `/v1/execution?limit=${pageSize}${filter}${before === null ? '' : `&before=${before}`}`;
    const reply = await client.signed(account, 'GET', path);
    assertStatus(reply, 200, `GET ${path}`);
    pages++;
    const page = reply.body.executions as ExecutionJson[];
    assert.ok(Array.isArray(page), reply.text);
    assert.ok(page.length <= pageSize, `GET ${path}: ${page.length} executions on a page of ${pageSize}`);
    executions.push(...page);
    const next: unknown = reply.body.next;
    assert.ok(next === null || typeof next === 'string', `next should be a string or null: ${JSON.stringify(next)}`);
    if (page.length < pageSize) assert.equal(next, null, `GET ${path}: a short page (${page.length} < ${pageSize}) must end the listing`);
    if (next === null) break;
    assert.ok(page.length > 0, `GET ${path}: an empty page with a next cursor ${String(next)}`);
    before = next as string;
    assert.ok(pages < 10_000, 'pagination does not end');
  }
  return { executions, pages };
}

/** (time desc, id desc): the order of GET /v1/execution. */
function newestFirst(a: ExecutionJson, b: ExecutionJson): number {
  return b.time - a.time || Number(b.id) - Number(a.id);
}

const ids = (list: ExecutionJson[]): string[] => list.map((e) => e.id);

/** The engine's wallet of a trader: available + held, per asset, in units. */
async function walletTotals(trader: Trader): Promise<Map<string, number>> {
  const reply = await client.signed(trader.account, 'GET', '/v1/wallet');
  assertStatus(reply, 200, 'GET /v1/wallet');
  const totals = new Map<string, number>();
  for (const line of reply.body.balances as Array<{ asset: string; available: unknown; held: unknown }>) {
    totals.set(line.asset, units(line.asset, line.available) + units(line.asset, line.held));
  }
  return totals;
}

async function reconcile(): Promise<Json> {
  const reply = await client.admin('GET', '/v1/admin/reconcile');
  assertStatus(reply, 200, 'GET /v1/admin/reconcile');
  return reply.body;
}

// ---------------------------------------------------------------------------------------------------------

describe(`reporting store, end to end (${DEFAULT_BACKEND})`, () => {
  before(async () => {
    const started = Date.now();
    server = await startServer();
    client = server.client;
    console.log(`reporting e2e: server ${server.pid} on ${server.url}, reporting backend ${server.backend}` +
      `${server.databaseUrl ? ` (${new URL(server.databaseUrl).pathname.slice(1)})` : ` (${server.dataDir}/reporting)`}`);
    const symbols = await client.publicGet('/v1/symbols');
    assertStatus(symbols, 200);
    for (const s of symbols.body.symbols as Array<{ symbol: string; referencePrice: string }>) referenceCents.set(s.symbol, cents(s.referencePrice));
    for (let i = 0; i < TRADERS; i++) {
      const account = await client.createAccount(`reporting-${SEED}-${i}`);
      traders.push({ index: i, account, deposits: [], withdrawals: [], orderIds: new Set() });
    }
    for (const trader of traders) {
      await deposit(trader, 'USD', INITIAL_CASH_CENTS);
      for (const symbol of [...SESSION_SYMBOLS, AUDIT_SYMBOL]) await deposit(trader, symbol, INITIAL_SHARES);
    }
    await auditScenario();
    await randomSession(new Rng(SEED));

    for (const trader of traders) {
      const orders = await client.signed(trader.account, 'GET', '/v1/orders?limit=1000');
      assertStatus(orders, 200);
      ordersOf.set(trader.index, new Map((orders.body.orders as Json[]).map((o) => [o.id as string, o])));
      executionsOf.set(trader.index, (await pagedExecutions(trader.account, 1000)).executions);
    }
    allExecutions = [...executionsOf.values()].flat();
    console.log(`reporting e2e: session of ${sessionStats.steps} steps in ${Date.now() - started} ms: ${sessionStats.newOrders} orders, ` +
      `${sessionStats.cancels} cancels, ${sessionStats.replaces} replaces, ${sessionStats.deposits} deposits, ${sessionStats.withdrawals} withdrawals; ` +
      `statuses ${JSON.stringify(sessionStats.statuses)}; ${allExecutions.length} executions`);
    assert.ok(allExecutions.length >= 40, `the session should trade (only ${allExecutions.length} executions)`);
  });

  after(async () => {
    await server?.stop();
  });

  it('reconciliation: the ledger equals the engine wallets, zero differences', async () => {
    const result = await reconcile();
    assert.equal(result.backend, server.backend);
    assert.ok(Number.isSafeInteger(result.sequence) && result.sequence > 0, JSON.stringify(result));
    assert.deepEqual(result.differences, []);
  });

  it('GET /v1/execution: each order\'s executions add up to its filledQuantity; every trade has a buyer and a seller', async () => {
    const problems: string[] = [];
    for (const trader of traders) {
      const orders = ordersOf.get(trader.index)!;
      for (const id of trader.orderIds) if (!orders.has(id)) problems.push(`order ${id} of trader ${trader.index} missing from GET /v1/orders`);
      const filledByOrder = new Map<string, number>();
      const notionalByOrder = new Map<string, number>();
      for (const e of executionsOf.get(trader.index)!) {
        assert.deepEqual(Object.keys(e).sort(), [...EXECUTION_FIELDS].sort(), `execution fields: ${JSON.stringify(e)}`);
        if (!orders.has(e.orderId)) problems.push(`execution ${e.id} of trader ${trader.index} is for order ${e.orderId}, not one of the account's`);
        filledByOrder.set(e.orderId, (filledByOrder.get(e.orderId) ?? 0) + e.quantity);
        notionalByOrder.set(e.orderId, (notionalByOrder.get(e.orderId) ?? 0) + cents(e.price) * e.quantity);
      }
      for (const order of orders.values()) {
        const executed = filledByOrder.get(order.id) ?? 0;
        if (executed !== order.filledQuantity) problems.push(`order ${order.id}: filledQuantity ${order.filledQuantity}, executions add up to ${executed}`);
        if (executed > 0) {
          const average = notionalByOrder.get(order.id)! / executed;
          if (Math.abs(Number(order.averagePrice) * 100 - average) > 0.01) problems.push(`order ${order.id}: averagePrice ${order.averagePrice}, executions say ${average / 100}`);
        }
      }
    }
    const seen = new Set<string>();
    for (const e of allExecutions) {
      if (seen.has(e.id)) problems.push(`execution ${e.id} listed twice`);
      seen.add(e.id);
    }
    const byTrade = groupBy(allExecutions, (e) => e.tradeId);
    for (const [tradeId, list] of byTrade) {
      const ok = list.length === 2 && list[0].side !== list[1].side && list[0].liquidity !== list[1].liquidity &&
        list[0].quantity === list[1].quantity && list[0].price === list[1].price && list[0].symbol === list[1].symbol;
      if (!ok) problems.push(`trade ${tradeId} does not pair up: ${JSON.stringify(list)}`);
    }
    assert.equal(allExecutions.length, 2 * byTrade.size, 'two executions per trade');
    assert.deepEqual(problems.slice(0, 20), [], `${problems.length} problem(s)`);
  });

  it('GET /v1/execution pagination: before = previous next lists every execution exactly once, newest first', async () => {
    for (const trader of traders) {
      const all = executionsOf.get(trader.index)!;
      assert.deepEqual(ids(all), ids([...all].sort(newestFirst)), 'newest first (time, then id, descending)');
      for (const pageSize of [1, 7, 50]) {
        if (pageSize === 1 && all.length > 60) continue;
        const { executions, pages } = await pagedExecutions(trader.account, pageSize);
        assert.deepEqual(ids(executions), ids(all), `trader ${trader.index}, pages of ${pageSize}`);
        assert.ok(pages >= Math.ceil(all.length / pageSize), `${pages} pages for ${all.length} executions of ${pageSize}`);
      }
      // Pagination within a filter.
      const symbol = SESSION_SYMBOLS[trader.index % SESSION_SYMBOLS.length];
      const filtered = await pagedExecutions(trader.account, 3, `&symbol=${symbol}`);
      assert.deepEqual(ids(filtered.executions), ids(all.filter((e) => e.symbol === symbol)), `pages of 3 for ${symbol}`);
    }
  });

  it('GET /v1/execution filters: symbol, orderId, startTime and endTime (inclusive)', async () => {
    const trader = [...traders].sort((a, b) => executionsOf.get(b.index)!.length - executionsOf.get(a.index)!.length)[0];
    const all = executionsOf.get(trader.index)!;
    const get = async (query: string): Promise<ExecutionJson[]> => {
      const reply = await client.signed(trader.account, 'GET', `/v1/execution?limit=1000${query}`);
      assertStatus(reply, 200, query);
      return reply.body.executions;
    };
    for (const symbol of [...SESSION_SYMBOLS, AUDIT_SYMBOL]) {
      assert.deepEqual(ids(await get(`&symbol=${symbol}`)), ids(all.filter((e) => e.symbol === symbol)), `symbol=${symbol}`);
    }
    const orderIds = [...new Set(all.map((e) => e.orderId))].slice(0, 10);
    for (const orderId of orderIds) {
      assert.deepEqual(ids(await get(`&orderId=${orderId}`)), ids(all.filter((e) => e.orderId === orderId)), `orderId=${orderId}`);
    }
    const times = [...new Set(all.map((e) => e.time))].sort((a, b) => a - b);
    const start = times[Math.floor(times.length / 4)];
    const end = times[Math.floor((3 * times.length) / 4)];
    assert.deepEqual(ids(await get(`&startTime=${start}&endTime=${end}`)), ids(all.filter((e) => e.time >= start && e.time <= end)),
      `startTime=${start}&endTime=${end}`);
    assert.deepEqual(ids(await get(`&startTime=${end}`)), ids(all.filter((e) => e.time >= end)), `startTime=${end}`);
    assert.deepEqual(ids(await get(`&endTime=${start}`)), ids(all.filter((e) => e.time <= start)), `endTime=${start}`);
    const someSymbol = all[0].symbol;
    assert.deepEqual(ids(await get(`&symbol=${someSymbol}&startTime=${start}`)), ids(all.filter((e) => e.symbol === someSymbol && e.time >= start)),
      'symbol and startTime together');
    // Another account's order: nothing.
    const other = traders.find((t) => t !== trader && executionsOf.get(t.index)!.length > 0)!;
    const foreignOrder = executionsOf.get(other.index)![0].orderId;
    if (!all.some((e) => e.orderId === foreignOrder)) assert.deepEqual(await get(`&orderId=${foreignOrder}`), []);
  });

  it('wallets: deposits - withdrawals + what the executions moved', async () => {
    for (const trader of traders) {
      const expected = new Map<string, number>();
      const add = (asset: string, amount: number): void => void expected.set(asset, (expected.get(asset) ?? 0) + amount);
      for (const d of trader.deposits) add(d.asset, d.amount);
      for (const w of trader.withdrawals) add(w.asset, -w.amount);
      for (const e of executionsOf.get(trader.index)!) {
        const notional = cents(e.price) * e.quantity;
        add('USD', e.side === 'buy' ? -(notional + cents(e.fee)) : notional - cents(e.fee));
        add(e.symbol, e.side === 'buy' ? e.quantity : -e.quantity);
      }
      const wallet = await walletTotals(trader);
      for (const [asset, amount] of expected) assert.equal(wallet.get(asset) ?? 0, amount, `trader ${trader.index} ${asset}`);
    }
  });

  it('GET /v1/reports/trades: JSON equals the executions (oldest first); CSV has a header and one line per execution', async () => {
    for (const trader of traders) {
      const all = [...executionsOf.get(trader.index)!].reverse();
      const json = await client.signed(trader.account, 'GET', '/v1/reports/trades?format=json');
      assertStatus(json, 200);
      assert.deepEqual(json.body.trades, all, `trader ${trader.index}: the JSON report is the executions, oldest first`);
      const defaultFormat = await client.signed(trader.account, 'GET', '/v1/reports/trades');
      assertStatus(defaultFormat, 200);
      assert.deepEqual(defaultFormat.body.trades, all, 'format defaults to json');

      const csv = await client.signed(trader.account, 'GET', '/v1/reports/trades?format=csv');
      assertStatus(csv, 200);
      assert.match(csv.headers.get('content-type') ?? '', /^text\/csv/);
      const lines = csv.text.split(/\r?\n/).filter((line) => line !== '');
      assert.equal(lines.length, all.length + 1, `trader ${trader.index}: header + ${all.length} lines`);
      const header = lines[0].split(',');
      for (const field of EXECUTION_FIELDS) assert.ok(header.includes(field), `CSV header ${lines[0]} lacks ${field}`);
      lines.slice(1).forEach((line, i) => {
        const cells = line.split(',');
        assert.equal(cells.length, header.length, `CSV line ${line}`);
        for (const field of EXECUTION_FIELDS) {
          assert.equal(cells[header.indexOf(field)], String(all[i][field as keyof ExecutionJson]), `CSV line ${i + 1}, ${field}`);
        }
      });
    }
    // A time window: [startTime, endTime) with endTime where no execution falls, so inclusive or not agree.
    const trader = traders[0];
    const all = [...executionsOf.get(trader.index)!].reverse();
    if (all.length >= 4) {
      const start = all[Math.floor(all.length / 3)].time;
      const end = all[Math.floor((2 * all.length) / 3)].time + 1;
      if (!all.some((e) => e.time === end)) {
        const reply = await client.signed(trader.account, 'GET', `/v1/reports/trades?startTime=${start}&endTime=${end}&format=json`);
        assertStatus(reply, 200);
        assert.deepEqual(ids(reply.body.trades), ids(all.filter((e) => e.time >= start && e.time < end)), `startTime=${start}&endTime=${end}`);
      }
    }
  });

  it('GET /v1/reports/statement: opening + movements = closing per asset; closing = wallet; fees = execution fees', async () => {
    const dates = [...new Set([utcDate(Date.now()), ...allExecutions.map((e) => utcDate(e.time))])].sort();
    for (const trader of traders) {
      const executions = executionsOf.get(trader.index)!;
      const wallet = await walletTotals(trader);
      let previousClosing: Map<string, number> | null = null;
      let totalFees = 0;
      const listedDeposits: Array<{ asset: string; amount: number }> = [];
      const listedWithdrawals: Array<{ asset: string; amount: number }> = [];
      for (const date of dates) {
        const reply = await client.signed(trader.account, 'GET', `/v1/reports/statement?date=${date}`);
        assertStatus(reply, 200, `statement ${date}`);
        const s = reply.body;
        const where = `trader ${trader.index}, ${date}`;
        assert.equal(s.accountId, trader.account.accountId);
        assert.equal(s.date, date);
        assert.equal(s.check, 'opening + movements = closing', `${where}: ${reply.text}`);
        const dayExecutions = executions.filter((e) => utcDate(e.time) === date);
        assert.deepEqual(ids(s.trades), ids([...dayExecutions].reverse()), `${where}: the statement's trades`);
        const dayFees = dayExecutions.reduce((sum, e) => sum + cents(e.fee), 0);
        assert.equal(cents(s.fees), dayFees, `${where}: fees = the executions' fees`);
        totalFees += dayFees;
        const closing = new Map<string, number>();
        for (const line of s.balances as Json[]) {
          const asset = line.asset as string;
          const u = (field: string): number => units(asset, line[field]);
          const movements = asset === 'USD'
            ? u('deposits') + u('withdrawals') + u('tradeCash') + u('fees')
            : u('deposits') + u('withdrawals') + u('bought') + u('sold');
          assert.equal(u('opening') + movements, u('closing'), `${where} ${asset}: opening + movements = closing: ${JSON.stringify(line)}`);
          assert.equal(line.balanced, true, `${where} ${asset}`);
          assert.equal(u('opening'), previousClosing?.get(asset) ?? 0, `${where} ${asset}: opening = the previous closing (0 before the session)`);
          const mine = dayExecutions.filter((e) => e.symbol === asset);
          if (asset === 'USD') {
            const tradeCash = dayExecutions.reduce((sum, e) => sum + (e.side === 'sell' ? 1 : -1) * cents(e.price) * e.quantity, 0);
            assert.equal(u('tradeCash'), tradeCash, `${where}: tradeCash = sold - bought notional`);
            assert.equal(Math.abs(u('fees')), dayFees, `${where}: cash line fees`);
          } else {
            assert.equal(Math.abs(u('bought')), mine.filter((e) => e.side === 'buy').reduce((sum, e) => sum + e.quantity, 0), `${where} ${asset} bought`);
            assert.equal(Math.abs(u('sold')), mine.filter((e) => e.side === 'sell').reduce((sum, e) => sum + e.quantity, 0), `${where} ${asset} sold`);
          }
          closing.set(asset, u('closing'));
        }
        for (const d of s.deposits as Json[]) listedDeposits.push({ asset: d.asset, amount: units(d.asset, d.amount) });
        for (const w of s.withdrawals as Json[]) listedWithdrawals.push({ asset: w.asset, amount: Math.abs(units(w.asset, w.amount)) });
        for (const line of s.balances as Json[]) {
          const asset = line.asset as string;
          const depositsListed = (s.deposits as Json[]).filter((d) => d.asset === asset).reduce((sum: number, d: Json) => sum + units(asset, d.amount), 0);
          const withdrawalsListed = (s.withdrawals as Json[]).filter((w) => w.asset === asset).reduce((sum: number, w: Json) => sum + Math.abs(units(asset, w.amount)), 0);
          assert.equal(units(asset, line.deposits), depositsListed, `${where} ${asset}: deposits line = the listed deposits`);
          assert.equal(Math.abs(units(asset, line.withdrawals)), withdrawalsListed, `${where} ${asset}: withdrawals line = the listed withdrawals`);
        }
        previousClosing = closing;
      }
      // The last day closes at the wallet, asset by asset (an asset the statement leaves out is 0).
      for (const asset of new Set([...wallet.keys(), ...previousClosing!.keys()])) {
        assert.equal(previousClosing!.get(asset) ?? 0, wallet.get(asset) ?? 0, `trader ${trader.index} ${asset}: closing = wallet (available + held)`);
      }
      assert.equal(totalFees, executions.reduce((sum, e) => sum + cents(e.fee), 0));
      assert.deepEqual(listedDeposits, trader.deposits, `trader ${trader.index}: the statement's deposits are the acknowledged ones, in order`);
      assert.deepEqual(listedWithdrawals, trader.withdrawals, `trader ${trader.index}: the statement's withdrawals are the acknowledged ones, in order`);

      // Days without activity: before the session everything is 0; after it, opening = closing = the wallet.
      const dayMs = 86_400_000;
      for (const [date, expected] of [[utcDate(Date.parse(dates[0]) - dayMs), new Map<string, number>()], [utcDate(Date.parse(dates[dates.length - 1]) + dayMs), wallet]] as const) {
        const reply = await client.signed(trader.account, 'GET', `/v1/reports/statement?date=${date}`);
        assertStatus(reply, 200, `statement ${date}`);
        assert.deepEqual(reply.body.trades, [], `${date}: no trades`);
        assert.deepEqual([reply.body.deposits, reply.body.withdrawals], [[], []], `${date}: no deposits or withdrawals`);
        assert.equal(cents(reply.body.fees), 0);
        assert.equal(reply.body.check, 'opening + movements = closing');
        for (const line of reply.body.balances as Json[]) {
          const where = `trader ${trader.index}, quiet day ${date}, ${line.asset}`;
          assert.equal(units(line.asset, line.opening), expected.get(line.asset) ?? 0, `${where}: opening`);
          assert.equal(units(line.asset, line.closing), expected.get(line.asset) ?? 0, `${where}: closing`);
        }
        for (const [asset, amount] of expected) {
          if (amount !== 0) assert.ok((reply.body.balances as Json[]).some((line) => line.asset === asset), `${date}: a line for ${asset} (${amount})`);
        }
      }
    }
    const invalid = await client.signed(traders[0].account, 'GET', '/v1/reports/statement?date=2026-13-01');
    assert.equal(invalid.status, 400, invalid.text);
    assert.equal(invalid.body?.error?.code, 'INVALID_ARGUMENT');
  });

  it('GET /v1/admin/reports/daily: per symbol OHLC, volume, VWAP and trades from the taker executions', async () => {
    const takers = allExecutions.filter((e) => e.liquidity === 'taker');
    assert.equal(takers.length, allExecutions.length / 2, 'one taker execution per trade');
    for (const date of [...new Set(takers.map((e) => utcDate(e.time)))].sort()) {
      const reply = await client.admin('GET', `/v1/admin/reports/daily?date=${date}`);
      assertStatus(reply, 200, `daily ${date}`);
      assert.equal(reply.body.date, date);
      const bySymbol = groupBy(takers.filter((e) => utcDate(e.time) === date), (e) => e.symbol);
      const rows = reply.body.symbols as Json[];
      assert.deepEqual(rows.map((r) => r.symbol).sort(), [...bySymbol.keys()].sort(), `${date}: the symbols that traded`);
      for (const row of rows) {
        const list = bySymbol.get(row.symbol)!.sort((a, b) => Number(a.id) - Number(b.id));
        const prices = list.map((e) => cents(e.price));
        const volume = list.reduce((sum, e) => sum + e.quantity, 0);
        const notional = list.reduce((sum, e) => sum + cents(e.price) * e.quantity, 0);
        const where = `${date} ${row.symbol}`;
        assert.equal(cents(row.open), prices[0], `${where} open`);
        assert.equal(cents(row.high), Math.max(...prices), `${where} high`);
        assert.equal(cents(row.low), Math.min(...prices), `${where} low`);
        assert.equal(cents(row.close), prices[prices.length - 1], `${where} close`);
        assert.equal(row.volume, volume, `${where} volume`);
        assert.equal(row.trades, list.length, `${where} trades`);
        const vwap = cents(row.vwap);
        assert.ok(Math.abs(vwap * volume - notional) * 2 <= volume, `${where}: vwap ${row.vwap} should be ${notional / volume / 100} to the cent`);
        // The market data's daily candle (built from the same trades, in memory) agrees.
        const dayStart = Date.parse(`${date}T00:00:00Z`);
        const candles = await client.publicGet(`/v1/marketdata/candles?symbol=${row.symbol}&resolution=1d&startTime=${dayStart}&endTime=${dayStart + 86_399_999}`);
        assertStatus(candles, 200);
        assert.equal(candles.body.candles.length, 1, `${where}: one 1d candle: ${candles.text}`);
        const candle = candles.body.candles[0];
        assert.deepEqual([candle.open, candle.high, candle.low, candle.close, candle.volume], [row.open, row.high, row.low, row.close, row.volume],
          `${where}: the 1d candle of the market data and the daily summary agree`);
      }
    }
    const quiet = await client.admin('GET', '/v1/admin/reports/daily?date=2001-01-01');
    assertStatus(quiet, 200);
    assert.deepEqual(quiet.body.symbols, [], 'a day without trades');
    const bad = await client.admin('GET', '/v1/admin/reports/daily?date=2026-02-30');
    assert.equal(bad.status, 400, bad.text);
    assert.equal(bad.body?.error?.code, 'INVALID_ARGUMENT');
  });

  it('GET /v1/admin/orders/{id}/audit: accepted, partially filled, replaced, canceled, in sequence', async () => {
    const reply = await client.admin('GET', `/v1/admin/orders/${auditOrderId}/audit`);
    assertStatus(reply, 200);
    assert.equal(reply.body.orderId, auditOrderId);
    const events = reply.body.events as Json[];
    assert.deepEqual(events.map((e) => e.kind), ['accepted', 'execution', 'replaced', 'replaced', 'execution', 'canceled'], reply.text);
    for (let i = 1; i < events.length; i++) {
      assert.ok(events[i].sequence > events[i - 1].sequence, `event sequences strictly increase: ${reply.text}`);
      assert.ok(events[i].commandSequence > events[i - 1].commandSequence, 'one command per event here');
      assert.ok(events[i].time >= events[i - 1].time);
    }
    const price = money(referenceCents.get(AUDIT_SYMBOL)!);
    const newPrice = money(referenceCents.get(AUDIT_SYMBOL)! + 1);
    const [accepted, fill1, replaced1, replaced2, fill2, canceled] = events;
    assert.equal(accepted.side, 'buy');
    assert.equal(accepted.orderType, 'limit');
    assert.equal(accepted.price, price);
    assert.equal(accepted.quantity, 10);
    assert.deepEqual([fill1.quantity, fill1.remainingQuantity, fill1.price, fill1.isMaker], [4, 6, price, true]);
    assert.deepEqual([replaced1.quantity, replaced1.remainingQuantity, replaced1.price, replaced1.keptPriority], [8, 4, price, true]);
    assert.deepEqual([replaced2.quantity, replaced2.remainingQuantity, replaced2.price, replaced2.keptPriority], [8, 4, newPrice, false]);
    assert.deepEqual([fill2.quantity, fill2.remainingQuantity, fill2.price, fill2.isMaker], [1, 3, newPrice, true]);
    assert.deepEqual([canceled.canceledQuantity, canceled.reason], [3, 'user']);
    const executions = executionsOf.get(traders[0].index)!.filter((e) => e.orderId === auditOrderId).reverse();
    assert.deepEqual([fill1.tradeId, fill2.tradeId], executions.map((e) => e.tradeId));
    assert.deepEqual([cents(fill1.fee), cents(fill2.fee)], executions.map((e) => cents(e.fee)));
    // The taker orders: accepted, then one execution each (an IOC that filled whole, a market order).
    for (const id of auditTakerIds) {
      const taker = await client.admin('GET', `/v1/admin/orders/${id}/audit`);
      assertStatus(taker, 200);
      assert.deepEqual((taker.body.events as Json[]).map((e) => [e.kind, e.isMaker]), [['accepted', undefined], ['execution', false]], taker.text);
    }
  });

  it('the audit trail of every order of the session agrees with the order and its executions', async () => {
    const problems: string[] = [];
    const check = async (trader: Trader, order: Json): Promise<void> => {
      const reply = await client.admin('GET', `/v1/admin/orders/${order.id}/audit`);
      if (reply.status !== 200) return void problems.push(`order ${order.id}: audit ${reply.status} ${reply.text}`);
      const events = reply.body.events as Json[];
      const where = `order ${order.id} (${order.status}, filled ${order.filledQuantity}/${order.quantity})`;
      if (events[0]?.kind !== 'accepted') problems.push(`${where}: first event ${JSON.stringify(events[0])}, not accepted`);
      for (let i = 1; i < events.length; i++) {
        if (!(events[i].sequence > events[i - 1].sequence)) problems.push(`${where}: sequences not increasing: ${reply.text}`);
      }
      const fills = events.filter((e) => e.kind === 'execution');
      const filled = fills.reduce((sum, e) => sum + e.quantity, 0);
      if (filled !== order.filledQuantity) problems.push(`${where}: audit executions add up to ${filled}`);
      const tradeIds = executionsOf.get(trader.index)!.filter((e) => e.orderId === order.id).map((e) => e.tradeId).sort();
      if (JSON.stringify(fills.map((e) => e.tradeId).sort()) !== JSON.stringify(tradeIds)) {
        problems.push(`${where}: audit trade ids ${fills.map((e) => e.tradeId)} vs executions ${tradeIds}`);
      }
      const cancels = events.filter((e) => e.kind === 'canceled');
      if (order.status === 'canceled') {
        if (cancels.length !== 1 || events[events.length - 1].kind !== 'canceled') problems.push(`${where}: should end with one cancel: ${reply.text}`);
        else if (cancels[0].canceledQuantity !== order.quantity - order.filledQuantity) problems.push(`${where}: canceled ${cancels[0].canceledQuantity}`);
      } else if (cancels.length > 0) {
        problems.push(`${where}: canceled events on an order that is ${order.status}`);
      }
      const lastQuantity = [...events].reverse().find((e) => e.kind === 'replaced' || e.kind === 'accepted')?.quantity;
      if (lastQuantity !== order.quantity) problems.push(`${where}: quantity ${lastQuantity} in the audit`);
      const lastPrice = [...events].reverse().find((e) => e.kind === 'replaced' || e.kind === 'accepted')?.price;
      if (lastPrice !== order.price) problems.push(`${where}: price ${lastPrice} in the audit, ${order.price} on the order`);
    };
    const jobs = traders.flatMap((trader) => [...ordersOf.get(trader.index)!.values()].map((order) => () => check(trader, order)));
    let next = 0;
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (next < jobs.length) await jobs[next++]();
    }));
    assert.deepEqual(problems.slice(0, 20), [], `${problems.length} problem(s) in ${jobs.length} audit trails`);
  });

  it('GET /v1/admin/orders/{id}/audit: an unknown order is a 404', async () => {
    const reply = await client.admin('GET', '/v1/admin/orders/987654321098/audit');
    assert.equal(reply.status, 404, reply.text);
    assert.equal(reply.body?.error?.code, 'NOT_FOUND');
    const unauthenticated = await client.request('GET', `/v1/admin/orders/${auditOrderId}/audit`);
    assert.equal(unauthenticated.status, 401, unauthenticated.text);
  });

  it('GET /metrics exports exchange_reporting_lag_commands (0 once caught up)', async () => {
    await reconcile(); // waits for the store to catch up
    const reply = await client.request('GET', '/metrics');
    assertStatus(reply, 200);
    const match = /^exchange_reporting_lag_commands(?:\{[^}]*\})? (\S+)$/m.exec(reply.text);
    assert.ok(match, 'exchange_reporting_lag_commands missing from /metrics');
    assert.equal(Number(match[1]), 0, `lag once caught up: ${match[0]}`);
    assert.match(reply.text, /^# TYPE exchange_reporting_lag_commands gauge$/m);
  });

  it('reconciliation finds a ledger row altered behind the server\'s back and names its account and asset', async () => {
    const shareTrader = traders.find((t) => executionsOf.get(t.index)!.length > 0)!;
    const cashTrader = traders.find((t) => t !== shareTrader)!;
    const shareAsset = executionsOf.get(shareTrader.index)![0].symbol;
    const assetId = [...referenceCents.keys()].indexOf(shareAsset) + 1; // symbols are listed in symbolId order; asset 0 is cash
    const shareWallet = (await walletTotals(shareTrader)).get(shareAsset)!;
    const cashWallet = (await walletTotals(cashTrader)).get('USD')!;
    const SHARE_DELTA = 7;
    const CASH_DELTA = -123;
    /** The two alterations (or their undoing, with sign -1), on the server's database. */
    const alter = async (query: (sql: string, params: unknown[]) => Promise<Array<Record<string, unknown>>>, sign: 1 | -1): Promise<void> => {
      const share = await query(`SELECT event_sequence::text AS s, leg FROM ledger_entries WHERE account_id = $1 AND asset = $2 AND kind = 'trade'
        ORDER BY event_sequence, leg LIMIT 1`, [Number(shareTrader.account.accountId), assetId]);
      assert.equal(share.length, 1, `a trade ledger entry of account ${shareTrader.account.accountId} in ${shareAsset} (asset ${assetId})`);
      await query('UPDATE ledger_entries SET amount = amount + $3 WHERE event_sequence = $1 AND leg = $2', [share[0].s, share[0].leg, sign * SHARE_DELTA]);
      const cash = await query(`SELECT event_sequence::text AS s, leg FROM ledger_entries WHERE account_id = $1 AND asset = 0 AND kind = 'deposit'
        ORDER BY event_sequence, leg LIMIT 1`, [Number(cashTrader.account.accountId)]);
      assert.equal(cash.length, 1, `a deposit ledger entry of account ${cashTrader.account.accountId}`);
      await query('UPDATE ledger_entries SET amount = amount + $3 WHERE event_sequence = $1 AND leg = $2', [cash[0].s, cash[0].leg, sign * CASH_DELTA]);
    };
    /** Runs `alter` on the database: straight on PostgreSQL; on PGlite with the server stopped, then restarted. */
    const onDatabase = async (sign: 1 | -1): Promise<void> => {
      if (server.databaseUrl !== undefined) {
        const db = new pg.Client({ connectionString: server.databaseUrl });
        await db.connect();
        try {
          await alter(async (sql, params) => (await db.query(sql, params)).rows, sign);
        } finally {
          await db.end();
        }
        return;
      }
      assert.equal(await server.stop('SIGTERM'), 0, `SIGTERM should exit 0:\n${server.output()}`);
      const db = await PGlite.create({ dataDir: join(server.dataDir, 'reporting') });
      try {
        await alter(async (sql, params) => (await db.query<Record<string, unknown>>(sql, params)).rows, sign);
      } finally {
        await db.close();
      }
      server = await server.restart();
      client = server.client;
      // A clean stop leaves the store caught up: it resumes where the engine does.
      const resumed = /reporting: pglite\b[^\n]*, at sequence (\d+)/.exec(server.output());
      const engine = /now at sequence (\d+)/.exec(server.output());
      assert.ok(resumed && engine, server.output());
      assert.equal(Number(resumed[1]), Number(engine[1]), `after SIGTERM the store resumes at the engine's sequence:\n${server.output()}`);
    };

    await onDatabase(1);
    const altered = await reconcile();
    await onDatabase(-1);
    const repaired = await reconcile();

    const differences = altered.differences as Json[];
    assert.deepEqual(differences.map((d) => [d.accountId, d.asset]).sort(),
      [[shareTrader.account.accountId, shareAsset], [cashTrader.account.accountId, 'USD']].sort(), `the altered rows are named: ${JSON.stringify(altered)}`);
    assert.deepEqual(repaired.differences, [], 'repaired: no difference again');
    const shareDifference = differences.find((d) => d.asset === shareAsset)!;
    assert.deepEqual([shareDifference.ledger, shareDifference.engine], [shareWallet + SHARE_DELTA, shareWallet], 'share amounts (ledger, engine)');
    const cashDifference = differences.find((d) => d.asset === 'USD')!;
    // Money in the API is a decimal string (API.md, Conventions), as in the wallet and the statement.
    assert.deepEqual([cashDifference.ledger, cashDifference.engine], [money(cashWallet + CASH_DELTA), money(cashWallet)],
      `cash amounts (ledger, engine) as decimal strings: ${JSON.stringify(cashDifference)}`);
  });
});
