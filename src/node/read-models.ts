// The read models a node keeps beside its engine, fed by released commands: the account directory, the
// order history, the wallets and the market view, and each symbol's trading status. The engine thread keeps
// one set (the order-entry answers and the snapshot read it); the API thread keeps another, fed by the
// released stream (released-stream.ts), which the HTTP and WebSocket gateways answer from.
import { EventKind, type StateDump, SymbolStatus } from '../engine/index.ts';
import type { Released } from '../sequencer/index.ts';
import {
  AccountDirectory, type AccountEntry, type CandleArchive, type MarketLimits, MarketView, OrderStore, type OrdersDump, type OrdersRecordsDump,
  type SymbolMarketDump, WalletView,
} from '../views/index.ts';

/**
 * The snapshot file's body: the engine's dump and every read model's, all at one sequence (see
 * snapshot-body.ts for the bytes). Format 1 held the order history as records; 2 holds it as columns.
 */
export interface NodeSnapshot {
  format: 1 | 2;
  sequence: number;
  engine: StateDump;
  accounts: AccountEntry[];
  orders: OrdersDump | OrdersRecordsDump;
  market: SymbolMarketDump[];
}

/** What the read models restore from: a snapshot's parts other than the engine's books and orders. */
export type ReadModelsSnapshot = Pick<NodeSnapshot, 'sequence' | 'accounts' | 'orders' | 'market'> & {
  engine: { accounts: StateDump['accounts']; symbols: Array<{ symbolId: number; status: SymbolStatus }> };
};

/** The parts of a snapshot the read models restore from (for another thread: without the engine's books). */
export function readModelsPart(snapshot: NodeSnapshot): ReadModelsSnapshot {
  const { sequence, accounts, orders, market, engine } = snapshot;
  return { sequence, accounts, orders, market, engine: { accounts: engine.accounts, symbols: engine.symbols.map(({ symbolId, status }) => ({ symbolId, status })) } };
}

/** The market view's settings; null for a set without the market view and the wallets (see ReadModels). */
export type MarketOptions = { limits: MarketLimits; candleArchive: CandleArchive } | null;

/**
 * The full set, or (market null) only what the engine thread's order entry reads, the account directory
 * and the order history, when the API thread keeps the market view and the wallets: the engine thread then
 * spends nothing on them, and its snapshots take the market view's dump from the API thread.
 */
export class ReadModels {
  readonly accounts = new AccountDirectory();
  readonly orders = new OrderStore();
  readonly wallets: WalletView | null;
  readonly market: MarketView | null;
  private readonly symbolStatus: SymbolStatus[];
  /** The last command applied (0 before any). */
  lastSequence = 0;

  constructor(instrumentCount: number, market: MarketOptions) {
    this.market = market && new MarketView(instrumentCount, market.limits, market.candleArchive);
    this.wallets = market && new WalletView();
    this.symbolStatus = new Array<SymbolStatus>(instrumentCount).fill(SymbolStatus.Trading);
  }

  restore(snapshot: ReadModelsSnapshot): void {
    this.accounts.restore(snapshot.accounts);
    this.orders.restore(snapshot.orders);
    this.market?.restore(snapshot.market);
    this.wallets?.restore(snapshot.engine.accounts);
    snapshot.engine.symbols.forEach((symbol) => (this.symbolStatus[symbol.symbolId] = symbol.status));
    this.lastSequence = snapshot.sequence;
  }

  apply(released: Released): void {
    for (const event of released.events) {
      if (event.kind === EventKind.SymbolStatusChanged) this.symbolStatus[event.symbolId] = event.status;
    }
    this.accounts.apply(released);
    this.orders.apply(released);
    this.wallets?.apply(released);
    this.market?.apply(released);
    this.lastSequence = released.command.sequence;
  }

  /** Each symbol's trading status as of the last applied command. */
  symbolStatuses(): SymbolStatus[] {
    return this.symbolStatus;
  }
}
