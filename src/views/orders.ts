// Every order and execution the exchange has acknowledged, as the API shows them: the history the core
// does not keep (it holds open orders only). Built from released events, so it matches the core exactly.
import { EventKind, type OrderType, type Side, type TimeInForce } from '../engine/index.ts';
import { type ExecutionColumnsDump, type ExecutionColumnsParts, ExecutionLog } from './execution-log.ts';
import { OrderColumns, type OrderColumnsDump } from './order-columns.ts';
import type { Released } from '../sequencer/index.ts';

export type OrderStatus = 'new' | 'partially_filled' | 'filled' | 'canceled';

export interface OrderRecord {
  orderId: number;
  accountId: number;
  symbolId: number;
  side: Side;
  orderType: OrderType;
  /** 0 for market orders. */
  priceCents: number;
  quantity: number;
  timeInForce: TimeInForce;
  postOnly: boolean;
  clientOrderId: string;
  creationTimeMs: number;
  filledQuantity: number;
  /** Sum of price x quantity over fills, for the average price. */
  filledNotionalCents: number;
  canceled: boolean;
}

export interface ExecutionRecord {
  /** tradeId * 2, + 1 for the maker side: unique per execution. */
  executionId: number;
  tradeId: number;
  orderId: number;
  accountId: number;
  symbolId: number;
  side: Side;
  orderType: OrderType;
  priceCents: number;
  quantity: number;
  feeCents: number;
  isMaker: boolean;
  timeMs: number;
}

export function statusOf(order: OrderRecord): OrderStatus {
  if (order.filledQuantity === order.quantity) return 'filled';
  if (order.canceled) return 'canceled';
  return order.filledQuantity > 0 ? 'partially_filled' : 'new';
}

export function isOpen(order: OrderRecord): boolean {
  return !order.canceled && order.filledQuantity < order.quantity;
}

/** The order history as columns (typed arrays: a snapshot stores them as bytes; dump() gives the executions as parts). */
export interface OrdersDump {
  columns: OrderColumnsDump;
  executionColumns: ExecutionColumnsDump | ExecutionColumnsParts;
}

/** The history as records, as snapshots before the columns stored it: still read. */
export interface OrdersRecordsDump {
  orders: OrderRecord[];
  executions: ExecutionRecord[];
}

export class OrderStore {
  /** Every order, open or settled, as columns (see order-columns.ts). */
  private readonly columns = new OrderColumns();
  /** Order ids per account, ascending (oldest first). */
  private readonly ordersByAccount = new Map<number, number[]>();
  private readonly executionLog = new ExecutionLog();
  private readonly scratchOrder: OrderRecord = {
    orderId: 0, accountId: 0, symbolId: 0, side: 0, orderType: 0, priceCents: 0, quantity: 0, timeInForce: 0, postOnly: false, clientOrderId: '',
    creationTimeMs: 0, filledQuantity: 0, filledNotionalCents: 0, canceled: false,
  };
  private readonly scratchExecution: ExecutionRecord = {
    executionId: 0, tradeId: 0, orderId: 0, accountId: 0, symbolId: 0, side: 0, orderType: 0, priceCents: 0, quantity: 0, feeCents: 0, isMaker: false, timeMs: 0,
  };

  apply({ events }: Released): void {
    for (const event of events) {
      switch (event.kind) {
        case EventKind.OrderAccepted: {
          // Through one reused record: the columns copy it.
          const order = this.scratchOrder;
          order.orderId = event.orderId;
          order.accountId = event.accountId;
          order.symbolId = event.symbolId;
          order.side = event.side;
          order.orderType = event.orderType;
          order.priceCents = event.priceCents;
          order.quantity = event.quantity;
          order.timeInForce = event.timeInForce;
          order.postOnly = event.postOnly;
          order.clientOrderId = event.clientOrderId;
          order.creationTimeMs = event.timestampMs;
          this.addOrder(order);
          break;
        }
        case EventKind.Execution: {
          this.columns.fill(event.orderId, event.quantity, event.priceCents * event.quantity);
          // Through one reused record: the log copies it into its columns.
          const execution = this.scratchExecution;
          execution.executionId = event.tradeId * 2 + (event.isMaker ? 1 : 0);
          execution.tradeId = event.tradeId;
          execution.orderId = event.orderId;
          execution.accountId = event.accountId;
          execution.symbolId = event.symbolId;
          execution.side = event.side;
          execution.orderType = this.columns.orderTypeOf(event.orderId);
          execution.priceCents = event.priceCents;
          execution.quantity = event.quantity;
          execution.feeCents = event.feeCents;
          execution.isMaker = event.isMaker;
          execution.timeMs = event.timestampMs;
          this.executionLog.add(execution);
          break;
        }
        case EventKind.OrderCanceled:
          this.columns.cancel(event.orderId);
          break;
        case EventKind.OrderReplaced:
          this.columns.replace(event.orderId, event.priceCents, event.quantity);
          break;
        default:
          break;
      }
    }
  }

  /** The order as of the last applied command, as a new record (later commands do not change it). */
  get(orderId: number): OrderRecord | undefined {
    return this.columns.get(orderId);
  }

  /** Fills `into` with the order, without allocating (see emptyOrderRecord); false when there is no such order. */
  read(orderId: number, into: OrderRecord): boolean {
    return this.columns.read(orderId, into);
  }

  /** The account's orders, newest first, filtered; at most `limit`. */
  list(accountId: number, filter: (order: OrderRecord) => boolean, limit: number): OrderRecord[] {
    const ids = this.ordersByAccount.get(accountId) ?? [];
    const out: OrderRecord[] = [];
    for (let i = ids.length - 1; i >= 0 && out.length < limit; i--) {
      const order = this.get(ids[i])!;
      if (filter(order)) out.push(order);
    }
    return out;
  }

  /** The account's executions, newest first, filtered; at most `limit`. */
  executions(accountId: number, filter: (execution: ExecutionRecord) => boolean, limit: number): ExecutionRecord[] {
    return this.executionLog.newestFirst(accountId, filter, limit);
  }

  /** Every order, ascending id, as new records (tests and tools: one object per order). */
  all(): OrderRecord[] {
    const ids: number[] = [];
    for (const list of this.ordersByAccount.values()) for (const id of list) ids.push(id);
    return ids.sort((a, b) => a - b).map((id) => this.get(id)!);
  }

  /** Every execution, in the order they happened, as new records. */
  allExecutions(): ExecutionRecord[] {
    return this.executionLog.all();
  }

  /** Copies of the columns (the caller may hand them to another thread or a file). */
  dump(): OrdersDump {
    return { columns: this.columns.dump(), executionColumns: this.executionLog.dump() };
  }

  /** Loads a dump into this store, which must be new (recovery); the dump's columns are taken over, not copied. */
  restore(dump: OrdersDump | OrdersRecordsDump): void {
    if ('orders' in dump) {
      for (const order of dump.orders) this.addOrder(order);
      for (const execution of dump.executions) this.executionLog.add(execution);
      return;
    }
    this.columns.load(dump.columns, (orderId, accountId) => this.listOf(accountId).push(orderId));
    this.executionLog.load(dump.executionColumns);
  }

  private listOf(accountId: number): number[] {
    let ids = this.ordersByAccount.get(accountId);
    if (!ids) this.ordersByAccount.set(accountId, (ids = []));
    return ids;
  }

  private addOrder(order: OrderRecord): void {
    this.columns.add(order);
    this.listOf(order.accountId).push(order.orderId);
  }
}
