// Drives our engine (src/engine) with a workload: setup commands, then one command per op. Commands are
// decoded from the op columns into one reused object per command kind, as a gateway decoding a binary
// journal would; the engine reads a command during apply() and keeps no reference to it.
import { performance } from 'node:perf_hooks';
import {
  type CancelOrderCommand, type Command, CommandKind, DEFAULT_ENGINE_SETTINGS, Engine, type EngineConfig, type EngineEvent,
  EventKind, type EventSink, type NewOrderCommand, NullSink, OrderType, REJECT_CODE_NAMES, type RejectCode, Side, TimeInForce,
} from '../../src/engine/index.ts';
import { OpKind, type Workload } from './workload.ts';

export const SYMBOL_ID = 0;
const TIMESTAMP_MS = 1_700_000_000_000; // epoch ms, as a sequencer stamps them
const CASH_PER_ACCOUNT = 100_000_000_000_000; // $1 trillion each: 50 accounts stay far below 2^53 in total
const SHARES_PER_ACCOUNT = 1_000_000_000_000;

export function engineConfig(): EngineConfig {
  return {
    ...DEFAULT_ENGINE_SETTINGS,
    instruments: [{
      symbol: 'BENCH', name: 'Benchmark Corp', tickCents: 1, maxOrderQuantity: 1_000_000,
      referencePriceCents: 10_000, priceBandPercent: 99,
    }],
    maxPriceCents: 10_000_000,
    // Risk checks stay on; the limits are raised so that a benchmark account can rest a million orders.
    defaultMaxOpenOrders: 1_000_000_000,
    defaultMaxOpenNotionalCents: 1_000_000_000_000_000,
  };
}

/** Applies stamped admin commands: accounts, deposits of cash and shares, open session. Returns the next sequence - 1. */
export function setupEngine(engine: Engine, accounts: number): number {
  let sequence = 0;
  const apply = (cmd: Record<string, unknown>): void => {
    engine.apply({ ...cmd, sequence: ++sequence, timestampMs: TIMESTAMP_MS } as unknown as Command);
  };
  for (let a = 1; a <= accounts; a++) {
    apply({ kind: CommandKind.CreateAccount, name: `bench-${a}` });
    apply({ kind: CommandKind.Deposit, accountId: a, asset: 0, amount: CASH_PER_ACCOUNT, idempotencyKey: '' });
    apply({ kind: CommandKind.Deposit, accountId: a, asset: SYMBOL_ID + 1, amount: SHARES_PER_ACCOUNT, idempotencyKey: '' });
  }
  apply({ kind: CommandKind.OpenSession });
  return sequence;
}

/** Replays ops [from, to) against an engine whose last sequence is base + from (op i has sequence base + i + 1). */
export class OurDriver {
  readonly engine: Engine;
  readonly base: number;
  readonly w: Workload;
  private readonly order: NewOrderCommand = {
    kind: CommandKind.NewOrder, sequence: 0, timestampMs: TIMESTAMP_MS, accountId: 0, symbolId: SYMBOL_ID, side: Side.Buy,
    orderType: OrderType.Limit, priceCents: 0, quantity: 0, timeInForce: TimeInForce.GTC, postOnly: false, clientOrderId: '',
  };
  private readonly cancel: CancelOrderCommand = {
    kind: CommandKind.CancelOrder, sequence: 0, timestampMs: TIMESTAMP_MS, accountId: 0, orderId: 0,
  };

  constructor(w: Workload, sink: EventSink) {
    this.w = w;
    this.engine = new Engine(engineConfig(), sink);
    this.base = setupEngine(this.engine, w.params.accounts);
  }

  /** Fills the command for op i and returns it (not applied). */
  command(i: number): Command {
    const w = this.w;
    const kind = w.kind[i];
    if (kind === OpKind.Cancel) {
      const c = this.cancel;
      c.sequence = this.base + i + 1;
      c.accountId = w.account[i];
      c.orderId = this.base + w.target[i] + 1;
      return c;
    }
    const o = this.order;
    o.sequence = this.base + i + 1;
    o.accountId = w.account[i];
    o.side = w.side[i] as Side;
    o.orderType = kind === OpKind.Market ? OrderType.Market : OrderType.Limit;
    o.priceCents = w.priceCents[i];
    o.quantity = w.quantity[i];
    o.timeInForce = kind === OpKind.Add ? TimeInForce.GTC : TimeInForce.IOC;
    return o;
  }

  run(from: number, to: number): void {
    const engine = this.engine;
    for (let i = from; i < to; i++) engine.apply(this.command(i));
  }

  /** Per-command latency in ns into `out[i - from]`, timer included. */
  runTimed(from: number, to: number, out: Float64Array): void {
    const engine = this.engine;
    for (let i = from; i < to; i++) {
      const cmd = this.command(i);
      const t0 = performance.now();
      engine.apply(cmd);
      out[i - from] = (performance.now() - t0) * 1e6;
    }
  }
}

/** A fresh engine with the prefill applied (untimed), ready for the measured ops. */
export function preparedOurs(w: Workload, sink: EventSink = new NullSink()): OurDriver {
  const driver = new OurDriver(w, sink);
  driver.run(0, w.measuredFrom);
  return driver;
}

/** Counts events by kind and rejections by code, so the run can show what the engine actually did. */
export class TallySink implements EventSink {
  readonly byKind = new Float64Array(16);
  readonly orderRejects = new Float64Array(16);
  readonly commandRejects = new Float64Array(16);

  onEvent(event: Readonly<EngineEvent>): void {
    this.byKind[event.kind]++;
    if (event.kind === EventKind.OrderRejected) this.orderRejects[event.code]++;
    else if (event.kind === EventKind.CommandRejected) this.commandRejects[event.code]++;
  }

  reset(): void {
    this.byKind.fill(0);
    this.orderRejects.fill(0);
    this.commandRejects.fill(0);
  }

  total(): number {
    return this.byKind.reduce((a, b) => a + b, 0);
  }

  rejections(): string {
    const parts: string[] = [];
    for (let code = 1; code < 16; code++) {
      const name = REJECT_CODE_NAMES[code as RejectCode];
      if (this.orderRejects[code] > 0) parts.push(`order ${name}=${this.orderRejects[code]}`);
      if (this.commandRejects[code] > 0) parts.push(`cancel ${name}=${this.commandRejects[code]}`);
    }
    return parts.length === 0 ? 'none' : parts.join(' ');
  }
}

/** Total resting quantity and level count of one side. */
export function sideTotals(engine: Engine, side: Side): { quantity: number; levels: number } {
  const depth = engine.depth(SYMBOL_ID, side, Number.MAX_SAFE_INTEGER);
  return { quantity: depth.reduce((sum, [, q]) => sum + q, 0), levels: depth.length };
}
