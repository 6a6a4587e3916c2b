// The reporting store's public shapes: rows as the queries return them (integers in their units, enums
// as the core numbers them, so presenters written for the in-memory views work on them unchanged) and
// the store interface both backends implement.
import type { Released } from '../sequencer/index.ts';
import type { ExecutionRecord, OrderRecord, OrderStatus } from '../views/index.ts';

export interface ReportingStoreOptions {
  /** A PostgreSQL URL; unset: embedded PGlite with its data in `<dataDir>/reporting`. */
  databaseUrl?: string;
  dataDir: string;
  /** Ticker per symbolId, as configured in the engine. */
  symbols: readonly string[];
  log?: (message: string) => void;
}

export type { OrderStatus };

/** One side of a trade: the in-memory view's execution record, plus where it came from. */
export interface ExecutionRow extends ExecutionRecord {
  eventSequence: number;
}

/** An order as the API shows it, in integer units: the in-memory view's order record, plus its status. */
export interface OrderRow extends OrderRecord {
  status: OrderStatus;
  /** Sequence of the last event that changed this order. */
  lastEventSequence: number;
}

export type AuditKind = 'accepted' | 'execution' | 'canceled' | 'replaced';

/**
 * One event in an order's life. `details` by kind:
 * - accepted: side, orderType, priceCents, quantity, timeInForce, postOnly, clientOrderId
 * - execution: tradeId, priceCents, quantity, feeCents, isMaker, remainingQuantity
 * - canceled: priceCents, canceledQuantity, reason ('user' | 'immediate_or_cancel' | 'fill_or_kill' |
 *   'self_trade' | 'expired')
 * - replaced: priceCents, quantity, remainingQuantity, keptPriority
 */
export interface AuditRow {
  eventSequence: number;
  commandSequence: number;
  timeMs: number;
  kind: AuditKind;
  details: Record<string, unknown>;
}

/** One asset's movements over a statement's period; every amount signed as it moved the balance. */
export interface StatementAsset {
  /** 0 = cash (cents), symbolId + 1 = shares. */
  asset: number;
  /** 'USD' or the ticker. */
  assetName: string;
  opening: number;
  /** >= 0. */
  deposits: number;
  /** <= 0. */
  withdrawals: number;
  /** Shares bought (>= 0); 0 for cash. */
  bought: number;
  /** Shares sold (<= 0); 0 for cash. */
  sold: number;
  /** Cash paid (-) and received (+) for trades, fees apart; 0 for shares. */
  tradeCash: number;
  /** Fees paid (-) or, for the fee account, collected (+); 0 for shares. */
  fees: number;
  closing: number;
  /** opening + deposits + withdrawals + bought + sold + tradeCash + fees === closing. */
  balanced: boolean;
}

export interface BalanceMovement {
  eventSequence: number;
  timeMs: number;
  asset: number;
  /** Signed: > 0 for a deposit, < 0 for a withdrawal. */
  amount: number;
}

export interface Statement {
  accountId: number;
  /** The period: dayStartMs <= time < dayEndMs. */
  dayStartMs: number;
  dayEndMs: number;
  /** Cash first, then shares by asset; every asset with a balance or a movement. */
  assets: StatementAsset[];
  /** The account's executions in the period, oldest first. */
  trades: ExecutionRow[];
  /** Fees the account paid on those executions (>= 0). */
  feesCents: number;
  deposits: BalanceMovement[];
  withdrawals: BalanceMovement[];
}

/** One symbol's day, from taker executions (one per trade). Prices in cents; null when nothing traded. */
export interface DailySymbolRow {
  symbolId: number;
  symbol: string;
  open: number | null;
  high: number | null;
  low: number | null;
  close: number | null;
  volume: number;
  /** Sum of price x quantity. */
  notionalCents: number;
  /** notionalCents / volume in cents, rounded half up; null when nothing traded. */
  vwapCents: number | null;
  trades: number;
}

export interface CandleRow {
  symbolId: number;
  resolution: string;
  /** Start of the bucket (UTC-aligned multiple of the resolution). */
  timeMs: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  trades: number;
}

export interface ExecutionQuery {
  accountId: number;
  symbolId?: number;
  orderId?: number;
  /** startMs <= time <= endMs (both inclusive, like the API's startTime and endTime). */
  startMs?: number;
  endMs?: number;
  limit: number;
  /** Pagination cursor: only executions with an id below this. */
  beforeExecutionId?: number;
}

export interface OrderQuery {
  accountId: number;
  symbolId?: number;
  /** 'open' = new or partially filled. */
  status?: 'open' | 'filled' | 'canceled';
  limit: number;
  /** Pagination cursor: only orders with an id below this. */
  beforeOrderId?: number;
}

/** A ledger sum that disagrees with the balance it was checked against. */
export interface ReconciliationDifference {
  accountId: number;
  asset: number;
  /** Sum of the account's ledger entries in the asset. */
  ledger: number;
  /** The balance given (the engine's available + held). */
  balance: number;
}

export interface ReportingStore {
  readonly backend: 'pglite' | 'postgres';
  /** Last command sequence whose rows are written (0 for a fresh store). */
  offset(): Promise<number>;
  /**
   * Writes the rows of these released commands and the new offset in one transaction. Commands at or
   * below the offset are ignored (at-least-once delivery, exactly-once effect); the rest must follow the
   * offset without a gap, in ascending order, or the write throws and nothing is written.
   */
  write(batch: readonly Released[]): Promise<void>;
  /** write() of a batch encoded by ReleasedBatchWriter; offered by the store behind a worker thread. */
  writeEncoded?(batch: ArrayBuffer): Promise<void>;
  /**
   * Writes the commands after the offset through `throughSequence` from the engine's journal (catch-up.ts),
   * and resolves with the new offset (less when stopCatchUp() was called), telling `onProgress` the offset
   * after each batch; offered by the store behind a worker thread that was given the journal's whereabouts.
   */
  catchUp?(throughSequence: number, onProgress?: (offset: number) => void): Promise<number>;
  /** Ends a catch-up in progress after its batch in flight. */
  stopCatchUp?(): Promise<void>;
  /** The account's executions, newest first. */
  executions(q: ExecutionQuery): Promise<ExecutionRow[]>;
  /** The account's executions with startMs <= time < endMs, oldest first: the trade history report. */
  trades(accountId: number, startMs: number, endMs: number): Promise<ExecutionRow[]>;
  /** The account's statement for dayStartMs <= time < dayEndMs. */
  statement(accountId: number, dayStartMs: number, dayEndMs: number): Promise<Statement>;
  /** Every configured symbol's summary for dayStartMs <= time < dayEndMs, by symbolId. */
  dailySummary(dayStartMs: number, dayEndMs: number): Promise<DailySymbolRow[]>;
  /** The order's events in sequence order; null when the order is unknown. */
  orderAudit(orderId: number): Promise<AuditRow[] | null>;
  order(orderId: number): Promise<OrderRow | null>;
  /** The account's orders, newest first. */
  orders(q: OrderQuery): Promise<OrderRow[]>;
  /** Candles with startMs <= time <= endMs, oldest first. Resolutions: 1m 5m 15m 1h 1d. */
  candles(symbolId: number, resolution: string, startMs: number, endMs: number): Promise<CandleRow[]>;
  /**
   * Sum of ledger entries per (account, asset), for reconciliation. Account -1 is the outside world:
   * its sums are minus the net deposits of each asset.
   */
  ledgerBalances(): Promise<Array<{ accountId: number; asset: number; amount: number }>>;
  /**
   * Reconciliation: every (account, asset) whose ledger sum differs from the balance given for it (e.g. the
   * engine's available + held per account and asset); a pair missing on either side counts as 0. Empty
   * when the books agree. Account -1 is left out.
   */
  reconcile(balances: Iterable<{ accountId: number; asset: number; amount: number }>): Promise<ReconciliationDifference[]>;
  /** Row counts per table, for tests and metrics. */
  counts(): Promise<Record<string, number>>;
  /** Raw SQL (for tests, e.g. to alter a row deliberately). */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}
