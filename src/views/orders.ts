// Every order and execution the exchange has acknowledged, as the API shows them: the history the core
// does not keep (it holds open orders only). Built from released events, so it matches the core exactly.
import { EventKind, type OrderType, type Side, type TimeInForce } from '../engine/index.ts';
import { ClosedOrders } from './closed-orders.ts';
import { ExecutionLog } from './execution-log.ts';
import { OrderTable } from './order-table.ts';
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

export interface OrdersDump {
  orders: OrderRecord[];
  executions: ExecutionRecord[];
}

export class OrderStore {
  /** Open orders, as objects (they change with every fill, cancel and replace). */
  private readonly open = new OrderTable<OrderRecord>();
  /** Filled and canceled orders, as columns (see closed-orders.ts). */
  private readonly closed = new ClosedOrders();
  /** Order ids per account, ascending (oldest first). */
  private readonly ordersByAccount = new Map<number, number[]>();
  private readonly executionLog = new ExecutionLog();
  private readonly scratchExecution: ExecutionRecord = {
    executionId: 0, tradeId: 0, orderId: 0, accountId: 0, symbolId: 0, side: 0, orderType: 0, priceCents: 0, quantity: 0, feeCents: 0, isMaker: false, timeMs: 0,
  };

  apply({ events }: Released): void {
    for (const event of events) {
      switch (event.kind) {
        case EventKind.OrderAccepted:
          this.addOrder({
            orderId: event.orderId, accountId: event.accountId, symbolId: event.symbolId, side: event.side,
            orderType: event.orderType, priceCents: event.priceCents, quantity: event.quantity,
            timeInForce: event.timeInForce, postOnly: event.postOnly, clientOrderId: event.clientOrderId,
            creationTimeMs: event.timestampMs, filledQuantity: 0, filledNotionalCents: 0, canceled: false,
          });
          break;
        case EventKind.Execution: {
          const order = this.open.get(event.orderId);
          if (order) {
            order.filledQuantity += event.quantity;
            order.filledNotionalCents += event.priceCents * event.quantity;
          }
          // Through one reused record: the log copies it into its columns.
          const execution = this.scratchExecution;
          execution.executionId = event.tradeId * 2 + (event.isMaker ? 1 : 0);
          execution.tradeId = event.tradeId;
          execution.orderId = event.orderId;
          execution.accountId = event.accountId;
          execution.symbolId = event.symbolId;
          execution.side = event.side;
          execution.orderType = order?.orderType ?? 0;
          execution.priceCents = event.priceCents;
          execution.quantity = event.quantity;
          execution.feeCents = event.feeCents;
          execution.isMaker = event.isMaker;
          execution.timeMs = event.timestampMs;
          this.executionLog.add(execution);
          if (order && !isOpen(order)) this.close(order);
          break;
        }
        case EventKind.OrderCanceled: {
          const order = this.open.get(event.orderId);
          if (order) {
            order.canceled = true;
            this.close(order);
          }
          break;
        }
        case EventKind.OrderReplaced: {
          const order = this.open.get(event.orderId);
          if (order) {
            order.priceCents = event.priceCents;
            order.quantity = event.quantity;
          }
          break;
        }
        default:
          break;
      }
    }
  }

  /**
   * The order: for an open order the live record (it changes as the order does; a caller holding it across
   * a command sees the command's effect), for a closed one a new record.
   */
  get(orderId: number): OrderRecord | undefined {
    return this.open.get(orderId) ?? this.closed.get(orderId);
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

  dump(): OrdersDump {
    const ids: number[] = [];
    for (const list of this.ordersByAccount.values()) ids.push(...list);
    ids.sort((a, b) => a - b);
    const executions = this.executionLog.all();
    executions.sort((a, b) => a.executionId - b.executionId);
    return { orders: ids.map((id) => this.get(id)!), executions };
  }

  restore(dump: OrdersDump): void {
    for (const order of dump.orders) this.addOrder({ ...order });
    for (const execution of dump.executions) this.executionLog.add({ ...execution });
  }

  private addOrder(order: OrderRecord): void {
    if (isOpen(order)) this.open.set(order.orderId, order);
    else this.closed.add(order);
    let ids = this.ordersByAccount.get(order.accountId);
    if (!ids) this.ordersByAccount.set(order.accountId, (ids = []));
    ids.push(order.orderId);
  }

  /** The order will not change again: into the columns, out of the objects. */
  private close(order: OrderRecord): void {
    this.closed.add(order);
    this.open.delete(order.orderId);
  }
}
