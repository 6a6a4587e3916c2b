// Feeds the reporting store from the released command stream, off the critical path: released commands
// queue up in memory and are written in batches, each batch with its offset in one transaction, so after
// a crash the store resumes exactly where it stopped. When the database is slow the queue grows and the
// store lags (a metric), but the engine never waits for it.
import type { Released } from '../sequencer/index.ts';

export interface OffsetStore {
  offset(): Promise<number>;
  write(batch: readonly Released[]): Promise<void>;
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
}

export class ReportingConsumer {
  private queue: Released[] = [];
  private draining: Promise<void> | null = null;
  private waiters: Array<{ sequence: number; resolve: (done: boolean) => void }> = [];
  /** The newest sequence handed to the queue. */
  private enqueuedThrough: number;
  private stopped = false;

  private constructor(private readonly store: OffsetStore, public writtenThrough: number, private readonly options: ConsumerOptions) {
    this.enqueuedThrough = writtenThrough;
  }

  static async open(store: OffsetStore, options: ConsumerOptions): Promise<ReportingConsumer> {
    return new ReportingConsumer(store, await store.offset(), options);
  }

  /** The offset to give the node: recovery must release everything after it. */
  get offset(): number {
    return this.writtenThrough;
  }

  /** Commands released but not yet in the store. */
  get lag(): number {
    return this.enqueuedThrough - this.writtenThrough;
  }

  readonly onRelease = (released: Released): void => {
    if (this.stopped || released.command.sequence <= this.enqueuedThrough) return;
    this.queue.push(released);
    this.enqueuedThrough = released.command.sequence;
    this.draining ??= this.drain().finally(() => (this.draining = null));
  };

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
    while (this.queue.length > 0 && !this.stopped) {
      if (this.queue.length < this.options.maxBatchCommands) {
        await new Promise((resolve) => setTimeout(resolve, this.options.batchDelayMs ?? 50));
      }
      // Two batches in flight: the store prepares the next while the database commits the previous
      // (writes apply in call order, and a failed one fails those after it).
      const first = this.queue.slice(0, this.options.maxBatchCommands);
      const second = this.queue.slice(first.length, first.length + this.options.maxBatchCommands);
      const startedNs = process.hrtime.bigint();
      const writes = [first, second].filter((batch) => batch.length > 0).map((batch) => this.store.write(batch).then(() => batch));
      const results = await Promise.allSettled(writes);
      let written = 0;
      for (const result of results) {
        if (result.status === 'rejected') break;
        written += result.value.length;
        this.writtenThrough = result.value[result.value.length - 1].command.sequence;
      }
      this.queue.splice(0, written);
      if (written > 0) {
        const seconds = Number(process.hrtime.bigint() - startedNs) / 1e9;
        this.options.onBatch?.(written, seconds);
        const ready = this.waiters.filter((w) => w.sequence <= this.writtenThrough);
        this.waiters = this.waiters.filter((w) => w.sequence > this.writtenThrough);
        for (const waiter of ready) waiter.resolve(true);
      }
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

  /** Writes what is queued, then stops taking more. */
  async close(): Promise<void> {
    while (this.draining) await this.draining;
    this.stopped = true;
  }
}
