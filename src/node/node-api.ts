// What the HTTP and WebSocket gateways (and the demo bot) use of a node: the read models, submitting a
// command and hearing it released, and the operations the admin routes need. ExchangeNode is one (the
// engine on the caller's thread, what tests use); RemoteNode is the other (the engine on a thread of its
// own, the read models kept on the caller's from the released stream), what the server runs.
import type { EngineConfig, SymbolStatus } from '../engine/index.ts';
import type { Released, UnstampedCommand } from '../sequencer/index.ts';
import type { AccountDirectory, MarketView, OrderStore, WalletView } from '../views/index.ts';

export type BalancesCheck<T> = (sequence: number, balances: Array<{ accountId: number; asset: number; amount: number }>) => Promise<T>;

export interface NodeApi {
  readonly accounts: AccountDirectory;
  readonly orders: OrderStore;
  readonly wallets: WalletView;
  readonly market: MarketView;
  readonly config: EngineConfig;
  /** Recovered and not shutting down (the gateways answer UNAVAILABLE otherwise). */
  ready: boolean;
  /** The last command the read models have seen. */
  readonly lastSequence: number;
  /** Resting orders on all books (for gauges only). */
  readonly restingOrderCount: number;
  symbolStatuses(): SymbolStatus[];
  /** Sequences, applies and journals a command; resolves with its events once it is durable and in the read models. */
  submit(command: UnstampedCommand): Promise<Released>;
  /** Every released command, after the read models have seen it; what it is given is reused once it returns. */
  onRelease(listener: (released: Released) => void): void;
  /**
   * Resolves once the read models have applied every command released so far, wherever it was answered
   * (an order acknowledged on the order-entry port is then visible to a query here).
   */
  caughtUp(): Promise<void>;
  /** True when caughtUp() would resolve at once. */
  isCaughtUp(): boolean;
  stateHash(): Promise<{ sequence: number; stateHash: string }>;
  withBalancesAtDurablePoint<T>(check: BalancesCheck<T>): Promise<T>;
  snapshot(): Promise<void>;
  close(): Promise<void>;
}
