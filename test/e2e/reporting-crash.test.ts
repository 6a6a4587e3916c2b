// The reporting consumer survives kill -9 (ARCHITECTURE.md section 8: its offset is stored in the same
// transaction as its rows; at-least-once delivery + idempotent writes = an exactly-once effect). Black-box,
// against the real server with whichever backend the environment selects (PGlite when DATABASE_URL is
// unset, else a database of its own on that PostgreSQL server; see server-process.ts).
//
// Per seed: a burst of concurrent orders (limit, market and IOC that trade; cancels; replaces; deposits and
// withdrawals), kill -9 after a random short delay while the consumer is behind (mid-batch), restart on the
// same data directory and the same database. The restarted server must say it resumed the store from a
// reporting sequence > 0 (at least where the store was known to be before the burst); once it has caught up, what the store serves must equal what the engine's events
// imply: every execution listed once (no duplicates), each order's executions add up to its filledQuantity
// (no gaps), two executions per trade, every order's audit trail complete, and reconciliation (ledger vs
// engine wallets) finds no difference. One seed in two snapshots often: the engine recovers from its newest
// snapshot, often past the store's offset, and the store must write the commands between from the journal.
//
// Reproduce with REPORTING_CRASH_SEED=<printed base seed>; REPORTING_CRASH_SEEDS=<n> runs n seeds (default 3).
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import { Rng, sleep } from './crash-helpers.ts';
import { type Account, type Client, DEFAULT_BACKEND, type Json, type Reply, type ServerProcess, startServer } from './server-process.ts';

const BASE_SEED = process.env.REPORTING_CRASH_SEED ? Number(process.env.REPORTING_CRASH_SEED) : Date.now() % 1_000_000;
const SEED_COUNT = process.env.REPORTING_CRASH_SEEDS ? Number(process.env.REPORTING_CRASH_SEEDS) : 3;
console.log(`reporting crash e2e: backend ${DEFAULT_BACKEND}; base seed ${BASE_SEED} (rerun with REPORTING_CRASH_SEED=${BASE_SEED})`);

const ACCOUNTS = 6;
const SYMBOLS = ['AAPL', 'MSFT'] as const;
const CONCURRENCY = 48;
/** The load far exceeds the default per-IP and per-key limits; 429s would only thin it out. */
const SERVER_ENV = {
  EXCHANGE_RATE_PER_IP: '1000000', EXCHANGE_BURST_PER_IP: '1000000', EXCHANGE_RATE_PER_KEY: '1000000', EXCHANGE_BURST_PER_KEY: '1000000',
};

interface ExecutionJson {
  id: string;
  tradeId: string;
  orderId: string;
  symbol: string;
  side: 'buy' | 'sell';
  price: string;
  quantity: number;
  fee: string;
  liquidity: 'maker' | 'taker';
  time: number;
}

function cents(text: string): number {
  const match = /^(-?)([0-9]+)(?:\.([0-9]{1,2}))?$/.exec(text);
  assert.ok(match, `not a decimal string with at most 2 decimals: ${JSON.stringify(text)}`);
  const value = Number(match[2]) * 100 + Number((match[3] ?? '').padEnd(2, '0'));
  return match[1] === '-' ? -value : value;
}

function money(value: number): string {
  return `${Math.floor(value / 100)}.${String(value % 100).padStart(2, '0')}`;
}

async function mapLimit<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await run(items[next++]);
  }));
}

/** The reporting lag gauge from /metrics (null when it cannot be read: the server is down). */
async function reportingLag(client: Client): Promise<number | null> {
  try {
    const reply = await client.request('GET', '/metrics');
    const match = /^exchange_reporting_lag_commands(?:\{[^}]*\})? (\S+)$/m.exec(reply.text);
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------------------
// The burst

interface BurstStats {
  sent: number;
  acknowledged: number;
  cutOff: number;
  statuses: Record<number, number>;
  /** The lag gauge: the largest value seen, and the last one read before the kill. */
  maxLag: number;
  lagAtKill: number | null;
}

/**
 * Up to `total` requests, CONCURRENCY at a time, until `stop.stopped`: mostly orders around the reference
 * price that cross (limit GTC and IOC, market), cancels and replaces of acknowledged open orders, deposits
 * and withdrawals. Requests the kill cuts off are counted and dropped.
 */
async function burst(client: Client, accounts: Account[], reference: Map<string, number>, rng: Rng, total: number, stop: { stopped: boolean }): Promise<BurstStats> {
  const stats: BurstStats = { sent: 0, acknowledged: 0, cutOff: 0, statuses: {}, maxLag: 0, lagAtKill: null };
  const open: Array<{ account: Account; id: string; symbol: string }> = [];
  const step = async (): Promise<void> => {
    const account = rng.pick(accounts);
    const roll = rng.next();
    let reply: Reply;
    if (roll < 0.78 || open.length === 0) {
      const symbol = rng.pick(SYMBOLS);
      const side = rng.next() < 0.5 ? 'buy' : 'sell';
      const kind = rng.next();
      const body = kind < 0.08
        ? { symbol, side, orderType: 'market', quantity: rng.int(1, 15) }
        : { symbol, side, orderType: 'limit', price: money(reference.get(symbol)! + rng.int(-6, 6) * 2), quantity: rng.int(1, 20), timeInForce: kind < 0.2 ? 'IOC' : 'GTC' };
      reply = await client.signed(account, 'POST', '/v1/order', body);
      if (reply.status === 201 && (reply.body.status === 'new' || reply.body.status === 'partially_filled')) open.push({ account, id: reply.body.id, symbol });
    } else if (roll < 0.9) {
      const order = open.splice(rng.int(0, open.length - 1), 1)[0];
      reply = await client.signed(order.account, 'DELETE', `/v1/order/${order.id}`);
    } else if (roll < 0.95) {
      const order = open[rng.int(0, open.length - 1)];
      const body = rng.next() < 0.5 ? { quantity: rng.int(21, 40) } : { price: money(reference.get(order.symbol)! + rng.int(-6, 6) * 2) };
      reply = await client.signed(order.account, 'PUT', `/v1/order/${order.id}`, body);
    } else {
      const action = rng.next() < 0.6 ? 'deposit' : 'withdraw';
      const asset = rng.next() < 0.5 ? 'USD' : rng.pick(SYMBOLS);
      reply = await client.admin('POST', `/v1/admin/accounts/${account.accountId}/${action}`, {
        asset, amount: asset === 'USD' ? money(rng.int(1, 1_000_000)) : String(rng.int(1, 50)),
      });
    }
    stats.statuses[reply.status] = (stats.statuses[reply.status] ?? 0) + 1;
    if (reply.status < 300) stats.acknowledged++;
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (!stop.stopped && stats.sent < total) {
      stats.sent++;
      try {
        await step();
      } catch {
        stats.cutOff++; // the server was killed under this request
      }
    }
  }));
  return stats;
}

// ---------------------------------------------------------------------------------------------------------
// The checks after the restart

/** Every execution of the account, pages of `pageSize` following `next` into `before`. */
async function pagedExecutions(client: Client, account: Account, pageSize: number): Promise<ExecutionJson[]> {
  const executions: ExecutionJson[] = [];
  let before: string | null = null;
  for (let pages = 1; ; pages++) {
    const path: string = `/v1/execution?limit=${pageSize}${before === null ? '' : `&before=${before}`}`;
    const reply = await client.signed(account, 'GET', path);
    assert.equal(reply.status, 200, `GET ${path}: ${reply.text}`);
    executions.push(...(reply.body.executions as ExecutionJson[]));
    if (reply.body.next === null) break;
    before = reply.body.next as string;
    assert.ok(pages < 10_000, 'pagination does not end');
  }
  return executions;
}

interface Summary {
  orders: number;
  executions: number;
  trades: number;
  audits: number;
}

/** What the store serves against what the engine's state implies; returns counts for the diagnostic. */
async function checkStore(client: Client, accounts: Account[]): Promise<Summary> {
  const problems: string[] = [];
  const reconciled = await client.admin('GET', '/v1/admin/reconcile');
  assert.equal(reconciled.status, 200, reconciled.text);
  assert.deepEqual(reconciled.body.differences, [], 'reconciliation: the ledger equals the engine wallets (no duplicated or missing entries)');

  const executionIds = new Set<string>();
  const byTrade = new Map<string, ExecutionJson[]>();
  const orders: Array<{ account: Account; order: Json; executions: ExecutionJson[] }> = [];
  for (const account of accounts) {
    const listed = await client.signed(account, 'GET', '/v1/orders?limit=1000');
    assert.equal(listed.status, 200, listed.text);
    const accountOrders = listed.body.orders as Json[];
    assert.ok(accountOrders.length < 1000, `account ${account.accountId} has ${accountOrders.length} orders: more than one page, the check would miss some`);
    const executions = await pagedExecutions(client, account, 500);
    const byOrder = new Map<string, ExecutionJson[]>();
    for (const execution of executions) {
      if (executionIds.has(execution.id)) problems.push(`execution ${execution.id} listed twice`);
      executionIds.add(execution.id);
      byOrder.set(execution.orderId, [...(byOrder.get(execution.orderId) ?? []), execution]);
      byTrade.set(execution.tradeId, [...(byTrade.get(execution.tradeId) ?? []), execution]);
    }
    const known = new Set(accountOrders.map((o) => o.id as string));
    for (const orderId of byOrder.keys()) if (!known.has(orderId)) problems.push(`executions of order ${orderId}, not an order of account ${account.accountId}`);
    for (const order of accountOrders) {
      const list = byOrder.get(order.id) ?? [];
      const executed = list.reduce((sum, e) => sum + e.quantity, 0);
      if (executed !== order.filledQuantity) {
        problems.push(`order ${order.id} (account ${account.accountId}, ${order.status}): filledQuantity ${order.filledQuantity}, executions add up to ${executed}`);
      }
      orders.push({ account, order, executions: list });
    }
    // The trade report counts the same rows.
    const report = await client.signed(account, 'GET', '/v1/reports/trades?format=json');
    assert.equal(report.status, 200, report.text);
    if (report.body.trades.length !== executions.length) problems.push(`account ${account.accountId}: trade report ${report.body.trades.length} rows, executions ${executions.length}`);
  }
  for (const [tradeId, list] of byTrade) {
    const ok = list.length === 2 && list[0].side !== list[1].side && list[0].liquidity !== list[1].liquidity &&
      list[0].quantity === list[1].quantity && list[0].price === list[1].price;
    if (!ok) problems.push(`trade ${tradeId} does not pair up: ${JSON.stringify(list)}`);
  }
  if (executionIds.size !== 2 * byTrade.size) problems.push(`${executionIds.size} executions for ${byTrade.size} trades`);

  // Every order's audit trail: accepted first, sequences increasing, fills = filledQuantity, one cancel iff canceled.
  await mapLimit(orders, 16, async ({ order, executions }) => {
    const reply = await client.admin('GET', `/v1/admin/orders/${order.id}/audit`);
    if (reply.status !== 200) return void problems.push(`order ${order.id}: audit ${reply.status} ${reply.text}`);
    const events = reply.body.events as Json[];
    const where = `order ${order.id} (${order.status}, filled ${order.filledQuantity}/${order.quantity})`;
    if (events[0]?.kind !== 'accepted') problems.push(`${where}: the audit does not start with accepted: ${reply.text}`);
    if (events.filter((e) => e.kind === 'accepted').length !== 1) problems.push(`${where}: accepted ${events.filter((e) => e.kind === 'accepted').length} times`);
    for (let i = 1; i < events.length; i++) if (!(events[i].sequence > events[i - 1].sequence)) problems.push(`${where}: event sequences not increasing`);
    const fills = events.filter((e) => e.kind === 'execution');
    const filled = fills.reduce((sum, e) => sum + e.quantity, 0);
    if (filled !== order.filledQuantity) problems.push(`${where}: audit executions add up to ${filled}`);
    if (fills.length !== executions.length) problems.push(`${where}: ${fills.length} execution events, ${executions.length} executions`);
    const cancels = events.filter((e) => e.kind === 'canceled').length;
    if (cancels !== (order.status === 'canceled' ? 1 : 0)) problems.push(`${where}: ${cancels} cancel events`);
  });

  // The day's summary (every account is this test's) counts each trade once.
  const takers = [...byTrade.values()].flat().filter((e) => e.liquidity === 'taker');
  const dates = [...new Set(takers.map((e) => new Date(e.time).toISOString().slice(0, 10)))];
  let summaryTrades = 0;
  let summaryVolume = 0;
  for (const date of dates) {
    const daily = await client.admin('GET', `/v1/admin/reports/daily?date=${date}`);
    assert.equal(daily.status, 200, daily.text);
    for (const row of daily.body.symbols as Json[]) {
      summaryTrades += row.trades;
      summaryVolume += row.volume;
    }
  }
  if (summaryTrades !== byTrade.size) problems.push(`daily summary: ${summaryTrades} trades, ${byTrade.size} distinct trade ids`);
  const volume = takers.reduce((sum, e) => sum + e.quantity, 0);
  if (summaryVolume !== volume) problems.push(`daily summary: volume ${summaryVolume}, executions say ${volume}`);

  assert.deepEqual(problems.slice(0, 25), [], `${problems.length} problem(s) in the reporting store after the crash`);
  return { orders: orders.length, executions: executionIds.size, trades: byTrade.size, audits: orders.length };
}

// ---------------------------------------------------------------------------------------------------------

describe(`reporting consumer: kill -9 mid-batch, restart, no duplicates and no gaps (${DEFAULT_BACKEND})`, () => {
  const caughtUpAfterRestart: number[] = [];
  /** Per seed whose restart found the store behind the engine's snapshot: commands written from the journal. */
  const fromJournalAfterRestart: number[] = [];
  const maxLags: number[] = [];

  for (let i = 0; i < SEED_COUNT; i++) {
    const seed = BASE_SEED + i;
    const snapshotEvery = i % 2 === 1 ? 150 : 0;
    test(`seed ${seed}, EXCHANGE_SNAPSHOT_EVERY=${snapshotEvery}`, { timeout: 60_000 }, async (t: TestContext) => {
      const rng = new Rng(seed);
      const phases: string[] = [];
      let phaseStart = Date.now();
      const phase = (name: string): void => {
        phases.push(`${name} ${Date.now() - phaseStart} ms`);
        phaseStart = Date.now();
      };
      let server: ServerProcess = await startServer({ env: { ...SERVER_ENV, EXCHANGE_SNAPSHOT_EVERY: String(snapshotEvery) } });
      phase('start');
      try {
        const client = server.client;
        const symbols = await client.publicGet('/v1/symbols');
        const reference = new Map<string, number>((symbols.body.symbols as Json[]).map((s) => [s.symbol as string, cents(s.referencePrice)]));
        const accounts: Account[] = [];
        for (let a = 0; a < ACCOUNTS; a++) {
          const account = await client.createAccount(`crash-${seed}-${a}`);
          await client.deposit(account, 'USD', '10000000.00');
          for (const symbol of SYMBOLS) await client.deposit(account, symbol, '100000');
          accounts.push(account);
        }

        // Reconciliation waits for the store to catch up: from here on it holds at least this sequence.
        const beforeBurst = await client.admin('GET', '/v1/admin/reconcile');
        assert.equal(beforeBurst.status, 200, beforeBurst.text);
        assert.deepEqual(beforeBurst.body.differences, []);
        const storedBeforeBurst = beforeBurst.body.sequence as number;
        phase('setup');
        const total = rng.int(1_000, 4_000);
        const killAfterMs = rng.int(300, 1_500);
        const stop = { stopped: false };
        const load = burst(client, accounts, reference, rng, total, stop);
        let maxLag = 0;
        let lastLag: number | null = null;
        const burstStarted = Date.now();
        const deadline = burstStarted + killAfterMs;
        while (Date.now() < deadline) {
          lastLag = await reportingLag(client);
          maxLag = Math.max(maxLag, lastLag ?? 0);
          await sleep(5);
        }
        // Past the random delay, kill at the first moment the store is seen behind (within 1 s).
        const extraDeadline = Date.now() + 1_000;
        while (Date.now() < extraDeadline && !(lastLag !== null && lastLag > 0)) {
          lastLag = await reportingLag(client);
          maxLag = Math.max(maxLag, lastLag ?? 0);
        }
        assert.ok(server.running, `the server died on its own under the load:\n${server.output()}`);
        const killedAtMs = Date.now() - burstStarted;
        await server.kill9();
        stop.stopped = true;
        const stats = await load;
        const serverErrors = Object.keys(stats.statuses).filter((status) => Number(status) >= 500);
        assert.deepEqual(serverErrors, [], `no 5xx before the kill: ${JSON.stringify(stats.statuses)}`);
        assert.ok(stats.acknowledged > 0, 'nothing was acknowledged before the kill');

        phase('burst');
        server = await server.restart();
        phase('restart');
        const output = server.output();
        const resumed = /reporting: (pglite|postgres)\b[^\n]*, at sequence (\d+)/.exec(output);
        assert.ok(resumed, `the restarted server should say where the reporting store resumes:\n${output}`);
        assert.equal(resumed[1], server.backend);
        const reportingSequence = Number(resumed[2]);
        const recovered = /recovery: replayed (\d+) commands from the journal; now at sequence (\d+)/.exec(output);
        assert.ok(recovered, output);
        const engineSequence = Number(recovered[2]);
        assert.ok(reportingSequence <= engineSequence, `the store (${reportingSequence}) cannot be ahead of the journal (${engineSequence})`);
        const snapshot = /recovery: loaded snapshot at sequence (\d+)/.exec(output);
        caughtUpAfterRestart.push(engineSequence - reportingSequence);
        maxLags.push(maxLag);

        const summary = await checkStore(server.client, accounts);
        phase('checks');
        // The engine recovers from its newest snapshot whatever the store's offset; the commands between
        // the two never come down the stream, and the store writes them from the journal itself.
        const fromJournal = snapshot && Number(snapshot[1]) > reportingSequence;
        if (fromJournal) {
          fromJournalAfterRestart.push(Number(snapshot[1]) - reportingSequence);
          const after = server.output();
          assert.ok(after.includes(`reporting: commands ${reportingSequence + 1}..${snapshot[1]} came before the engine's snapshot, not down the stream; writing them from the journal`), after);
          assert.match(after, new RegExp(`reporting: wrote ${Number(snapshot[1]) - reportingSequence} commands \\(${reportingSequence + 1}\\.\\.${snapshot[1]}\\) from the journal`));
        }
        t.diagnostic(`seed ${seed}: ${stats.sent} requests sent (${stats.acknowledged} acknowledged, ${stats.cutOff} cut off; ` +
          `statuses ${JSON.stringify(stats.statuses)}), killed after ${killAfterMs} ms (+ ${killedAtMs - killAfterMs} ms waiting for a lag); lag gauge max ${maxLag}, last read before the kill ${lastLag}; ` +
          `restart: store resumed at sequence ${reportingSequence}, engine at ${engineSequence} ` +
          `(${engineSequence - reportingSequence} commands to catch up)${snapshot ? `, engine from snapshot ${snapshot[1]}` : ', engine from the journal only'}` +
          `${fromJournal ? ` (the store wrote ${Number(snapshot[1]) - reportingSequence} from the journal)` : ''}; ` +
          `checked ${summary.orders} orders and audit trails, ${summary.executions} executions, ${summary.trades} trades; ${phases.join(', ')}`);
        assert.equal(await server.stop('SIGTERM'), 0, `SIGTERM should exit 0:\n${server.output()}`);
        if (i === 0) {
          // Once more after a clean stop: the store resumes exactly where the engine does, nothing written twice.
          server = await server.restart();
          const again = /reporting: \w+\b[^\n]*, at sequence (\d+)/.exec(server.output());
          const engineAgain = /now at sequence (\d+)/.exec(server.output());
          assert.ok(again && engineAgain, server.output());
          assert.equal(Number(again[1]), Number(engineAgain[1]), `after SIGTERM the store resumes at the engine's sequence:\n${server.output()}`);
          const reconciled = await server.client.admin('GET', '/v1/admin/reconcile');
          assert.equal(reconciled.status, 200, reconciled.text);
          assert.deepEqual(reconciled.body.differences, []);
          phase('clean restart');
          t.diagnostic(`seed ${seed}: clean restart at sequence ${again[1]}, reconciled; ${phases.join(', ')}`);
          assert.equal(await server.stop('SIGTERM'), 0);
        }
        // Checked last, so that the checks above report on the store whatever its offset.
        assert.ok(reportingSequence >= storedBeforeBurst, `the store should resume from the offset it stored before the kill (at least ` +
          `${storedBeforeBurst}, where reconciliation found it caught up before the burst), not from the start: ${resumed[0]}`);
      } finally {
        if (server.running) await server.kill9();
      }
    });
  }

  test('a store far behind the engine\'s newest snapshot (kept slow on purpose) writes the commands between from the journal, replaying from the snapshot kept for it', { timeout: 120_000 }, async (t: TestContext) => {
    const seed = BASE_SEED + 1000;
    const rng = new Rng(seed);
    // First the store gets past a snapshot or two at full speed, and the server stops cleanly: the next start
    // tells the engine thread the store's offset, and the snapshot at or before it must survive the ones the
    // burst below brings.
    let server = await startServer({ env: { ...SERVER_ENV, EXCHANGE_SNAPSHOT_EVERY: '100', EXCHANGE_REPORTING_DUTY_PERCENT: '100' } });
    try {
      let client = server.client;
      const symbols = await client.publicGet('/v1/symbols');
      const reference = new Map<string, number>((symbols.body.symbols as Json[]).map((s) => [s.symbol as string, cents(s.referencePrice)]));
      const accounts: Account[] = [];
      for (let a = 0; a < ACCOUNTS; a++) {
        const account = await client.createAccount(`behind-${seed}-${a}`);
        await client.deposit(account, 'USD', '10000000.00');
        for (const symbol of SYMBOLS) await client.deposit(account, symbol, '100000');
        accounts.push(account);
      }
      await burst(client, accounts, reference, rng, 150, { stopped: false });
      assert.equal(await server.stop('SIGTERM'), 0, server.output());
      // Now the store rests 99 ms for each ms it writes, so it falls hundreds of commands behind at once.
      server = await server.restart({ env: { EXCHANGE_REPORTING_DUTY_PERCENT: '1' } });
      client = server.client;
      const storedBefore = Number(/reporting: \w+\b[^\n]*, at sequence (\d+)/.exec(server.output())?.[1]);
      assert.ok(storedBefore >= 100, `the store should have got past the first snapshot before the clean stop:\n${server.output()}`);
      const stop = { stopped: false };
      const load = burst(client, accounts, reference, rng, 3_000, stop);
      let lag = 0;
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline && lag < 600) {
        lag = (await reportingLag(client)) ?? 0;
        await sleep(20);
      }
      assert.ok(lag >= 600, `the store never fell 600 commands behind (lag ${lag})`);
      await server.kill9();
      stop.stopped = true;
      await load;

      server = await server.restart({ env: { EXCHANGE_REPORTING_DUTY_PERCENT: '100' } });
      const output = server.output();
      const stored = Number(/reporting: \w+\b[^\n]*, at sequence (\d+)/.exec(output)?.[1]);
      const snapshot = Number(/recovery: loaded snapshot at sequence (\d+)/.exec(output)?.[1]);
      assert.ok(snapshot > stored + 300, `the engine should start from its newest snapshot, well past the store's offset ${stored}:\n${output}`);
      const summary = await checkStore(server.client, accounts);
      const after = server.output();
      assert.ok(after.includes(`reporting: commands ${stored + 1}..${snapshot} came before the engine's snapshot, not down the stream; writing them from the journal`), after);
      const wrote = new RegExp(`reporting: wrote ${snapshot - stored} commands \\(${stored + 1}\\.\\.${snapshot}\\) from the journal in [0-9.]+ s, replaying (\\d+) from (?:the snapshot at (\\d+)|the journal's start)`).exec(after);
      assert.ok(wrote, after);
      // More than three snapshots were written after the store's offset: without the one kept for the store,
      // the catch-up would replay from the journal's start.
      const replayedFrom = Number(wrote[2] ?? 0);
      assert.ok(replayedFrom > 0 && replayedFrom <= stored, `the catch-up should replay from a snapshot at or before the store's offset ${stored}, not from ${replayedFrom}:\n${after}`);
      t.diagnostic(`seed ${seed}: store at ${storedBefore} after the clean stop, at ${stored} after the kill; engine from snapshot ${snapshot}; ${snapshot - stored} commands written from the journal ` +
        `(replayed ${wrote[1]} from the snapshot at ${replayedFrom}); checked ${summary.orders} orders, ${summary.executions} executions, ${summary.trades} trades`);
      assert.equal(await server.stop('SIGTERM'), 0, server.output());
    } finally {
      if (server.running) await server.kill9();
    }
  });

  test('at least one kill left the store behind the journal (the consumer was killed mid-batch); the lag gauge rose under load', (t) => {
    t.diagnostic(`commands to catch up after each restart: ${caughtUpAfterRestart.join(', ')}; of those written from the journal ` +
      `(the store behind the engine's snapshot): ${fromJournalAfterRestart.join(', ') || 'none'}; largest lag seen per seed: ${maxLags.join(', ')}`);
    assert.ok(maxLags.length === 0 || maxLags.some((lag) => lag > 0), 'the lag gauge never left 0 under the load');
    assert.ok(caughtUpAfterRestart.length === 0 || caughtUpAfterRestart.some((n) => n > 0),
      'every kill found the store caught up: the crash never hit a batch in flight');
  });
});
