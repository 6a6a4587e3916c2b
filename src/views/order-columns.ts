// Every order, open or settled, as columns of typed arrays in pages of 16,384 ids rather than as objects:
// as objects, settled orders were most of the engine thread's heap (which every major garbage collection
// marks: the pauses that set the order-entry p99), and open ones lived just long enough to be copied and
// promoted before they died. A fill, cancel or replace changes a few numbers in place; a query gets a fresh
// OrderRecord built from the columns.
import type { OrderType, Side, TimeInForce } from '../engine/index.ts';
import type { OrderRecord } from './orders.ts';

const PAGE_BITS = 14;
const PAGE_SLOTS = 1 << PAGE_BITS;
const SLOT_MASK = PAGE_SLOTS - 1;

// meta bits: present, side, orderType, postOnly, canceled; timeInForce in its own byte.
const PRESENT = 1;
const SELL = 2;
const MARKET = 4;
const POST_ONLY = 8;
const CANCELED = 16;

class Page {
  readonly meta = new Uint8Array(PAGE_SLOTS);
  readonly timeInForce = new Uint8Array(PAGE_SLOTS);
  readonly accountId = new Float64Array(PAGE_SLOTS);
  readonly symbolId = new Uint32Array(PAGE_SLOTS);
  readonly priceCents = new Float64Array(PAGE_SLOTS);
  readonly quantity = new Float64Array(PAGE_SLOTS);
  readonly creationTimeMs = new Float64Array(PAGE_SLOTS);
  readonly filledQuantity = new Float64Array(PAGE_SLOTS);
  readonly filledNotionalCents = new Float64Array(PAGE_SLOTS);
}

export class OrderColumns {
  private readonly pages: Array<Page | undefined> = [];
  /** Only the orders that had one (most have none). */
  private readonly clientOrderIds = new Map<number, string>();

  private pageOf(orderId: number): Page | undefined {
    return this.pages[Math.floor(orderId / PAGE_SLOTS)];
  }

  has(orderId: number): boolean {
    const page = this.pageOf(orderId);
    return page !== undefined && (page.meta[orderId & SLOT_MASK] & PRESENT) !== 0;
  }

  add(order: OrderRecord): void {
    const pageIndex = Math.floor(order.orderId / PAGE_SLOTS);
    while (this.pages.length <= pageIndex) this.pages.push(undefined);
    const page = (this.pages[pageIndex] ??= new Page());
    const slot = order.orderId & SLOT_MASK;
    page.meta[slot] = PRESENT | (order.side === 1 ? SELL : 0) | (order.orderType === 1 ? MARKET : 0) | (order.postOnly ? POST_ONLY : 0) |
      (order.canceled ? CANCELED : 0);
    page.timeInForce[slot] = order.timeInForce;
    page.accountId[slot] = order.accountId;
    page.symbolId[slot] = order.symbolId;
    page.priceCents[slot] = order.priceCents;
    page.quantity[slot] = order.quantity;
    page.creationTimeMs[slot] = order.creationTimeMs;
    page.filledQuantity[slot] = order.filledQuantity;
    page.filledNotionalCents[slot] = order.filledNotionalCents;
    if (order.clientOrderId !== '') this.clientOrderIds.set(order.orderId, order.clientOrderId);
  }

  // Fills, cancels and replaces of an order that is not here change nothing (as the object store did).

  /** Adds a fill to the order's filled quantity and notional. */
  fill(orderId: number, quantity: number, notionalCents: number): void {
    if (!this.has(orderId)) return;
    const page = this.pageOf(orderId)!;
    const slot = orderId & SLOT_MASK;
    page.filledQuantity[slot] += quantity;
    page.filledNotionalCents[slot] += notionalCents;
  }

  cancel(orderId: number): void {
    if (this.has(orderId)) this.pageOf(orderId)!.meta[orderId & SLOT_MASK] |= CANCELED;
  }

  /** A replace: the new price and (total) quantity. */
  replace(orderId: number, priceCents: number, quantity: number): void {
    if (!this.has(orderId)) return;
    const page = this.pageOf(orderId)!;
    page.priceCents[orderId & SLOT_MASK] = priceCents;
    page.quantity[orderId & SLOT_MASK] = quantity;
  }

  /** The order's type (0 when it is not here). */
  orderTypeOf(orderId: number): OrderType {
    return (this.has(orderId) && (this.pageOf(orderId)!.meta[orderId & SLOT_MASK] & MARKET) !== 0 ? 1 : 0) as OrderType;
  }

  /** A new record of the order, or undefined when it is not here. */
  get(orderId: number): OrderRecord | undefined {
    if (!this.has(orderId)) return undefined;
    const page = this.pageOf(orderId)!;
    const slot = orderId & SLOT_MASK;
    const meta = page.meta[slot];
    return {
      orderId, accountId: page.accountId[slot], symbolId: page.symbolId[slot], side: ((meta & SELL) !== 0 ? 1 : 0) as Side,
      orderType: ((meta & MARKET) !== 0 ? 1 : 0) as OrderType, priceCents: page.priceCents[slot], quantity: page.quantity[slot],
      timeInForce: page.timeInForce[slot] as TimeInForce, postOnly: (meta & POST_ONLY) !== 0, clientOrderId: this.clientOrderIds.get(orderId) ?? '',
      creationTimeMs: page.creationTimeMs[slot], filledQuantity: page.filledQuantity[slot], filledNotionalCents: page.filledNotionalCents[slot],
      canceled: (meta & CANCELED) !== 0,
    };
  }
}
