// The node as the API thread sees it when the engine runs on a thread of its own (engine-thread.ts): read
// models of its own, kept from the released stream, so the HTTP and WebSocket gateways answer queries
// without reaching into the engine's thread; commands go in by the command ring and are answered, once
// released, from the stream, after the read models have applied them (read-your-writes, as before).
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { SpscRing } from '../bus/index.ts';
import { encodeCommand } from '../codec/index.ts';
import type { Command, EngineConfig, SymbolStatus } from '../engine/index.ts';
import { epochNowMs, type StageHistogram } from '../ops/stage-latency.ts';
import { startWorker } from '../ops/ts-worker.ts';
import type { Released, UnstampedCommand } from '../sequencer/index.ts';
import { type AccountDirectory, FileCandleArchive, type MarketView, type OrderStore, type WalletView } from '../views/index.ts';
import type { EngineOperation, EngineThreadSetup, FromEngine, ToEngine } from './engine-thread-protocol.ts';
import type { BalancesCheck, NodeApi } from './node-api.ts';
import { ReadModels } from './read-models.ts';
import { readStreamRecord, RELEASED_STREAM_BYTES, ReleasedThrough, type StreamHandlers } from './released-stream.ts';
import { RingRecordWriter } from './ring-record-writer.ts';

export interface RemoteNodeOptions {
  setup: Omit<EngineThreadSetup, 'stream' | 'releasedThrough'>;
  /** Size of the released stream's ring (default RELEASED_STREAM_BYTES). */
  streamBytes?: number;
  /**
   * Listeners that must see every released command from the start, recovery's replay included (the
   * reporting consumer: everything after the snapshot recovery starts from, see setup.consumerOffset).
   */
  consumers?: Array<ReleasedConsumer>;
  log: (message: string) => void;
  /** Where the stage latencies go (the engine thread's, and the stream's own, measured here). */
  stages?: StageHistogram;
  /** The engine thread failed or exited unasked: the node can no longer work. */
  onFatal: (error: Error) => void;
}

/**
 * A listener to every released command; `encoded` is its bytes in the stream (encodeReleased's, valid during
 * the call), for a consumer that would encode it again (the reporting consumer).
 */
export type ReleasedConsumer = (released: Released, encoded: Uint8Array) => void;

/** Most stream records read before the event loop (HTTP, WebSocket) gets a turn. */
const MAX_BATCH = 4096;
const TWO_32 = 2 ** 32;

interface Waiter<T> {
  resolve: (value: T) => void;
  reject: (error: Error) => void;
}

export class RemoteNode implements NodeApi {
  private readonly models: ReadModels;
  private readonly listeners: ReleasedConsumer[] = [];
  private readonly stream: SpscRing;
  private readonly releasedThrough = new ReleasedThrough();
  private readonly worker: Worker;
  private commands: RingRecordWriter | null = null;
  private readonly requests = new Map<number, Waiter<Released>>();
  private readonly calls = new Map<number, Waiter<unknown>>();
  /** Waiting for the read models to reach a sequence (balancesAtDurablePoint). */
  private readonly sequenceWaiters: Array<{ sequence: number; resolve: () => void }> = [];
  private nextRequestId = 1;
  private nextCallId = 1;
  private reading = false;
  private readLoop: Promise<void> = Promise.resolve();
  private closing = false;
  private journalBatchHook: ((records: number, bytes: number, fsyncMicros: number) => void) | null = null;
  private gcPauseHook: ((seconds: number) => void) | null = null;
  ready = false;
  restingOrderCount = 0;
  orderEntryPorts: number[] = [];

  private constructor(private readonly options: RemoteNodeOptions) {
    const { setup } = options;
    this.models = new ReadModels(setup.engineConfig.instruments.length,
      { limits: setup.marketLimits, candleArchive: new FileCandleArchive(join(setup.dataDir, 'candles')) });
    this.listeners.push(...(options.consumers ?? []));
    this.stream = SpscRing.create(options.streamBytes ?? RELEASED_STREAM_BYTES);
    this.worker = startWorker(new URL('./engine-thread.ts', import.meta.url), { ...setup, stream: this.stream.buffers, releasedThrough: this.releasedThrough.buffer } satisfies EngineThreadSetup);
  }

  /** Starts the engine thread and resolves once it has recovered and takes commands. */
  static start(options: RemoteNodeOptions): Promise<RemoteNode> {
    const node = new RemoteNode(options);
    return new Promise((resolve, reject) => {
      let started = false;
      const fail = (error: Error): void => {
        if (!started) reject(error);
        else if (!node.closing) options.onFatal(error);
      };
      node.worker.on('message', (message: FromEngine) => {
        switch (message.type) {
          case 'log':
            options.log(message.message);
            return;
          case 'recovery':
            if (message.snapshot) node.models.restore(message.snapshot);
            node.reading = true;
            // A listener that throws stops the node as a failure of the engine's would.
            node.readLoop = node.read().catch((error: unknown) => fail(error instanceof Error ? error : new Error(String(error))));
            return;
          case 'started':
            node.commands = new RingRecordWriter(SpscRing.attach(message.commandRing));
            node.orderEntryPorts = message.orderEntryPorts;
            // Ready once the read models have applied the whole recovery (the replay may still be in the
            // stream): a query must not see the state before a command the journal has.
            void node.reached(message.lastSequence).then(() => {
              node.ready = true;
              started = true;
              resolve(node);
            });
            return;
          case 'failed':
            fail(new Error(`engine thread: ${message.message}`));
            return;
          case 'reply': {
            const call = node.calls.get(message.id);
            node.calls.delete(message.id);
            if (message.error !== undefined) call?.reject(new Error(message.error));
            else call?.resolve(message.result);
          }
        }
      });
      node.worker.on('error', (error) => fail(error));
      node.worker.on('exit', (code) => fail(new Error(`engine thread exited with code ${code}`)));
    });
  }

  get accounts(): AccountDirectory {
    return this.models.accounts;
  }

  get orders(): OrderStore {
    return this.models.orders;
  }

  get wallets(): WalletView {
    return this.models.wallets!;
  }

  get market(): MarketView {
    return this.models.market!;
  }

  get config(): EngineConfig {
    return this.options.setup.engineConfig;
  }

  get lastSequence(): number {
    return this.models.lastSequence;
  }

  symbolStatuses(): SymbolStatus[] {
    return this.models.symbolStatuses();
  }

  onRelease(listener: (released: Released) => void): void {
    this.listeners.push(listener);
  }

  setJournalBatchHook(hook: (records: number, bytes: number, fsyncMicros: number) => void): void {
    this.journalBatchHook = hook;
  }

  /** Hears each GC pause of the engine thread (within a second or so of it). */
  setGcPauseHook(hook: (seconds: number) => void): void {
    this.gcPauseHook = hook;
  }

  submit(command: UnstampedCommand): Promise<Released> {
    const commands = this.commands;
    if (commands === null) return Promise.reject(new Error('the engine thread has not started'));
    const requestId = this.nextRequestId;
    this.nextRequestId = requestId + 1 === TWO_32 ? 1 : requestId + 1;
    try {
      const writer = commands.begin();
      writer.u32(requestId);
      encodeCommand({ ...command, sequence: 0, timestampMs: 0 } as Command, writer);
    } catch (error) {
      return Promise.reject(error);
    }
    commands.end();
    return new Promise((resolve, reject) => this.requests.set(requestId, { resolve, reject }));
  }

  caughtUp(): Promise<void> {
    return this.reached(this.releasedThrough.load());
  }

  isCaughtUp(): boolean {
    return this.models.lastSequence >= this.releasedThrough.load();
  }

  stateHash(): Promise<{ sequence: number; stateHash: string }> {
    return this.call('stateHash') as Promise<{ sequence: number; stateHash: string }>;
  }

  async snapshot(): Promise<void> {
    await this.call('snapshot');
  }

  /** The reporting store has written through `sequence`: the engine thread keeps a snapshot at or before it. */
  keepSnapshotFor(sequence: number): void {
    if (!this.closing) this.post({ type: 'keepSnapshotFor', sequence });
  }

  async withBalancesAtDurablePoint<T>(check: BalancesCheck<T>): Promise<T> {
    const id = this.nextCallId++;
    const { sequence, balances } = await this.call('balancesAtDurablePoint', id) as { sequence: number; balances: Parameters<BalancesCheck<T>>[1] };
    try {
      // The reply can overtake the stream: the read models (and the reporting consumer behind them) must
      // have seen everything up to that sequence before the check runs.
      await this.reached(sequence);
      return await check(sequence, balances);
    } finally {
      this.post({ type: 'resume', id });
    }
  }

  /** Stops the engine thread (it answers what it took, writes a snapshot and closes its journal). */
  async close(): Promise<void> {
    if (this.closing) return;
    this.ready = false;
    this.closing = true;
    await this.call('close');
    // Everything the engine released is in the ring now: take it before stopping.
    this.reading = false;
    await this.readLoop;
    while (this.stream.poll(this.onRecord) > 0);
    await this.worker.terminate();
  }

  // ---------------------------------------------------------------------------------------------------

  private call(operation: EngineOperation, id = this.nextCallId++): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.calls.set(id, { resolve, reject });
      this.post({ type: 'call', id, operation });
    });
  }

  private post(message: ToEngine): void {
    this.worker.postMessage(message);
  }

  private reached(sequence: number): Promise<void> {
    if (this.models.lastSequence >= sequence) return Promise.resolve();
    return new Promise((resolve) => this.sequenceWaiters.push({ sequence, resolve }));
  }

  private async read(): Promise<void> {
    while (this.reading) {
      if (this.stream.poll(this.onRecord, MAX_BATCH) > 0) await nextTurn();
      else await this.stream.waitForMessagesAsync(100);
    }
  }

  private readonly handlers: StreamHandlers = {
    released: (requestId, released, encoded, releasedAtMs) => {
      this.models.apply(released);
      this.options.stages?.observe('stream', (epochNowMs() - releasedAtMs) / 1000);
      for (let i = 0; i < this.listeners.length; i++) this.listeners[i](released, encoded);
      if (requestId !== 0) {
        this.requests.get(requestId)?.resolve(released);
        this.requests.delete(requestId);
      }
      if (this.sequenceWaiters.length > 0) this.wakeSequenceWaiters();
    },
    failed: (requestId, message) => {
      this.requests.get(requestId)?.reject(new Error(message));
      this.requests.delete(requestId);
    },
    journalBatch: (records, bytes, fsyncMicros, restingOrders) => {
      this.restingOrderCount = restingOrders;
      this.journalBatchHook?.(records, bytes, fsyncMicros);
    },
    marketDump: (sequence) => {
      // The stream is in order: everything up to the snapshot's sequence is applied, nothing after it.
      if (this.models.lastSequence !== sequence) throw new Error(`released stream: market dump for ${sequence} at ${this.models.lastSequence}`);
      this.post({ type: 'marketDump', sequence, market: this.models.market!.dump() });
    },
    stageLatency: (stage, counts, sumSeconds) => this.options.stages?.add(stage, counts, sumSeconds),
    gcPauses: (micros) => {
      for (let i = 0; i < micros.length; i++) this.gcPauseHook?.(micros[i] / 1e6);
    },
  };

  private readonly onRecord = (data: Uint8Array, offset: number, length: number): void => {
    readStreamRecord(data, offset, length, this.handlers);
  };

  private wakeSequenceWaiters(): void {
    const reached = this.models.lastSequence;
    for (let i = this.sequenceWaiters.length - 1; i >= 0; i--) {
      if (this.sequenceWaiters[i].sequence <= reached) this.sequenceWaiters.splice(i, 1)[0].resolve();
    }
  }
}
