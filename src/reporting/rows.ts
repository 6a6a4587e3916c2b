// Released commands to table rows, in memory, with no database in sight. One pass over the events fills,
// per table, either binary COPY data (append-only tables) or a column array per column, ready for one
// `INSERT ... SELECT FROM unnest(...)` (or UPDATE ... FROM unnest) per table: never a statement per row.
// Orders are folded to their final state in the batch, starting from their stored row when an earlier
// batch created them.
import {
  CancelReason, CASH_ASSET, type EngineEvent, EventKind, type ExecutionEvent, Side,
} from '../engine/index.ts';
import type { Released } from '../sequencer/index.ts';
import { BinaryCopy, type CopyType } from './copy-binary.ts';
import type { OrderStatus } from './types.ts';

// ---------------------------------------------------------------- tables

export interface TableSpec {
  table: string;
  /** [column, PostgreSQL type of its array element] */
  columns: ReadonlyArray<readonly [string, string]>;
  /** What follows `ON CONFLICT` in the default INSERT statement; none for append-only tables. */
  onConflict?: string;
  /** A statement other than INSERT, taking one array parameter per column, in order. */
  sql?: string;
  /**
   * Rows are only ever added, never updated, and none can exist yet when the batch is written: the offset
   * check under its lock sees to that. So they are bulk-loaded with COPY (no ON CONFLICT), and a row
   * already there, which only a write behind the store's back can put there, fails the whole batch on
   * either backend instead of being skipped in silence.
   */
  appendOnly: boolean;
}

/**
 * One table's rows of a batch, filled row by row: as column arrays (one array parameter per column), or,
 * for an append-only table when `copy` is asked for, straight away as binary COPY data.
 */
export class TableRows {
  readonly arrays: unknown[][];
  readonly copy: BinaryCopy | null;
  length = 0;

  constructor(readonly spec: TableSpec, copy = false) {
    this.copy = copy && spec.appendOnly ? new BinaryCopy(spec.columns.map(([, type]) => type as CopyType)) : null;
    this.arrays = this.copy === null ? spec.columns.map(() => []) : [];
  }

  add(values: readonly unknown[]): void {
    if (this.copy !== null) this.copy.add(values);
    else for (let i = 0; i < values.length; i++) this.arrays[i].push(values[i]);
    this.length++;
  }
}

/** One statement per table, whatever the number of rows: the columns travel as arrays. */
export function statementSql(spec: TableSpec): string {
  if (spec.sql !== undefined) return spec.sql;
  const names = spec.columns.map(([name]) => name).join(', ');
  const arrays = spec.columns.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ');
  const conflict = spec.onConflict === undefined ? '' : ` ON CONFLICT ${spec.onConflict}`;
  return `INSERT INTO ${spec.table} (${names}) SELECT * FROM unnest(${arrays})${conflict}`;
}

export const ACCOUNTS: TableSpec = {
  table: 'accounts',
  columns: [['account_id', 'bigint'], ['name', 'text'], ['status', 'text'], ['created_ms', 'bigint']],
  onConflict: '(account_id) DO NOTHING',
  appendOnly: false,
};

const ORDER_COLUMNS: TableSpec['columns'] = [
  ['order_id', 'bigint'], ['account_id', 'bigint'], ['symbol_id', 'integer'], ['side', 'smallint'], ['order_type', 'smallint'],
  ['price_cents', 'bigint'], ['quantity', 'bigint'], ['time_in_force', 'smallint'], ['post_only', 'boolean'],
  ['client_order_id', 'text'], ['creation_time_ms', 'bigint'], ['filled_quantity', 'bigint'], ['filled_notional_cents', 'bigint'],
  ['status', 'text'], ['last_event_sequence', 'bigint'],
];

/** Orders the batch creates: whole rows, in their final state in the batch. */
export const NEW_ORDERS: TableSpec = {
  table: 'orders',
  columns: ORDER_COLUMNS,
  appendOnly: true,
};

const ORDER_CHANGE_COLUMNS: TableSpec['columns'] = [
  ['order_id', 'bigint'], ['price_cents', 'bigint'], ['quantity', 'bigint'], ['filled_quantity', 'bigint'],
  ['filled_notional_cents', 'bigint'], ['status', 'text'], ['last_event_sequence', 'bigint'],
];

/** Orders an earlier batch created: the fields events change. Only a later state replaces a stored one. */
export const CHANGED_ORDERS: TableSpec = {
  table: 'orders',
  columns: ORDER_CHANGE_COLUMNS,
  sql: `UPDATE orders SET price_cents = v.price_cents, quantity = v.quantity, filled_quantity = v.filled_quantity,
      filled_notional_cents = v.filled_notional_cents, status = v.status, last_event_sequence = v.last_event_sequence
    FROM unnest(${ORDER_CHANGE_COLUMNS.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')})
      AS v(${ORDER_CHANGE_COLUMNS.map(([name]) => name).join(', ')})
    WHERE orders.order_id = v.order_id AND orders.last_event_sequence < v.last_event_sequence`,
  appendOnly: false,
};

export const ORDER_EVENTS: TableSpec = {
  table: 'order_events',
  columns: [
    ['event_sequence', 'bigint'], ['command_sequence', 'bigint'], ['order_id', 'bigint'], ['account_id', 'bigint'],
    ['kind', 'text'], ['time_ms', 'bigint'], ['price_cents', 'bigint'], ['quantity', 'bigint'], ['remaining_quantity', 'bigint'],
    ['trade_id', 'bigint'], ['fee_cents', 'bigint'], ['is_maker', 'boolean'], ['reason', 'text'], ['kept_priority', 'boolean'],
  ],
  appendOnly: true,
};

export const EXECUTIONS: TableSpec = {
  table: 'executions',
  columns: [
    ['execution_id', 'bigint'], ['trade_id', 'bigint'], ['order_id', 'bigint'], ['account_id', 'bigint'], ['symbol_id', 'integer'],
    ['side', 'smallint'], ['order_type', 'smallint'], ['price_cents', 'bigint'], ['quantity', 'bigint'], ['fee_cents', 'bigint'],
    ['is_maker', 'boolean'], ['time_ms', 'bigint'], ['event_sequence', 'bigint'],
  ],
  appendOnly: true,
};

export const LEDGER_ENTRIES: TableSpec = {
  table: 'ledger_entries',
  columns: [
    ['event_sequence', 'bigint'], ['leg', 'smallint'], ['account_id', 'bigint'], ['asset', 'integer'], ['amount', 'bigint'],
    ['kind', 'text'], ['trade_id', 'bigint'], ['time_ms', 'bigint'],
  ],
  appendOnly: true,
};

export const CANDLES: TableSpec = {
  table: 'candles',
  columns: [
    ['symbol_id', 'integer'], ['resolution', 'text'], ['time_ms', 'bigint'], ['open_cents', 'bigint'], ['high_cents', 'bigint'],
    ['low_cents', 'bigint'], ['close_cents', 'bigint'], ['volume', 'bigint'], ['trades', 'bigint'],
    ['first_event_sequence', 'bigint'], ['last_event_sequence', 'bigint'],
  ],
  // Merges trades that come after the stored ones only: a replayed batch adds nothing twice.
  onConflict: `(symbol_id, resolution, time_ms) DO UPDATE SET
    high_cents = greatest(candles.high_cents, EXCLUDED.high_cents), low_cents = least(candles.low_cents, EXCLUDED.low_cents),
    close_cents = EXCLUDED.close_cents, volume = candles.volume + EXCLUDED.volume, trades = candles.trades + EXCLUDED.trades,
    last_event_sequence = EXCLUDED.last_event_sequence
    WHERE candles.last_event_sequence < EXCLUDED.first_event_sequence`,
  appendOnly: false,
};

// ---------------------------------------------------------------- constants

export const FEE_ACCOUNT_ID = 0;
/** The other side of every deposit and withdrawal, so that those balance too. */
export const EXTERNAL_ACCOUNT_ID = -1;

export const RESOLUTIONS: ReadonlyArray<readonly [string, number]> = [
  ['1m', 60_000], ['5m', 300_000], ['15m', 900_000], ['1h', 3_600_000], ['1d', 86_400_000],
];

export const CANCEL_REASON_NAMES: Readonly<Record<CancelReason, string>> = {
  [CancelReason.User]: 'user',
  [CancelReason.ImmediateOrCancel]: 'immediate_or_cancel',
  [CancelReason.FillOrKill]: 'fill_or_kill',
  [CancelReason.SelfTrade]: 'self_trade',
  [CancelReason.Expired]: 'expired',
};

// ---------------------------------------------------------------- orders

/** An order's state while a batch is folded; the shape of an `orders` row. */
export interface OrderState {
  orderId: number;
  accountId: number;
  symbolId: number;
  side: number;
  orderType: number;
  priceCents: number;
  quantity: number;
  timeInForce: number;
  postOnly: boolean;
  clientOrderId: string;
  creationTimeMs: number;
  filledQuantity: number;
  filledNotionalCents: number;
  canceled: boolean;
  lastEventSequence: number;
}

/** What the fold needs of an order an earlier batch created: the fields events change, and the type. */
export type StoredOrder = Pick<
  OrderState, 'orderId' | 'orderType' | 'priceCents' | 'quantity' | 'filledQuantity' | 'filledNotionalCents' | 'canceled' | 'lastEventSequence'
>;

export function orderStatus(order: { quantity: number; filledQuantity: number; canceled: boolean }): OrderStatus {
  if (order.filledQuantity === order.quantity) return 'filled';
  if (order.canceled) return 'canceled';
  return order.filledQuantity > 0 ? 'partially_filled' : 'new';
}

/** Orders the batch changes without creating them: their stored rows are the starting point. */
export function ordersCreatedBefore(batch: readonly Released[]): number[] {
  const created = new Set<number>();
  const before = new Set<number>();
  for (const { events } of batch) {
    for (const event of events) {
      if (event.kind === EventKind.OrderAccepted) created.add(event.orderId);
      else if (event.kind === EventKind.Execution || event.kind === EventKind.OrderCanceled || event.kind === EventKind.OrderReplaced) {
        if (!created.has(event.orderId)) before.add(event.orderId);
      }
    }
  }
  return [...before];
}

// ---------------------------------------------------------------- the fold

export interface BatchRows {
  /** In the order they are inserted. */
  tables: TableRows[];
  /** Final status of accounts whose status changed: [accountIds, statuses]. */
  accountStatus: [number[], string[]];
  /** Rows written, all tables together (for logs and metrics). */
  rowCount: number;
  /** Final state of every order the batch touched: where the next batch starts from. */
  orders: ReadonlyMap<number, StoredOrder>;
}

interface CandleAccumulator {
  symbolId: number;
  resolution: string;
  timeMs: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  trades: number;
  firstEventSequence: number;
  lastEventSequence: number;
}

/**
 * Rows of a batch of released commands. `stored` holds the current rows of the orders the batch changes
 * without creating (see `ordersCreatedBefore`). With `copy`, append-only tables come as COPY text.
 */
export function buildRows(batch: readonly Released[], stored: ReadonlyMap<number, StoredOrder>, options: { copy?: boolean } = {}): BatchRows {
  const fold = new BatchFold(stored, options.copy ?? false);
  for (const released of batch) fold.apply(released);
  return fold.finish();
}

/**
 * buildRows in slices of about `sliceEvents` events, yielding to the event loop between slices, so that a
 * write already under way (its statements each need a turn of the loop) keeps the database busy.
 */
export async function buildRowsInSlices(
  batch: readonly Released[], stored: ReadonlyMap<number, StoredOrder>, options: { copy?: boolean; sliceEvents: number },
): Promise<BatchRows> {
  const fold = new BatchFold(stored, options.copy ?? false);
  let events = 0;
  for (const released of batch) {
    fold.apply(released);
    events += released.events.length;
    if (events >= options.sliceEvents) {
      events = 0;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  return fold.finish();
}

class BatchFold {
  private readonly accounts: TableRows;
  private readonly orderEvents: TableRows;
  private readonly executions: TableRows;
  private readonly ledger: TableRows;
  /** Orders the batch touches: whole states for those it creates, stored subsets for the others. */
  private readonly orders = new Map<number, StoredOrder>();
  /** Keyed by (bucket index, resolution, symbol) packed into one exact integer. */
  private readonly candles = new Map<number, CandleAccumulator>();
  private readonly accountStatus = new Map<number, string>();
  private pendingTaker: ExecutionEvent | null = null;

  constructor(private readonly stored: ReadonlyMap<number, StoredOrder>, private readonly copy: boolean) {
    this.accounts = new TableRows(ACCOUNTS, copy);
    this.orderEvents = new TableRows(ORDER_EVENTS, copy);
    this.executions = new TableRows(EXECUTIONS, copy);
    this.ledger = new TableRows(LEDGER_ENTRIES, copy);
  }

  apply({ events }: Released): void {
    for (const event of events) this.event(event);
    if (this.pendingTaker !== null) throw new Error(`trade ${this.pendingTaker.tradeId}: taker execution without its maker`);
  }

  private order(orderId: number): StoredOrder | undefined {
    let order = this.orders.get(orderId);
    if (order === undefined) {
      const stored = this.stored.get(orderId);
      if (stored !== undefined) this.orders.set(orderId, (order = { ...stored }));
    }
    return order;
  }

  /** An order_events row: the columns after the header are null where the kind has no such field. */
  private orderEvent(
    event: EngineEvent & { orderId: number; accountId: number }, kind: string, priceCents: number, quantity: number,
    remainingQuantity: number | null, trade: ExecutionEvent | null, reason: string | null, keptPriority: boolean | null,
  ): void {
    this.orderEvents.add([
      event.eventSequence, event.commandSequence, event.orderId, event.accountId, kind, event.timestampMs, priceCents, quantity,
      remainingQuantity, trade?.tradeId ?? null, trade?.feeCents ?? null, trade?.isMaker ?? null, reason, keptPriority,
    ]);
  }

  private event(event: EngineEvent): void {
    switch (event.kind) {
      case EventKind.OrderAccepted: {
        const order: OrderState = {
          orderId: event.orderId, accountId: event.accountId, symbolId: event.symbolId, side: event.side, orderType: event.orderType,
          priceCents: event.priceCents, quantity: event.quantity, timeInForce: event.timeInForce, postOnly: event.postOnly,
          clientOrderId: event.clientOrderId, creationTimeMs: event.timestampMs, filledQuantity: 0, filledNotionalCents: 0,
          canceled: false, lastEventSequence: event.eventSequence,
        };
        this.orders.set(event.orderId, order);
        this.orderEvent(event, 'accepted', event.priceCents, event.quantity, null, null, null, null);
        break;
      }
      case EventKind.Execution:
        this.execution(event);
        break;
      case EventKind.OrderCanceled: {
        const order = this.order(event.orderId);
        if (order) {
          order.canceled = true;
          order.lastEventSequence = event.eventSequence;
        }
        this.orderEvent(event, 'canceled', event.priceCents, event.canceledQuantity, null, null, CANCEL_REASON_NAMES[event.reason], null);
        break;
      }
      case EventKind.OrderReplaced: {
        const order = this.order(event.orderId);
        if (order) {
          order.priceCents = event.priceCents;
          order.quantity = event.quantity;
          order.lastEventSequence = event.eventSequence;
        }
        this.orderEvent(event, 'replaced', event.priceCents, event.quantity, event.remainingQuantity, null, null, event.keptPriority);
        break;
      }
      case EventKind.BalanceChanged: {
        const kind = event.amount > 0 ? 'deposit' : 'withdrawal';
        this.ledger.add([event.eventSequence, 0, event.accountId, event.asset, event.amount, kind, null, event.timestampMs]);
        this.ledger.add([event.eventSequence, 1, EXTERNAL_ACCOUNT_ID, event.asset, -event.amount, kind, null, event.timestampMs]);
        break;
      }
      case EventKind.AccountCreated:
        this.accounts.add([event.accountId, event.name, 'active', event.timestampMs]);
        break;
      case EventKind.AccountStatusChanged:
        this.accountStatus.set(event.accountId, event.status === 0 ? 'active' : 'blocked');
        break;
      default:
        break;
    }
  }

  private execution(event: ExecutionEvent): void {
    const order = this.order(event.orderId);
    if (order) {
      order.filledQuantity += event.quantity;
      order.filledNotionalCents += event.priceCents * event.quantity;
      order.lastEventSequence = event.eventSequence;
    }
    this.executions.add([
      event.tradeId * 2 + (event.isMaker ? 1 : 0), event.tradeId, event.orderId, event.accountId, event.symbolId, event.side,
      order?.orderType ?? 0, event.priceCents, event.quantity, event.feeCents, event.isMaker, event.timestampMs, event.eventSequence,
    ]);
    this.orderEvent(event, 'execution', event.priceCents, event.quantity, event.remainingQuantity, event, null, null);
    if (!event.isMaker) {
      this.pendingTaker = event;
      this.candle(event);
      return;
    }
    const taker = this.pendingTaker;
    if (taker === null || taker.tradeId !== event.tradeId) throw new Error(`trade ${event.tradeId}: maker execution without its taker`);
    this.pendingTaker = null;
    this.trade(taker, event);
  }

  /**
   * The trade's double entry, keyed by the taker's event: the buyer pays the price and its fee, the seller
   * receives the price less its fee, the shares move, and the fee account collects both fees.
   */
  private trade(taker: ExecutionEvent, maker: ExecutionEvent): void {
    const [buyer, seller] = taker.side === Side.Buy ? [taker, maker] : [maker, taker];
    const notional = taker.priceCents * taker.quantity;
    const shares = taker.symbolId + 1;
    const { eventSequence, tradeId, timestampMs } = taker;
    const add = (leg: number, accountId: number, asset: number, amount: number, kind: string): void => {
      this.ledger.add([eventSequence, leg, accountId, asset, amount, kind, tradeId, timestampMs]);
    };
    add(0, buyer.accountId, CASH_ASSET, -notional - buyer.feeCents, 'trade');
    add(1, seller.accountId, CASH_ASSET, notional - seller.feeCents, 'trade');
    add(2, buyer.accountId, shares, taker.quantity, 'trade');
    add(3, seller.accountId, shares, -taker.quantity, 'trade');
    const fees = buyer.feeCents + seller.feeCents;
    if (fees !== 0) add(4, FEE_ACCOUNT_ID, CASH_ASSET, fees, 'fee');
  }

  private candle(taker: ExecutionEvent): void {
    for (let r = 0; r < RESOLUTIONS.length; r++) {
      const [resolution, intervalMs] = RESOLUTIONS[r];
      const bucket = Math.floor(taker.timestampMs / intervalMs);
      // Exact while bucket * 8 * 65536 < 2^53: minute buckets until the year 2500 and beyond.
      const key = (bucket * 8 + r) * 65_536 + taker.symbolId;
      const candle = this.candles.get(key);
      if (candle === undefined) {
        this.candles.set(key, {
          symbolId: taker.symbolId, resolution, timeMs: bucket * intervalMs, open: taker.priceCents, high: taker.priceCents,
          low: taker.priceCents, close: taker.priceCents, volume: taker.quantity, trades: 1, firstEventSequence: taker.eventSequence,
          lastEventSequence: taker.eventSequence,
        });
      } else {
        if (taker.priceCents > candle.high) candle.high = taker.priceCents;
        if (taker.priceCents < candle.low) candle.low = taker.priceCents;
        candle.close = taker.priceCents;
        candle.volume += taker.quantity;
        candle.trades++;
        candle.lastEventSequence = taker.eventSequence;
      }
    }
  }

  finish(): BatchRows {
    const newOrders = new TableRows(NEW_ORDERS, this.copy);
    const changedOrders = new TableRows(CHANGED_ORDERS);
    for (const order of this.orders.values()) {
      if (this.stored.has(order.orderId)) {
        const o = order;
        changedOrders.add([o.orderId, o.priceCents, o.quantity, o.filledQuantity, o.filledNotionalCents, orderStatus(o), o.lastEventSequence]);
      } else {
        const o = order as OrderState;
        newOrders.add([
          o.orderId, o.accountId, o.symbolId, o.side, o.orderType, o.priceCents, o.quantity, o.timeInForce, o.postOnly, o.clientOrderId,
          o.creationTimeMs, o.filledQuantity, o.filledNotionalCents, orderStatus(o), o.lastEventSequence,
        ]);
      }
    }
    const candles = new TableRows(CANDLES);
    for (const c of this.candles.values()) {
      candles.add([c.symbolId, c.resolution, c.timeMs, c.open, c.high, c.low, c.close, c.volume, c.trades, c.firstEventSequence, c.lastEventSequence]);
    }
    const tables = [this.accounts, newOrders, changedOrders, this.orderEvents, this.executions, this.ledger, candles];
    const accountStatus: [number[], string[]] = [[...this.accountStatus.keys()], [...this.accountStatus.values()]];
    const rowCount = tables.reduce((sum, table) => sum + table.length, 0) + accountStatus[0].length;
    return { tables, accountStatus, rowCount, orders: this.orders };
  }
}
