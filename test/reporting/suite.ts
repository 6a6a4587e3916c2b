// The reporting store's behaviour, run the same against every backend. Released batches come from the
// real engine and sequencer over seeded streams (realistic flow over several days, and the differential
// test's generator for the odd cases), written in batches of random sizes that overlap and pipeline;
// then everything the store holds or answers is compared with what the events imply (expected.ts) and
// with the engine's own balances. A failure prints the seed: REPORTING_SEED=<seed> reruns it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { type Engine } from '../../src/engine/index.ts';
import { MIGRATIONS, type ReportingStore, SequenceGapError, TABLES } from '../../src/reporting/index.ts';
import type { Released } from '../../src/sequencer/index.ts';
import { statusOf } from '../../src/views/index.ts';
import { streamArbitrary } from '../reference/command-generator.ts';
import type { TestBackend } from './backends.ts';
import { Expected, RESOLUTION_MS } from './expected.ts';
import { generateFlow, ODD_TEXT, runEngine, seededRandom } from './flow.ts';

const SEED = Number(process.env.REPORTING_SEED ?? Date.now() % 1_000_000);
const DAY_MS = 86_400_000;

/**
 * Writes the stream in batches of 1..maxBatch commands; about a third start a little before the end of
 * the previous one (redelivery), and up to three writes are in flight at once.
 */
async function writeStream(store: ReportingStore, released: readonly Released[], random: () => number, maxBatch: number): Promise<void> {
  let next = 0;
  const pending: Array<Promise<void>> = [];
  while (next < released.length) {
    const size = 1 + Math.floor(random() * maxBatch);
    const overlap = random() < 0.3 ? Math.min(next, Math.floor(random() * 30)) : 0;
    pending.push(store.write(released.slice(next - overlap, next + size)));
    next += size;
    if (pending.length >= 1 + Math.floor(random() * 3)) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
}

/** Row count and a hash of every row of every table: equal fingerprints, equal contents. */
async function fingerprint(store: ReportingStore): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const table of [...TABLES, 'schema_migrations']) {
    const [row] = await store.query<{ n: number; h: string }>(
      `SELECT count(*)::bigint AS n, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS h FROM ${table} t`,
    );
    out[table] = `${row.n}:${row.h}`;
  }
  return out;
}

function nonZero(rows: Array<{ accountId: number; asset: number; amount: number }>): Array<{ accountId: number; asset: number; amount: number }> {
  return rows.filter((r) => r.amount !== 0).map(({ accountId, asset, amount }) => ({ accountId, asset, amount }));
}

async function checkLedger(store: ReportingStore, engine: Engine): Promise<void> {
  const balances = Expected.balances(engine.dump());
  assert.deepEqual(nonZero(await store.ledgerBalances()), balances, 'ledger sums per (account, asset) = engine available + held');
  assert.deepEqual(await store.reconcile(balances.filter((b) => b.accountId >= 0)), [], 'reconciliation finds no difference');
  const unbalanced = await store.query(
    `SELECT event_sequence, asset, sum(amount)::bigint AS s FROM ledger_entries GROUP BY event_sequence, asset HAVING sum(amount) <> 0`,
  );
  assert.deepEqual(unbalanced, [], 'every event\'s entries sum to zero per asset');
  const trades = await store.query(
    `SELECT trade_id, asset, sum(amount)::bigint AS s FROM ledger_entries WHERE trade_id IS NOT NULL GROUP BY trade_id, asset HAVING sum(amount) <> 0`,
  );
  assert.deepEqual(trades, [], 'every trade\'s entries sum to zero per asset');
}

async function checkOrders(store: ReportingStore, expected: Expected): Promise<void> {
  const accounts = new Set(expected.orders.all().map((o) => o.accountId));
  for (const accountId of accounts) {
    const want = expected.orders.list(accountId, () => true, 1_000_000).map((o) => {
      const events = expected.audit.get(o.orderId)!;
      return { ...o, status: statusOf(o), canceled: statusOf(o) === 'canceled', lastEventSequence: events[events.length - 1].eventSequence };
    });
    assert.deepEqual(await store.orders({ accountId, limit: 1_000_000 }), want, `orders of account ${accountId}`);
  }
}

async function checkExecutions(store: ReportingStore, expected: Expected): Promise<void> {
  const accounts = new Set(expected.executions.map((e) => e.accountId));
  for (const accountId of accounts) {
    const want = expected.executions.filter((e) => e.accountId === accountId).reverse();
    assert.deepEqual(await store.executions({ accountId, limit: 1_000_000 }), want, `executions of account ${accountId}`);
  }
}

async function checkAudit(store: ReportingStore, expected: Expected, orderIds: Iterable<number>): Promise<void> {
  for (const orderId of orderIds) {
    assert.deepEqual(await store.orderAudit(orderId), expected.audit.get(orderId), `audit trail of order ${orderId}`);
  }
}

export function reportingSuite(name: string, makeBackend: (() => TestBackend) | string): void {
  const skip = typeof makeBackend === 'string' ? makeBackend : false;
  describe(`reporting store on ${name} (seed ${SEED})`, { skip }, () => {
    let backend: TestBackend;
    before(() => {
      if (typeof makeBackend !== 'string') backend = makeBackend();
    });
    after(async () => {
      await backend?.cleanup();
    });

    describe('a realistic flow over several days', () => {
      let store: ReportingStore;
      const flow = generateFlow({ seed: SEED, commands: 2_500, accounts: 12, meanGapMs: 90_000, startMs: Date.UTC(2026, 10, 16, 21, 15) });
      const expected = new Expected(flow.released);
      const random = seededRandom(SEED + 1);
      const firstMs = flow.released[0].command.timestampMs;
      const lastMs = flow.released[flow.released.length - 1].command.timestampMs;
      const assetName = (asset: number): string => (asset === 0 ? 'USD' : flow.symbols[asset - 1]);

      before(async () => {
        store = await backend.fresh(flow.symbols);
        await writeStream(store, flow.released, random, 300);
      });
      after(async () => {
        await store?.close();
      });

      it('ran every migration once and stored the offset', async () => {
        const versions = await store.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
        assert.deepEqual(versions.map((v) => v.version), MIGRATIONS.map((_, i) => i + 1));
        assert.equal(await store.offset(), expected.lastSequence);
        assert.equal(store.backend, name);
      });

      it('holds as many rows as the events imply', async () => {
        assert.deepEqual(await store.counts(), expected.counts(flow.symbols.length));
        const accounts = await store.query<{ account_id: number; name: string; status: string }>('SELECT account_id, name, status FROM accounts ORDER BY account_id');
        assert.deepEqual(accounts.map((a) => [a.account_id, [a.name, a.status]]), [...expected.accounts].sort((a, b) => a[0] - b[0]));
        assert.equal(accounts[2].name, ODD_TEXT);
        assert.ok(expected.orders.all().some((o) => o.clientOrderId.startsWith(ODD_TEXT.slice(0, 40))), 'odd client order ids in the flow');
      });

      it('holds every order as the order view has it', async () => {
        await checkOrders(store, expected);
        const some = expected.orders.all()[7];
        assert.deepEqual((await store.order(some.orderId))?.filledQuantity, some.filledQuantity);
        assert.equal(await store.order(999_999_999), null);
        const open = await store.orders({ accountId: some.accountId, status: 'open', limit: 1_000 });
        assert.deepEqual(open.map((o) => o.orderId), expected.orders.list(some.accountId, (o) => statusOf(o) === 'new' || statusOf(o) === 'partially_filled', 1_000).map((o) => o.orderId));
        const page = await store.orders({ accountId: some.accountId, status: 'filled', limit: 3, beforeOrderId: some.orderId + 500 });
        assert.deepEqual(page.map((o) => o.orderId), expected.orders.list(some.accountId, (o) => statusOf(o) === 'filled' && o.orderId < some.orderId + 500, 3).map((o) => o.orderId));
      });

      it('holds every execution as the events have it', async () => {
        assert.ok(expected.executions.length > 200, `a flow with trades (${expected.executions.length} executions)`);
        await checkExecutions(store, expected);
      });

      it('keeps a double-entry ledger that reconciles with the engine to the cent', async () => {
        await checkLedger(store, flow.engine);
        const [row] = await store.query<{ account_id: number; asset: number; event_sequence: number; leg: number }>(
          'SELECT account_id, asset, event_sequence, leg FROM ledger_entries WHERE account_id > 0 ORDER BY event_sequence DESC LIMIT 1',
        );
        await store.query('UPDATE ledger_entries SET amount = amount + 1 WHERE event_sequence = $1 AND leg = $2', [row.event_sequence, row.leg]);
        const differences = await store.reconcile(Expected.balances(flow.engine.dump()).filter((b) => b.accountId >= 0));
        assert.deepEqual(differences.map((d) => [d.accountId, d.asset, d.ledger - d.balance]), [[row.account_id, row.asset, 1]]);
        await store.query('UPDATE ledger_entries SET amount = amount - 1 WHERE event_sequence = $1 AND leg = $2', [row.event_sequence, row.leg]);
      });

      it('keeps candles of every resolution from the taker executions', async () => {
        const want = expected.candles();
        for (let symbolId = 0; symbolId < flow.symbols.length; symbolId++) {
          for (const [resolution] of RESOLUTION_MS) {
            const got = await store.candles(symbolId, resolution, 0, Number.MAX_SAFE_INTEGER);
            const wanted = [...want].filter(([key]) => key.startsWith(`${symbolId}/${resolution}/`))
              .map(([key, c]) => ({ symbolId, resolution, timeMs: Number(key.split('/')[2]), ...c }))
              .sort((a, b) => a.timeMs - b.timeMs);
            assert.deepEqual(got, wanted, `candles ${flow.symbols[symbolId]} ${resolution}`);
          }
        }
      });

      it('answers execution queries: filters, time window, cursor pagination', async () => {
        const accountId = expected.executions[Math.floor(expected.executions.length / 2)].accountId;
        const mine = expected.executions.filter((e) => e.accountId === accountId).reverse();
        const bySymbol = await store.executions({ accountId, symbolId: 1, limit: 10_000 });
        assert.deepEqual(bySymbol, mine.filter((e) => e.symbolId === 1));
        const multiFill = mine.find((e) => mine.filter((x) => x.orderId === e.orderId).length > 1) ?? mine[0];
        assert.deepEqual(await store.executions({ accountId, orderId: multiFill.orderId, limit: 100 }), mine.filter((e) => e.orderId === multiFill.orderId));
        // Both ends inclusive, on exact execution times.
        const startMs = mine[Math.floor(mine.length * 0.7)].timeMs;
        const endMs = mine[Math.floor(mine.length * 0.3)].timeMs;
        assert.deepEqual(await store.executions({ accountId, startMs, endMs, limit: 10_000 }), mine.filter((e) => e.timeMs >= startMs && e.timeMs <= endMs));
        const pages: number[] = [];
        let cursor: number | undefined;
        for (;;) {
          const page = await store.executions({ accountId, limit: 7, ...(cursor === undefined ? {} : { beforeExecutionId: cursor }) });
          if (page.length === 0) break;
          pages.push(...page.map((e) => e.executionId));
          cursor = page[page.length - 1].executionId;
        }
        assert.deepEqual(pages, mine.map((e) => e.executionId));
        assert.deepEqual(await store.executions({ accountId, limit: 0 }), []);
      });

      it('gives the trade history of a period, oldest first', async () => {
        const accountId = expected.executions[0].accountId;
        const startMs = firstMs + Math.floor((lastMs - firstMs) / 3);
        const endMs = firstMs + Math.floor(((lastMs - firstMs) * 2) / 3);
        const want = expected.executions.filter((e) => e.accountId === accountId && e.timeMs >= startMs && e.timeMs < endMs);
        assert.deepEqual(await store.trades(accountId, startMs, endMs), want);
      });

      it('prints statements whose movements add up from opening to closing', async () => {
        const firstDay = Math.floor(firstMs / DAY_MS) * DAY_MS;
        let checked = 0;
        for (let accountId = 0; accountId <= 12; accountId += 3) {
          for (let dayStartMs = firstDay; dayStartMs <= lastMs; dayStartMs += DAY_MS) {
            const statement = await store.statement(accountId, dayStartMs, dayStartMs + DAY_MS);
            const want = expected.statementAssets(accountId, dayStartMs, dayStartMs + DAY_MS, assetName).filter(
              (a) => a.asset === 0 || a.opening !== 0 || a.closing !== 0 || a.deposits !== 0 || a.withdrawals !== 0 || a.bought !== 0 || a.sold !== 0,
            );
            assert.deepEqual(statement.assets.filter((a) => a.asset === 0 || a.opening !== 0 || a.closing !== 0 || a.deposits !== 0 || a.withdrawals !== 0 || a.bought !== 0 || a.sold !== 0), want,
              `statement of account ${accountId} on ${new Date(dayStartMs).toISOString()}`);
            for (const line of statement.assets) assert.ok(line.balanced, `asset ${line.asset} balances`);
            const trades = expected.executions.filter((e) => e.accountId === accountId && e.timeMs >= dayStartMs && e.timeMs < dayStartMs + DAY_MS);
            assert.deepEqual(statement.trades, trades);
            assert.equal(statement.feesCents, trades.reduce((s, e) => s + e.feeCents, 0));
            const moves = expected.effects.filter(([t, a, , , c]) => a === accountId && t >= dayStartMs && t < dayStartMs + DAY_MS && (c === 'deposit' || c === 'withdrawal'));
            assert.deepEqual([...statement.deposits, ...statement.withdrawals].map((m) => m.amount).sort((a, b) => a - b), moves.map((m) => m[3]).sort((a, b) => a - b));
            checked++;
          }
        }
        assert.ok(checked >= 10);
        // At the end of time, every closing balance is the engine's.
        const balances = Expected.balances(flow.engine.dump());
        const statement = await store.statement(3, 0, Number.MAX_SAFE_INTEGER);
        for (const line of statement.assets) {
          assert.equal(line.closing, balances.find((b) => b.accountId === 3 && b.asset === line.asset)?.amount ?? 0);
        }
      });

      it('summarizes each day per symbol: OHLC, volume, VWAP', async () => {
        const firstDay = Math.floor(firstMs / DAY_MS) * DAY_MS;
        for (let dayStartMs = firstDay; dayStartMs <= lastMs; dayStartMs += DAY_MS) {
          assert.deepEqual(await store.dailySummary(dayStartMs, dayStartMs + DAY_MS), expected.dailySummary(dayStartMs, dayStartMs + DAY_MS, flow.symbols));
        }
        const odd = [firstMs + 12_345_678, firstMs + 98_765_432];
        assert.deepEqual(await store.dailySummary(odd[0], odd[1]), expected.dailySummary(odd[0], odd[1], flow.symbols));
      });

      it('gives each order\'s audit trail in event order', async () => {
        const ids = [...expected.audit.keys()];
        const sample = ids.filter((id) => id % 5 === SEED % 5 || expected.audit.get(id)!.some((r) => r.kind === 'replaced'));
        await checkAudit(store, expected, sample);
        assert.equal(await store.orderAudit(999_999_999), null);
      });

      it('is idempotent: the same batches again, whole or overlapping, change nothing', async () => {
        const before = await fingerprint(store);
        await writeStream(store, flow.released, seededRandom(SEED + 2), 500);
        await store.write(flow.released.slice(-10));
        await Promise.all([store.write(flow.released.slice(0, 50)), store.write(flow.released.slice(40, 400)), store.write(flow.released)]);
        assert.deepEqual(await fingerprint(store), before);
        assert.equal(await store.offset(), expected.lastSequence);
      });
    });

    describe('the differential generator\'s odd cases, failures and restarts', () => {
      let store: ReportingStore;
      const [stream] = fc.sample(streamArbitrary(700, 900), { seed: SEED, numRuns: 1 });
      const { engine, released } = runEngine(stream.config, stream.commands);
      const symbols = stream.config.instruments.map((i) => i.symbol);
      const expected = new Expected(released);
      const cut = released.length - 40;

      before(async () => {
        store = await backend.fresh(symbols);
      });
      after(async () => {
        await store?.close();
      });

      it('keeps writes in call order: one failing in the middle spoils none of the others', async () => {
        const results = await Promise.allSettled([
          store.write(released.slice(0, 100)),
          store.write(released.slice(105, 150)), // a gap
          store.write(released.slice(90, 200)),
          store.write(released.slice(200, 260)),
        ]);
        assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
        assert.ok((results[1] as PromiseRejectedResult).reason instanceof SequenceGapError);
        assert.equal(await store.offset(), released[259].command.sequence);
      });

      it('refuses a gap and writes nothing of that batch', async () => {
        await writeStream(store, released.slice(0, cut), seededRandom(SEED + 3), 120);
        const before = await fingerprint(store);
        await assert.rejects(store.write(released.slice(cut + 1, cut + 10)), SequenceGapError);
        await assert.rejects(store.write([released[cut + 2], released[cut + 1]]), SequenceGapError);
        assert.deepEqual(await fingerprint(store), before);
        assert.equal(await store.offset(), released[cut - 1].command.sequence);
      });

      it('fails a batch whole when one of its rows was written behind its back', async () => {
        const event = released.slice(cut).flatMap((r) => r.events).find((e) => e.kind >= 1 && e.kind <= 5 && e.kind !== 2);
        assert.ok(event, 'an order event in the last commands');
        await store.query(
          `INSERT INTO order_events (event_sequence, command_sequence, order_id, account_id, kind, time_ms, price_cents, quantity)
           VALUES ($1, 0, 0, 0, 'accepted', 0, 0, 0)`, [event.eventSequence],
        );
        const before = await fingerprint(store);
        await assert.rejects(store.write(released.slice(cut)));
        assert.deepEqual(await fingerprint(store), before);
        await store.query('DELETE FROM order_events WHERE order_id = 0');
      });

      it('picks up after a restart where it left off', async () => {
        const before = await fingerprint(store);
        await store.close();
        store = await backend.reopen(store, symbols);
        assert.deepEqual(await fingerprint(store), before, 'reopening runs no migration again and changes nothing');
        await store.write(released.slice(cut - 5));
        assert.equal(await store.offset(), expected.lastSequence);
      });

      it('holds exactly what the events imply', async () => {
        assert.deepEqual(await store.counts(), expected.counts(symbols.length));
        await checkOrders(store, expected);
        await checkExecutions(store, expected);
        await checkLedger(store, engine);
        await checkAudit(store, expected, expected.audit.keys());
      });
    });
  });
}
