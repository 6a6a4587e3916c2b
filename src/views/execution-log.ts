// Every execution, as columns of growable typed arrays, with each account's executions as a list of row
// numbers: an execution never changes, and as objects they were a large part of the engine thread's heap
// (see order-columns.ts). Queries get fresh ExecutionRecords.
import type { OrderType, Side } from '../engine/index.ts';
import type { ExecutionRecord } from './orders.ts';

const SELL = 1;
const MARKET = 2;
const MAKER = 4;

/** The log's columns, one entry per execution in the order they were added (copies, for a snapshot). */
export interface ExecutionColumnsDump {
  executionId: Float64Array<ArrayBuffer>;
  tradeId: Float64Array<ArrayBuffer>;
  orderId: Float64Array<ArrayBuffer>;
  accountId: Float64Array<ArrayBuffer>;
  symbolId: Uint32Array<ArrayBuffer>;
  meta: Uint8Array<ArrayBuffer>;
  priceCents: Float64Array<ArrayBuffer>;
  quantity: Float64Array<ArrayBuffer>;
  feeCents: Float64Array<ArrayBuffer>;
  timeMs: Float64Array<ArrayBuffer>;
}

export class ExecutionLog {
  private rows = 0;
  private capacity = 0;
  private executionId = new Float64Array(0);
  private tradeId = new Float64Array(0);
  private orderId = new Float64Array(0);
  private accountId = new Float64Array(0);
  private symbolId = new Uint32Array(0);
  private meta = new Uint8Array(0);
  private priceCents = new Float64Array(0);
  private quantity = new Float64Array(0);
  private feeCents = new Float64Array(0);
  private timeMs = new Float64Array(0);
  /** Row numbers per account, oldest first (small integers: the arrays hold no objects to mark). */
  private readonly byAccount = new Map<number, number[]>();

  get size(): number {
    return this.rows;
  }

  add(e: ExecutionRecord): void {
    if (this.rows === this.capacity) this.grow();
    const row = this.rows++;
    this.executionId[row] = e.executionId;
    this.tradeId[row] = e.tradeId;
    this.orderId[row] = e.orderId;
    this.accountId[row] = e.accountId;
    this.symbolId[row] = e.symbolId;
    this.meta[row] = (e.side === 1 ? SELL : 0) | (e.orderType === 1 ? MARKET : 0) | (e.isMaker ? MAKER : 0);
    this.priceCents[row] = e.priceCents;
    this.quantity[row] = e.quantity;
    this.feeCents[row] = e.feeCents;
    this.timeMs[row] = e.timeMs;
    let rows = this.byAccount.get(e.accountId);
    if (!rows) this.byAccount.set(e.accountId, (rows = []));
    rows.push(row);
  }

  /** The account's executions, newest first, that pass `filter`; at most `limit`. */
  newestFirst(accountId: number, filter: (execution: ExecutionRecord) => boolean, limit: number): ExecutionRecord[] {
    const rows = this.byAccount.get(accountId) ?? [];
    const out: ExecutionRecord[] = [];
    for (let i = rows.length - 1; i >= 0 && out.length < limit; i--) {
      const execution = this.record(rows[i]);
      if (filter(execution)) out.push(execution);
    }
    return out;
  }

  /** Every execution, in the order they were added. */
  all(): ExecutionRecord[] {
    const out: ExecutionRecord[] = new Array(this.rows);
    for (let row = 0; row < this.rows; row++) out[row] = this.record(row);
    return out;
  }

  /** Copies of the columns: a few memory copies however many executions there are. */
  dump(): ExecutionColumnsDump {
    const rows = this.rows;
    return {
      executionId: this.executionId.slice(0, rows), tradeId: this.tradeId.slice(0, rows), orderId: this.orderId.slice(0, rows),
      accountId: this.accountId.slice(0, rows), symbolId: this.symbolId.slice(0, rows), meta: this.meta.slice(0, rows),
      priceCents: this.priceCents.slice(0, rows), quantity: this.quantity.slice(0, rows), feeCents: this.feeCents.slice(0, rows),
      timeMs: this.timeMs.slice(0, rows),
    };
  }

  /** Replaces everything with a dump's columns (taken over, not copied). */
  load(dump: ExecutionColumnsDump): void {
    const rows = dump.executionId.length;
    for (const [name, column] of Object.entries(dump)) {
      if ((column as ArrayLike<number>).length !== rows) throw new Error(`execution columns: ${name} has ${(column as ArrayLike<number>).length} rows, executionId ${rows}`);
    }
    this.executionId = dump.executionId;
    this.tradeId = dump.tradeId;
    this.orderId = dump.orderId;
    this.accountId = dump.accountId;
    this.symbolId = dump.symbolId;
    this.meta = dump.meta;
    this.priceCents = dump.priceCents;
    this.quantity = dump.quantity;
    this.feeCents = dump.feeCents;
    this.timeMs = dump.timeMs;
    this.rows = rows;
    this.capacity = rows;
    this.byAccount.clear();
    for (let row = 0; row < rows; row++) {
      const accountId = this.accountId[row];
      let list = this.byAccount.get(accountId);
      if (!list) this.byAccount.set(accountId, (list = []));
      list.push(row);
    }
  }

  private record(row: number): ExecutionRecord {
    const meta = this.meta[row];
    return {
      executionId: this.executionId[row], tradeId: this.tradeId[row], orderId: this.orderId[row], accountId: this.accountId[row],
      symbolId: this.symbolId[row], side: ((meta & SELL) !== 0 ? 1 : 0) as Side, orderType: ((meta & MARKET) !== 0 ? 1 : 0) as OrderType,
      priceCents: this.priceCents[row], quantity: this.quantity[row], feeCents: this.feeCents[row], isMaker: (meta & MAKER) !== 0,
      timeMs: this.timeMs[row],
    };
  }

  private grow(): void {
    const capacity = Math.max(1024, this.capacity * 2);
    const f64 = (old: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> => {
      const next = new Float64Array(capacity);
      next.set(old);
      return next;
    };
    this.executionId = f64(this.executionId);
    this.tradeId = f64(this.tradeId);
    this.orderId = f64(this.orderId);
    this.accountId = f64(this.accountId);
    this.priceCents = f64(this.priceCents);
    this.quantity = f64(this.quantity);
    this.feeCents = f64(this.feeCents);
    this.timeMs = f64(this.timeMs);
    const symbolId = new Uint32Array(capacity);
    symbolId.set(this.symbolId);
    this.symbolId = symbolId;
    const meta = new Uint8Array(capacity);
    meta.set(this.meta);
    this.meta = meta;
    this.capacity = capacity;
  }
}
