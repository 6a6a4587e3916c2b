// Feeds the reporting store from the released command stream, off the critical path: released commands
// queue up in memory and are written in batches, each batch with its offset in one transaction, so after
// a crash the store resumes exactly where it stopped. When the database is slow the queue grows and the
// store lags (a metric), but the engine never waits for it. With a store behind a worker thread the queue
// is encoded as commands are released (bytes outside the JS heap), so a backlog adds no work for the
// engine thread's garbage collector.
import { copyReleased, type Released } from '../sequencer/index.ts';
import { ReleasedBatchWriter } from './released-batch.ts';
import { type EncodedBatch, SpillQueue } from './spill-queue.ts';

export interface OffsetStore {
  offset(): Promise<number>;
  write(batch: readonly Released[]): Promise<void>;
  /** The same, for a batch encoded by ReleasedBatchWriter (a store behind a worker takes these). */
  writeEncoded?(batch: ArrayBuffer): Promise<void>;
  /** Writes the commands after its offset through `throughSequence` from the journal, telling `onProgress` its offset after each batch; resolves with its new offset. */
  catchUp?(throughSequence: number, onProgress?: (offset: number) => void): Promise<number>;
  /** Ends a catch-up in progress after its batch in flight. */
  stopCatchUp?(): Promise<void>;
}

function firstSequenceOf(batch: SealedBatch): number {
  return batch.lastSequence - batch.count + 1;
}

/** A batch closed for writing: encoded (when the store takes encoded batches), or its commands as objects. */
type SealedBatch = EncodedBatch | { count: number; lastSequence: number; items: Released[] };

/** Sealed batches waiting for the store, oldest first. */
interface BatchQueue {
  readonly length: number;
  push(batch: SealedBatch): void;
  /** The oldest n (fewer if fewer are queued), left in the queue. */
  first(n: number): SealedBatch[];
  drop(n: number): void;
  close(): void;
}

class MemoryQueue implements BatchQueue {
  private readonly batches: SealedBatch[] = [];
  get length(): number {
    return this.batches.length;
  }
  push(batch: SealedBatch): void {
    this.batches.push(batch);
  }
  first(n: number): SealedBatch[] {
    return this.batches.slice(0, n);
  }
  drop(n: number): void {
    this.batches.splice(0, n);
  }
  close(): void {}
}

export interface ConsumerOptions {
  /** Commands per transaction. */
  maxBatchCommands: number;
  /**
   * How long released commands may gather before a write, unless a full batch is ready sooner. A
   * transaction has a fixed cost (PGlite's commit alone is most of it at low rates), so writing every
   * few commands would cost the reporting thread most of a core; reporting values accuracy over latency.
   * Default 50.
   */
  batchDelayMs?: number;
  /** Wait before retrying a failed write (doubles up to 30 s). */
  retryDelayMs: number;
  log: (message: string) => void;
  /** Called after every batch with its size and duration, for metrics. */
  onBatch?: (commands: number, seconds: number) => void;
  /**
   * Most of the wall time the consumer keeps the store busy, in percent (default 100). Below 100 it rests
   * after each write in proportion to the write's duration: on a machine with few cores the store's work
   * (PGlite's runs on a thread of this process) then leaves order entry room, and under a burst the store
   * lags and catches up afterwards instead of competing with matching for the same cores.
   */
  maxDutyPercent?: number;
  /**
   * For a store that takes encoded batches: keep at most `maxMemoryBytes` of backlog in memory and spill
   * the rest to `path` (see spill-queue.ts). Without it the backlog is bounded only by memory.
   */
  spill?: { path: string; maxMemoryBytes: number };
}

export class ReportingConsumer {
  /** Full batches waiting for the store, oldest first. */
  private readonly sealed: BatchQueue;
  /** The batch being filled: encoded at once when the store takes encoded batches, else kept as objects. */
  private readonly encoder: ReleasedBatchWriter | null;
  private openItems: Released[] = [];
  private openCount = 0;
  private openLastSequence = 0;
  private draining: Promise<void> | null = null;
  private waiters: Array<{ sequence: number; resolve: (done: boolean) => void }> = [];
  /** The newest sequence handed to the queue. */
  private enqueuedThrough: number;
  /** Commands through here will not come down the stream (deliveredThrough): the store writes any it lacks from the journal. */
  private gapThrough = 0;
  private stopped = false;

  private constructor(private readonly store: OffsetStore, public writtenThrough: number, private readonly options: ConsumerOptions) {
    this.enqueuedThrough = writtenThrough;
    this.encoder = store.writeEncoded ? new ReleasedBatchWriter() : null;
    const spill = options.spill;
    this.sealed = this.encoder && spill ? new SpillQueue(spill.path, spill.maxMemoryBytes, options.log) as BatchQueue : new MemoryQueue();
  }

  static async open(store: OffsetStore, options: ConsumerOptions): Promise<ReportingConsumer> {
    return new ReportingConsumer(store, await store.offset(), options);
  }

  /** The last command the store holds (where it was at open, then as it writes). */
  get offset(): number {
    return this.writtenThrough;
  }

  /** Commands released but not yet in the store. */
  get lag(): number {
    return this.enqueuedThrough - this.writtenThrough;
  }

  /**
   * A release listener. `encoded`, when given, is the command as encodeReleased wrote it (the released
   * stream's bytes, valid during the call): taken as it is instead of encoding the command again.
   */
  readonly onRelease = (released: Released, encoded?: Uint8Array): void => {
    if (this.stopped || released.command.sequence <= this.enqueuedThrough) return;
    // A batch holds consecutive commands only: commands missing before one (the engine started from a
    // snapshot newer than the store) are written from the journal before it (drain).
    if (released.command.sequence !== this.enqueuedThrough + 1) this.seal();
    if (this.encoder && encoded) this.encoder.addEncoded(released.command.sequence, encoded);
    else if (this.encoder) this.encoder.add(released);
    else this.openItems.push(copyReleased(released)); // kept past the call: the sequencer reuses what it lends
    this.openCount++;
    this.openLastSequence = released.command.sequence;
    this.enqueuedThrough = released.command.sequence;
    if (this.openCount >= this.options.maxBatchCommands) this.seal();
    this.startDraining();
  };

  /**
   * Every command through `sequence` that the stream will ever bring has been given to onRelease (the node
   * has recovered: what came before its snapshot never comes). Any the store lacks are written from the
   * journal, even if no command follows.
   */
  deliveredThrough(sequence: number): void {
    if (this.stopped || sequence <= this.enqueuedThrough) return;
    this.seal();
    this.gapThrough = sequence;
    this.enqueuedThrough = sequence;
    this.startDraining();
  }

  private startDraining(): void {
    this.draining ??= this.drain().finally(() => (this.draining = null));
  }

  private seal(): void {
    if (this.openCount === 0) return;
    this.sealed.push(this.encoder
      ? { count: this.openCount, lastSequence: this.openLastSequence, encoded: this.encoder.finish() }
      : { count: this.openCount, lastSequence: this.openLastSequence, items: this.openItems });
    this.openItems = [];
    this.openCount = 0;
  }

  private writeBatch(batch: SealedBatch): Promise<SealedBatch> {
    const written = 'encoded' in batch ? this.store.writeEncoded!(batch.encoded) : this.store.write(batch.items);
    return written.then(() => batch);
  }

  /** Resolves true once everything up to `sequence` is in the store, false after `timeoutMs`. */
  caughtUp(sequence: number, timeoutMs: number): Promise<boolean> {
    if (this.writtenThrough >= sequence) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = { sequence, resolve };
      this.waiters.push(waiter);
      setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(this.writtenThrough >= sequence);
      }, timeoutMs).unref();
    });
  }

  private async drain(): Promise<void> {
    let delayMs = this.options.retryDelayMs;
    while ((this.sealed.length > 0 || this.openCount > 0 || this.writtenThrough < this.gapThrough) && !this.stopped) {
      if (this.sealed.length === 0 && this.openCount > 0) {
        // Less than a full batch: let more gather, then write what there is.
        await new Promise((resolve) => setTimeout(resolve, this.options.batchDelayMs ?? 50));
        this.seal();
      }
      const startedNs = process.hrtime.bigint();
      const next = this.sealed.first(2);
      // Commands the stream never brought, before the next batch (or through gapThrough when none is queued).
      const missingThrough = next.length > 0 ? firstSequenceOf(next[0]) - 1 : this.gapThrough;
      if (missingThrough > this.writtenThrough) {
        if (!(await this.catchUp(missingThrough, startedNs))) {
          await new Promise((resolve) => setTimeout(resolve, delayMs));
          delayMs = Math.min(delayMs * 2, 30_000);
        }
        continue;
      }
      if (next.length === 0) continue;
      // Two batches in flight: the store prepares the next while the database commits the previous
      // (writes apply in call order, and a failed one fails those after it). Not across a gap.
      if (next.length === 2 && firstSequenceOf(next[1]) !== next[0].lastSequence + 1) next.pop();
      const results = await Promise.allSettled(next.map((batch) => this.writeBatch(batch)));
      let written = 0;
      let batches = 0;
      for (const result of results) {
        if (result.status === 'rejected') break;
        written += result.value.count;
        batches++;
      }
      this.sealed.drop(batches);
      if (written > 0) this.advanced(next[batches - 1].lastSequence, written, startedNs);
      const failed = results.find((result) => result.status === 'rejected');
      if (failed) {
        const error = failed.reason as Error;
        if (error.name === 'SequenceGapError') {
          // Not a passing fault: the store and this stream disagree on what was written. Retrying cannot
          // help; stop, say so loudly, and let a restart recover from the store's own offset.
          this.options.log(`reporting: STOPPED: ${error.message}; restart the exchange to recover the store from its offset`);
          this.stopped = true;
          return;
        }
        this.options.log(`reporting: write failed (${error.message}); retrying in ${delayMs} ms, ${this.lag} commands behind`);
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        delayMs = Math.min(delayMs * 2, 30_000);
        continue;
      }
      delayMs = this.options.retryDelayMs;
      const duty = this.options.maxDutyPercent ?? 100;
      if (duty < 100 && written > 0) {
        const restMs = ((Number(process.hrtime.bigint() - startedNs) / 1e6) * (100 - duty)) / duty;
        await new Promise((resolve) => setTimeout(resolve, restMs));
      }
    }
  }

  /** The store holds everything through `sequence` now: metrics, and whoever waits for it. */
  private advanced(sequence: number, commands: number, startedNs: bigint): void {
    this.options.onBatch?.(commands, Number(process.hrtime.bigint() - startedNs) / 1e9);
    this.reached(sequence);
  }

  private reached(sequence: number): void {
    if (sequence <= this.writtenThrough) return;
    this.writtenThrough = sequence;
    const ready = this.waiters.filter((w) => w.sequence <= this.writtenThrough);
    this.waiters = this.waiters.filter((w) => w.sequence > this.writtenThrough);
    for (const waiter of ready) waiter.resolve(true);
  }

  /**
   * Commands after the store's offset through `throughSequence` never came down the stream (the engine
   * started from a snapshot newer than the store): the store writes them from the journal. False when it
   * failed and is worth another try; a store that cannot catch up stops the consumer, as a gap would.
   */
  private async catchUp(throughSequence: number, startedNs: bigint): Promise<boolean> {
    const from = this.writtenThrough + 1;
    if (!this.store.catchUp) {
      this.options.log(`reporting: STOPPED: commands ${from}..${throughSequence} are not in the store, and this store cannot write them from the journal; restart the exchange`);
      this.stopped = true;
      return true;
    }
    this.options.log(`reporting: commands ${from}..${throughSequence} came before the engine's snapshot, not down the stream; writing them from the journal`);
    const before = this.writtenThrough;
    try {
      // The lag gauge and the waiters follow each batch; the batch metrics get the catch-up as one.
      const offset = await this.store.catchUp(throughSequence, (progress) => this.reached(progress));
      if (offset > before) this.advanced(offset, offset - before, startedNs);
      if (offset >= throughSequence || this.stopped) return true;
      this.options.log(`reporting: writing from the journal ended at ${offset}, short of ${throughSequence}; retrying`);
      return false;
    } catch (error) {
      this.options.log(`reporting: writing from the journal failed (${(error as Error).message}); retrying, ${this.lag} commands behind`);
      return false;
    }
  }

  /**
   * Writes what is queued for up to `graceMs`, then stops after the batch in flight and takes no more.
   * A store far behind (a long burst on a small machine) would otherwise hold a shutdown for minutes, past
   * any supervisor's patience; what is left is not lost: at start the node replays the journal from the
   * store's own offset.
   */
  async close(graceMs = 5_000): Promise<void> {
    const draining = this.draining;
    if (draining) {
      let timer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
      await Promise.race([draining, graceOver]);
      clearTimeout(timer);
    }
    this.stopped = true;
    if (this.draining) await this.store.stopCatchUp?.();
    while (this.draining) await this.draining;
    if (this.lag > 0) this.options.log(`reporting: stopped ${this.lag} commands behind; the next start writes them from the journal`);
    this.sealed.close();
  }
}
