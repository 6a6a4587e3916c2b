// Everything the core knows, in one place: the books over shared order and level pools, the accounts,
// the counters and the idempotency records. Behaviour lives in the modules that take a State.
import { Accounts } from './accounts.ts';
import { LevelPool } from './book/level-pool.ts';
import { OrderBook } from './book/order-book.ts';
import { OrderIndex } from './book/order-index.ts';
import { OrderPool } from './book/order-pool.ts';
import type { EngineConfig, InstrumentConfig } from './config.ts';
import { Emitter } from './emitter.ts';
import { AccountStatus, type EventSink, type OrderType, type Side, type TimeInForce } from './types.ts';

/** The fields a repeated clientOrderId is compared on, kept for every accepted order that had one. */
export interface ClientOrderRecord {
  accountId: number;
  clientOrderId: string;
  orderId: number;
  symbolId: number;
  side: Side;
  orderType: OrderType;
  priceCents: number;
  quantity: number;
  timeInForce: TimeInForce;
  postOnly: boolean;
}

export const FEE_ACCOUNT_ID = 0;

export class State {
  readonly config: EngineConfig;
  readonly instruments: readonly InstrumentConfig[];
  readonly maxFeeBps: number;
  readonly orders: OrderPool;
  readonly levels: LevelPool;
  /** Resting orders only. */
  readonly index: OrderIndex;
  readonly books: OrderBook[];
  readonly accounts: Accounts;
  readonly emit: Emitter;
  lastSequence = 0;
  lastTradeId = 0;
  sessionOpen = false;
  /** Net deposits minus withdrawals per asset: the totals conservation is checked against. */
  readonly netDeposits: number[];
  /** Key: accountId + ':' + clientOrderId. */
  readonly clientOrders = new Map<string, ClientOrderRecord>();
  /** Key: accountId + ':' + idempotency key. */
  readonly idempotencyKeys = new Set<string>();

  constructor(config: EngineConfig, sink: EventSink) {
    this.config = config;
    this.instruments = config.instruments;
    this.maxFeeBps = Math.max(config.makerFeeBps, config.takerFeeBps);
    this.orders = new OrderPool(config.initialOrderCapacity);
    this.levels = new LevelPool(Math.max(64, config.initialOrderCapacity >> 4));
    this.index = new OrderIndex(config.initialOrderCapacity);
    this.books = config.instruments.map((_, symbolId) => new OrderBook(symbolId, this.orders, this.levels));
    this.accounts = new Accounts(config.instruments.length);
    this.emit = new Emitter(sink);
    this.netDeposits = new Array<number>(config.instruments.length + 1).fill(0);
    this.accounts.create('fees', AccountStatus.Blocked, 0, 0);
  }
}

export function clientOrderKey(accountId: number, clientOrderId: string): string {
  return accountId + ':' + clientOrderId;
}
