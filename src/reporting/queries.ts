// The read side: each query is plain SQL over the tables the writer fills, columns aliased to the row
// types' field names so rows need no mapping beyond what the drivers parse.
import { CASH_ASSET } from '../engine/index.ts';
import { TABLES } from './migrations.ts';
import type { SqlExecutor } from './sql.ts';
import type {
  AuditKind, AuditRow, BalanceMovement, CandleRow, DailySymbolRow, ExecutionQuery, ExecutionRow, OrderQuery, OrderRow,
  ReconciliationDifference, Statement, StatementAsset,
} from './types.ts';

const EXECUTION_COLUMNS = `execution_id AS "executionId", trade_id AS "tradeId", order_id AS "orderId", account_id AS "accountId",
  symbol_id AS "symbolId", side, order_type AS "orderType", price_cents AS "priceCents", quantity, fee_cents AS "feeCents",
  is_maker AS "isMaker", time_ms AS "timeMs", event_sequence AS "eventSequence"`;

const ORDER_COLUMNS = `order_id AS "orderId", account_id AS "accountId", symbol_id AS "symbolId", side, order_type AS "orderType",
  price_cents AS "priceCents", quantity, time_in_force AS "timeInForce", post_only AS "postOnly", client_order_id AS "clientOrderId",
  creation_time_ms AS "creationTimeMs", filled_quantity AS "filledQuantity", filled_notional_cents AS "filledNotionalCents",
  status, status = 'canceled' AS canceled, last_event_sequence AS "lastEventSequence"`;

/** WHERE clauses and their parameters, numbered as they are added. */
class Conditions {
  readonly clauses: string[] = [];
  readonly params: unknown[] = [];

  add(clause: (param: string) => string, value: unknown): void {
    this.params.push(value);
    this.clauses.push(clause(`$${this.params.length}`));
  }

  param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  get where(): string {
    return this.clauses.join(' AND ');
  }
}

const MAX_BIGINT = '9223372036854775807';

function checkLimit(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 0) throw new RangeError(`limit must be an integer >= 0, got ${limit}`);
  return limit;
}

export function executions(db: SqlExecutor, q: ExecutionQuery): Promise<ExecutionRow[]> {
  const c = new Conditions();
  c.add((p) => `account_id = ${p}`, q.accountId);
  if (q.symbolId !== undefined) c.add((p) => `symbol_id = ${p}`, q.symbolId);
  if (q.orderId !== undefined) {
    // An order's executions are found through its audit trail's index (one index less to keep up on
    // executions, the busiest table to write), then fetched by primary key.
    c.add((p) => `order_id = ${p} AND execution_id IN (SELECT trade_id * 2 + CASE WHEN is_maker THEN 1 ELSE 0 END
      FROM order_events WHERE order_id = ${p} AND kind = 'execution')`, q.orderId);
  }
  if (q.startMs !== undefined) c.add((p) => `time_ms >= ${p}`, q.startMs);
  if (q.endMs !== undefined) c.add((p) => `time_ms <= ${p}`, q.endMs);
  if (q.beforeExecutionId !== undefined) {
    // The cursor's time bounds the index scan: earlier executions are never later in time.
    c.add((p) => `execution_id < ${p} AND time_ms <= coalesce((SELECT time_ms FROM executions WHERE execution_id = ${p}), ${MAX_BIGINT})`, q.beforeExecutionId);
  }
  const limit = c.param(checkLimit(q.limit));
  return db.query<ExecutionRow>(
    `SELECT ${EXECUTION_COLUMNS} FROM executions WHERE ${c.where} ORDER BY time_ms DESC, execution_id DESC LIMIT ${limit}`, c.params,
  );
}

export function trades(db: SqlExecutor, accountId: number, startMs: number, endMs: number): Promise<ExecutionRow[]> {
  return db.query<ExecutionRow>(
    `SELECT ${EXECUTION_COLUMNS} FROM executions WHERE account_id = $1 AND time_ms >= $2 AND time_ms < $3 ORDER BY time_ms, execution_id`,
    [accountId, startMs, endMs],
  );
}

export async function order(db: SqlExecutor, orderId: number): Promise<OrderRow | null> {
  const rows = await db.query<OrderRow>(`SELECT ${ORDER_COLUMNS} FROM orders WHERE order_id = $1`, [orderId]);
  return rows[0] ?? null;
}

export function orders(db: SqlExecutor, q: OrderQuery): Promise<OrderRow[]> {
  const c = new Conditions();
  c.add((p) => `account_id = ${p}`, q.accountId);
  if (q.symbolId !== undefined) c.add((p) => `symbol_id = ${p}`, q.symbolId);
  if (q.status === 'open') c.clauses.push(`status IN ('new', 'partially_filled')`);
  else if (q.status !== undefined) c.add((p) => `status = ${p}`, q.status);
  if (q.beforeOrderId !== undefined) c.add((p) => `order_id < ${p}`, q.beforeOrderId);
  const limit = c.param(checkLimit(q.limit));
  return db.query<OrderRow>(`SELECT ${ORDER_COLUMNS} FROM orders WHERE ${c.where} ORDER BY order_id DESC LIMIT ${limit}`, c.params);
}

interface AuditRecord {
  eventSequence: number;
  commandSequence: number;
  timeMs: number;
  kind: AuditKind;
  priceCents: number;
  quantity: number;
  remainingQuantity: number | null;
  tradeId: number | null;
  feeCents: number | null;
  isMaker: boolean | null;
  reason: string | null;
  keptPriority: boolean | null;
  side: number | null;
  orderType: number | null;
  timeInForce: number | null;
  postOnly: boolean | null;
  clientOrderId: string | null;
}

function auditDetails(r: AuditRecord): Record<string, unknown> {
  switch (r.kind) {
    case 'accepted':
      return {
        side: r.side, orderType: r.orderType, priceCents: r.priceCents, quantity: r.quantity, timeInForce: r.timeInForce,
        postOnly: r.postOnly, clientOrderId: r.clientOrderId,
      };
    case 'execution':
      return {
        tradeId: r.tradeId, priceCents: r.priceCents, quantity: r.quantity, feeCents: r.feeCents, isMaker: r.isMaker,
        remainingQuantity: r.remainingQuantity,
      };
    case 'canceled':
      return { priceCents: r.priceCents, canceledQuantity: r.quantity, reason: r.reason };
    case 'replaced':
      return { priceCents: r.priceCents, quantity: r.quantity, remainingQuantity: r.remainingQuantity, keptPriority: r.keptPriority };
  }
}

/** Call inside a read-only transaction so that the events and the order agree. */
export async function orderAudit(db: SqlExecutor, orderId: number): Promise<AuditRow[] | null> {
  // The fields an order never changes (side, type, time in force...) live in its orders row only.
  const rows = await db.query<AuditRecord>(
    `SELECT e.event_sequence AS "eventSequence", e.command_sequence AS "commandSequence", e.time_ms AS "timeMs", e.kind,
       e.price_cents AS "priceCents", e.quantity, e.remaining_quantity AS "remainingQuantity", e.trade_id AS "tradeId",
       e.fee_cents AS "feeCents", e.is_maker AS "isMaker", e.reason, e.kept_priority AS "keptPriority", o.side,
       o.order_type AS "orderType", o.time_in_force AS "timeInForce", o.post_only AS "postOnly", o.client_order_id AS "clientOrderId"
     FROM order_events e LEFT JOIN orders o ON o.order_id = e.order_id WHERE e.order_id = $1 ORDER BY e.event_sequence`,
    [orderId],
  );
  if (rows.length === 0) return (await order(db, orderId)) === null ? null : [];
  return rows.map((r) => ({
    eventSequence: r.eventSequence, commandSequence: r.commandSequence, timeMs: r.timeMs, kind: r.kind, details: auditDetails(r),
  }));
}

export function candles(db: SqlExecutor, symbolId: number, resolution: string, startMs: number, endMs: number): Promise<CandleRow[]> {
  return db.query<CandleRow>(
    `SELECT symbol_id AS "symbolId", resolution, time_ms AS "timeMs", open_cents AS open, high_cents AS high, low_cents AS low,
       close_cents AS close, volume, trades
     FROM candles WHERE symbol_id = $1 AND resolution = $2 AND time_ms >= $3 AND time_ms <= $4 ORDER BY time_ms`,
    [symbolId, resolution, startMs, endMs],
  );
}

// ---------------------------------------------------------------- statement

interface AssetSums {
  asset: number;
  kind: string;
  /** Sum of the positive and of the negative entries. */
  credits: number;
  debits: number;
}

function assetName(symbols: readonly string[], asset: number): string {
  return asset === CASH_ASSET ? 'USD' : (symbols[asset - 1] ?? `asset-${asset}`);
}

/** Call inside a read-only transaction so that the parts agree with each other. */
export async function statement(db: SqlExecutor, symbols: readonly string[], accountId: number, dayStartMs: number, dayEndMs: number): Promise<Statement> {
  const balancesBefore = (timeMs: number): Promise<Array<{ asset: number; amount: number }>> =>
    db.query(`SELECT asset, sum(amount)::bigint AS amount FROM ledger_entries WHERE account_id = $1 AND time_ms < $2 GROUP BY asset`, [accountId, timeMs]);
  const opening = await balancesBefore(dayStartMs);
  const closing = await balancesBefore(dayEndMs);
  const sums = await db.query<AssetSums>(
    `SELECT asset, kind, coalesce(sum(amount) FILTER (WHERE amount > 0), 0)::bigint AS credits,
       coalesce(sum(amount) FILTER (WHERE amount < 0), 0)::bigint AS debits
     FROM ledger_entries WHERE account_id = $1 AND time_ms >= $2 AND time_ms < $3 GROUP BY asset, kind`,
    [accountId, dayStartMs, dayEndMs],
  );
  const movements = await db.query<BalanceMovement & { kind: string }>(
    `SELECT event_sequence AS "eventSequence", time_ms AS "timeMs", asset, amount, kind FROM ledger_entries
     WHERE account_id = $1 AND kind IN ('deposit', 'withdrawal') AND time_ms >= $2 AND time_ms < $3 ORDER BY event_sequence`,
    [accountId, dayStartMs, dayEndMs],
  );
  const tradeRows = await trades(db, accountId, dayStartMs, dayEndMs);

  const assets = new Map<number, StatementAsset>();
  const line = (asset: number): StatementAsset => {
    let entry = assets.get(asset);
    if (entry === undefined) {
      entry = {
        asset, assetName: assetName(symbols, asset), opening: 0, deposits: 0, withdrawals: 0, bought: 0, sold: 0, tradeCash: 0, fees: 0,
        closing: 0, balanced: true,
      };
      assets.set(asset, entry);
    }
    return entry;
  };
  line(CASH_ASSET);
  for (const { asset, amount } of opening) line(asset).opening = amount;
  for (const { asset, amount } of closing) line(asset).closing = amount;
  // A trade's cash legs carry the fee with the price; the executions say how much of it was fee.
  const feesPaid = tradeRows.reduce((sum, row) => sum + row.feeCents, 0);
  const cash = line(CASH_ASSET);
  cash.tradeCash += feesPaid;
  cash.fees -= feesPaid;
  for (const { asset, kind, credits, debits } of sums) {
    const entry = line(asset);
    if (kind === 'deposit') entry.deposits += credits + debits;
    else if (kind === 'withdrawal') entry.withdrawals += credits + debits;
    else if (kind === 'fee') entry.fees += credits + debits;
    else if (asset === CASH_ASSET) entry.tradeCash += credits + debits;
    else {
      entry.bought += credits;
      entry.sold += debits;
    }
  }
  for (const entry of assets.values()) {
    const moved = entry.deposits + entry.withdrawals + entry.bought + entry.sold + entry.tradeCash + entry.fees;
    entry.balanced = entry.opening + moved === entry.closing;
  }
  const strip = ({ eventSequence, timeMs, asset, amount }: BalanceMovement): BalanceMovement => ({ eventSequence, timeMs, asset, amount });
  return {
    accountId, dayStartMs, dayEndMs,
    assets: [...assets.values()].sort((a, b) => a.asset - b.asset),
    trades: tradeRows,
    feesCents: feesPaid,
    deposits: movements.filter((m) => m.kind === 'deposit').map(strip),
    withdrawals: movements.filter((m) => m.kind === 'withdrawal').map(strip),
  };
}

// ---------------------------------------------------------------- market summary

/** ratio of two non-negative integers (as decimal strings) rounded half up, exactly. */
function roundedRatio(numerator: string, denominator: number): number {
  const n = BigInt(numerator);
  const d = BigInt(denominator);
  return Number((2n * n + d) / (2n * d));
}

export async function dailySummary(db: SqlExecutor, symbols: readonly string[], dayStartMs: number, dayEndMs: number): Promise<DailySymbolRow[]> {
  const rows = await db.query<{ symbolId: number; open: number; high: number; low: number; close: number; volume: number; notional: string; trades: number }>(
    `SELECT symbol_id AS "symbolId", (array_agg(price_cents ORDER BY execution_id))[1] AS open, max(price_cents) AS high,
       min(price_cents) AS low, (array_agg(price_cents ORDER BY execution_id DESC))[1] AS close, sum(quantity)::bigint AS volume,
       sum(price_cents::numeric * quantity)::text AS notional, count(*)::bigint AS trades
     FROM executions WHERE NOT is_maker AND time_ms >= $1 AND time_ms < $2 GROUP BY symbol_id`,
    [dayStartMs, dayEndMs],
  );
  const bySymbol = new Map(rows.map((row) => [row.symbolId, row]));
  const ids = new Set([...symbols.keys(), ...bySymbol.keys()]);
  return [...ids].sort((a, b) => a - b).map((symbolId): DailySymbolRow => {
    const row = bySymbol.get(symbolId);
    const symbol = symbols[symbolId] ?? `symbol-${symbolId}`;
    if (row === undefined) {
      return { symbolId, symbol, open: null, high: null, low: null, close: null, volume: 0, notionalCents: 0, vwapCents: null, trades: 0 };
    }
    const notionalCents = Number(row.notional);
    if (!Number.isSafeInteger(notionalCents)) throw new RangeError(`notional of symbol ${symbolId} is not a safe integer: ${row.notional}`);
    return {
      symbolId, symbol, open: row.open, high: row.high, low: row.low, close: row.close, volume: row.volume, notionalCents,
      vwapCents: roundedRatio(row.notional, row.volume), trades: row.trades,
    };
  });
}

// ---------------------------------------------------------------- reconciliation and counts

export function ledgerBalances(db: SqlExecutor): Promise<Array<{ accountId: number; asset: number; amount: number }>> {
  return db.query(
    `SELECT account_id AS "accountId", asset, sum(amount)::bigint AS amount FROM ledger_entries GROUP BY account_id, asset ORDER BY account_id, asset`,
  );
}

/**
 * Ledger sums against balances from elsewhere (the engine's available + held): every (account, asset) where
 * they differ, either side missing counting as 0. Account -1 (the outside world) is left out.
 */
export async function reconcile(db: SqlExecutor, expected: Iterable<{ accountId: number; asset: number; amount: number }>): Promise<ReconciliationDifference[]> {
  const key = (accountId: number, asset: number): string => `${accountId}:${asset}`;
  const out = new Map<string, ReconciliationDifference>();
  for (const { accountId, asset, amount } of await ledgerBalances(db)) {
    if (accountId >= 0) out.set(key(accountId, asset), { accountId, asset, ledger: amount, balance: 0 });
  }
  for (const { accountId, asset, amount } of expected) {
    const entry = out.get(key(accountId, asset));
    if (entry) entry.balance += amount;
    else out.set(key(accountId, asset), { accountId, asset, ledger: 0, balance: amount });
  }
  return [...out.values()]
    .filter((d) => d.ledger !== d.balance)
    .sort((a, b) => a.accountId - b.accountId || a.asset - b.asset);
}

export async function counts(db: SqlExecutor): Promise<Record<string, number>> {
  const sql = `SELECT ${TABLES.map((table) => `(SELECT count(*) FROM ${table})::bigint AS ${table}`).join(', ')}`;
  const [row] = await db.query<Record<string, number>>(sql);
  return { ...row };
}
