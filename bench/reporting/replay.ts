// Replays the journal into a reporting store the way a node's recovery feeds its reporting consumer:
// each record decoded by the codec, re-applied to a fresh engine through Sequencer.replay (which builds
// the Released: command, events, balances after), handed to the real ReportingConsumer (batches of
// `batchCommands`, each batch and its offset in one transaction; how many writes it keeps in flight is the
// consumer's business), until the store's offset reaches the journal's last sequence. With inFlight > 0,
// PipelinedFeed replaces the consumer, to compare designs.
//
// The engine runs ahead of the store by at most `maxLagCommands` (recovery has no such bound, but a
// million Released objects queued at once would measure the heap, not the store); the store never waits
// for the engine, because the engine is far faster, so the consumer always has a full batch ready.
import { readFileSync } from 'node:fs';
import { decodeCommandFromBytes } from '../../src/codec/index.ts';
import { Engine, type EngineConfig, EventKind, type ExecutionEvent } from '../../src/engine/index.ts';
import { readJournal } from '../../src/journal/index.ts';
import { ReportingConsumer, type ReportingStore } from '../../src/reporting/index.ts';
import { CommandEventSink, copyReleased, type Released, Sequencer } from '../../src/sequencer/index.ts';
import { ProgressBar } from '../../src/cli/progress.ts';

/** Rows the store must hold after the replay, derived from the events alone. */
export interface ExpectedRows {
  orders: number;
  order_events: number;
  executions: number;
  ledger_entries: number;
}

export interface EngineOnlyResult {
  commands: number;
  events: number;
  seconds: number;
  expected: ExpectedRows;
  /** Orders resting in the book at the end. */
  restingOrders: number;
}

export interface LoadedJournal {
  payloads: Uint8Array[];
  lastSequence: number;
  bytes: number;
  seconds: number;
}

export async function loadJournal(dir: string): Promise<LoadedJournal> {
  const started = performance.now();
  const payloads: Uint8Array[] = [];
  let bytes = 0;
  const result = await readJournal(dir, (record, progress) => {
    payloads.push(record.payload); // a view into a read buffer that is never reused
    bytes = progress.totalBytes;
  });
  if (result.records !== payloads.length || result.lastSequence !== payloads.length) throw new Error(`journal: ${result.records} records, last sequence ${result.lastSequence}`);
  return { payloads, lastSequence: result.lastSequence, bytes, seconds: (performance.now() - started) / 1000 };
}

function replayer(config: EngineConfig): { engine: Engine; sequencer: Sequencer } {
  const sink = new CommandEventSink();
  const engine = new Engine(config, sink);
  const sequencer = new Sequencer(engine, sink, { append: () => {}, onDurable: () => {} }, { encode: () => {}, bytes: new Uint8Array(0), length: 0 }, { nowMs: () => 0 });
  return { engine, sequencer };
}

/** Decode + apply + Released, with nothing behind it: what the engine side of a replay costs on its own. */
export function replayEngineOnly(config: EngineConfig, payloads: readonly Uint8Array[]): EngineOnlyResult {
  const { engine, sequencer } = replayer(config);
  const expected: ExpectedRows = { orders: 0, order_events: 0, executions: 0, ledger_entries: 0 };
  let events = 0;
  let taker: ExecutionEvent | null = null;
  sequencer.onRelease((released) => {
    events += released.events.length;
    for (const event of released.events) {
      switch (event.kind) {
        case EventKind.OrderAccepted:
          expected.orders++;
          expected.order_events++;
          break;
        case EventKind.OrderCanceled:
        case EventKind.OrderReplaced:
          expected.order_events++;
          break;
        case EventKind.Execution:
          expected.order_events++;
          expected.executions++;
          if (!event.isMaker) taker = event;
          else expected.ledger_entries += 4 + (taker!.feeCents + event.feeCents !== 0 ? 1 : 0);
          break;
        case EventKind.BalanceChanged:
          expected.ledger_entries += 2;
          break;
        default:
          break;
      }
    }
  });
  const started = performance.now();
  for (const payload of payloads) sequencer.replay(decodeCommandFromBytes(payload));
  const seconds = (performance.now() - started) / 1000;
  return { commands: payloads.length, events, seconds, expected, restingOrders: engine.restingOrderCount };
}

export interface CatchUpResult {
  commands: number;
  events: number;
  /** First record decoded to the store's offset at the last sequence. */
  seconds: number;
  /** Time this thread spent decoding and applying commands (and queueing the Released) inside that window. */
  engineSeconds: number;
  /** onBatch reports (the consumer reports once per round of writes it had in flight). */
  batches: number;
  /** Commands over all reports (= commands: each is written once). */
  batchedCommands: number;
  /** Sum of the reported write times (from the round's first write() call to its last commit). */
  writeSeconds: number;
  /** CPU of this process over the window (engine, store's JS, PGlite's WASM when in this thread). */
  processCpuSeconds: number;
  /** CPU of the database server's connections to this database (PostgreSQL on this machine; else null). */
  serverCpuSeconds: number | null;
  offset: number;
  engine: Engine;
  /** Events/s over each tenth (or so) of the engine events (by when the store's offset passed it): does the rate hold as the tables grow? */
  tenths: number[];
}

function tenths(marks: ReadonlyArray<[number, number]>, eventsThrough: Float64Array, total: number): number[] {
  const out: number[] = [];
  let fromMs = 0;
  let fromEvents = 0;
  let next = 1; // the next tenth to pass
  for (const [ms, offset] of marks) {
    const done = eventsThrough[offset];
    if (done >= (next * total) / 10 || offset === eventsThrough.length - 1) {
      out.push(Math.round(((done - fromEvents) / (ms - fromMs)) * 1000));
      fromMs = ms;
      fromEvents = done;
      next = Math.floor((done * 10) / total) + 1; // a report may pass several tenths at once: then fewer segments
    }
  }
  return out;
}

/** CPU seconds used by the store's PostgreSQL backends, read from /proc (the server is on this machine). */
export async function serverCpu(store: ReportingStore): Promise<Map<number, number> | null> {
  if (store.backend !== 'postgres') return null;
  const rows = await store.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database()');
  const out = new Map<number, number>();
  try {
    for (const { pid } of rows) {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(pid, (Number(fields[11]) + Number(fields[12])) / 100);
    }
  } catch {
    return null;
  }
  return out;
}

/** What the replay loop feeds: the real ReportingConsumer, or PipelinedFeed. */
interface Feed {
  onRelease(released: Released): void;
  /** Commands handed over but not yet in the store. */
  readonly lag: number;
  readonly writtenThrough: number;
  /** Resolves when a batch has been written, or after timeoutMs. */
  progress(timeoutMs: number): Promise<void>;
  /** Hands over what is left (a partial batch) once the replay has released everything. */
  end(): void;
  close(): Promise<void>;
}

type BatchHook = (commands: number, seconds: number) => void;

function consumerFeed(consumer: ReportingConsumer): Feed {
  return {
    onRelease: consumer.onRelease,
    get lag() {
      return consumer.lag;
    },
    get writtenThrough() {
      return consumer.writtenThrough;
    },
    progress: async (timeoutMs) => {
      await consumer.caughtUp(consumer.writtenThrough + 1, timeoutMs);
    },
    end: () => {},
    close: () => consumer.close(),
  };
}

/**
 * Not the node's consumer: full batches of `batchCommands` handed to store.write() with up to `inFlight`
 * writes outstanding, which the store documents as safe (writes apply in order; on PostgreSQL the next batch
 * is folded and encoded here while the previous one is in the database). Shows what a consumer that
 * pipelines its writes would get.
 */
class PipelinedFeed implements Feed {
  private queue: Released[] = [];
  private pending = 0;
  private enqueuedThrough = 0;
  private ending = false;
  private wakers: Array<() => void> = [];
  writtenThrough = 0;

  constructor(
    private readonly store: ReportingStore, private readonly batchCommands: number, private readonly inFlight: number,
    private readonly onBatch: BatchHook, private readonly onFailure: (message: string) => void,
  ) {}

  get lag(): number {
    return this.enqueuedThrough - this.writtenThrough;
  }

  onRelease(released: Released): void {
    this.queue.push(copyReleased(released)); // kept past the call: the sequencer reuses what it lends
    this.enqueuedThrough = released.command.sequence;
    this.pump();
  }

  end(): void {
    this.ending = true;
    this.pump();
  }

  progress(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      this.wakers.push(resolve);
      setTimeout(resolve, timeoutMs).unref();
    });
  }

  async close(): Promise<void> {
    while (this.pending > 0) await this.progress(1_000);
  }

  private pump(): void {
    while (this.pending < this.inFlight && (this.queue.length >= this.batchCommands || (this.ending && this.queue.length > 0))) {
      const batch = this.queue.splice(0, this.batchCommands);
      const through = batch[batch.length - 1].command.sequence;
      const startedNs = process.hrtime.bigint();
      this.pending++;
      this.store.write(batch).then(
        () => {
          this.pending--;
          this.writtenThrough = Math.max(this.writtenThrough, through);
          this.onBatch(batch.length, Number(process.hrtime.bigint() - startedNs) / 1e9);
          for (const wake of this.wakers.splice(0)) wake();
          this.pump();
        },
        (error: Error) => {
          this.pending--;
          this.onFailure(error.message);
          for (const wake of this.wakers.splice(0)) wake();
        },
      );
    }
  }
}

export async function catchUp(
  store: ReportingStore, config: EngineConfig, payloads: readonly Uint8Array[],
  options: { batchCommands: number; maxLagCommands: number; inFlight: number; label: string; log: (line: string) => void },
): Promise<CatchUpResult> {
  let failure: string | null = null;
  let batches = 0;
  let batchedCommands = 0;
  let writeSeconds = 0;
  const last = payloads.length;
  const bar = new ProgressBar(options.label, last);
  const fail = (message: string): void => {
    failure ??= message; // a benchmark stops at the first failed write instead of retrying forever
    options.log(message);
  };
  /** Engine events released through each sequence (index = sequence), to turn offsets into events. */
  const eventsThrough = new Float64Array(last + 1);
  /** [ms since the start, offset] after every report. */
  const marks: Array<[number, number]> = [];
  const onBatch: BatchHook = (commands, seconds) => {
    marks.push([performance.now() - started, feed.writtenThrough]);
    batches++;
    batchedCommands += commands;
    writeSeconds += seconds;
    if (feed.writtenThrough < last) bar.update(feed.writtenThrough); // finish() draws the last line
  };
  if ((await store.offset()) !== 0) throw new Error(`store is not fresh: offset ${await store.offset()}`);
  // As src/cli/server.ts configures it (batchDelayMs: how long a partial batch may gather; a catch-up
  // keeps full batches ready, so it rarely applies). A variable, not a literal, so that the bench compiles
  // whether or not the consumer already takes that option.
  const consumerOptions = { maxBatchCommands: options.batchCommands, batchDelayMs: 50, retryDelayMs: 250, log: fail, onBatch };
  const feed: Feed = options.inFlight === 0
    ? consumerFeed(await ReportingConsumer.open(store, consumerOptions))
    : new PipelinedFeed(store, options.batchCommands, options.inFlight, onBatch, fail);
  const { engine, sequencer } = replayer(config);
  let events = 0;
  sequencer.onRelease((released: Released) => {
    events += released.events.length;
    eventsThrough[released.command.sequence] = events;
    feed.onRelease(released);
  });

  const cpu0 = process.cpuUsage();
  const server0 = await serverCpu(store);
  let started = performance.now();
  started = performance.now();
  let engineMs = 0;
  const CHUNK = 250;
  const TURN_MS = 20;
  const check = (): void => {
    if (failure !== null) throw new Error(`reporting write failed: ${failure}`);
  };
  for (let next = 0; next < last;) {
    while (feed.lag >= options.maxLagCommands) {
      check();
      await feed.progress(1_000);
    }
    check();
    // Top the queue up, in chunks, for at most TURN_MS per event-loop turn: enough to refill a round of
    // writes (a PGlite write blocks this thread, so a turn is all the engine gets between two rounds),
    // short enough not to sit long on a PostgreSQL reply.
    const turnStarted = performance.now();
    let now = turnStarted;
    while (next < last && feed.lag < options.maxLagCommands && now - turnStarted < TURN_MS) {
      const end = Math.min(last, next + CHUNK);
      for (; next < end; next++) sequencer.replay(decodeCommandFromBytes(payloads[next]));
      now = performance.now();
    }
    engineMs += now - turnStarted;
    // Let the consumer's drain and the database's replies run.
    await new Promise((resolve) => setImmediate(resolve));
  }
  feed.end();
  while (feed.writtenThrough < last) {
    check();
    await feed.progress(1_000);
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const server1 = await serverCpu(store);
  bar.finish(feed.writtenThrough);
  await feed.close();
  let serverCpuSeconds: number | null = null;
  if (server0 !== null && server1 !== null) {
    serverCpuSeconds = 0;
    for (const [pid, s] of server1) serverCpuSeconds += s - (server0.get(pid) ?? 0);
  }
  return {
    tenths: tenths(marks, eventsThrough, events), commands: last, events, seconds, engineSeconds: engineMs / 1000, batches, batchedCommands, writeSeconds,
    processCpuSeconds: (cpu.user + cpu.system) / 1e6, serverCpuSeconds, offset: await store.offset(), engine,
  };
}

/** The engine's balances (available + held) per (account, asset), as reconcile() takes them. */
export function engineBalances(engine: Engine): Array<{ accountId: number; asset: number; amount: number }> {
  const out: Array<{ accountId: number; asset: number; amount: number }> = [];
  for (const account of engine.dump().accounts) {
    for (const b of account.balances) if (b.available + b.held !== 0) out.push({ accountId: account.accountId, asset: b.asset, amount: b.available + b.held });
  }
  return out;
}
