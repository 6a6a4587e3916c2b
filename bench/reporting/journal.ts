// The journal the reporting benchmark replays: a seeded, realistic order flow applied through the real
// engine and appended, encoded by the real codec, to a real Journal. Built once per (seed, orders,
// accounts, symbols) and kept in a cache directory; `meta.json`, written last, marks a complete build.
//
// Flow: `accounts` accounts are created and funded (cash and shares of every symbol), one OpenSession, then
// `orders` order commands around a slowly drifting mid per symbol:
//   60% passive limit adds (1-20 ticks behind the mid and never through the opposite best; 90% GTC, 10% DAY;
//       quantity 1-300; a client order id on 30%),
//   27% cancels and 3% replaces of resting orders (half among the ~1,000 most recent, half anywhere in the
//       book; when no resting order is left, a passive add instead),
//   10% crossing orders: limit IOC 0-5 ticks through the opposite best (60%), limit GTC through it (20%: the
//       remainder rests), market IOC (20%); quantity 1-500,
// plus, between order commands, a cash deposit or withdrawal every ~500 orders (not counted as orders).
// Commands are 0-20 ms apart (10 ms on average): 1,000,000 orders span about 2.8 hours of one session.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeCommandToBytes } from '../../src/codec/index.ts';
import {
  type Command, CommandKind, DEFAULT_ENGINE_SETTINGS, Engine, type EngineConfig, type EngineEvent, type EventSink, EventKind, OrderType, Side,
  TimeInForce,
} from '../../src/engine/index.ts';
import { readJournal, Journal } from '../../src/journal/index.ts';
import type { UnstampedCommand } from '../../src/sequencer/index.ts';
import { ProgressBar } from '../../src/cli/progress.ts';

export const JOURNAL_FORMAT = 1;
export const BENCH_SYMBOLS = ['AAPL', 'MSFT', 'NVDA', 'TSLA', 'AMZN', 'GOOG', 'META', 'NFLX'] as const;

export interface FlowSpec {
  seed: number;
  orders: number;
  accounts: number;
  symbols: readonly string[];
}

export interface JournalMeta extends FlowSpec {
  format: number;
  config: EngineConfig;
  /** Every command in the journal, setup included (= its last sequence). */
  commands: number;
  setupCommands: number;
  commandsByKind: Record<string, number>;
  eventsByKind: Record<string, number>;
  events: number;
  journalBytes: number;
  builtAt: string;
  buildSeconds: number;
  fsync: false;
}

import { splitmix32 as seededRandom } from '../../src/ops/seeded-random.ts';

export { seededRandom };

export function benchConfig(symbols: readonly string[]): EngineConfig {
  return {
    ...DEFAULT_ENGINE_SETTINGS,
    makerFeeBps: 2,
    takerFeeBps: 5,
    initialOrderCapacity: 1 << 18,
    instruments: symbols.map((symbol, i) => ({
      symbol, name: `${symbol} Inc`, tickCents: i % 3 === 2 ? 5 : 1, maxOrderQuantity: 10_000,
      referencePriceCents: 10_000 + 2_500 * i, priceBandPercent: 10,
    })),
  };
}

export const EVENT_NAMES: Record<number, string> = Object.fromEntries(Object.entries(EventKind).map(([name, kind]) => [kind, name]));
export const COMMAND_NAMES: Record<number, string> = Object.fromEntries(Object.entries(CommandKind).map(([name, kind]) => [kind, name]));

class CountingSink implements EventSink {
  readonly byKind = new Map<number, number>();
  total = 0;

  onEvent(event: Readonly<EngineEvent>): void {
    this.total++;
    this.byKind.set(event.kind, (this.byKind.get(event.kind) ?? 0) + 1);
  }
}

export function cacheDir(spec: FlowSpec, base = join(tmpdir(), 'exchange-bench-reporting')): string {
  return join(base, `journal-v${JOURNAL_FORMAT}-seed${spec.seed}-orders${spec.orders}-accounts${spec.accounts}-symbols${spec.symbols.length}`);
}

/** The cached journal for `spec`, building it first when it is missing or incomplete. */
export async function ensureJournal(spec: FlowSpec, dir: string, log: (line: string) => void): Promise<JournalMeta> {
  const metaPath = join(dir, 'meta.json');
  if (existsSync(metaPath)) {
    const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as JournalMeta;
    log(`journal: cached ${dir} (${meta.commands.toLocaleString('en-US')} commands, built ${meta.builtAt})`);
    return meta;
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  log(`journal: building ${dir} (fsync off: the journal is input data here, not what is measured)`);
  const meta = await buildJournal(spec, join(dir, 'journal'));
  writeFileSync(metaPath, JSON.stringify(meta, null, 2) + '\n');
  log(`journal: ${meta.commands.toLocaleString('en-US')} commands (${meta.setupCommands.toLocaleString('en-US')} setup), ` +
    `${meta.events.toLocaleString('en-US')} events, ${(meta.journalBytes / 1e6).toFixed(1)} MB, built in ${meta.buildSeconds.toFixed(1)} s`);
  return meta;
}

async function buildJournal(spec: FlowSpec, journalDir: string): Promise<JournalMeta> {
  const startedMs = performance.now();
  const config = benchConfig(spec.symbols);
  const random = seededRandom(spec.seed);
  const int = (min: number, max: number): number => min + Math.floor(random() * (max - min + 1));
  const sink = new CountingSink();
  const engine = new Engine(config, sink);
  const journal = await Journal.open({ dir: journalDir, fsync: false });
  const commandsByKind = new Map<number, number>();
  let timeMs = Date.UTC(2026, 10, 20, 14, 30);
  let sequence = 0;
  let appendedSinceFlush = 0;
  const submit = async (body: UnstampedCommand): Promise<number> => {
    timeMs += int(0, 20);
    const command = { ...body, sequence: ++sequence, timestampMs: timeMs } as Command;
    const payload = encodeCommandToBytes(command);
    engine.apply(command);
    journal.append(sequence, payload);
    commandsByKind.set(command.kind, (commandsByKind.get(command.kind) ?? 0) + 1);
    if (++appendedSinceFlush >= 50_000) {
      appendedSinceFlush = 0;
      await journal.flush(); // keeps the journal's pending buffer bounded
    }
    return sequence;
  };

  for (let a = 1; a <= spec.accounts; a++) {
    await submit({ kind: CommandKind.CreateAccount, name: `trader-${a}`, apiKey: '', apiSecret: '' });
    await submit({ kind: CommandKind.Deposit, accountId: a, asset: 0, amount: 5_000_000_000, idempotencyKey: `cash-${a}` });
    for (let s = 0; s < spec.symbols.length; s++) await submit({ kind: CommandKind.Deposit, accountId: a, asset: s + 1, amount: 500_000, idempotencyKey: '' });
  }
  await submit({ kind: CommandKind.OpenSession });
  const setupCommands = sequence;

  const instruments = config.instruments;
  const mids = instruments.map((inst) => inst.referencePriceCents);
  /** Order ids that may still rest; entries are dropped lazily once the engine says they are not open. */
  const resting: number[] = [];
  const owner = new Map<number, { accountId: number; symbolId: number; side: Side }>();
  const takeResting = (): number | null => {
    for (let attempt = 0; attempt < 16 && resting.length > 0; attempt++) {
      const index = random() < 0.5
        ? resting.length - 1 - Math.floor(random() * Math.min(resting.length, 1_000))
        : Math.floor(random() * resting.length);
      const orderId = resting[index];
      resting[index] = resting[resting.length - 1];
      resting.pop();
      if (engine.isOpen(orderId)) return orderId;
      owner.delete(orderId);
    }
    return null;
  };

  const bar = new ProgressBar('building journal', spec.orders);
  for (let n = 0; n < spec.orders; n++) {
    if (n % 1000 === 0) bar.update(n);
    if (random() < 0.002) {
      const accountId = int(1, spec.accounts);
      await submit({ kind: random() < 0.4 ? CommandKind.Withdraw : CommandKind.Deposit, accountId, asset: 0, amount: int(1, 5_000_000), idempotencyKey: '' });
    }
    const symbolId = int(0, instruments.length - 1);
    const { tickCents: tick, referencePriceCents: reference } = instruments[symbolId];
    if (random() < 0.05) mids[symbolId] = Math.max(reference * 0.97, Math.min(reference * 1.03, mids[symbolId] + int(-2, 2) * tick));
    const mid = Math.round(mids[symbolId] / tick) * tick;
    const accountId = int(1, spec.accounts);
    const side = random() < 0.5 ? Side.Buy : Side.Sell;
    const bestBid = engine.bestPrice(symbolId, Side.Buy);
    const bestAsk = engine.bestPrice(symbolId, Side.Sell);
    const r = random();
    if (r >= 0.6 && r < 0.9) {
      const orderId = takeResting();
      if (orderId !== null) {
        const order = owner.get(orderId)!;
        if (r < 0.87) {
          owner.delete(orderId);
          await submit({ kind: CommandKind.CancelOrder, accountId: order.accountId, orderId });
        } else {
          // Half keep the price (a quantity change), half move behind the order's own mid, never through.
          resting.push(orderId);
          let priceCents = 0;
          if (random() < 0.5) {
            const t = instruments[order.symbolId].tickCents;
            const m = Math.round(mids[order.symbolId] / t) * t;
            const away = int(1, 20) * t;
            const ask = engine.bestPrice(order.symbolId, Side.Sell);
            const bid = engine.bestPrice(order.symbolId, Side.Buy);
            priceCents = order.side === Side.Buy
              ? Math.min(m - away, ask > 0 ? ask - t : Number.MAX_SAFE_INTEGER)
              : Math.max(m + away, bid > 0 ? bid + t : 0);
          }
          await submit({ kind: CommandKind.ReplaceOrder, accountId: order.accountId, orderId, quantity: int(1, 300), priceCents });
        }
        continue;
      }
    }
    if (r < 0.9) {
      // Passive: behind the mid and never through the opposite best.
      const away = int(1, 20) * tick;
      const price = side === Side.Buy
        ? Math.min(mid - away, bestAsk > 0 ? bestAsk - tick : Number.MAX_SAFE_INTEGER)
        : Math.max(mid + away, bestBid > 0 ? bestBid + tick : 0);
      const orderId = await submit({
        kind: CommandKind.NewOrder, accountId, symbolId, side, orderType: OrderType.Limit, priceCents: price, quantity: int(1, 300),
        timeInForce: random() < 0.9 ? TimeInForce.GTC : TimeInForce.DAY, postOnly: false, clientOrderId: random() < 0.3 ? `c${sequence + 1}` : '',
      });
      resting.push(orderId);
      owner.set(orderId, { accountId, symbolId, side });
    } else {
      const kind = random();
      const market = kind < 0.2;
      const opposite = side === Side.Buy ? (bestAsk > 0 ? bestAsk : mid) : (bestBid > 0 ? bestBid : mid);
      const through = int(0, 5) * tick;
      const orderId = await submit({
        kind: CommandKind.NewOrder, accountId, symbolId, side, orderType: market ? OrderType.Market : OrderType.Limit,
        priceCents: market ? 0 : side === Side.Buy ? opposite + through : Math.max(tick, opposite - through), quantity: int(1, 500),
        timeInForce: market || kind < 0.8 ? TimeInForce.IOC : TimeInForce.GTC, postOnly: false, clientOrderId: '',
      });
      if (!market && kind >= 0.8) {
        resting.push(orderId);
        owner.set(orderId, { accountId, symbolId, side });
      }
    }
  }
  bar.finish(spec.orders);
  await journal.close();
  let journalBytes = 0;
  await readJournal(journalDir, (_record, progress) => {
    journalBytes = progress.totalBytes;
    return false;
  });
  const named = (counts: Map<number, number>, names: Record<number, string>): Record<string, number> =>
    Object.fromEntries([...counts].sort((a, b) => a[0] - b[0]).map(([kind, count]) => [names[kind] ?? String(kind), count]));
  return {
    format: JOURNAL_FORMAT, ...spec, config, commands: sequence, setupCommands,
    commandsByKind: named(commandsByKind, COMMAND_NAMES), eventsByKind: named(sink.byKind, EVENT_NAMES), events: sink.total,
    journalBytes, builtAt: new Date().toISOString(), buildSeconds: (performance.now() - startedMs) / 1000, fsync: false,
  };
}
