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
  readonly meta: Uint8Array;
  readonly timeInForce: Uint8Array;
  readonly accountId: Float64Array;
  readonly symbolId: Uint32Array;
  readonly priceCents: Float64Array;
  readonly quantity: Float64Array;
  readonly creationTimeMs: Float64Array;
  readonly filledQuantity: Float64Array;
  readonly filledNotionalCents: Float64Array;

  /** Empty, or over a dump's columns (taken over, not copied). */
  constructor(from?: PageDump) {
    this.meta = from?.meta ?? new Uint8Array(PAGE_SLOTS);
    this.timeInForce = from?.timeInForce ?? new Uint8Array(PAGE_SLOTS);
    this.accountId = from?.accountId ?? new Float64Array(PAGE_SLOTS);
    this.symbolId = from?.symbolId ?? new Uint32Array(PAGE_SLOTS);
    this.priceCents = from?.priceCents ?? new Float64Array(PAGE_SLOTS);
    this.quantity = from?.quantity ?? new Float64Array(PAGE_SLOTS);
    this.creationTimeMs = from?.creationTimeMs ?? new Float64Array(PAGE_SLOTS);
    this.filledQuantity = from?.filledQuantity ?? new Float64Array(PAGE_SLOTS);
    this.filledNotionalCents = from?.filledNotionalCents ?? new Float64Array(PAGE_SLOTS);
  }
}

/** A page's columns as plain typed arrays (a snapshot stores them as bytes). */
export interface PageDump {
  meta: Uint8Array<ArrayBuffer>;
  timeInForce: Uint8Array<ArrayBuffer>;
  accountId: Float64Array<ArrayBuffer>;
  symbolId: Uint32Array<ArrayBuffer>;
  priceCents: Float64Array<ArrayBuffer>;
  quantity: Float64Array<ArrayBuffer>;
  creationTimeMs: Float64Array<ArrayBuffer>;
  filledQuantity: Float64Array<ArrayBuffer>;
  filledNotionalCents: Float64Array<ArrayBuffer>;
}

export interface OrderColumnsDump {
  /** Indexed by page (order id >> 14); null where no order id fell. Copies of the live columns. */
  pages: Array<PageDump | null>;
  /** The orders that had a client order id: their ids, the ids' UTF-16 lengths, and the ids end to end. */
  clientOrderIds: { orderIds: Float64Array; lengths: Uint32Array; text: string };
}

const PAGE_COLUMNS = Object.keys(new Page()) as Array<keyof PageDump>;

/** As isOpen (orders.ts) reads an order: not canceled, not fully filled. */
function isOpenAt(page: Page, slot: number): boolean {
  return (page.meta[slot] & CANCELED) === 0 && page.filledQuantity[slot] < page.quantity[slot];
}

export class OrderColumns {
  private readonly pages: Array<Page | undefined> = [];
  /**
   * Open orders (not canceled, not fully filled) per page. Fills, cancels and replaces only ever touch open
   * orders, and new ones land in the last page: so a page before the last with none open can no longer change,
   * and a snapshot takes its columns as they are instead of copying them.
   */
  private readonly openPerPage: number[] = [];
  /** Only the orders that had one (most have none). */
  private readonly clientOrderIds = new Map<number, string>();

  /** The page holding the order, or undefined when the order is not here (one lookup for has-then-use). */
  private pageWith(orderId: number): Page | undefined {
    const page = this.pages[Math.floor(orderId / PAGE_SLOTS)];
    return page !== undefined && (page.meta[orderId & SLOT_MASK] & PRESENT) !== 0 ? page : undefined;
  }

  has(orderId: number): boolean {
    return this.pageWith(orderId) !== undefined;
  }

  add(order: OrderRecord): void {
    const pageIndex = Math.floor(order.orderId / PAGE_SLOTS);
    while (this.pages.length <= pageIndex) this.pages.push(undefined);
    let page = this.pages[pageIndex];
    if (page === undefined) {
      page = this.pages[pageIndex] = new Page();
      this.openPerPage[pageIndex] = 0;
    }
    const slot = order.orderId & SLOT_MASK;
    if ((page.meta[slot] & PRESENT) !== 0 && isOpenAt(page, slot)) this.openPerPage[pageIndex]--;
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
    if (isOpenAt(page, slot)) this.openPerPage[pageIndex]++;
  }

  // Fills, cancels and replaces of an order that is not here change nothing (as the object store did).

  /** Adds a fill to the order's filled quantity and notional. */
  fill(orderId: number, quantity: number, notionalCents: number): void {
    const page = this.pageWith(orderId);
    if (page === undefined) return;
    const slot = orderId & SLOT_MASK;
    const wasOpen = isOpenAt(page, slot);
    page.filledQuantity[slot] += quantity;
    page.filledNotionalCents[slot] += notionalCents;
    this.countOpen(orderId, wasOpen, isOpenAt(page, slot));
  }

  cancel(orderId: number): void {
    const page = this.pageWith(orderId);
    if (page === undefined) return;
    const slot = orderId & SLOT_MASK;
    const wasOpen = isOpenAt(page, slot);
    page.meta[slot] |= CANCELED;
    this.countOpen(orderId, wasOpen, false);
  }

  /** A replace: the new price and (total) quantity. */
  replace(orderId: number, priceCents: number, quantity: number): void {
    const page = this.pageWith(orderId);
    if (page === undefined) return;
    const slot = orderId & SLOT_MASK;
    const wasOpen = isOpenAt(page, slot);
    page.priceCents[slot] = priceCents;
    page.quantity[slot] = quantity;
    this.countOpen(orderId, wasOpen, isOpenAt(page, slot));
  }

  private countOpen(orderId: number, wasOpen: boolean, isOpen: boolean): void {
    if (wasOpen !== isOpen) this.openPerPage[Math.floor(orderId / PAGE_SLOTS)] += isOpen ? 1 : -1;
  }

  /** The order's type (0 when it is not here). */
  orderTypeOf(orderId: number): OrderType {
    const page = this.pageWith(orderId);
    return (page !== undefined && (page.meta[orderId & SLOT_MASK] & MARKET) !== 0 ? 1 : 0) as OrderType;
  }

  /**
   * Every column, for a snapshot: the pages that can no longer change as they are (see openPerPage), copies
   * of the others. What the dump holds then stays as it was while the snapshot is written, and the copy is of
   * the pages still open, not of the whole history (which stalled order entry for tens of ms at 1M orders).
   */
  dump(): OrderColumnsDump {
    const lastPage = this.pages.length - 1;
    const pages = this.pages.map((page, pageIndex) => {
      if (page === undefined) return null;
      const settled = pageIndex < lastPage && this.openPerPage[pageIndex] === 0;
      const copy: Partial<Record<keyof PageDump, PageDump[keyof PageDump]>> = {};
      for (const column of PAGE_COLUMNS) copy[column] = (settled ? page[column] : page[column].slice()) as PageDump[typeof column];
      return copy as PageDump;
    });
    const ids = [...this.clientOrderIds.keys()].sort((a, b) => a - b);
    const orderIds = new Float64Array(ids);
    const lengths = new Uint32Array(ids.length);
    const texts: string[] = new Array<string>(ids.length);
    ids.forEach((id, i) => {
      texts[i] = this.clientOrderIds.get(id)!;
      lengths[i] = texts[i].length;
    });
    return { pages, clientOrderIds: { orderIds, lengths, text: texts.join('') } };
  }

  /** Replaces everything with a dump's columns (which it takes over); calls `each` for every order, ascending. */
  load(dump: OrderColumnsDump, each: (orderId: number, accountId: number) => void): void {
    this.pages.length = 0;
    this.openPerPage.length = 0;
    this.clientOrderIds.clear();
    for (const columns of dump.pages) {
      if (columns === null) {
        this.pages.push(undefined);
        continue;
      }
      for (const column of PAGE_COLUMNS) {
        if (columns[column].length !== PAGE_SLOTS) throw new Error(`order columns: page column ${column} has ${columns[column].length} slots, not ${PAGE_SLOTS}`);
      }
      this.pages.push(new Page(columns));
    }
    const { orderIds, lengths, text } = dump.clientOrderIds;
    let at = 0;
    for (let i = 0; i < orderIds.length; i++) {
      this.clientOrderIds.set(orderIds[i], text.slice(at, at + lengths[i]));
      at += lengths[i];
    }
    this.pages.forEach((page, pageIndex) => {
      if (page === undefined) return;
      let open = 0;
      for (let slot = 0; slot < PAGE_SLOTS; slot++) {
        if ((page.meta[slot] & PRESENT) === 0) continue;
        each(pageIndex * PAGE_SLOTS + slot, page.accountId[slot]);
        if (isOpenAt(page, slot)) open++;
      }
      this.openPerPage[pageIndex] = open;
    });
  }

  /** A new record of the order, or undefined when it is not here. */
  get(orderId: number): OrderRecord | undefined {
    const record = emptyOrderRecord();
    return this.read(orderId, record) ? record : undefined;
  }

  /** Fills `into` with the order (no allocation: the engine thread's answers use one scratch record); false when it is not here. */
  read(orderId: number, into: OrderRecord): boolean {
    const page = this.pageWith(orderId);
    if (page === undefined) return false;
    const slot = orderId & SLOT_MASK;
    const meta = page.meta[slot];
    into.orderId = orderId;
    into.accountId = page.accountId[slot];
    into.symbolId = page.symbolId[slot];
    into.side = ((meta & SELL) !== 0 ? 1 : 0) as Side;
    into.orderType = ((meta & MARKET) !== 0 ? 1 : 0) as OrderType;
    into.priceCents = page.priceCents[slot];
    into.quantity = page.quantity[slot];
    into.timeInForce = page.timeInForce[slot] as TimeInForce;
    into.postOnly = (meta & POST_ONLY) !== 0;
    into.clientOrderId = this.clientOrderIds.get(orderId) ?? '';
    into.creationTimeMs = page.creationTimeMs[slot];
    into.filledQuantity = page.filledQuantity[slot];
    into.filledNotionalCents = page.filledNotionalCents[slot];
    into.canceled = (meta & CANCELED) !== 0;
    return true;
  }
}

/** A record to fill with read(); the times start as doubles so that an epoch-ms value is stored in place. */
export function emptyOrderRecord(): OrderRecord {
  return {
    orderId: 0, accountId: 0, symbolId: 0, side: 0 as Side, orderType: 0 as OrderType, priceCents: 0, quantity: 0, timeInForce: 0 as TimeInForce,
    postOnly: false, clientOrderId: '', creationTimeMs: 0.5, filledQuantity: 0, filledNotionalCents: 0.5, canceled: false,
  };
}
