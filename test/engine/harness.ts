// A small trading desk over the engine for readable unit tests: named helpers that build sequenced
// commands, apply them, check every invariant after each one, and return the events they caused.
import {
  CollectingSink, type Command, CommandKind, DEFAULT_ENGINE_SETTINGS, Engine, type EngineConfig, type EngineEvent,
  EventKind, type InstrumentConfig, OrderType, Side, TimeInForce,
} from '../../src/engine/index.ts';

type Unstamped<T> = T extends Command ? Omit<T, 'sequence' | 'timestampMs'> : never;

export const TEST_INSTRUMENTS: InstrumentConfig[] = [
  { symbol: 'TEST', name: 'Test Corp', tickCents: 1, maxOrderQuantity: 1_000, referencePriceCents: 10_000, priceBandPercent: 10 },
  { symbol: 'FIVE', name: 'Five Tick Inc', tickCents: 5, maxOrderQuantity: 1_000_000, referencePriceCents: 5_000, priceBandPercent: 10 },
];
export const TEST = 0;
export const FIVE = 1;
export const CASH = 0;
export const sharesOf = (symbolId: number): number => symbolId + 1;

export interface OrderOptions {
  orderType?: OrderType;
  timeInForce?: TimeInForce;
  postOnly?: boolean;
  clientOrderId?: string;
}

export class Desk {
  readonly sink = new CollectingSink();
  readonly engine: Engine;
  sequence = 0;
  nowMs = 1_700_000_000_000;

  constructor(overrides: Partial<EngineConfig> = {}) {
    this.engine = new Engine({ ...DEFAULT_ENGINE_SETTINGS, makerFeeBps: 10, takerFeeBps: 20, instruments: TEST_INSTRUMENTS, ...overrides }, this.sink);
  }

  apply(command: Unstamped<Command>): EngineEvent[] {
    this.nowMs += 1;
    this.engine.apply({ ...command, sequence: ++this.sequence, timestampMs: this.nowMs } as Command);
    this.engine.checkInvariants();
    return this.sink.take();
  }

  open(): EngineEvent[] {
    return this.apply({ kind: CommandKind.OpenSession });
  }

  close(): EngineEvent[] {
    return this.apply({ kind: CommandKind.CloseSession });
  }

  /** Creates an account holding `cashCents` and `shares` of every instrument; returns its id. */
  account(name: string, cashCents = 100_000_000, shares = 10_000): number {
    const [created] = this.apply({ kind: CommandKind.CreateAccount, name, apiKey: '', apiSecret: '' });
    if (created.kind !== EventKind.AccountCreated) throw new Error(`account not created: ${JSON.stringify(created)}`);
    if (cashCents > 0) this.deposit(created.accountId, CASH, cashCents);
    if (shares > 0) TEST_INSTRUMENTS.forEach((_, symbolId) => this.deposit(created.accountId, sharesOf(symbolId), shares));
    return created.accountId;
  }

  deposit(accountId: number, asset: number, amount: number, idempotencyKey = ''): EngineEvent[] {
    return this.apply({ kind: CommandKind.Deposit, accountId, asset, amount, idempotencyKey });
  }

  withdraw(accountId: number, asset: number, amount: number, idempotencyKey = ''): EngineEvent[] {
    return this.apply({ kind: CommandKind.Withdraw, accountId, asset, amount, idempotencyKey });
  }

  order(accountId: number, symbolId: number, side: Side, priceCents: number, quantity: number, options: OrderOptions = {}): EngineEvent[] {
    return this.apply({
      kind: CommandKind.NewOrder, accountId, symbolId, side, priceCents, quantity,
      orderType: options.orderType ?? OrderType.Limit,
      timeInForce: options.timeInForce ?? TimeInForce.GTC,
      postOnly: options.postOnly ?? false,
      clientOrderId: options.clientOrderId ?? '',
    });
  }

  buy(accountId: number, priceCents: number, quantity: number, options: OrderOptions = {}, symbolId = TEST): EngineEvent[] {
    return this.order(accountId, symbolId, Side.Buy, priceCents, quantity, options);
  }

  sell(accountId: number, priceCents: number, quantity: number, options: OrderOptions = {}, symbolId = TEST): EngineEvent[] {
    return this.order(accountId, symbolId, Side.Sell, priceCents, quantity, options);
  }

  /** Places an order and returns its id (the command's sequence), failing the test if it was rejected. */
  rest(accountId: number, side: Side, priceCents: number, quantity: number, options: OrderOptions = {}, symbolId = TEST): number {
    const events = this.order(accountId, symbolId, side, priceCents, quantity, options);
    if (events[0].kind !== EventKind.OrderAccepted) throw new Error(`order not accepted: ${JSON.stringify(events[0])}`);
    return events[0].orderId;
  }

  cancel(accountId: number, orderId: number): EngineEvent[] {
    return this.apply({ kind: CommandKind.CancelOrder, accountId, orderId });
  }

  replace(accountId: number, orderId: number, quantity: number, priceCents = 0): EngineEvent[] {
    return this.apply({ kind: CommandKind.ReplaceOrder, accountId, orderId, quantity, priceCents });
  }

  balance(accountId: number, asset: number): { available: number; held: number } {
    const account = this.engine.dump().accounts[accountId];
    const found = account.balances.find((b) => b.asset === asset);
    return { available: found?.available ?? 0, held: found?.held ?? 0 };
  }

  /** [priceCents, quantity] per level, best first. */
  book(symbolId = TEST): { bids: Array<[number, number]>; asks: Array<[number, number]> } {
    return { bids: this.engine.depth(symbolId, Side.Buy, 100), asks: this.engine.depth(symbolId, Side.Sell, 100) };
  }

  /** Order ids resting on one side, in priority order. */
  queue(side: Side, symbolId = TEST): number[] {
    const symbol = this.engine.dump().symbols[symbolId];
    return (side === Side.Buy ? symbol.bids : symbol.asks).map((order) => order.orderId);
  }
}

export function kinds(events: EngineEvent[]): string[] {
  const names = Object.fromEntries(Object.entries(EventKind).map(([name, value]) => [value, name]));
  return events.map((event) => names[event.kind]);
}

export function only<K extends EngineEvent['kind']>(events: EngineEvent[], kind: K): Array<Extract<EngineEvent, { kind: K }>> {
  return events.filter((event): event is Extract<EngineEvent, { kind: K }> => event.kind === kind);
}
