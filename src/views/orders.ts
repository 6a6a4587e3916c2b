// Every order and execution the exchange has acknowledged, as the API shows them: the history the core
// does not keep (it holds open orders only). Built from released events, so it matches the core exactly.
import { EventKind, type OrderType, type Side, type TimeInForce } from '../engine/index.ts';
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
  private readonly orders = new OrderTable<OrderRecord>();
  /** Order ids per account, ascending (oldest first). */
  private readonly ordersByAccount = new Map<number, number[]>();
  private readonly executionsByAccount = new Map<number, ExecutionRecord[]>();

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
          const order = this.orders.get(event.orderId);
          if (order) {
            order.filledQuantity += event.quantity;
            order.filledNotionalCents += event.priceCents * event.quantity;
          }
          this.addExecution({
            executionId: event.tradeId * 2 + (event.isMaker ? 1 : 0), tradeId: event.tradeId, orderId: event.orderId,
            accountId: event.accountId, symbolId: event.symbolId, side: event.side, orderType: order?.orderType ?? 0,
            priceCents: event.priceCents, quantity: event.quantity, feeCents: event.feeCents, isMaker: event.isMaker,
            timeMs: event.timestampMs,
          });
          break;
        }
        case EventKind.OrderCanceled: {
          const order = this.orders.get(event.orderId);
          if (order) order.canceled = true;
          break;
        }
        case EventKind.OrderReplaced: {
          const order = this.orders.get(event.orderId);
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

  get(orderId: number): OrderRecord | undefined {
    return this.orders.get(orderId);
  }

  /** The account's orders, newest first, filtered; at most `limit`. */
  list(accountId: number, filter: (order: OrderRecord) => boolean, limit: number): OrderRecord[] {
    const ids = this.ordersByAccount.get(accountId) ?? [];
    const out: OrderRecord[] = [];
    for (let i = ids.length - 1; i >= 0 && out.length < limit; i--) {
      const order = this.orders.get(ids[i])!;
      if (filter(order)) out.push(order);
    }
    return out;
  }

  /** The account's executions, newest first, filtered; at most `limit`. */
  executions(accountId: number, filter: (execution: ExecutionRecord) => boolean, limit: number): ExecutionRecord[] {
    const all = this.executionsByAccount.get(accountId) ?? [];
    const out: ExecutionRecord[] = [];
    for (let i = all.length - 1; i >= 0 && out.length < limit; i--) {
      if (filter(all[i])) out.push(all[i]);
    }
    return out;
  }

  dump(): OrdersDump {
    const executions: ExecutionRecord[] = [];
    for (const list of this.executionsByAccount.values()) executions.push(...list);
    executions.sort((a, b) => a.executionId - b.executionId);
    return { orders: [...this.orders.values()], executions };
  }

  restore(dump: OrdersDump): void {
    for (const order of dump.orders) this.addOrder({ ...order });
    for (const execution of dump.executions) this.addExecution({ ...execution });
  }

  private addOrder(order: OrderRecord): void {
    this.orders.set(order.orderId, order);
    let ids = this.ordersByAccount.get(order.accountId);
    if (!ids) this.ordersByAccount.set(order.accountId, (ids = []));
    ids.push(order.orderId);
  }

  private addExecution(execution: ExecutionRecord): void {
    let list = this.executionsByAccount.get(execution.accountId);
    if (!list) this.executionsByAccount.set(execution.accountId, (list = []));
    list.push(execution);
  }
}
