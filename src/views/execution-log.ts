// Every execution, as columns of typed arrays in pages of 16,384 rows, with each account's executions as a
// list of row numbers: an execution never changes, and as objects they were a large part of the engine
// thread's heap (see order-columns.ts). Queries get fresh ExecutionRecords. Pages, not one array per column
// doubled when full: a doubling copied every execution so far on the engine thread, 6 ms at 262,144 rows and
// twice that at each doubling after (a stall in order entry that grew with the history).
import { ArrayChain, type ChainedArray } from '../codec/index.ts';
import type { OrderType, Side } from '../engine/index.ts';
import type { ExecutionRecord } from './orders.ts';

const SELL = 1;
const MARKET = 2;
const MAKER = 4;

/** The log's columns as a snapshot gives them back: one entry per execution in the order they were added. */
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

const PAGE_BITS = 14;
const PAGE_ROWS = 1 << PAGE_BITS;
const ROW_MASK = PAGE_ROWS - 1;

/** What dump() gives: each column as its pages, written to a snapshot as one array. */
export type ExecutionColumnsParts = { [Name in keyof ExecutionColumnsDump]: ArrayChain };

/** Each column's array type: the pages' columns and the dump's (one array per column end to end). */
const COLUMN_TYPES = {
  executionId: Float64Array, tradeId: Float64Array, orderId: Float64Array, accountId: Float64Array, symbolId: Uint32Array,
  meta: Uint8Array, priceCents: Float64Array, quantity: Float64Array, feeCents: Float64Array, timeMs: Float64Array,
} as const;
const COLUMNS = Object.keys(COLUMN_TYPES) as Array<keyof typeof COLUMN_TYPES>;

type Page = { [Name in keyof typeof COLUMN_TYPES]: InstanceType<(typeof COLUMN_TYPES)[Name]> };

export class ExecutionLog {
  private rows = 0;
  private readonly pages: Page[] = [];
  /** Row numbers per account, oldest first (small integers: the arrays hold no objects to mark). */
  private readonly byAccount = new Map<number, number[]>();

  get size(): number {
    return this.rows;
  }

  add(e: ExecutionRecord): void {
    const row = this.rows++;
    const page = this.pages[row >> PAGE_BITS] ?? this.newPage();
    const slot = row & ROW_MASK;
    page.executionId[slot] = e.executionId;
    page.tradeId[slot] = e.tradeId;
    page.orderId[slot] = e.orderId;
    page.accountId[slot] = e.accountId;
    page.symbolId[slot] = e.symbolId;
    page.meta[slot] = (e.side === 1 ? SELL : 0) | (e.orderType === 1 ? MARKET : 0) | (e.isMaker ? MAKER : 0);
    page.priceCents[slot] = e.priceCents;
    page.quantity[slot] = e.quantity;
    page.feeCents[slot] = e.feeCents;
    page.timeMs[slot] = e.timeMs;
    this.addToAccount(e.accountId, row);
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

  /**
   * The columns for a snapshot, each as its pages end to end (stored as one array): views of the live pages,
   * not copies. The log only appends: a row, once added, is never written again, so what the views cover stays
   * as it was however long the snapshot's write takes. (A copy of every column stalled order entry: tens of ms
   * at 1M orders, and the garbage collector's pass over the fresh memory after.)
   */
  dump(): ExecutionColumnsParts {
    const rows = this.rows;
    const dump = {} as Record<keyof ExecutionColumnsDump, ArrayChain>;
    for (const name of COLUMNS) {
      const parts: ChainedArray[] = [];
      for (let first = 0; first < rows; first += PAGE_ROWS) parts.push(this.pages[first >> PAGE_BITS][name].subarray(0, Math.min(PAGE_ROWS, rows - first)));
      dump[name] = new ArrayChain(COLUMN_TYPES[name], parts);
    }
    return dump as ExecutionColumnsParts;
  }

  /** Replaces everything with a dump's columns (copied into pages): as read from a snapshot, or dump() itself. */
  load(parts: ExecutionColumnsDump | ExecutionColumnsParts): void {
    const dump = {} as Record<keyof ExecutionColumnsDump, ChainedArray>;
    for (const name of COLUMNS) dump[name] = parts[name] instanceof ArrayChain ? parts[name].join() : parts[name];
    const rows = dump.executionId.length;
    for (const name of COLUMNS) {
      if (dump[name].length !== rows) throw new Error(`execution columns: ${name} has ${dump[name].length} rows, executionId ${rows}`);
    }
    this.pages.length = 0;
    this.byAccount.clear();
    for (let first = 0; first < rows; first += PAGE_ROWS) {
      const page = this.newPage();
      const end = Math.min(rows, first + PAGE_ROWS);
      for (const name of COLUMNS) page[name].set(dump[name].subarray(first, end));
    }
    this.rows = rows;
    for (let row = 0; row < rows; row++) this.addToAccount(dump.accountId[row], row);
  }

  private newPage(): Page {
    const page = {} as Record<keyof Page, Float64Array | Uint32Array | Uint8Array>;
    for (const name of COLUMNS) page[name] = new COLUMN_TYPES[name](PAGE_ROWS);
    this.pages.push(page as Page);
    return page as Page;
  }

  private addToAccount(accountId: number, row: number): void {
    let rows = this.byAccount.get(accountId);
    if (!rows) this.byAccount.set(accountId, (rows = []));
    rows.push(row);
  }

  private record(row: number): ExecutionRecord {
    const page = this.pages[row >> PAGE_BITS];
    const slot = row & ROW_MASK;
    const meta = page.meta[slot];
    return {
      executionId: page.executionId[slot], tradeId: page.tradeId[slot], orderId: page.orderId[slot], accountId: page.accountId[slot],
      symbolId: page.symbolId[slot], side: ((meta & SELL) !== 0 ? 1 : 0) as Side, orderType: ((meta & MARKET) !== 0 ? 1 : 0) as OrderType,
      priceCents: page.priceCents[slot], quantity: page.quantity[slot], feeCents: page.feeCents[slot], isMaker: (meta & MAKER) !== 0,
      timeMs: page.timeMs[slot],
    };
  }
}
