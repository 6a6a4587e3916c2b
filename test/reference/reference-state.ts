// The reference model's state: plain objects and arrays, nothing clever. Balances are kept as totals
// (available + held) per asset; what is held is always recomputed from the open orders, and available is
// the difference. That is a different formulation from the engine's incremental holds, which is the point
// of a differential test: both must land on the same numbers.
import type { EngineConfig } from '../../src/engine/config.ts';
import type { AccountStatus, EngineEvent, EventSink, OrderType, Side, SymbolStatus, TimeInForce } from '../../src/engine/types.ts';
import { AccountStatus as Status, CASH_ASSET, Side as SideCode, SymbolStatus as SymbolStatusCode } from '../../src/engine/types.ts';
import { priceBand, requiredHold } from './reference-math.ts';
import type { PriceBand } from './reference-math.ts';

export interface RefOrder {
  orderId: number;
  accountId: number;
  symbolId: number;
  side: Side;
  orderType: OrderType;
  /** The limit P: the limit price, or the band edge at arrival for a market order. */
  priceCents: number;
  quantity: number;
  remainingQuantity: number;
  timeInForce: TimeInForce;
  postOnly: boolean;
  creationTimeMs: number;
  /** Sequence of the command that last put the order at the back of its level: time priority. */
  queuedAt: number;
}

export interface RefAccount {
  accountId: number;
  name: string;
  status: AccountStatus;
  maxOpenOrders: number;
  maxOpenNotionalCents: number;
  /** Per asset: available + held. */
  totals: number[];
}

export interface ClientOrderRecord {
  orderId: number;
  symbolId: number;
  side: Side;
  orderType: OrderType;
  priceCents: number;
  quantity: number;
  timeInForce: TimeInForce;
  postOnly: boolean;
}

export interface RefSymbol {
  status: SymbolStatus;
  lastTradePriceCents: number;
}

type Header = 'eventSequence' | 'commandSequence' | 'timestampMs';
/** An event without its header: the state stamps the header when it emits. */
export type EventBody = { [K in EngineEvent['kind']]: Omit<Extract<EngineEvent, { kind: K }>, Header> }[EngineEvent['kind']];

export const FEE_ACCOUNT_ID = 0;

export class RefState {
  readonly maxFeeBps: number;
  readonly assetCount: number;
  lastSequence = 0;
  lastEventSequence = 0;
  lastTradeId = 0;
  sessionOpen = false;
  readonly symbols: RefSymbol[];
  readonly accounts = new Map<number, RefAccount>();
  nextAccountId = 1;
  /** Every open order of every symbol, in no particular order. */
  readonly resting: RefOrder[] = [];
  readonly netDeposits: number[];
  /** accountId -> clientOrderId -> the order first accepted with it. */
  readonly clientOrders = new Map<number, Map<string, ClientOrderRecord>>();
  /** accountId -> idempotency keys used by its deposits and withdrawals. */
  readonly idempotencyKeys = new Map<number, Set<string>>();
  commandSequence = 0;
  commandTimestampMs = 0;

  constructor(
    readonly config: EngineConfig,
    private readonly sink: EventSink,
  ) {
    this.maxFeeBps = Math.max(config.makerFeeBps, config.takerFeeBps);
    this.assetCount = config.instruments.length + 1;
    this.symbols = config.instruments.map(() => ({ status: SymbolStatusCode.Trading, lastTradePriceCents: 0 }));
    this.netDeposits = new Array<number>(this.assetCount).fill(0);
    this.addAccount('fees', Status.Blocked);
  }

  addAccount(name: string, status: AccountStatus): RefAccount {
    const isFeeAccount = this.accounts.size === 0;
    const accountId = isFeeAccount ? FEE_ACCOUNT_ID : this.nextAccountId++;
    // The fee account starts with both limits 0; accounts created by command get the defaults.
    const account: RefAccount = {
      accountId,
      name,
      status,
      maxOpenOrders: isFeeAccount ? 0 : this.config.defaultMaxOpenOrders,
      maxOpenNotionalCents: isFeeAccount ? 0 : this.config.defaultMaxOpenNotionalCents,
      totals: new Array<number>(this.assetCount).fill(0),
    };
    this.accounts.set(accountId, account);
    return account;
  }

  emit(body: EventBody): void {
    this.lastEventSequence++;
    const event = {
      eventSequence: this.lastEventSequence,
      commandSequence: this.commandSequence,
      timestampMs: this.commandTimestampMs,
      ...body,
    } as EngineEvent;
    this.sink.onEvent(event);
  }

  isSymbol(symbolId: number): boolean {
    return Number.isSafeInteger(symbolId) && symbolId >= 0 && symbolId < this.symbols.length;
  }

  band(symbolId: number): PriceBand {
    const instrument = this.config.instruments[symbolId];
    const last = this.symbols[symbolId].lastTradePriceCents;
    const center = last > 0 ? last : instrument.referencePriceCents;
    return priceBand(center, instrument.priceBandPercent, instrument.tickCents);
  }

  openOrdersOf(accountId: number): RefOrder[] {
    return this.resting.filter((order) => order.accountId === accountId);
  }

  openNotionalOf(accountId: number): number {
    return this.openOrdersOf(accountId).reduce((sum, order) => sum + order.priceCents * order.remainingQuantity, 0);
  }

  held(accountId: number, asset: number): number {
    let held = 0;
    for (const order of this.openOrdersOf(accountId)) {
      if (asset === CASH_ASSET && order.side === SideCode.Buy) {
        held += requiredHold(order.priceCents, order.remainingQuantity, this.maxFeeBps);
      } else if (asset === order.symbolId + 1 && order.side === SideCode.Sell) {
        held += order.remainingQuantity;
      }
    }
    return held;
  }

  available(accountId: number, asset: number): number {
    const account = this.accounts.get(accountId)!;
    return account.totals[asset] - this.held(accountId, asset);
  }
}
