// The WebSocket API (/work/shared/API.md "WebSocket: ws://host:port/v1/ws") tested black-box against the
// REAL server process, with a client written in ws-client.ts (the `ws` package; nothing from src/):
//
//  1. book.L2 / book.L3 rebuilt from snapshot + updates while a seeded random flow of orders, cancels and
//     replaces (with crosses) goes through REST: equal to the REST snapshots at the same sequence, mid-flow
//     and at the end, no sequence gap on any channel; a client that subscribes mid-flow converges too.
//  2. trades equal REST trades; the ticker and the candles equal what the streamed trades imply.
//  3. the private `orders` channel streams exactly the account's executions and orders; auth errors.
//  4. bad messages get {"op": "error"} and the connection stays open and usable.
//  5. a client that stops reading is cut off (close 4008) without hurting a client that reads.
//  6. heartbeat: a client that does not answer pings is terminated.
//  7. restart (SIGTERM and kill -9) on the same data directory: book sequences continue, history survives.
//  Plus /metrics has the WebSocket metrics.
//
// Reproduce a flow with WS_SEED=<printed seed>.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Account, type Client, type Json, type ServerProcess, startServer } from './server-process.ts';
import {
  authMessage, type ChannelState, MarketFollower, money, OrdersFollower, sleep, toCents, type Trade, WsClient,
} from './ws-client.ts';

const SEED = process.env.WS_SEED ? Number(process.env.WS_SEED) : Date.now() % 1_000_000;
console.log(`websocket e2e: seed ${SEED} (rerun with WS_SEED=${SEED})`);

/** Servers whose durability is not under test skip fsync: the flows are about streaming, not disks. */
const FAST = { EXCHANGE_FSYNC: '0' };
const CANDLE_CHANNELS = ['candles.1m', 'candles.5m', 'candles.15m', 'candles.1h', 'candles.1d'];
const RESOLUTION_MS: Record<string, number> = { '1m': 60_000, '5m': 300_000, '15m': 900_000, '1h': 3_600_000, '1d': 86_400_000 };
const DAY_MS = 86_400_000;

const clients: WsClient[] = [];
after(() => {
  for (const client of clients) client.close();
});

async function connect(server: ServerProcess, name: string, options: Parameters<typeof WsClient.connect>[2] = {}): Promise<WsClient> {
  const client = await WsClient.connect(server.url, name, options);
  clients.push(client);
  return client;
}

// ---------------------------------------------------------------------------------------------------------
// Seeded randomness, REST helpers

class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0 || 1;
  }
  next(): number {
    // mulberry32
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
}

async function getOk(api: Client, path: string): Promise<Json> {
  const reply = await api.publicGet(path);
  assert.equal(reply.status, 200, `GET ${path}: ${reply.status} ${reply.text}`);
  return reply.body;
}

async function signedGetOk(api: Client, account: Account, path: string): Promise<Json> {
  const reply = await api.signed(account, 'GET', path);
  assert.equal(reply.status, 200, `GET ${path}: ${reply.status} ${reply.text}`);
  return reply.body;
}

const restL2 = (api: Client, symbol: string): Promise<Json> => getOk(api, `/v1/marketdata/orderBook/L2?symbol=${symbol}&depth=1000`);
const restL3 = (api: Client, symbol: string): Promise<Json> => getOk(api, `/v1/marketdata/orderBook/L3?symbol=${symbol}`);

async function newTrader(api: Client, name: string, symbol: string, usd = '100000000.00', shares = '1000000'): Promise<Account> {
  const account = await api.createAccount(name);
  await api.deposit(account, 'USD', usd);
  if (shares !== '0') await api.deposit(account, symbol, shares);
  return account;
}

/** Polls until `condition` holds (or throws after timeoutMs with `describe()`). */
async function waitUntil(condition: () => boolean | Promise<boolean>, describeFailure: () => string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${describeFailure()}`);
    await sleep(10);
  }
}

/** Value of a Prometheus sample `name{labels}` (labels as written, e.g. 'channel="book.L2"'), or undefined. */
function metric(text: string, name: string, labels?: string): number | undefined {
  const wanted = labels === undefined ? name : `${name}{${labels}}`;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    if (space > 0 && line.slice(0, space) === wanted) return Number(line.slice(space + 1));
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// A random flow of orders, cancels and replaces on one symbol, one worker per trader

interface FlowStats {
  placed: number;
  canceled: number;
  replaced: number;
  /** Orders that traded on arrival (filledQuantity > 0 in the 201). */
  crossed: number;
  /** Acceptable refusals: 409 ORDER_NOT_OPEN or 400 on a stale replace. */
  refused: number;
  /** Anything else: must stay empty. */
  unexpected: string[];
}

/**
 * Sends `commands` random commands for `symbol` (price around refCents), each trader one request at a time,
 * the traders concurrently. `onCommand(n)` runs after the n-th command was acknowledged.
 */
async function runFlow(
  api: Client, traders: Account[], symbol: string, refCents: number, seed: number, commands: number,
  onCommand?: (done: number) => Promise<void> | void,
): Promise<FlowStats> {
  const stats: FlowStats = { placed: 0, canceled: 0, replaced: 0, crossed: 0, refused: 0, unexpected: [] };
  let issued = 0;
  let done = 0;
  const track = (open: Map<string, Json>, order: Json): void => {
    if (order.status === 'new' || order.status === 'partially_filled') open.set(order.id, order);
    else open.delete(order.id);
  };
  const worker = async (trader: Account, index: number): Promise<void> => {
    const rng = new Rng(seed * 31 + index);
    const open = new Map<string, Json>();
    while (issued < commands) {
      issued++;
      const roll = rng.next();
      const openOrders = [...open.values()];
      if (roll < 0.5 || openOrders.length === 0) {
        const side = rng.next() < 0.5 ? 'buy' : 'sell';
        const kind = rng.next();
        const body: Record<string, unknown> = { symbol, side, quantity: rng.int(1, 60) };
        if (kind < 0.04) body.orderType = 'market';
        else {
          body.orderType = 'limit';
          body.price = money(refCents + (side === 'buy' ? rng.int(-10, 3) : rng.int(-3, 10)));
          if (kind < 0.12) body.timeInForce = 'IOC';
        }
        const reply = await api.signed(trader, 'POST', '/v1/order', body);
        if (reply.status === 201) {
          stats.placed++;
          if (reply.body.filledQuantity > 0) stats.crossed++;
          track(open, reply.body);
        } else stats.unexpected.push(`POST /v1/order ${JSON.stringify(body)}: ${reply.status} ${reply.text}`);
      } else if (roll < 0.7) {
        const order = rng.pick(openOrders);
        const reply = await api.signed(trader, 'DELETE', `/v1/order/${order.id}`);
        if (reply.status === 200) {
          stats.canceled++;
          open.delete(order.id);
        } else if (reply.status === 409) {
          stats.refused++;
          open.delete(order.id);
        } else stats.unexpected.push(`DELETE /v1/order/${order.id}: ${reply.status} ${reply.text}`);
      } else {
        const order = rng.pick(openOrders);
        const how = rng.next();
        let body: Record<string, unknown>;
        if (how < 0.4 && order.quantity - 1 > order.filledQuantity) body = { quantity: rng.int(order.filledQuantity + 1, order.quantity - 1) };
        else if (how < 0.75) body = { price: money(Math.max(1, toCents(order.price) + (rng.next() < 0.5 ? -1 : 1) * rng.int(1, 5))) };
        else body = { quantity: order.quantity + rng.int(1, 30) };
        const reply = await api.signed(trader, 'PUT', `/v1/order/${order.id}`, body);
        if (reply.status === 200) {
          stats.replaced++;
          track(open, reply.body);
        } else if (reply.status === 409 || (reply.status === 400 && body.quantity !== undefined)) {
          stats.refused++;
          if (reply.status === 409) open.delete(order.id);
        } else stats.unexpected.push(`PUT /v1/order/${order.id} ${JSON.stringify(body)}: ${reply.status} ${reply.text}`);
      }
      done++;
      if (onCommand) await onCommand(done);
    }
  };
  await Promise.all(traders.map((trader, index) => worker(trader, index)));
  return stats;
}

// ---------------------------------------------------------------------------------------------------------
// Checks on followed streams

function describeState(state: ChannelState | undefined): string {
  return state ? `${state.channel} ${state.symbol} at sequence ${state.sequence} (${state.updates.length} updates)` : 'not subscribed';
}

/** Waits until the client's book.L2 and book.L3 for `symbol` reached the REST sequence, then compares. */
async function assertBooksMatchRest(api: Client, follower: MarketFollower, symbol: string, label: string): Promise<number> {
  const sequence = (await restL3(api, symbol)).sequence as number;
  assert.equal(typeof sequence, 'number', 'REST L3 sequence');
  await waitUntil(
    () => (follower.state('book.L2', symbol)?.sequence ?? -1) >= sequence && (follower.state('book.L3', symbol)?.sequence ?? -1) >= sequence,
    () => `${label}: stream did not reach REST sequence ${sequence}: ${describeState(follower.state('book.L2', symbol))}, ${describeState(follower.state('book.L3', symbol))}`,
  );
  const [l2, l3] = await Promise.all([restL2(api, symbol), restL3(api, symbol)]);
  const l2State = follower.state('book.L2', symbol)!;
  const l3State = follower.state('book.L3', symbol)!;
  assert.equal(l2.sequence, sequence, `${label}: the book changed while nothing was sent (REST L2 sequence)`);
  assert.equal(l3.sequence, sequence, `${label}: the book changed while nothing was sent (REST L3 sequence)`);
  assert.equal(l2State.sequence, sequence, `${label}: book.L2 stream sequence ${l2State.sequence} vs REST ${sequence}`);
  assert.equal(l3State.sequence, sequence, `${label}: book.L3 stream sequence ${l3State.sequence} vs REST ${sequence}`);
  assert.deepEqual(l2State.l2!.levels(), { bids: l2.bids, asks: l2.asks }, `${label}: rebuilt L2 differs from REST L2 at sequence ${sequence}`);
  assert.deepEqual(l3State.l3!.orders(), { bids: l3.bids, asks: l3.asks }, `${label}: rebuilt L3 differs from REST L3 at sequence ${sequence}`);
  assert.deepEqual(l3State.l3!.anomalies, [], `${label}: L3 updates that do not apply`);
  assert.deepEqual(l2State.l2!.unchanged.slice(0, 5), [], `${label}: L2 updates listing levels that did not change (${l2State.l2!.unchanged.length})`);
  return sequence;
}

function assertNoGaps(follower: MarketFollower, label: string): void {
  assert.deepEqual(follower.gaps, [], `${label}: sequence gaps`);
  assert.deepEqual(follower.problems, [], `${label}: malformed stream`);
}

const tradeKey = (t: Trade): Trade => ({ tradeId: t.tradeId, price: t.price, quantity: t.quantity, aggressorSide: t.aggressorSide, time: t.time });

/** OHLCV per bucket from trades in execution order. */
function candlesFrom(trades: Trade[], intervalMs: number): Map<number, Json> {
  const out = new Map<number, Json>();
  for (const trade of trades) {
    const time = Math.floor(trade.time / intervalMs) * intervalMs;
    const candle = out.get(time);
    if (!candle) out.set(time, { time, open: trade.price, high: trade.price, low: trade.price, close: trade.price, volume: trade.quantity });
    else {
      if (toCents(trade.price) > toCents(candle.high)) candle.high = trade.price;
      if (toCents(trade.price) < toCents(candle.low)) candle.low = trade.price;
      candle.close = trade.price;
      candle.volume += trade.quantity;
    }
  }
  return out;
}

const candleFields = (c: Json): Json => ({ time: c.time, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume });

// =========================================================================================================
// Servers started in parallel: the main one (tests 1-4 and metrics), the slow-consumer one, the heartbeat one.

let main: ServerProcess;
let slowServer: ServerProcess;
let heartbeatServer: ServerProcess;

before(async () => {
  const startedAt = Date.now();
  [main, slowServer, heartbeatServer] = await Promise.all([
    startServer({ env: FAST }),
    startServer({ env: { ...FAST, EXCHANGE_WS_MAX_BUFFERED_BYTES: '65536' } }),
    startServer({ env: { ...FAST, EXCHANGE_WS_HEARTBEAT_MS: '200' } }),
  ]);
  console.log(`servers started in ${Date.now() - startedAt} ms`);
});

describe('market data and private streams during a random flow (one server, AAPL)', () => {
  const SYMBOL = 'AAPL';
  /** AAPL's reference price in cents (read from GET /v1/symbols). */
  let REF = 0;
  const COMMANDS = 480;
  const MID_FLOW_AT = [60, 150, 240, 330, 420];
  const LATE_AT = 200;
  let api: Client;
  let traders: Account[];
  let watcher: WsClient;
  let watching: MarketFollower;
  let late: WsClient;
  let lateFollowing: MarketFollower;
  let lateSnapshotSequence = -1;
  let private0: OrdersFollower;
  let private1: OrdersFollower;
  let initialSequence: number;
  const initialSnapshots: Record<string, Json> = {};
  let stats: FlowStats;
  /** REST books taken while the flow ran, to line up with the stream by sequence. */
  const midFlow: Array<{ l2: Json; l3: Json }> = [];
  /** Rebuilt books by sequence (JSON), recorded as the watcher applies updates. */
  const l2History = new Map<number, string>();
  const l3History = new Map<number, string>();

  before(async () => {
    api = main.client;
    const listed = (await getOk(api, '/v1/symbols')).symbols as Json[];
    REF = toCents(listed.find((s) => s.symbol === SYMBOL).referencePrice);
    traders = await Promise.all([0, 1, 2, 3].map((i) => newTrader(api, `ws-trader-${i}`, SYMBOL)));
    initialSequence = (await restL3(api, SYMBOL)).sequence;

    watcher = await connect(main, 'watcher');
    watching = new MarketFollower(watcher);
    watcher.onMessage((message) => {
      if (message.type !== 'snapshot' && message.type !== 'update') return;
      if (message.channel === 'book.L2') l2History.set(message.sequence, JSON.stringify(watching.state('book.L2', SYMBOL)!.l2!.levels()));
      if (message.channel === 'book.L3') l3History.set(message.sequence, JSON.stringify(watching.state('book.L3', SYMBOL)!.l3!.orders()));
    });
    for (const channel of ['book.L2', 'book.L3', 'trades', 'ticker', ...CANDLE_CHANNELS]) {
      initialSnapshots[channel] = await watcher.subscribe(channel, SYMBOL);
    }
    const [p0, p1] = await Promise.all([connect(main, 'private-0'), connect(main, 'private-1')]);
    private0 = new OrdersFollower(p0);
    private1 = new OrdersFollower(p1);
    await p0.subscribeOrders(traders[0]);
    await p1.subscribeOrders(traders[1]);

    const flowStart = Date.now();
    let lateReady: Promise<void> = Promise.resolve();
    stats = await runFlow(api, traders, SYMBOL, REF, SEED, COMMANDS, async (done) => {
      if (MID_FLOW_AT.includes(done)) {
        const [l2, l3] = await Promise.all([restL2(api, SYMBOL), restL3(api, SYMBOL)]);
        midFlow.push({ l2, l3 });
      }
      if (done === LATE_AT) {
        lateReady = (async () => {
          late = await connect(main, 'late');
          lateFollowing = new MarketFollower(late);
          lateSnapshotSequence = (await late.subscribe('book.L3', SYMBOL)).sequence;
          await late.subscribe('book.L2', SYMBOL);
          await late.subscribe('trades', SYMBOL);
        })();
      }
    });
    await lateReady;
    console.log(`flow: ${COMMANDS} commands in ${Date.now() - flowStart} ms`, JSON.stringify({ ...stats, unexpected: stats.unexpected.length }));
  });

  it('the flow ran: hundreds of commands, with crosses, cancels and replaces, all answered as API.md says', () => {
    assert.deepEqual(stats.unexpected.slice(0, 5), [], `${stats.unexpected.length} unexpected REST answers during the flow`);
    assert.ok(stats.placed >= 200, `placed ${stats.placed}`);
    assert.ok(stats.crossed >= 20, `only ${stats.crossed} orders traded on arrival`);
    assert.ok(stats.canceled >= 30, `canceled ${stats.canceled}`);
    assert.ok(stats.replaced >= 30, `replaced ${stats.replaced}`);
  });

  it('book.L2 and book.L3: snapshot at the REST sequence, updates +1 each, rebuilt books equal REST mid-flow and at the end', async () => {
    for (const channel of ['book.L2', 'book.L3']) {
      const snapshot = initialSnapshots[channel];
      assert.equal(snapshot.type, 'snapshot');
      assert.equal(snapshot.channel, channel);
      assert.equal(snapshot.symbol, SYMBOL);
      assert.equal(snapshot.sequence, initialSequence, `${channel} snapshot sequence vs REST before the flow`);
      assert.deepEqual([snapshot.bids, snapshot.asks], [[], []], `${channel} snapshot of an empty book`);
    }
    const finalSequence = await assertBooksMatchRest(api, watching, SYMBOL, 'watcher');
    assertNoGaps(watching, 'watcher');
    for (const channel of ['book.L2', 'book.L3']) {
      const state = watching.state(channel, SYMBOL)!;
      assert.equal(state.snapshots, 1);
      assert.equal(state.updates.length, finalSequence - initialSequence, `${channel}: one update per book version`);
      for (const update of state.updates) {
        assert.equal(update.type, 'update');
        assert.equal(update.symbol, SYMBOL);
      }
    }
    // Every L2 update holds only levels that changed: never a level repeated with the quantity it had.
    const l2Updates = watching.state('book.L2', SYMBOL)!.updates;
    for (const update of l2Updates) assert.ok(update.bids.length + update.asks.length > 0, `empty L2 update at ${update.sequence}`);
    // REST snapshots taken during the flow line up with the stream at their sequence.
    assert.equal(midFlow.length, MID_FLOW_AT.length);
    for (const { l2, l3 } of midFlow) {
      assert.ok(l2History.has(l2.sequence), `no streamed L2 at REST sequence ${l2.sequence}`);
      assert.ok(l3History.has(l3.sequence), `no streamed L3 at REST sequence ${l3.sequence}`);
      assert.deepEqual(JSON.parse(l2History.get(l2.sequence)!), { bids: l2.bids, asks: l2.asks }, `L2 at sequence ${l2.sequence}`);
      assert.deepEqual(JSON.parse(l3History.get(l3.sequence)!), { bids: l3.bids, asks: l3.asks }, `L3 at sequence ${l3.sequence}`);
    }
  });

  it('a client that subscribed in the middle of the flow converges too, without gaps', async () => {
    assert.ok(lateFollowing, 'the late client subscribed');
    assert.ok(lateSnapshotSequence > initialSequence, `late snapshot sequence ${lateSnapshotSequence}`);
    const finalSequence = await assertBooksMatchRest(api, lateFollowing, SYMBOL, 'late client');
    assert.ok(lateSnapshotSequence < finalSequence, `late snapshot ${lateSnapshotSequence} should be mid-flow (final ${finalSequence})`);
    assertNoGaps(lateFollowing, 'late client');
    // Its trades (snapshot, then updates) are the tail of what the watcher saw.
    const lateTrades = lateFollowing.state('trades', SYMBOL)!.trades!.map(tradeKey);
    const allTrades = watching.state('trades', SYMBOL)!.trades!.map(tradeKey);
    assert.ok(lateTrades.length > 0);
    assert.deepEqual(lateTrades, allTrades.slice(allTrades.length - lateTrades.length), 'late client trades = tail of the tape');
  });

  it('trades equal REST /v1/marketdata/trades; ticker and candles equal what the streamed trades imply', async () => {
    const trades = watching.state('trades', SYMBOL)!;
    assert.deepEqual(initialSnapshots.trades.trades, [], 'trades snapshot of a symbol that never traded');
    const streamed = trades.trades!;
    assert.ok(streamed.length >= 20, `only ${streamed.length} trades streamed`);
    assert.equal(new Set(streamed.map((t) => t.tradeId)).size, streamed.length, 'tradeIds are unique');
    assert.equal(trades.updates.length, trades.sequence - initialSnapshots.trades.sequence, 'one trades update per sequence');
    for (const update of trades.updates) assert.ok(update.trades.length > 0, `empty trades update at ${update.sequence}`);
    const rest = (await getOk(api, `/v1/marketdata/trades?symbol=${SYMBOL}&limit=1000`)).trades as Trade[];
    assert.deepEqual(streamed.map(tradeKey), [...rest].reverse().map(tradeKey), 'streamed trades (execution order) vs REST (newest first, reversed)');

    // Ticker: last price, the day's volume (UTC day of the last trade), best bid and offer.
    const last = streamed[streamed.length - 1];
    const day = Math.floor(last.time / DAY_MS);
    const dayVolume = streamed.filter((t) => Math.floor(t.time / DAY_MS) === day).reduce((sum, t) => sum + t.quantity, 0);
    const book = watching.state('book.L2', SYMBOL)!.l2!.levels();
    const ticker = watching.state('ticker', SYMBOL)!.ticker;
    const expectedTicker = {
      symbol: SYMBOL,
      bidPrice: book.bids[0]?.[0] ?? null, bidQuantity: book.bids[0]?.[1] ?? 0,
      askPrice: book.asks[0]?.[0] ?? null, askQuantity: book.asks[0]?.[1] ?? 0,
      lastPrice: last.price, volume: dayVolume,
    };
    assert.deepEqual(
      Object.fromEntries(Object.keys(expectedTicker).map((k) => [k, ticker[k]])), expectedTicker, 'streamed ticker vs trades and book');
    const restTicker = await getOk(api, `/v1/marketdata/ticker?symbol=${SYMBOL}`);
    assert.deepEqual(Object.fromEntries(Object.keys(expectedTicker).map((k) => [k, restTicker[k]])), expectedTicker, 'REST ticker');
    assert.ok(watching.state('ticker', SYMBOL)!.updates.length > 0);

    // Candles: the last streamed candle of each bucket is the OHLCV of the streamed trades in that bucket.
    for (const channel of CANDLE_CHANNELS) {
      const resolution = channel.slice('candles.'.length);
      const state = watching.state(channel, SYMBOL)!;
      assert.equal(initialSnapshots[channel].candle, null, `${channel} snapshot before any trade`);
      assert.equal(state.updates.length, trades.updates.length, `${channel}: one update per command that traded`);
      const expected = candlesFrom(streamed, RESOLUTION_MS[resolution]);
      assert.deepEqual([...state.candlesByTime!.keys()].sort(), [...expected.keys()].sort(), `${channel}: buckets`);
      for (const [time, candle] of state.candlesByTime!) assert.deepEqual(candleFields(candle), expected.get(time), `${channel} candle ${time}`);
      assert.deepEqual(candleFields(state.candle), expected.get(Math.floor(last.time / RESOLUTION_MS[resolution]) * RESOLUTION_MS[resolution]), `${channel}: latest`);
      const restCandles = (await getOk(api, `/v1/marketdata/candles?symbol=${SYMBOL}&resolution=${resolution}&startTime=0&endTime=${Date.now() + DAY_MS}`)).candles as Json[];
      assert.deepEqual(restCandles.map(candleFields), [...expected.values()], `REST candles ${resolution} vs trades`);
    }
  });

  it('orders channel: exactly the account\'s executions and orders, final state equal to REST', async () => {
    const followers = [private0, private1];
    const restExecutions: Json[][] = [];
    for (const [index, follower] of followers.entries()) {
      const trader = traders[index];
      assert.deepEqual(follower.gaps, [], `trader ${index}: private sequence gaps`);
      assert.deepEqual(follower.problems, [], `trader ${index}: malformed private messages`);
      const executions = (await signedGetOk(api, trader, `/v1/execution?symbol=${SYMBOL}&limit=1000`)).executions as Json[];
      restExecutions.push(executions);
      assert.ok(executions.length > 0, `trader ${index} traded`);
      const byId = (list: Json[]): Json[] => [...list].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      assert.equal(new Set(follower.executions.map((e) => e.id)).size, follower.executions.length, `trader ${index}: an execution streamed twice`);
      assert.deepEqual(byId(follower.executions), byId(executions), `trader ${index}: streamed executions vs GET /v1/execution`);

      const restOrders = (await signedGetOk(api, trader, `/v1/orders?symbol=${SYMBOL}&limit=1000`)).orders as Json[];
      const latest = follower.latestOrders();
      assert.deepEqual([...latest.keys()].sort(), restOrders.map((o) => o.id).sort(), `trader ${index}: streamed order ids vs GET /v1/orders`);
      const orderIds = new Set(restOrders.map((o) => o.id));
      for (const execution of follower.executions) assert.ok(orderIds.has(execution.orderId), `execution ${execution.id} is for order ${execution.orderId}, not this account's`);
      await Promise.all([...latest].map(async ([id, streamedOrder]) => {
        const order = await signedGetOk(api, trader, `/v1/order/${id}`);
        assert.deepEqual(streamedOrder, order, `trader ${index}: last streamed state of order ${id} vs GET /v1/order/${id}`);
      }));
    }
    // Another account's executions never appear.
    const ids0 = new Set(restExecutions[0].map((e) => e.id));
    const ids1 = new Set(restExecutions[1].map((e) => e.id));
    for (const e of private0.executions) assert.ok(!ids1.has(e.id), `trader 1's execution ${e.id} streamed to trader 0`);
    for (const e of private1.executions) assert.ok(!ids0.has(e.id), `trader 0's execution ${e.id} streamed to trader 1`);
  });

  it('orders channel: subscribe without auth and bad signatures are errors, the connection stays open; then auth works', async () => {
    const client = await connect(main, 'auth-errors');
    const unauthenticated = await client.expectError({ op: 'subscribe', channel: 'orders' });
    assert.equal(unauthenticated.error?.code, 'UNAUTHENTICATED', JSON.stringify(unauthenticated));
    assert.equal(typeof unauthenticated.error.message, 'string');

    const trader = traders[2];
    const badSignature = await client.expectError({ ...authMessage(trader), signature: 'ab'.repeat(32) });
    assert.equal(badSignature.error?.code, 'UNAUTHENTICATED', JSON.stringify(badSignature));
    const wrongSecret = await client.expectError(authMessage(trader, Date.now(), 'not-the-secret'));
    assert.equal(wrongSecret.error?.code, 'UNAUTHENTICATED', JSON.stringify(wrongSecret));
    const stale = await client.expectError(authMessage(trader, Date.now() - 60_000));
    assert.equal(stale.error?.code, 'UNAUTHENTICATED', JSON.stringify(stale));
    const unknownKey = await client.expectError({ ...authMessage(trader), apiKey: 'no-such-key' });
    assert.equal(unknownKey.error?.code, 'UNAUTHENTICATED', JSON.stringify(unknownKey));
    const stillUnauthenticated = await client.expectError({ op: 'subscribe', channel: 'orders' });
    assert.equal(stillUnauthenticated.error?.code, 'UNAUTHENTICATED', 'a failed auth must not authenticate');
    assert.ok(client.isOpen, 'connection still open after auth errors');

    const follower = new OrdersFollower(client);
    await client.subscribeOrders(trader);
    const reply = await api.signed(trader, 'POST', '/v1/order', { symbol: SYMBOL, side: 'buy', orderType: 'limit', price: money(REF - 500), quantity: 7 });
    assert.equal(reply.status, 201, reply.text);
    await waitUntil(() => follower.latestOrders().has(reply.body.id), () => `order ${reply.body.id} not streamed to its account`);
    assert.deepEqual(follower.latestOrders().get(reply.body.id), reply.body, 'streamed order = the 201 body');
    const canceled = await api.signed(trader, 'DELETE', `/v1/order/${reply.body.id}`);
    assert.equal(canceled.status, 200);
    await waitUntil(() => follower.latestOrders().get(reply.body.id)?.status === 'canceled', () => 'cancel not streamed');
    assert.deepEqual(follower.latestOrders().get(reply.body.id), canceled.body, 'streamed canceled order = the DELETE body');
  });

  it('bad messages get {"op": "error", "error": {code, message}}; the connection stays open and still works', async () => {
    const client = await connect(main, 'bad-messages');
    const cases: Array<{ label: string; message: unknown; raw?: boolean; codes: string[] }> = [
      { label: 'invalid JSON', message: '{"op": "subscribe",', raw: true, codes: ['INVALID_ARGUMENT'] },
      { label: 'not an object', message: '[1,2,3]', raw: true, codes: ['INVALID_ARGUMENT'] },
      { label: 'JSON null', message: 'null', raw: true, codes: ['INVALID_ARGUMENT'] },
      { label: 'unknown op', message: { op: 'dance', channel: 'book.L2', symbol: 'AAPL' }, codes: ['INVALID_ARGUMENT'] },
      { label: 'missing op', message: { channel: 'book.L2', symbol: 'AAPL' }, codes: ['INVALID_ARGUMENT'] },
      { label: 'unknown channel', message: { op: 'subscribe', channel: 'book.L9', symbol: 'AAPL' }, codes: ['INVALID_ARGUMENT'] },
      { label: 'missing channel', message: { op: 'subscribe', symbol: 'AAPL' }, codes: ['INVALID_ARGUMENT'] },
      { label: 'unknown symbol', message: { op: 'subscribe', channel: 'book.L2', symbol: 'NOPE' }, codes: ['UNKNOWN_SYMBOL', 'NOT_FOUND', 'INVALID_ARGUMENT'] },
      { label: 'missing symbol', message: { op: 'subscribe', channel: 'trades' }, codes: ['INVALID_ARGUMENT'] },
      { label: 'symbol not a string', message: { op: 'subscribe', channel: 'trades', symbol: 42 }, codes: ['INVALID_ARGUMENT'] },
      { label: 'unsubscribe of something not subscribed', message: { op: 'unsubscribe', channel: 'book.L3', symbol: 'MSFT' }, codes: ['NOT_FOUND', 'INVALID_ARGUMENT'] },
      { label: 'auth without fields', message: { op: 'auth' }, codes: ['UNAUTHENTICATED', 'INVALID_ARGUMENT'] },
    ];
    for (const { label, message, raw, codes } of cases) {
      const reply = await client.expectError(message, raw);
      assert.ok(codes.includes(reply.error?.code), `${label}: code ${JSON.stringify(reply.error?.code)} not one of ${codes.join(', ')}: ${JSON.stringify(reply)}`);
      assert.match(reply.error.code, /^[A-Z][A-Z_]*$/, label);
      assert.equal(typeof reply.error.message, 'string', label);
      assert.ok(reply.error.message.length > 0, label);
      assert.ok(client.isOpen, `${label}: the connection closed`);
    }
    // Still works: subscribe, get updates, unsubscribe, get no more.
    const other = await connect(main, 'bad-messages-control');
    const control = new MarketFollower(other);
    await other.subscribe('book.L2', 'MSFT');
    const following = new MarketFollower(client);
    const snapshot = await client.subscribe('book.L2', 'MSFT');
    assert.equal(snapshot.symbol, 'MSFT');
    const seller = await newTrader(api, 'ws-bad-messages', 'MSFT');
    const place = async (price: string): Promise<void> => {
      const reply = await api.signed(seller, 'POST', '/v1/order', { symbol: 'MSFT', side: 'sell', orderType: 'limit', price, quantity: 5 });
      assert.equal(reply.status, 201, reply.text);
    };
    await place('460.00');
    await waitUntil(() => following.state('book.L2', 'MSFT')!.updates.length === 1, () => 'no update after the bad messages');
    const from = client.mark();
    client.send({ op: 'unsubscribe', channel: 'book.L2', symbol: 'MSFT' });
    const unsubscribed = await client.waitFor((m) => m.op === 'unsubscribed' || m.op === 'error', 'unsubscribe reply', { from });
    assert.equal(unsubscribed.op, 'unsubscribed', JSON.stringify(unsubscribed));
    await place('461.00');
    await waitUntil(() => control.state('book.L2', 'MSFT')!.updates.length === 2, () => 'control client missed an update');
    await sleep(100);
    assert.equal(following.state('book.L2', 'MSFT')!.updates.length, 1, 'updates kept coming after unsubscribe');
    const again = await client.expectError({ op: 'unsubscribe', channel: 'book.L2', symbol: 'MSFT' });
    assert.ok(['NOT_FOUND', 'INVALID_ARGUMENT'].includes(again.error?.code), JSON.stringify(again));
    assert.ok(client.isOpen);
  });

  it('a message over the server\'s size limit (5 KB) is a bad message: error reply, the connection stays open', async () => {
    // API.md: "Bad messages get {op: error} and the connection stays open"; it names no size limit.
    const client = await connect(main, 'oversized');
    const from = client.mark();
    client.send({ op: 'subscribe', channel: 'ticker', symbol: 'AAPL', padding: 'x'.repeat(5_000) });
    const reply = await Promise.race([
      client.waitFor((m) => m.op === 'error', 'error reply to a 5 KB message', { from, timeoutMs: 2_000 }).catch(() => null),
      client.closed.then(() => null),
    ]);
    assert.ok(client.isOpen, `the connection was closed: ${JSON.stringify(client.closeInfo)}`);
    assert.ok(reply, 'no error reply to a 5 KB message');
    assert.match(reply.error?.code ?? '', /^[A-Z][A-Z_]*$/);
    const snapshot = await client.subscribe('ticker', 'AAPL');
    assert.equal(snapshot.channel, 'ticker');
  });

  it('/metrics has the WebSocket metrics', async () => {
    const reply = await main.client.publicGet('/metrics');
    assert.equal(reply.status, 200);
    const text = reply.text;
    for (const name of ['exchange_ws_subscribers', 'exchange_ws_messages_out_total', 'exchange_ws_bytes_out_total',
      'exchange_ws_publish_delay_seconds', 'exchange_ws_slow_consumer_disconnects_total']) {
      assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), `${name} is exported`);
    }
    assert.ok((metric(text, 'exchange_ws_subscribers', 'channel="book.L2"') ?? 0) >= 2, 'book.L2 subscribers (watcher and late client)');
    assert.ok((metric(text, 'exchange_ws_subscribers', 'channel="orders"') ?? 0) >= 2, 'orders subscribers');
    assert.ok((metric(text, 'exchange_ws_messages_out_total') ?? 0) >= watcher.messages.length, 'messages out counts at least the watcher\'s');
    assert.ok((metric(text, 'exchange_ws_bytes_out_total') ?? 0) > 100_000, 'bytes out');
    assert.ok((metric(text, 'exchange_ws_publish_delay_seconds_count') ?? 0) > 0, 'publish delay observed');
    assert.equal(metric(text, 'exchange_ws_slow_consumer_disconnects_total'), 0, 'no slow consumer here');
  });
});

// =========================================================================================================
describe('slow consumer: a client that stops reading is cut off; others are not affected', () => {
  it('the paused client is disconnected (4008), the metric counts it, the reading client has every update', async () => {
    const api = slowServer.client;
    const SYMBOL = 'AAPL';
    const seller = await newTrader(api, 'slow-seller', SYMBOL, '1000000.00', '2000000');
    const buyers = await Promise.all([0, 1].map((i) => newTrader(api, `slow-buyer-${i}`, SYMBOL, '100000000.00', '0')));

    const normal = await connect(slowServer, 'normal');
    const following = new MarketFollower(normal);
    for (const channel of ['book.L2', 'book.L3', 'trades']) await normal.subscribe(channel, SYMBOL);

    // The slow client follows everything about the symbol (and buyer 0's private stream), then stops reading.
    const slow = await connect(slowServer, 'slow');
    const slowFollowing = new MarketFollower(slow);
    for (const channel of ['book.L3', 'trades', 'book.L2', 'ticker', ...CANDLE_CHANNELS]) await slow.subscribe(channel, SYMBOL);
    await slow.subscribeOrders(buyers[0]);
    slow.pause();

    const resting = await api.signed(seller, 'POST', '/v1/order', { symbol: SYMBOL, side: 'sell', orderType: 'limit', price: '210.00', quantity: 900_000 });
    assert.equal(resting.status, 201, resting.text);

    // Busy symbol: small buys that trade against the big sell, with resting bids coming and going.
    let stop = false;
    let sent = 0;
    const failures: string[] = [];
    const deadline = Date.now() + 25_000;
    const worker = async (index: number): Promise<void> => {
      const rng = new Rng(SEED + 1000 + index);
      const buyer = buyers[index % 2];
      while (!stop && Date.now() < deadline) {
        const trade = rng.next() < 0.8;
        const body = trade
          ? { symbol: SYMBOL, side: 'buy', orderType: 'limit', price: '210.00', quantity: rng.int(1, 3) }
          : { symbol: SYMBOL, side: 'buy', orderType: 'limit', price: money(20_000 + rng.int(0, 900)), quantity: rng.int(1, 9), timeInForce: 'IOC' };
        const reply = await api.signed(buyer, 'POST', '/v1/order', body);
        if (reply.status !== 201) failures.push(`${reply.status} ${reply.text}`);
        sent++;
      }
    };
    let disconnects = 0;
    const watch = (async () => {
      while (!stop && Date.now() < deadline) {
        await sleep(100);
        const metrics = await api.publicGet('/metrics');
        disconnects = metric(metrics.text, 'exchange_ws_slow_consumer_disconnects_total') ?? 0;
        if (disconnects >= 1) stop = true;
      }
      stop = true;
    })();
    await Promise.all([...Array.from({ length: 16 }, (_, i) => worker(i)), watch]);
    console.log(`slow consumer: cut off after ${sent} orders`);
    assert.deepEqual(failures.slice(0, 5), [], 'orders refused');
    assert.ok(disconnects >= 1, `exchange_ws_slow_consumer_disconnects_total is ${disconnects} after ${sent} orders`);

    // Reading again, the slow client sees the end of its connection (a 4008 close frame if it still gets there).
    slow.resume();
    const closed = await Promise.race([slow.closed, sleep(5_000).then(() => null)]);
    assert.ok(closed, 'the slow client\'s connection did not end');
    if (closed.code !== 1006) {
      assert.equal(closed.code, 4008, `close code ${closed.code} ${closed.reason}`);
      assert.ok(closed.reason.length > 0, 'a 4008 close carries a reason');
    }
    console.log(`slow consumer: close ${closed.code} ${JSON.stringify(closed.reason)} after ${slow.messages.length} messages`);
    // What it did get before the cut is a clean prefix: no message skipped while it stayed connected.
    assertNoGaps(slowFollowing, 'slow client (before the cut)');
    // Its subscriptions are gone with it (it was the only ticker and candles subscriber).
    let afterCut = '';
    await waitUntil(async () => {
      afterCut = (await api.publicGet('/metrics')).text;
      return !(metric(afterCut, 'exchange_ws_subscribers', 'channel="ticker"')! > 0) && !(metric(afterCut, 'exchange_ws_subscribers', 'channel="candles.1m"')! > 0);
    }, () => `ticker/candles subscriptions of the cut client still counted:\n${afterCut.split('\n').filter((l) => l.startsWith('exchange_ws_subscribers')).join('\n')}`, 3_000);
    assert.equal(metric(afterCut, 'exchange_ws_subscribers', 'channel="book.L2"'), 1, 'book.L2 subscribers after the cut (the reading client)');

    // The reading client was not affected: open, every update, no gap, books equal REST.
    assert.ok(normal.isOpen, 'the reading client was disconnected');
    await assertBooksMatchRest(api, following, SYMBOL, 'reading client');
    assertNoGaps(following, 'reading client');
    const tape = following.state('trades', SYMBOL)!.trades!.map(tradeKey);
    const rest = (await getOk(api, `/v1/marketdata/trades?symbol=${SYMBOL}&limit=1000`)).trades as Trade[];
    assert.deepEqual(tape.slice(-rest.length), [...rest].reverse().map(tradeKey), 'reading client trades vs REST');
    const metrics = await api.publicGet('/metrics');
    assert.ok((metric(metrics.text, 'exchange_ws_slow_consumer_disconnects_total') ?? 0) >= 1);
  });
});

// =========================================================================================================
describe('heartbeat', () => {
  it('a client that does not answer pings is terminated within ~1 s; one that answers stays', async () => {
    const connectedAt = Date.now();
    const [silent, normal] = await Promise.all([
      connect(heartbeatServer, 'no-pong', { autoPong: false }),
      connect(heartbeatServer, 'pong'),
    ]);
    let pings = 0;
    normal.socket.on('ping', () => pings++);
    await Promise.all([silent.subscribe('ticker', 'AAPL'), normal.subscribe('ticker', 'AAPL')]);
    const closed = await Promise.race([silent.closed, sleep(2_000).then(() => null)]);
    assert.ok(closed, 'the client that does not answer pings is still connected after 2 s');
    assert.ok(closed.atMs - connectedAt <= 1_200, `terminated after ${closed.atMs - connectedAt} ms`);
    await sleep(Math.max(0, connectedAt + 1_200 - Date.now()));
    assert.ok(normal.isOpen, 'the client that answers pings was disconnected');
    assert.ok(pings >= 3, `only ${pings} pings in 1.2 s at a 200 ms heartbeat`);
    const snapshot = await normal.subscribe('book.L2', 'AAPL');
    assert.equal(snapshot.channel, 'book.L2');
  });
});

// =========================================================================================================
describe('restart on the same data directory', () => {
  const SYMBOL = 'NVDA';

  interface Seen {
    l2: Json;
    l3: Json;
    trades: Trade[];
    candles: Record<string, Json[]>;
  }

  async function capture(api: Client): Promise<Seen> {
    const [l2, l3, trades, c1m, c1d] = await Promise.all([
      restL2(api, SYMBOL), restL3(api, SYMBOL),
      getOk(api, `/v1/marketdata/trades?symbol=${SYMBOL}&limit=1000`),
      getOk(api, `/v1/marketdata/candles?symbol=${SYMBOL}&resolution=1m&startTime=0&endTime=${Date.now() + DAY_MS}`),
      getOk(api, `/v1/marketdata/candles?symbol=${SYMBOL}&resolution=1d&startTime=0&endTime=${Date.now() + DAY_MS}`),
    ]);
    assert.equal(l2.sequence, l3.sequence);
    return { l2, l3, trades: trades.trades, candles: { '1m': c1m.candles, '1d': c1d.candles } };
  }

  /** A fresh subscriber after a restart: snapshots continue the sequence, books and history as before. */
  async function checkAfterRestart(server: ServerProcess, before: Seen, label: string): Promise<{ client: WsClient; following: MarketFollower }> {
    const api = server.client;
    const client = await connect(server, `${label}-subscriber`);
    const following = new MarketFollower(client);
    const l2 = await client.subscribe('book.L2', SYMBOL);
    const l3 = await client.subscribe('book.L3', SYMBOL);
    await client.subscribe('trades', SYMBOL);
    const rest = await restL3(api, SYMBOL);
    assert.equal(l2.sequence, rest.sequence, `${label}: L2 snapshot sequence vs REST`);
    assert.equal(l3.sequence, rest.sequence, `${label}: L3 snapshot sequence vs REST`);
    assert.ok(l3.sequence >= before.l3.sequence, `${label}: sequence went back from ${before.l3.sequence} to ${l3.sequence}`);
    assert.deepEqual({ bids: l3.bids, asks: l3.asks }, { bids: before.l3.bids, asks: before.l3.asks }, `${label}: L3 book after restart`);
    assert.deepEqual({ bids: l2.bids, asks: l2.asks }, { bids: before.l2.bids, asks: before.l2.asks }, `${label}: L2 book after restart`);
    const now = await capture(api);
    const restTrades = new Map(now.trades.map((t) => [t.tradeId, tradeKey(t)]));
    for (const trade of before.trades) assert.deepEqual(restTrades.get(trade.tradeId), tradeKey(trade), `${label}: trade ${trade.tradeId} after restart`);
    for (const resolution of ['1m', '1d']) {
      const byTime = new Map(now.candles[resolution].map((c) => [c.time, candleFields(c)]));
      for (const candle of before.candles[resolution]) {
        assert.deepEqual(byTime.get(candle.time), candleFields(candle), `${label}: ${resolution} candle ${candle.time} after restart`);
      }
    }
    return { client, following };
  }

  it('SIGTERM then kill -9: new subscribers continue the book sequence; trades and candles survive', async () => {
    let server = await startServer();
    const dataDir = server.dataDir;
    const traders = await Promise.all([0, 1, 2].map((i) => newTrader(server.client, `restart-${i}`, SYMBOL)));
    const listed = (await getOk(server.client, '/v1/symbols')).symbols as Json[];
    const ref = toCents(listed.find((s) => s.symbol === SYMBOL).referencePrice);
    const first = await connect(server, 'restart-first');
    const firstFollowing = new MarketFollower(first);
    for (const channel of ['book.L2', 'book.L3', 'trades']) await first.subscribe(channel, SYMBOL);
    const stats1 = await runFlow(server.client, traders, SYMBOL, ref, SEED + 7, 90);
    assert.deepEqual(stats1.unexpected.slice(0, 5), [], `${stats1.unexpected.length} unexpected REST answers`);
    await assertBooksMatchRest(server.client, firstFollowing, SYMBOL, 'before SIGTERM');
    assertNoGaps(firstFollowing, 'before SIGTERM');
    const beforeTerm = await capture(server.client);
    assert.ok(beforeTerm.trades.length > 0, 'the flow traded');

    assert.equal(await server.stop('SIGTERM'), 0, 'exit code after SIGTERM');
    const firstClosed = await Promise.race([first.closed, sleep(3_000).then(() => null)]);
    assert.ok(firstClosed, 'the subscriber\'s connection ended with the server');

    server = await startServer({ dataDir });
    const afterTerm = await checkAfterRestart(server, beforeTerm, 'after SIGTERM');
    // The stream goes on from there.
    const stats2 = await runFlow(server.client, traders, SYMBOL, ref, SEED + 8, 60);
    assert.deepEqual(stats2.unexpected.slice(0, 5), [], `${stats2.unexpected.length} unexpected REST answers`);
    await assertBooksMatchRest(server.client, afterTerm.following, SYMBOL, 'after SIGTERM, new flow');
    assertNoGaps(afterTerm.following, 'after SIGTERM, new flow');
    const beforeKill = await capture(server.client);

    await server.kill9();
    server = await startServer({ dataDir });
    await checkAfterRestart(server, beforeKill, 'after kill -9');
    assert.equal(await server.stop('SIGTERM'), 0);
  });
});
