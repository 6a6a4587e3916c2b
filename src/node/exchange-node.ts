// One exchange node: the engine, the sequencer in front of it, the journal and snapshots behind it, and
// the read models fed by released commands. Recovery = newest valid snapshot + the journal after it.
import { decodeCommandFromBytes, ScratchCommandEncoder } from '../codec/index.ts';
import { CommandKind, Engine, type EngineConfig, stateHash, type SymbolStatus } from '../engine/index.ts';
import { Journal, SnapshotStore } from '../journal/index.ts';
import { type Clock, CommandEventSink, type Released, Sequencer, type UnstampedCommand } from '../sequencer/index.ts';
import {
  type AccountDirectory, DEFAULT_MARKET_LIMITS, FileCandleArchive, type MarketLimits, type MarketView, type OrderStore, type SymbolMarketDump, type WalletView,
} from '../views/index.ts';
import { join } from 'node:path';
import type { BalancesCheck, NodeApi } from './node-api.ts';
import { type NodeSnapshot, ReadModels } from './read-models.ts';
import { decodeSnapshotBody, encodeSnapshotBody } from './snapshot-body.ts';

export interface NodeOptions {
  dataDir: string;
  engineConfig: EngineConfig;
  clock: Clock;
  log: (message: string) => void;
  /** Take a snapshot after this many commands (0: only on shutdown). */
  snapshotEveryCommands: number;
  fsync: boolean;
  /** Journal segment size. */
  segmentBytes?: number;
  /** Trades and candles kept in memory per symbol (older candles go to <dataDir>/candles). */
  marketLimits?: MarketLimits;
  /**
   * Consumers outside the node that keep their own offset (reporting): they see every released command,
   * recovery included, and recovery starts from a snapshot no newer than the lowest of their offsets so
   * that none of them misses a command.
   */
  consumers?: Array<{ offset: number; onRelease: (released: Released) => void }>;
  /**
   * The offset of a reader that fills its gaps from the journal itself (the reporting store, fed through a
   * consumer at Number.MAX_SAFE_INTEGER): the newest snapshot at or before it is kept, as for consumers'
   * offsets. keepSnapshotFor() moves it as the reader advances.
   */
  keepSnapshotFor?: number;
  /**
   * The market view and the wallets are kept elsewhere (the API thread's read models): this node keeps
   * neither, and a snapshot asks for the market view's dump at its sequence (which this call must request
   * before any later command is released to whoever keeps it).
   */
  marketElsewhere?: (sequence: number) => Promise<SymbolMarketDump[]>;
  /**
   * Called once recovery has chosen where to start, before the journal is replayed: with the snapshot it
   * loaded (null: none). It may keep the snapshot (the node does not use it afterwards).
   */
  onRecoveryStart?: (snapshot: NodeSnapshot | null) => void;
}

export class ExchangeNode implements NodeApi {
  private readonly models: ReadModels;
  private engine!: Engine;
  private sequencer!: Sequencer;
  private journal!: Journal;
  private snapshots!: SnapshotStore;
  private commandsSinceSnapshot = 0;
  private snapshotting: Promise<void> | null = null;
  ready = false;

  private constructor(private readonly options: NodeOptions) {
    this.models = new ReadModels(options.engineConfig.instruments.length, options.marketElsewhere ? null
      : { limits: options.marketLimits ?? DEFAULT_MARKET_LIMITS, candleArchive: new FileCandleArchive(join(options.dataDir, 'candles')) });
  }

  get accounts(): AccountDirectory {
    return this.models.accounts;
  }

  get orders(): OrderStore {
    return this.models.orders;
  }

  get wallets(): WalletView {
    if (!this.models.wallets) throw new Error('this node keeps no wallets view (marketElsewhere)');
    return this.models.wallets;
  }

  get market(): MarketView {
    if (!this.models.market) throw new Error('this node keeps no market view (marketElsewhere)');
    return this.models.market;
  }

  static async start(options: NodeOptions): Promise<ExchangeNode> {
    const node = new ExchangeNode(options);
    await node.recover();
    return node;
  }

  private async recover(): Promise<void> {
    const { dataDir, engineConfig, log } = this.options;
    this.snapshots = new SnapshotStore(join(dataDir, 'snapshots'), log);
    const sink = new CommandEventSink();
    // The journal first: its end bounds which snapshot can be used. A snapshot newer than the journal's
    // end (the journal's tail was damaged after a clean stop) cannot be continued from without a gap, so
    // recovery falls back to an older snapshot or to the journal alone, and says so.
    this.journal = await Journal.open({ dir: join(dataDir, 'journal'), log, fsync: this.options.fsync, segmentBytes: this.options.segmentBytes });
    const lowestConsumerOffset = Math.min(Number.MAX_SAFE_INTEGER, ...(this.options.consumers ?? []).map((c) => c.offset));
    const newest = await this.snapshots.latest();
    if (newest && newest.sequence > this.journal.lastSequence) {
      log(`recovery: WARNING the newest snapshot (sequence ${newest.sequence}) is past the journal's end (${this.journal.lastSequence}): ` +
        `commands ${this.journal.lastSequence + 1}..${newest.sequence} are lost; recovering from the journal`);
    }
    this.snapshots.keepFor(Math.min(lowestConsumerOffset, this.options.keepSnapshotFor ?? Number.MAX_SAFE_INTEGER));
    const latest = await this.snapshots.latest(Math.min(lowestConsumerOffset, this.journal.lastSequence));
    let fromSequence = 0;
    if (latest) {
      const snapshot = decodeSnapshotBody(latest.body) as NodeSnapshot;
      this.options.onRecoveryStart?.(snapshot);
      this.engine = Engine.restore(engineConfig, snapshot.engine, sink);
      this.models.restore(snapshot);
      fromSequence = snapshot.sequence;
      log(`recovery: loaded snapshot at sequence ${fromSequence}`);
    } else {
      this.options.onRecoveryStart?.(null);
      this.engine = new Engine(engineConfig, sink);
    }
    this.sequencer = new Sequencer(this.engine, sink, this.journal, new ScratchCommandEncoder(), this.options.clock);
    this.sequencer.onRelease((released) => this.models.apply(released));
    for (const consumer of this.options.consumers ?? []) this.sequencer.onRelease(consumer.onRelease);
    const replayed = await this.journal.replay(fromSequence, (record) => this.sequencer.replay(decodeCommandFromBytes(record.payload)));
    log(`recovery: replayed ${replayed} commands from the journal; now at sequence ${this.engine.lastSequence}`);
    this.ready = true;
  }

  /**
   * Adds a listener for every released command (after the read models have seen it). What it is given is
   * reused for later commands once it returns: a listener that keeps any of it keeps copyReleased(released).
   */
  onRelease(listener: (released: Released) => void): void {
    this.sequencer.onRelease(listener);
  }

  /** Sequences, applies and journals a command; resolves with its events once it is durable. */
  async submit(command: UnstampedCommand): Promise<Released> {
    const released = await this.sequencer.submit(command);
    this.countForSnapshot();
    return released;
  }

  /**
   * Sequences, applies and journals a command now and returns its sequence; its events reach the release
   * listeners once durable. Only when acceptingNow (a snapshot's pause is not in progress). The command is
   * copied: the caller may reuse its object for the next one.
   */
  submitNow(command: UnstampedCommand): number {
    const sequence = this.sequencer.submitNoWait(command);
    this.countForSnapshot();
    return sequence;
  }

  /**
   * Releases the commands the journal has made durable since it last looked, now: for a caller that is awake
   * anyway (the order-entry loop, each turn). Without it they are released when the event loop wakes on the
   * journal writer's report. Returns how many reports it took.
   */
  pollDurable(): number {
    return this.journal.pollDurable();
  }

  /** The read models are applied as commands are released, on this thread: always caught up. */
  caughtUp(): Promise<void> {
    return Promise.resolve();
  }

  isCaughtUp(): boolean {
    return true;
  }

  /** Resolves once every command applied so far is durable (and released). */
  flushJournal(): Promise<void> {
    return this.journal.flush();
  }

  /** Ready, and not paused for a snapshot: submitNow may be called. */
  get acceptingNow(): boolean {
    return this.ready && !this.sequencer.isPaused;
  }

  private countForSnapshot(): void {
    if (this.options.snapshotEveryCommands > 0 && ++this.commandsSinceSnapshot >= this.options.snapshotEveryCommands) {
      this.commandsSinceSnapshot = 0;
      // On the next turn, not now: the snapshot pauses the sequencer, and a caller in the middle of a
      // batch of submitNow calls (the binary gateways' requests) must be able to finish it.
      setImmediate(() => void this.snapshot());
    }
  }

  /** Opens the trading session if it is closed (what `npm start` does for a fresh exchange). */
  async openSessionIfClosed(): Promise<void> {
    if (!this.engine.sessionOpen) await this.submit({ kind: CommandKind.OpenSession });
  }

  /** Resting orders on all books (includes commands not yet durable: for gauges only). */
  get restingOrderCount(): number {
    return this.engine.restingOrderCount;
  }

  /** Each symbol's trading status as of the last applied command. */
  symbolStatuses(): SymbolStatus[] {
    return this.models.symbolStatuses();
  }

  get lastSequence(): number {
    return this.engine.lastSequence;
  }

  get config(): EngineConfig {
    return this.engine.config;
  }

  get journalStats(): Journal['stats'] {
    return this.journal.stats;
  }

  setJournalBatchHook(hook: (records: number, bytes: number, fsyncMicros: number) => void): void {
    this.journal.onBatch = hook;
  }

  /** The state hash at a point where everything applied is durable (what `replay --verify` must match). */
  stateHash(): Promise<{ sequence: number; stateHash: string }> {
    return this.atDurablePoint(() => ({ sequence: this.engine.lastSequence, stateHash: stateHash(this.engine.dump()) }));
  }

  /** Every account's engine balance (available + held) per asset, for reconciliation. */
  private balancesNow(): Array<{ accountId: number; asset: number; amount: number }> {
    return this.engine.dump().accounts.flatMap((account) =>
      account.balances.map((b) => ({ accountId: account.accountId, asset: b.asset, amount: b.available + b.held })));
  }

  /**
   * Holds new commands back until everything applied is durable, then runs `check` with the engine's
   * balances at that sequence (the reporting store reconciles against them once it has caught up).
   * Commands wait meanwhile: an admin operation, not a hot path.
   */
  withBalancesAtDurablePoint<T>(check: BalancesCheck<T>): Promise<T> {
    return this.atDurablePoint(() => check(this.engine.lastSequence, this.balancesNow()));
  }

  /**
   * Runs `capture` when every applied command is durable, holding new commands back meanwhile (until the
   * promise it returns, if any, settles), so that what it reads describes exactly one durable sequence.
   */
  private async atDurablePoint<T>(capture: () => T | Promise<T>): Promise<T> {
    this.sequencer.pause();
    try {
      while (this.sequencer.pendingCount > 0) await this.journal.flush();
      return await capture();
    } finally {
      this.sequencer.resume();
    }
  }

  /** Where the reader of options.keepSnapshotFor has got to: pruning keeps the newest snapshot at or before it. */
  keepSnapshotFor(sequence: number): void {
    this.snapshots.keepFor(sequence);
  }

  /** Writes a snapshot of the engine and the read models at one durable sequence. */
  snapshot(): Promise<void> {
    if (!this.snapshotting) {
      this.snapshotting = this.takeSnapshot().finally(() => (this.snapshotting = null));
    }
    return this.snapshotting;
  }

  private async takeSnapshot(): Promise<void> {
    // The engine thread runs the capture and the encoding (new commands wait during the capture only,
    // everything on this thread during both); the write is asynchronous. Timed for the log: operators
    // can see what a snapshot costs as the history grows.
    const startedMs = performance.now();
    let market: SymbolMarketDump[] | Promise<SymbolMarketDump[]> = [];
    const body: NodeSnapshot = await this.atDurablePoint(() => {
      const sequence = this.engine.lastSequence;
      market = this.models.market?.dump() ?? this.options.marketElsewhere!(sequence);
      return { format: 2, sequence, engine: this.engine.dump(), accounts: this.accounts.dump(), orders: this.orders.dump(), market: [] };
    });
    // Commands go on meanwhile: the other dumps are copies, or pages that no longer change.
    body.market = await market;
    const parts = encodeSnapshotBody(body);
    const encodedMs = performance.now();
    const bytes = parts.reduce((sum, part) => sum + part.byteLength, 0);
    await this.snapshots.write(body.sequence, parts);
    this.options.log(`snapshot written at sequence ${body.sequence}: ${(bytes / 2 ** 20).toFixed(1)} MiB, ` +
      `${Math.round(encodedMs - startedMs)} ms to capture and encode, ${Math.round(performance.now() - encodedMs)} ms to write`);
  }

  /** Clean shutdown: finish the batch in flight, snapshot, close the journal. */
  async close(): Promise<void> {
    this.ready = false;
    await this.snapshot();
    await this.journal.close();
  }
}
