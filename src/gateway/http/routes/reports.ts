// Reports from the reporting store (PostgreSQL or PGlite): executions with pagination, trade history
// (JSON or CSV), daily statements, the admin's daily summary, an order's audit trail, reconciliation.
// Queries first wait (briefly) for the store to catch up with what was released, so a client reads its
// own writes.
import type { FastifyInstance } from 'fastify';
import type { ExecutionRow, Statement } from '../../../reporting/index.ts';
import { ApiError, formatCents, invalidArgument } from '../../common/index.ts';
import { adminGuard, signatureGuard } from '../auth.ts';
import type { GatewayContext } from '../context.ts';
import { ORDER_TYPE_NAMES, presentExecution, SIDE_NAMES, TIF_NAMES } from '../presenters.ts';
import { msOf, schemas } from '../schemas.ts';
import type { TokenBucketLimiter } from '../../common/index.ts';

const DAY_MS = 86_400_000;
const CATCH_UP_TIMEOUT_MS = 2_000;

/** [start, end) of a UTC day given as YYYY-MM-DD. */
function dayRange(date: string): { startMs: number; endMs: number } {
  const startMs = Date.parse(`${date}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(startMs) || new Date(startMs).toISOString().slice(0, 10) !== date) {
    throw invalidArgument('date must be a calendar date like 2026-11-21 (UTC)');
  }
  return { startMs, endMs: startMs + DAY_MS };
}

/** Audit details in API units: names for enums, decimal strings for money. */
function presentDetails(details: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(details)) {
    if (key === 'side') out.side = SIDE_NAMES[value as number];
    else if (key === 'orderType') out.orderType = ORDER_TYPE_NAMES[value as number];
    else if (key === 'timeInForce') out.timeInForce = TIF_NAMES[value as number];
    else if (key === 'priceCents') out.price = value === 0 ? null : formatCents(value as number);
    else if (key === 'feeCents') out.fee = formatCents(value as number);
    else if (key === 'tradeId') out.tradeId = String(value);
    else out[key] = value;
  }
  return out;
}

const csvField = (value: unknown): string => {
  const text = String(value ?? '');
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

export function registerReportRoutes(app: FastifyInstance, context: GatewayContext, perKey: TokenBucketLimiter): void {
  const { node, symbols } = context;
  const { store, consumer } = context.reporting;
  const signed = signatureGuard(context, perKey);
  const admin = adminGuard(context);
  const caughtUp = async (): Promise<void> => {
    if (!(await consumer.caughtUp(node.lastSequence, CATCH_UP_TIMEOUT_MS))) {
      throw new ApiError('UNAVAILABLE', `the reporting store is ${consumer.lag} commands behind; try again shortly`);
    }
  };
  const present = (rows: ExecutionRow[]) => rows.map((row) => presentExecution(row, symbols));

  app.get('/v1/execution', { preValidation: signed, schema: { querystring: schemas.executionsQuery } }, async (request) => {
    const query = request.query as { symbol?: string; orderId?: string; startTime?: string; endTime?: string; limit: number; before?: string };
    await caughtUp();
    const rows = await store.executions({
      accountId: request.accountId,
      symbolId: query.symbol === undefined ? undefined : symbols.id(query.symbol),
      orderId: query.orderId === undefined ? undefined : Number(query.orderId),
      startMs: msOf(query.startTime, 0),
      endMs: msOf(query.endTime, Number.MAX_SAFE_INTEGER),
      limit: query.limit,
      beforeExecutionId: query.before === undefined ? undefined : Number(query.before),
    });
    // A full page may have more behind it: `before` = the last id continues the listing.
    const next = rows.length === query.limit ? String(rows[rows.length - 1].executionId) : null;
    return { executions: present(rows), next };
  });

  app.get('/v1/reports/trades', { preValidation: signed, schema: { querystring: schemas.tradesReportQuery } }, async (request, reply) => {
    const query = request.query as { startTime?: string; endTime?: string; format: 'json' | 'csv' };
    await caughtUp();
    const rows = present(await store.trades(request.accountId, msOf(query.startTime, 0), msOf(query.endTime, Number.MAX_SAFE_INTEGER)));
    if (query.format === 'json') return { trades: rows };
    const columns = ['id', 'tradeId', 'orderId', 'symbol', 'side', 'price', 'orderType', 'quantity', 'fee', 'liquidity', 'time'];
    const lines = [columns.join(','), ...rows.map((row) => columns.map((c) => csvField(row[c])).join(','))];
    return reply.header('Content-Type', 'text/csv; charset=utf-8')
      .header('Content-Disposition', 'attachment; filename="trades.csv"').send(lines.join('\n') + '\n');
  });

  app.get('/v1/reports/statement', { preValidation: signed, schema: { querystring: schemas.dateQuery } }, async (request) => {
    const { date } = request.query as { date: string };
    const { startMs, endMs } = dayRange(date);
    await caughtUp();
    return presentStatement(date, await store.statement(request.accountId, startMs, endMs));
  });

  function presentStatement(date: string, statement: Statement): Record<string, unknown> {
    const amount = (asset: number, value: number): string | number => (asset === 0 ? formatCents(value) : value);
    return {
      accountId: String(statement.accountId),
      date,
      balances: statement.assets.map((a) => ({
        asset: a.assetName,
        opening: amount(a.asset, a.opening),
        deposits: amount(a.asset, a.deposits),
        withdrawals: amount(a.asset, a.withdrawals),
        ...(a.asset === 0 ? { tradeCash: formatCents(a.tradeCash), fees: formatCents(a.fees) } : { bought: a.bought, sold: a.sold }),
        closing: amount(a.asset, a.closing),
        balanced: a.balanced,
      })),
      trades: present(statement.trades),
      fees: formatCents(statement.feesCents),
      deposits: statement.deposits.map((m) => ({ asset: symbols.assetName(m.asset), amount: amount(m.asset, m.amount), time: m.timeMs })),
      withdrawals: statement.withdrawals.map((m) => ({ asset: symbols.assetName(m.asset), amount: amount(m.asset, -m.amount), time: m.timeMs })),
      check: statement.assets.every((a) => a.balanced) ? 'opening + movements = closing' : 'MISMATCH',
    };
  }

  app.get('/v1/admin/reports/daily', { preValidation: admin, schema: { querystring: schemas.dateQuery } }, async (request) => {
    const { date } = request.query as { date: string };
    const { startMs, endMs } = dayRange(date);
    await caughtUp();
    const rows = await store.dailySummary(startMs, endMs);
    const price = (cents: number | null): string | null => (cents === null ? null : formatCents(cents));
    return {
      date,
      symbols: rows.filter((r) => r.trades > 0).map((r) => ({
        symbol: r.symbol, open: price(r.open), high: price(r.high), low: price(r.low), close: price(r.close),
        volume: r.volume, vwap: price(r.vwapCents), trades: r.trades,
      })),
    };
  });

  app.get('/v1/admin/orders/:id/audit', { preValidation: admin, schema: { params: schemas.orderParams } }, async (request) => {
    const orderId = Number((request.params as { id: string }).id);
    await caughtUp();
    const audit = await store.orderAudit(orderId);
    if (audit === null) throw new ApiError('NOT_FOUND', `no order ${orderId}`);
    return {
      orderId: String(orderId),
      events: audit.map((row) => ({
        sequence: row.eventSequence, commandSequence: row.commandSequence, time: row.timeMs, kind: row.kind, ...presentDetails(row.details),
      })),
    };
  });

  app.get('/v1/admin/reconcile', { preValidation: admin }, async () => {
    // At one durable sequence: the engine's balances, and the ledger once the store has reached it.
    return node.withBalancesAtDurablePoint(async (sequence, balances) => {
      if (!(await consumer.caughtUp(sequence, 30_000))) throw new ApiError('UNAVAILABLE', 'the reporting store did not catch up in 30 s');
      const differences = await store.reconcile(balances);
      return {
        sequence,
        backend: store.backend,
        differences: differences.map((d) => {
          const amount = (value: number): string | number => (d.asset === 0 ? formatCents(value) : value);
          return { accountId: String(d.accountId), asset: symbols.assetName(d.asset), ledger: amount(d.ledger), engine: amount(d.balance) };
        }),
      };
    });
  });
}
