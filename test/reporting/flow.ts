// Realistic order flow for the reporting tests and the throughput measurement: funded accounts post
// passive orders around a drifting mid, cancel and replace them, and takers (IOC, market, FOK) sweep
// them; now and then cash moves in or out, an account is blocked for a while, and sessions close (DAY
// orders expire) and reopen each day. Seeded; the real engine runs every command through the real
// sequencer's release path, so the batches are exactly what a reporting consumer receives.
import {
  type Command, CommandKind, DEFAULT_ENGINE_SETTINGS, Engine, type EngineConfig, OrderType, Side, TimeInForce,
} from '../../src/engine/index.ts';
import { CommandEventSink, copyReleased, type Released, Sequencer, type UnstampedCommand } from '../../src/sequencer/index.ts';

import { splitmix32 as seededRandom } from '../../src/ops/seeded-random.ts';

export { seededRandom };

export interface FlowOptions {
  seed: number;
  /** Commands to generate, setup included. */
  commands: number;
  accounts?: number;
  symbols?: readonly string[];
  /** Mean time between commands; the gap is uniform in 0..2 * mean. */
  meanGapMs?: number;
  startMs?: number;
}

export interface Flow {
  config: EngineConfig;
  symbols: readonly string[];
  released: Released[];
  engine: Engine;
}

/** Text that every layer must carry unchanged: COPY and array escapes, quotes, non-ASCII. */
export const ODD_TEXT = 'tab\there "q" \'s\' back\\slash\nline\r{a,b} NULL \\N ünï €';

export const DEFAULT_SYMBOLS = ['AAPL', 'MSFT', 'NVDA', 'TSLA'] as const;
const DAY_MS = 86_400_000;

/** Replays stamped commands through a real engine and sequencer; returns what the sequencer released. */
export function runEngine(config: EngineConfig, commands: Iterable<Command>): { engine: Engine; released: Released[] } {
  const sink = new CommandEventSink();
  const engine = new Engine(config, sink);
  const sequencer = new Sequencer(engine, sink, { append: () => {}, onDurable: () => {} }, { encode: () => {}, bytes: new Uint8Array(0), length: 0 }, { nowMs: () => 0 });
  const released: Released[] = [];
  sequencer.onRelease((r) => released.push(copyReleased(r)));
  for (const command of commands) sequencer.replay(command);
  return { engine, released };
}

export function flowConfig(symbols: readonly string[]): EngineConfig {
  return {
    ...DEFAULT_ENGINE_SETTINGS,
    makerFeeBps: 2,
    takerFeeBps: 5,
    initialOrderCapacity: 1 << 12,
    instruments: symbols.map((symbol, i) => ({
      symbol, name: `${symbol} Inc`, tickCents: i % 3 === 2 ? 5 : 1, maxOrderQuantity: 10_000,
      referencePriceCents: 10_000 + 2_500 * i, priceBandPercent: 10,
    })),
  };
}

export function generateFlow(options: FlowOptions): Flow {
  const symbols = options.symbols ?? DEFAULT_SYMBOLS;
  const accounts = options.accounts ?? 20;
  const meanGapMs = options.meanGapMs ?? 5;
  const config = flowConfig(symbols);
  const random = seededRandom(options.seed);
  const int = (min: number, max: number): number => min + Math.floor(random() * (max - min + 1));
  const sink = new CommandEventSink();
  const engine = new Engine(config, sink);
  const sequencer = new Sequencer(engine, sink, { append: () => {}, onDurable: () => {} }, { encode: () => {}, bytes: new Uint8Array(0), length: 0 }, { nowMs: () => 0 });
  const released: Released[] = [];
  sequencer.onRelease((r) => released.push(copyReleased(r)));

  let timeMs = options.startMs ?? Date.UTC(2026, 10, 20, 13, 30);
  let sequence = 0;
  const submit = (body: UnstampedCommand): number => {
    timeMs += int(0, 2 * meanGapMs);
    sequencer.replay({ ...body, sequence: ++sequence, timestampMs: timeMs } as Command);
    return sequence;
  };

  const mids = config.instruments.map((inst) => inst.referencePriceCents);
  /** Orders that may rest, newest last: cancels and replaces pick among the recent ones. */
  const resting: Array<{ orderId: number; accountId: number }> = [];
  const blocked = new Map<number, number>();
  let day = Math.floor(timeMs / DAY_MS);

  for (let a = 1; a <= accounts; a++) {
    submit({ kind: CommandKind.CreateAccount, name: a === 2 ? ODD_TEXT : `trader-${a}`, apiKey: '', apiSecret: '' });
    submit({ kind: CommandKind.Deposit, accountId: a, asset: 0, amount: 5_000_000_000, idempotencyKey: `cash-${a}` });
    for (let s = 0; s < symbols.length; s++) submit({ kind: CommandKind.Deposit, accountId: a, asset: s + 1, amount: 200_000, idempotencyKey: '' });
  }
  submit({ kind: CommandKind.OpenSession });

  const pickResting = (): { orderId: number; accountId: number } | null => {
    for (let attempt = 0; attempt < 4 && resting.length > 0; attempt++) {
      const index = Math.max(0, resting.length - 1 - Math.floor(random() * Math.min(resting.length, 300)));
      const candidate = resting[index];
      if (engine.isOpen(candidate.orderId)) return candidate;
      resting.splice(index, 1);
    }
    return null;
  };

  while (sequence < options.commands) {
    const today = Math.floor(timeMs / DAY_MS);
    if (today !== day) {
      day = today;
      submit({ kind: CommandKind.CloseSession });
      submit({ kind: CommandKind.OpenSession });
      continue;
    }
    for (const [accountId, until] of blocked) {
      if (sequence >= until) {
        blocked.delete(accountId);
        submit({ kind: CommandKind.SetAccountStatus, accountId, status: 0 });
      }
    }
    const symbolId = int(0, symbols.length - 1);
    const tick = config.instruments[symbolId].tickCents;
    const reference = config.instruments[symbolId].referencePriceCents;
    if (random() < 0.05) mids[symbolId] = Math.max(reference * 0.97, Math.min(reference * 1.03, mids[symbolId] + int(-2, 2) * tick));
    const mid = Math.round(mids[symbolId] / tick) * tick;
    const accountId = int(1, accounts);
    const side = random() < 0.5 ? Side.Buy : Side.Sell;
    const r = random();
    if (r < 0.5) {
      const away = int(1, 25) * tick;
      const orderId = submit({
        kind: CommandKind.NewOrder, accountId, symbolId, side, orderType: OrderType.Limit,
        priceCents: side === Side.Buy ? mid - away : mid + away, quantity: int(1, 400),
        timeInForce: random() < 0.8 ? TimeInForce.GTC : TimeInForce.DAY, postOnly: random() < 0.05,
        clientOrderId: random() < 0.3 ? (random() < 0.1 ? `${ODD_TEXT.slice(0, 40)}${sequence + 1}` : `c${sequence + 1}`) : '',
      });
      resting.push({ orderId, accountId });
    } else if (r < 0.72) {
      const target = pickResting();
      if (target) submit({ kind: CommandKind.CancelOrder, accountId: target.accountId, orderId: target.orderId });
    } else if (r < 0.8) {
      const target = pickResting();
      if (target) {
        const move = random() < 0.5 ? 0 : mid + int(-10, 10) * tick;
        submit({ kind: CommandKind.ReplaceOrder, accountId: target.accountId, orderId: target.orderId, quantity: int(1, 500), priceCents: Math.max(tick, move) });
      }
    } else if (r < 0.985) {
      const kind = random();
      const market = kind < 0.3;
      const through = int(0, 6) * tick;
      const orderId = submit({
        kind: CommandKind.NewOrder, accountId, symbolId, side, orderType: market ? OrderType.Market : OrderType.Limit,
        priceCents: market ? 0 : side === Side.Buy ? mid + through : mid - through, quantity: int(1, 600),
        timeInForce: kind > 0.9 ? TimeInForce.FOK : kind > 0.6 ? TimeInForce.IOC : market ? TimeInForce.IOC : TimeInForce.GTC,
        postOnly: false, clientOrderId: '',
      });
      resting.push({ orderId, accountId });
    } else if (r < 0.997) {
      const withdraw = random() < 0.4;
      const asset = random() < 0.7 ? 0 : symbolId + 1;
      const amount = asset === 0 ? int(1, 5_000_000) : int(1, 500);
      submit({ kind: withdraw ? CommandKind.Withdraw : CommandKind.Deposit, accountId, asset, amount, idempotencyKey: random() < 0.5 ? `k${sequence + 1}` : '' });
    } else if (!blocked.has(accountId)) {
      blocked.set(accountId, sequence + int(5, 50));
      submit({ kind: CommandKind.SetAccountStatus, accountId, status: 1 });
    }
  }
  return { config, symbols, released, engine };
}
