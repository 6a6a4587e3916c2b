// Realistic command streams for the differential test. fast-check draws a config and a list of abstract
// steps (raw random choices); `materialize` turns them into concrete commands with sequences 1, 2, 3, ...
// Because order ids, accounts and keys are resolved while materializing, any sub-list of steps is still a
// valid stream, so fast-check can shrink a failure down to a handful of commands.
import fc from 'fast-check';
import type { EngineConfig, InstrumentConfig } from '../../src/engine/config.ts';
import { CommandKind, OrderType, Side, TimeInForce } from '../../src/engine/types.ts';
import type { Command, NewOrderCommand, SelfTradePrevention } from '../../src/engine/types.ts';

export interface GeneratedStream {
  config: EngineConfig;
  commands: Command[];
  /** What the commands were made from: `withSteps` re-materializes a sub-list (to minimize a failure). */
  setup: readonly AccountSetup[];
  steps: readonly GeneratorStep[];
}

type Unstamped<C> = C extends Command ? Omit<C, 'sequence' | 'timestampMs'> : never;
type CommandBody = Unstamped<Command>;

// ---------------------------------------------------------------- config

interface ConfigChoice {
  instrumentCount: number;
  referenceChoice: number[];
  bandPercent: number;
  makerFeeBps: number;
  takerFeeBps: number;
  selfTradePrevention: SelfTradePrevention;
  defaultMaxOpenOrders: number;
}

const MAX_PRICE_CENTS = 1_000_000;
const MAX_ORDER_QUANTITY = 100;
const DEFAULT_MAX_NOTIONAL = 10_000_000_000;
/** Symbol, tick and candidate reference prices of the instruments a config may list. */
const INSTRUMENTS: ReadonlyArray<[string, number, number[]]> = [
  ['AAA', 1, [10_000, 997, 37]],
  ['BBB', 5, [10_000, 1_005, 50]],
  ['CCC', 10, [5_000, 120]],
];

const configChoiceArb: fc.Arbitrary<ConfigChoice> = fc.record({
  instrumentCount: fc.integer({ min: 2, max: 3 }),
  referenceChoice: fc.array(fc.nat(2), { minLength: 3, maxLength: 3 }),
  bandPercent: fc.constantFrom(5, 10, 20),
  makerFeeBps: fc.constantFrom(0, 1, 2, 7, 1000),
  takerFeeBps: fc.constantFrom(0, 3, 5, 25),
  selfTradePrevention: fc.constantFrom<SelfTradePrevention>(0, 1, 2),
  defaultMaxOpenOrders: fc.integer({ min: 6, max: 40 }),
});

function buildConfig(choice: ConfigChoice): EngineConfig {
  const instruments: InstrumentConfig[] = INSTRUMENTS.slice(0, choice.instrumentCount).map(([symbol, tickCents, references], index) => ({
    symbol,
    name: `${symbol} Corp`,
    tickCents,
    maxOrderQuantity: MAX_ORDER_QUANTITY,
    referencePriceCents: references[choice.referenceChoice[index] % references.length],
    priceBandPercent: choice.bandPercent,
  }));
  return {
    instruments,
    makerFeeBps: choice.makerFeeBps,
    takerFeeBps: choice.takerFeeBps,
    selfTradePrevention: choice.selfTradePrevention,
    defaultMaxOpenOrders: choice.defaultMaxOpenOrders,
    defaultMaxOpenNotionalCents: DEFAULT_MAX_NOTIONAL,
    maxPriceCents: MAX_PRICE_CENTS,
    initialOrderCapacity: 16,
  };
}

// ---------------------------------------------------------------- abstract steps

type AccountChoice = { k: 'known'; i: number } | { k: 'fee' } | { k: 'unknown' };
type SymbolChoice = { k: 'known'; i: number } | { k: 'unknown' };
type PriceChoice = 'near' | 'outside' | 'offTick' | 'invalid';
type QuantityChoice = 'normal' | 'big' | 'over' | 'zero' | 'negative' | 'fraction';
type ClientIdChoice = 'none' | 'new' | 'reuse' | 'long';

interface OrderStep {
  t: 'order';
  account: AccountChoice;
  symbol: SymbolChoice;
  side: number;
  orderType: number;
  timeInForce: number;
  postOnly: boolean;
  price: PriceChoice;
  drift: number;
  offset: number;
  marketPrice: boolean;
  quantity: QuantityChoice;
  size: number;
  clientId: ClientIdChoice;
  pick: number;
}
interface ResendStep {
  t: 'resend';
  pick: number;
}
interface CancelStep {
  t: 'cancel';
  pick: number;
  unknown: boolean;
  foreign: boolean;
}
interface ReplaceStep {
  t: 'replace';
  pick: number;
  unknown: boolean;
  foreign: boolean;
  quantity: 'keep' | 'down' | 'up' | 'one' | 'over' | 'invalid';
  price: 'keep' | 'same' | 'move' | 'cross' | 'offTick' | 'outside' | 'invalid';
  delta: number;
}
interface BalanceStep {
  t: 'balance';
  withdraw: boolean;
  account: AccountChoice;
  asset: number;
  amount: 'normal' | 'zero' | 'huge' | 'overflow' | 'unsafe';
  size: number;
  key: 'none' | 'new' | 'repeat' | 'foreign' | 'long';
  pick: number;
}
interface AccountStatusStep {
  t: 'accountStatus';
  account: AccountChoice;
  invalid: boolean;
  restoreAfter: number;
}
interface SymbolStatusStep {
  t: 'symbolStatus';
  symbol: SymbolChoice;
  invalid: boolean;
  restoreAfter: number;
}
interface LimitsStep {
  t: 'limits';
  account: AccountChoice;
  mode: 'orders' | 'notional' | 'invalid';
  value: number;
  restoreAfter: number;
}
interface SessionStep {
  t: 'session';
  reopenAfter: number;
}
interface CreateStep {
  t: 'create';
  name: 'valid' | 'empty' | 'long';
}

export type GeneratorStep = Step;
type Step = (OrderStep | ResendStep | CancelStep | ReplaceStep | BalanceStep | AccountStatusStep | SymbolStatusStep | LimitsStep | SessionStep | CreateStep) & {
  gapMs: number;
};

const accountArb: fc.Arbitrary<AccountChoice> = fc.oneof(
  { weight: 40, arbitrary: fc.nat(99).map((i): AccountChoice => ({ k: 'known', i })) },
  { weight: 1, arbitrary: fc.constant<AccountChoice>({ k: 'fee' }) },
  { weight: 1, arbitrary: fc.constant<AccountChoice>({ k: 'unknown' }) },
);
const symbolArb: fc.Arbitrary<SymbolChoice> = fc.oneof(
  { weight: 50, arbitrary: fc.nat(99).map((i): SymbolChoice => ({ k: 'known', i })) },
  { weight: 1, arbitrary: fc.constant<SymbolChoice>({ k: 'unknown' }) },
);
const restoreAfterArb = fc.integer({ min: 1, max: 8 });

function weighted<T>(...pairs: Array<[number, T]>): fc.Arbitrary<T> {
  return fc.oneof(...pairs.map(([weight, value]) => ({ weight, arbitrary: fc.constant(value) })));
}

const orderStepArb: fc.Arbitrary<OrderStep> = fc.record({
  t: fc.constant('order' as const),
  account: accountArb,
  symbol: symbolArb,
  side: weighted([50, Side.Buy], [50, Side.Sell], [1, 2]),
  orderType: weighted<number>([82, OrderType.Limit], [15, OrderType.Market], [1, 2]),
  timeInForce: weighted<number>([45, TimeInForce.GTC], [25, TimeInForce.DAY], [15, TimeInForce.IOC], [10, TimeInForce.FOK], [1, 4]),
  postOnly: weighted([12, false], [1, true]),
  price: weighted<PriceChoice>([90, 'near'], [4, 'outside'], [3, 'offTick'], [1, 'invalid']),
  drift: fc.integer({ min: -1, max: 1 }),
  offset: fc.integer({ min: -4, max: 4 }),
  marketPrice: weighted([9, false], [1, true]),
  quantity: weighted<QuantityChoice>([88, 'normal'], [6, 'big'], [2, 'over'], [1, 'zero'], [1, 'negative'], [1, 'fraction']),
  size: fc.integer({ min: 1, max: 50 }),
  clientId: weighted<ClientIdChoice>([60, 'none'], [30, 'new'], [5, 'reuse'], [1, 'long']),
  pick: fc.nat(1000),
});

const cancelStepArb: fc.Arbitrary<CancelStep> = fc.record({
  t: fc.constant('cancel' as const),
  pick: fc.nat(1000),
  unknown: weighted([12, false], [1, true]),
  foreign: weighted([12, false], [1, true]),
});

const replaceStepArb: fc.Arbitrary<ReplaceStep> = fc.record({
  t: fc.constant('replace' as const),
  pick: fc.nat(1000),
  unknown: weighted([15, false], [1, true]),
  foreign: weighted([15, false], [1, true]),
  quantity: weighted<ReplaceStep['quantity']>([30, 'keep'], [20, 'down'], [20, 'up'], [4, 'one'], [2, 'over'], [2, 'invalid']),
  price: weighted<ReplaceStep['price']>([20, 'keep'], [5, 'same'], [25, 'move'], [25, 'cross'], [2, 'offTick'], [3, 'outside'], [1, 'invalid']),
  delta: fc.integer({ min: 1, max: 5 }),
});

const balanceStepArb: fc.Arbitrary<BalanceStep> = fc.record({
  t: fc.constant('balance' as const),
  withdraw: fc.boolean(),
  account: accountArb,
  asset: weighted([10, 0], [8, 1], [1, 99]),
  amount: weighted<BalanceStep['amount']>([30, 'normal'], [1, 'zero'], [2, 'huge'], [1, 'overflow'], [1, 'unsafe']),
  size: fc.integer({ min: 1, max: 1_000_000 }),
  key: weighted<BalanceStep['key']>([10, 'none'], [10, 'new'], [5, 'repeat'], [2, 'foreign'], [1, 'long']),
  pick: fc.nat(1000),
});

const stepArb: fc.Arbitrary<Step> = fc
  .tuple(
    fc.oneof(
      { weight: 60, arbitrary: orderStepArb },
      { weight: 2, arbitrary: fc.record({ t: fc.constant('resend' as const), pick: fc.nat(1000) }) },
      { weight: 10, arbitrary: cancelStepArb },
      { weight: 14, arbitrary: replaceStepArb },
      { weight: 6, arbitrary: balanceStepArb },
      {
        weight: 1,
        arbitrary: fc.record({ t: fc.constant('accountStatus' as const), account: accountArb, invalid: weighted([6, false], [1, true]), restoreAfter: restoreAfterArb }),
      },
      {
        weight: 1,
        arbitrary: fc.record({ t: fc.constant('symbolStatus' as const), symbol: symbolArb, invalid: weighted([6, false], [1, true]), restoreAfter: restoreAfterArb }),
      },
      {
        weight: 1,
        arbitrary: fc.record({
          t: fc.constant('limits' as const),
          account: accountArb,
          mode: weighted<LimitsStep['mode']>([3, 'orders'], [3, 'notional'], [1, 'invalid']),
          value: fc.nat(300_000),
          restoreAfter: restoreAfterArb,
        }),
      },
      { weight: 1, arbitrary: fc.record({ t: fc.constant('session' as const), reopenAfter: restoreAfterArb }) },
      { weight: 1, arbitrary: fc.record({ t: fc.constant('create' as const), name: weighted<CreateStep['name']>([4, 'valid'], [1, 'empty'], [1, 'long']) }) },
    ),
    fc.integer({ min: 0, max: 3_000 }),
  )
  .map(([step, gapMs]): Step => ({ ...step, gapMs }));

// ---------------------------------------------------------------- setup

export interface AccountSetup {
  cashCents: number;
  shares: number[];
}

const setupArb: fc.Arbitrary<AccountSetup[]> = fc.array(
  fc.record({
    cashCents: fc.constantFrom(0, 30_000, 300_000, 3_000_000, 3_000_000, 30_000_000, 30_000_000),
    shares: fc.array(fc.constantFrom(0, 30, 300, 3_000, 3_000), { minLength: 3, maxLength: 3 }),
  }),
  { minLength: 3, maxLength: 5 },
);

/** The last setup account (the whale) holds 2^52 cents: a deposit of 1.5 * 2^52 more would pass 2^53 - 1. */
const WHALE_CASH_CENTS = 2 ** 52;
const OVERFLOW_DEPOSIT_CENTS = 2 ** 52 + 2 ** 51;

// ---------------------------------------------------------------- materializing

/** The credentials are opaque to the core; they only ride along. */
function createAccount(name: string): CommandBody {
  return { kind: CommandKind.CreateAccount, name, apiKey: `key-${name}`, apiSecret: `secret-${name}` };
}

interface KnownOrder {
  accountId: number;
  symbolId: number;
  side: Side;
  priceCents: number;
  quantity: number;
}

class StreamBuilder {
  readonly commands: Command[] = [];
  private timestampMs = 1_700_000_000_000;
  private accountCount = 0;
  private whaleId = 0;
  private uniqueCounter = 0;
  private readonly midTicks: number[];
  /** Recent NewOrder commands (accepted or not), newest last. */
  private readonly recentOrders: NewOrderCommand[] = [];
  /** Recent orders that may rest (limit GTC or DAY): what cancels and replaces mostly aim at. */
  private readonly restingCandidates: NewOrderCommand[] = [];
  private readonly orders = new Map<number, KnownOrder>();
  private readonly clientIds = new Map<number, string[]>();
  private readonly keys = new Map<number, string[]>();
  private scheduled: Array<{ due: number; body: CommandBody }> = [];
  private stepIndex = 0;

  constructor(readonly config: EngineConfig) {
    this.midTicks = config.instruments.map(() => 0);
  }

  push(body: CommandBody, gapMs = 1): void {
    this.timestampMs += gapMs + 1;
    this.commands.push({ ...body, sequence: this.commands.length + 1, timestampMs: this.timestampMs } as Command);
  }

  setUp(accounts: readonly AccountSetup[]): void {
    accounts.forEach((setup, index) => {
      this.push(createAccount(`trader-${index + 1}`));
      this.accountCount++;
      const accountId = this.accountCount;
      const isWhale = index === accounts.length - 1;
      if (isWhale) this.whaleId = accountId;
      const cash = isWhale ? WHALE_CASH_CENTS : setup.cashCents;
      if (cash > 0) this.push({ kind: CommandKind.Deposit, accountId, asset: 0, amount: cash, idempotencyKey: `fund-${accountId}` });
      this.config.instruments.forEach((_instrument, symbolId) => {
        const shares = setup.shares[symbolId];
        if (shares > 0) this.push({ kind: CommandKind.Deposit, accountId, asset: symbolId + 1, amount: shares, idempotencyKey: '' });
      });
    });
    this.push({ kind: CommandKind.OpenSession });
  }

  step(step: Step): void {
    this.stepIndex++;
    const due = this.scheduled.filter((entry) => entry.due <= this.stepIndex);
    this.scheduled = this.scheduled.filter((entry) => entry.due > this.stepIndex);
    for (const entry of due) this.push(entry.body);
    const body = this.bodyOf(step);
    if (body !== undefined) this.push(body, step.gapMs);
  }

  private schedule(after: number, body: CommandBody): void {
    this.scheduled.push({ due: this.stepIndex + after, body });
  }

  private bodyOf(step: Step): CommandBody | undefined {
    switch (step.t) {
      case 'order':
        return this.newOrder(step);
      case 'resend':
        return this.resend(step);
      case 'cancel':
        return this.cancel(step);
      case 'replace':
        return this.replace(step);
      case 'balance':
        return this.balance(step);
      case 'accountStatus':
        return this.accountStatus(step);
      case 'symbolStatus':
        return this.symbolStatus(step);
      case 'limits':
        return this.limits(step);
      case 'session':
        this.schedule(step.reopenAfter, { kind: CommandKind.OpenSession });
        return { kind: CommandKind.CloseSession };
      case 'create':
        return this.create(step);
    }
  }

  private accountId(choice: AccountChoice): number {
    if (choice.k === 'fee') return 0;
    if (choice.k === 'unknown') return 900 + (this.uniqueCounter % 7);
    return 1 + (choice.i % this.accountCount);
  }

  private symbolId(choice: SymbolChoice): number {
    return choice.k === 'unknown' ? this.config.instruments.length + 3 : choice.i % this.config.instruments.length;
  }

  private unique(prefix: string): string {
    this.uniqueCounter++;
    return `${prefix}${this.uniqueCounter}`;
  }

  /** Band half-width in ticks around the reference price, at least one. */
  private widthTicks(symbolId: number): number {
    const instrument = this.config.instruments[symbolId];
    return Math.max(1, Math.floor((instrument.referencePriceCents * instrument.priceBandPercent) / 100 / instrument.tickCents));
  }

  private midCents(symbolId: number, drift: number): number {
    // Keep the mid well inside the band so that most orders near it pass the band check.
    const limit = Math.floor(this.widthTicks(symbolId) / 4);
    this.midTicks[symbolId] = Math.max(-limit, Math.min(limit, this.midTicks[symbolId] + drift));
    const instrument = this.config.instruments[symbolId];
    return instrument.referencePriceCents + this.midTicks[symbolId] * instrument.tickCents;
  }

  private orderPrice(step: OrderStep, symbolId: number): number {
    const instrument = this.config.instruments[symbolId] ?? this.config.instruments[0];
    const tick = instrument.tickCents;
    const mid = this.midCents(symbolId % this.config.instruments.length, step.drift);
    const spread = Math.min(4, Math.floor(this.widthTicks(symbolId % this.config.instruments.length) / 4));
    const near = Math.max(tick, mid + Math.max(-spread, Math.min(spread, step.offset)) * tick);
    switch (step.price) {
      case 'near':
        return near;
      case 'outside': {
        const away = (2 * this.widthTicks(symbolId % this.config.instruments.length) + 2 + Math.abs(step.offset)) * tick;
        return step.side === Side.Buy ? near + away : Math.max(tick, near - away);
      }
      case 'offTick':
        return tick > 1 ? near + 1 + (step.pick % (tick - 1)) : near;
      case 'invalid':
        return [0, -tick, MAX_PRICE_CENTS + tick, 10.5][step.pick % 4];
    }
  }

  private orderQuantity(step: OrderStep): number {
    switch (step.quantity) {
      case 'normal':
        return step.size;
      case 'big':
        return MAX_ORDER_QUANTITY - (step.size % 20);
      case 'over':
        return MAX_ORDER_QUANTITY + 1 + (step.size % 10);
      case 'zero':
        return 0;
      case 'negative':
        return -step.size;
      case 'fraction':
        return [step.size + 0.5, Number.NaN, Number.POSITIVE_INFINITY][step.pick % 3];
    }
  }

  private clientOrderId(step: OrderStep, accountId: number): string {
    const used = this.clientIds.get(accountId) ?? [];
    if (step.clientId === 'none') return '';
    if (step.clientId === 'long') return 'L'.repeat(65);
    if (step.clientId === 'reuse' && used.length > 0) return used[step.pick % used.length];
    const id = this.unique('c');
    this.clientIds.set(accountId, [...used.slice(-20), id]);
    return id;
  }

  private newOrder(step: OrderStep): CommandBody {
    const accountId = this.accountId(step.account);
    const symbolId = this.symbolId(step.symbol);
    const isMarket = step.orderType === OrderType.Market;
    const limitPrice = this.orderPrice(step, symbolId);
    const body: Unstamped<NewOrderCommand> = {
      kind: CommandKind.NewOrder,
      accountId,
      symbolId,
      side: step.side as Side,
      orderType: step.orderType as OrderType,
      // A market order must carry 0; now and then one carries a price (refused).
      priceCents: isMarket ? (step.marketPrice ? limitPrice : 0) : limitPrice,
      quantity: this.orderQuantity(step),
      timeInForce: (step.postOnly && step.pick % 5 !== 0 ? step.pick % 2 : step.timeInForce) as TimeInForce,
      postOnly: step.postOnly,
      clientOrderId: this.clientOrderId(step, accountId),
    };
    this.remember(body);
    return body;
  }

  private remember(body: Unstamped<NewOrderCommand>): void {
    // The body is pushed right after this (scheduled commands of the step went first).
    const orderId = this.commands.length + 1;
    const order = { ...body, sequence: orderId, timestampMs: 0 };
    this.recentOrders.push(order);
    if (this.recentOrders.length > 40) this.recentOrders.shift();
    const mayRest = body.orderType === OrderType.Limit && (body.timeInForce === TimeInForce.GTC || body.timeInForce === TimeInForce.DAY);
    if (mayRest) this.restingCandidates.push(order);
    if (this.restingCandidates.length > 40) this.restingCandidates.shift();
    this.orders.set(orderId, { accountId: body.accountId, symbolId: body.symbolId, side: body.side, priceCents: body.priceCents, quantity: body.quantity });
  }

  private recentOrder(pick: number, orders = this.recentOrders): NewOrderCommand | undefined {
    if (orders.length === 0) return undefined;
    // Favour the newest orders: they are the ones most likely still open.
    const span = Math.min(orders.length, 1 + (pick % 3 === 0 ? 40 : 10));
    return orders[orders.length - 1 - (pick % span)];
  }

  private resend(step: ResendStep): CommandBody | undefined {
    const prior = this.recentOrder(step.pick);
    if (prior === undefined) return undefined;
    const { sequence: _sequence, timestampMs: _timestampMs, ...body } = prior;
    this.remember(body);
    return body;
  }

  /** The order a cancel or replace refers to, and the account it is sent for. */
  private target(step: CancelStep | ReplaceStep): { orderId: number; accountId: number; known: KnownOrder | undefined } {
    const prior = this.recentOrder(step.pick, step.pick % 5 === 0 ? this.recentOrders : this.restingCandidates);
    const orderId = step.unknown || prior === undefined ? [0, this.commands.length + 500, 1][step.pick % 3] : prior.sequence;
    const known = this.orders.get(orderId);
    const owner = known?.accountId ?? 1;
    const accountId = step.foreign ? 1 + (owner % this.accountCount) : owner;
    return { orderId, accountId, known };
  }

  private cancel(step: CancelStep): CommandBody {
    const { orderId, accountId } = this.target(step);
    return { kind: CommandKind.CancelOrder, accountId, orderId };
  }

  private replace(step: ReplaceStep): CommandBody {
    const { orderId, accountId, known } = this.target(step);
    const oldQuantity = known !== undefined && known.quantity > 0 ? Math.floor(known.quantity) : 10;
    const symbolId = known !== undefined && known.symbolId < this.config.instruments.length && known.symbolId >= 0 ? known.symbolId : 0;
    const tick = this.config.instruments[symbolId].tickCents;
    const oldPrice = known !== undefined && known.priceCents > 0 ? known.priceCents : this.midCents(symbolId, 0);
    const quantity = {
      keep: 0,
      down: Math.max(1, oldQuantity - step.delta),
      up: oldQuantity + step.delta * 3,
      one: 1,
      over: MAX_ORDER_QUANTITY + step.delta,
      invalid: -step.delta,
    }[step.quantity];
    const direction = step.pick % 2 === 0 ? 1 : -1;
    // Towards the other side of the book, past the mid: the replaced order is likely to trade at once.
    const aggressive = known?.side === Side.Sell ? -1 : 1;
    const mid = this.midCents(symbolId, 0);
    const priceCents = {
      keep: 0,
      same: oldPrice,
      move: Math.max(tick, oldPrice + direction * step.delta * tick),
      cross: Math.max(tick, mid + aggressive * (step.delta % 3) * tick),
      offTick: tick > 1 ? oldPrice + 1 : oldPrice + tick,
      outside: Math.max(tick, oldPrice + direction * (2 * this.widthTicks(symbolId) + 2) * tick),
      invalid: -tick,
    }[step.price];
    if (known !== undefined) {
      if (quantity > 0) known.quantity = quantity;
      if (priceCents > 0) known.priceCents = priceCents;
    }
    return { kind: CommandKind.ReplaceOrder, accountId, orderId, quantity, priceCents };
  }

  private balanceAmount(step: BalanceStep, asset: number): number {
    switch (step.amount) {
      case 'normal':
        if (asset === 0) return step.withdraw ? 1 + (step.size % 100_000) : step.size;
        return step.withdraw ? 1 + (step.size % 60) : 1 + (step.size % 500);
      case 'zero':
        return 0;
      case 'huge':
        return 1_000_000_000_000;
      case 'overflow':
        return step.pick % 2 === 0 ? OVERFLOW_DEPOSIT_CENTS : WHALE_CASH_CENTS;
      case 'unsafe':
        return 2 ** 53 + 2;
    }
  }

  private idempotencyKey(step: BalanceStep, accountId: number): string {
    const own = this.keys.get(accountId) ?? [];
    const all = [...this.keys.values()].flat();
    switch (step.key) {
      case 'none':
        return '';
      case 'long':
        return 'K'.repeat(65);
      case 'repeat':
        if (own.length > 0) return own[step.pick % own.length];
        break;
      case 'foreign':
        if (all.length > 0) return all[step.pick % all.length];
        break;
      case 'new':
        break;
    }
    const key = this.unique('k');
    this.keys.set(accountId, [...own.slice(-10), key]);
    return key;
  }

  private balance(step: BalanceStep): CommandBody {
    const overflow = step.amount === 'overflow';
    // The whale's own balance would pass 2^53 - 1; another account's would not, but the cash deposited in
    // total (net deposits, the whale's 2^52 included) would.
    const accountId = overflow && step.pick % 2 === 0 ? this.whaleId : this.accountId(step.account);
    const asset = overflow ? 0 : step.asset === 99 ? this.config.instruments.length + 1 + (step.pick % 3) : step.asset === 0 ? 0 : 1 + (step.pick % this.config.instruments.length);
    const kind = step.withdraw && !overflow ? CommandKind.Withdraw : CommandKind.Deposit;
    return { kind, accountId, asset, amount: this.balanceAmount(step, asset), idempotencyKey: this.idempotencyKey(step, accountId) };
  }

  private accountStatus(step: AccountStatusStep): CommandBody {
    const accountId = this.accountId(step.account);
    if (step.invalid) return { kind: CommandKind.SetAccountStatus, accountId, status: 3 as 0 };
    this.schedule(step.restoreAfter, { kind: CommandKind.SetAccountStatus, accountId, status: 0 });
    return { kind: CommandKind.SetAccountStatus, accountId, status: 1 };
  }

  private symbolStatus(step: SymbolStatusStep): CommandBody {
    const symbolId = this.symbolId(step.symbol);
    if (step.invalid) return { kind: CommandKind.SetSymbolStatus, symbolId, status: 2 as 0 };
    this.schedule(step.restoreAfter, { kind: CommandKind.SetSymbolStatus, symbolId, status: 0 });
    return { kind: CommandKind.SetSymbolStatus, symbolId, status: 1 };
  }

  private limits(step: LimitsStep): CommandBody {
    const accountId = this.accountId(step.account);
    const defaults = { maxOpenOrders: this.config.defaultMaxOpenOrders, maxOpenNotionalCents: this.config.defaultMaxOpenNotionalCents };
    const body = { kind: CommandKind.SetAccountLimits, accountId, ...defaults };
    if (step.mode === 'invalid') return { ...body, maxOpenOrders: step.value % 2 === 0 ? -1 : 1.5 };
    this.schedule(step.restoreAfter, body);
    if (step.mode === 'orders') return { ...body, maxOpenOrders: step.value % 5 };
    return { ...body, maxOpenNotionalCents: step.value };
  }

  private create(step: CreateStep): CommandBody {
    if (step.name === 'empty') return createAccount('');
    if (step.name === 'long') return createAccount('N'.repeat(65));
    this.accountCount++;
    const accountId = this.accountCount;
    this.schedule(1, { kind: CommandKind.Deposit, accountId, asset: 0, amount: 3_000_000, idempotencyKey: `fund-${accountId}` });
    this.schedule(2, { kind: CommandKind.Deposit, accountId, asset: 1, amount: 300, idempotencyKey: '' });
    return createAccount(this.unique('late-'));
  }
}

function materialize(config: EngineConfig, setup: readonly AccountSetup[], steps: readonly Step[]): GeneratedStream {
  const builder = new StreamBuilder(config);
  builder.setUp(setup);
  for (const step of steps) builder.step(step);
  const stream: GeneratedStream = { config, commands: builder.commands, setup, steps };
  // fast-check prints this instead of the whole stream when a property fails.
  const describe = (): string =>
    `GeneratedStream(${stream.commands.length} commands, ${config.instruments.length} instruments, fees ${config.makerFeeBps}/${config.takerFeeBps} bps, stp ${config.selfTradePrevention})`;
  Object.defineProperty(stream, fc.toStringMethod, { value: describe, enumerable: false });
  return stream;
}

/** The same config and setup with other steps: for minimizing a failing stream. */
export function withSteps(stream: GeneratedStream, steps: readonly GeneratorStep[]): GeneratedStream {
  return materialize(stream.config, stream.setup, steps);
}

/** A config and a command stream: setup (accounts, funding, open session), then `minSteps..maxSteps` steps. */
export function streamArbitrary(minSteps: number, maxSteps: number): fc.Arbitrary<GeneratedStream> {
  return fc
    .record({ config: configChoiceArb.map(buildConfig), setup: setupArb, steps: fc.array(stepArb, { minLength: minSteps, maxLength: maxSteps }) })
    .map(({ config, setup, steps }) => materialize(config, setup, steps));
}
