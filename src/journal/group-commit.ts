// Group commit: records appended while a batch is being written and fsynced wait in one growing buffer and go
// to disk together in the next batch, so one fdatasync covers as many records as arrived in the meantime.
// That is how the journal keeps up with hundreds of thousands of commands a second on a disk that does a few
// hundred to a few thousand fsyncs a second. Exactly one batch is in flight at a time, so durability reports
// are in order and there are never two fsyncs in flight.
import { JournalFailedError } from './errors.ts';
import { MAX_PAYLOAD_BYTES, recordBytes, writeRecord } from './record-format.ts';
import type { SegmentWriter } from './segment-writer.ts';

const INITIAL_BUFFER_BYTES = 64 * 1024;

export interface JournalStats {
  batches: number;
  records: number;
  bytes: number;
  lastBatchRecords: number;
  lastFsyncUs: number;
}

/** Where durability and batch reports go; the journal forwards them to whatever its owner set. */
export interface GroupCommitHooks {
  durable(sequence: number): void;
  batch(records: number, bytes: number, fsyncUs: number): void;
  failed(error: JournalFailedError): void;
}

interface FlushWaiter {
  sequence: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

export class GroupCommit {
  readonly stats: JournalStats = { batches: 0, records: 0, bytes: 0, lastBatchRecords: 0, lastFsyncUs: 0 };
  private pending = Buffer.allocUnsafe(INITIAL_BUFFER_BYTES);
  // The buffer of the batch before last, reused for the next batch so that steady state allocates nothing.
  private spare = Buffer.allocUnsafe(INITIAL_BUFFER_BYTES);
  private pendingBytes = 0;
  private pendingRecords = 0;
  private lastAppended: number;
  private durable: number;
  private inFlight = false;
  private scheduled = false;
  private failure: JournalFailedError | null = null;
  private readonly waiters: FlushWaiter[] = [];

  constructor(private readonly writer: SegmentWriter, lastSequence: number, private readonly hooks: GroupCommitHooks) {
    this.lastAppended = lastSequence;
    this.durable = lastSequence;
  }

  get lastAppendedSequence(): number {
    return this.lastAppended;
  }

  get durableSequence(): number {
    return this.durable;
  }

  /** Appends the first `payloadBytes` of `payload` (all of it by default) as the record of `sequence`. */
  append(sequence: number, payload: Uint8Array, payloadBytes = payload.byteLength): void {
    if (this.failure) throw this.failure;
    if (sequence !== this.lastAppended + 1) {
      throw new RangeError(`journal append out of order: sequence ${sequence}, expected ${this.lastAppended + 1}`);
    }
    if (payloadBytes > MAX_PAYLOAD_BYTES) {
      throw new RangeError(`journal record ${sequence} has ${payloadBytes} payload bytes, more than the maximum ${MAX_PAYLOAD_BYTES}`);
    }
    if (payloadBytes > payload.byteLength) throw new RangeError(`journal record ${sequence}: ${payloadBytes} payload bytes asked of ${payload.byteLength}`);
    const needed = this.pendingBytes + recordBytes(payloadBytes);
    if (needed > this.pending.length) this.grow(needed);
    this.pendingBytes = writeRecord(this.pending, this.pendingBytes, sequence, payload, payloadBytes);
    this.pendingRecords++;
    this.lastAppended = sequence;
    if (!this.inFlight && !this.scheduled) {
      // Next tick, not now: everything appended in the current tick joins this batch.
      this.scheduled = true;
      setImmediate(this.startBatches);
    }
  }

  /** Resolves once everything appended so far is durable; rejects if the journal failed. */
  flush(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.durable >= this.lastAppended) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ sequence: this.lastAppended, resolve, reject }));
  }

  private grow(neededBytes: number): void {
    const next = Buffer.allocUnsafe(Math.max(this.pending.length * 2, neededBytes));
    this.pending.copy(next, 0, 0, this.pendingBytes);
    this.pending = next;
  }

  private readonly startBatches = (): void => {
    this.scheduled = false;
    if (this.inFlight || this.pendingRecords === 0 || this.failure) return;
    void this.runBatches();
  };

  private async runBatches(): Promise<void> {
    this.inFlight = true;
    try {
      while (this.pendingRecords > 0) {
        const buffer = this.pending;
        const bytes = this.pendingBytes;
        const records = this.pendingRecords;
        const last = this.lastAppended;
        this.pending = this.spare;
        this.pendingBytes = 0;
        this.pendingRecords = 0;
        // Records of a batch are contiguous and end at `last`.
        const fsyncUs = await this.writer.writeBatch(buffer, bytes, last - records + 1, last);
        this.spare = buffer;
        this.durable = last;
        this.stats.batches++;
        this.stats.records += records;
        this.stats.bytes += bytes;
        this.stats.lastBatchRecords = records;
        this.stats.lastFsyncUs = fsyncUs;
        this.hooks.batch(records, bytes, fsyncUs);
        this.hooks.durable(last);
        this.releaseWaiters();
      }
    } catch (error) {
      this.fail(error);
    } finally {
      this.inFlight = false;
    }
  }

  private releaseWaiters(): void {
    let released = 0;
    while (released < this.waiters.length && this.waiters[released].sequence <= this.durable) this.waiters[released++].resolve();
    if (released > 0) this.waiters.splice(0, released);
  }

  private fail(cause: unknown): void {
    const detail = cause instanceof Error ? cause.message : String(cause);
    this.failure = new JournalFailedError(`journal write failed after sequence ${this.durable}: ${detail}`, cause);
    for (const waiter of this.waiters) waiter.reject(this.failure);
    this.waiters.length = 0;
    this.hooks.failed(this.failure);
  }
}
