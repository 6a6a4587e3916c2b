// The durable command journal: recovery at open, group-committed appends, replay, pruning after snapshots.
// Records are opaque payloads tagged with gap-free sequence numbers; what they mean is the codec's business.
//
// Appends run on the caller's thread (the engine thread) and cost a copy into a shared-memory ring; the
// writing and fdatasyncing happen on a writer thread of the journal's own (writer-thread.ts), which reports
// each durable batch back over a second ring. The caller learns of durability when it next looks at that
// ring: at once if it polls (pollDurable), or when its event loop wakes on the report.
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { Backlog, Doorbell, SpscRing } from '../bus/index.ts';
import { startWorker } from '../ops/ts-worker.ts';
import { JournalCorruptError, JournalFailedError } from './errors.ts';
import { fsyncDirectory, isNotFound } from './fs-util.ts';
import { MAX_PAYLOAD_BYTES, recordBytes, RECORD_HEADER_BYTES, segmentFileName, writeUnsealedRecord } from './record-format.ts';
import { recoverJournal, type SegmentInfo } from './recovery.ts';
import { describeProblem, scanSegment } from './segment-reader.ts';
import { CLOSE_CELL, CONTROL_BYTES, readReport, type ReportHandler, type WriterThreadSetup, type WriterToOwner } from './writer-channel.ts';

export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;
/** The ring of records on their way to the writer thread. A record may take a quarter of it. */
export const DEFAULT_RING_BYTES = 16 * 1024 * 1024;
const REPORT_RING_BYTES = 1024 * 1024;
const REPORT_WAIT_MS = 1000;
export interface JournalOptions {
  /** Directory of the segment files, e.g. <dataDir>/journal; created if missing. */
  dir: string;
  /** Start a new segment file at the first batch boundary after the current one passes this size; with
   *  preallocation, also the size each new segment file is created at. */
  segmentBytes?: number;
  /** Warnings such as a cut torn tail (default console.warn). */
  log?: (message: string) => void;
  /** fdatasync each batch (default true). Turn off only in tests and benchmarks that say so. */
  fsync?: boolean;
  /** Create each new segment at its full size in zero blocks, prepared in the background, so that a batch's
   *  fdatasync flushes data without file-size and allocation metadata. Default: the same as fsync (without
   *  fdatasync it would only double what is written). False keeps plain appending, as the benchmark does for
   *  comparison. Reading does not depend on it: zeros after the last record end the data either way. */
  preallocate?: boolean;
  /** Bytes of the ring between the caller and the writer thread (a power of two; default 16 MiB). When it is
   *  full, records wait in memory on the caller's side. A payload may take up to a quarter of it. */
  ringBytes?: number;
}

export interface JournalStats {
  batches: number;
  records: number;
  bytes: number;
  lastBatchRecords: number;
  lastFsyncUs: number;
}

interface FlushWaiter {
  sequence: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

export interface RecoveredRecord {
  sequence: number;
  payload: Uint8Array;
}

export class Journal {
  /** Called as batches become durable with the highest durable sequence; set by the owner. */
  onDurable: (durableSequence: number) => void = () => {};
  /** Called after each batch, for metrics. */
  onBatch?: (records: number, bytes: number, fsyncMicros: number) => void;
  /** Called once if a write or fsync fails; afterwards append() throws and flush() rejects. Default: log it. */
  onError?: (error: Error) => void;
  readonly stats: JournalStats = { batches: 0, records: 0, bytes: 0, lastBatchRecords: 0, lastFsyncUs: 0 };
  /** Largest payload append() takes: a quarter of the ring, less the record header. */
  readonly maxPayloadBytes: number;
  private readonly ringBytes: Buffer;
  private lastAppended: number;
  private durable: number;
  private failure: JournalFailedError | null = null;
  private closed = false;
  private closing: Promise<void> | null = null;
  private publishQueued = false;
  private watching = false;
  private polling = false;
  private readonly writerBell: Doorbell;
  private readonly waiters: FlushWaiter[] = [];
  /** Records (unsealed) that found the ring full; they go before anything newer. */
  private readonly overflow = new Backlog<Buffer>();
  private readonly exited: Promise<void>;

  private constructor(
    private readonly dir: string,
    private readonly segments: SegmentInfo[],
    lastSequence: number,
    private readonly fsync: boolean,
    private readonly log: (message: string) => void,
    private readonly worker: Worker,
    private readonly records: SpscRing,
    private readonly reports: SpscRing,
    private readonly control: Int32Array,
  ) {
    this.lastAppended = lastSequence;
    this.durable = lastSequence;
    this.ringBytes = Buffer.from(records.data.buffer, records.data.byteOffset, records.data.byteLength);
    this.writerBell = Doorbell.attach(records.buffers.doorbell!);
    this.maxPayloadBytes = Math.min(MAX_PAYLOAD_BYTES, records.maxMessageBytes - RECORD_HEADER_BYTES);
    this.exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    worker.on('error', (error) => this.fail(error));
    worker.once('exit', (code) => {
      if (!this.closed) this.fail(new Error(`the journal writer thread exited with code ${code}`));
    });
    // An open journal nobody closes must not keep the process alive; waiting for durability does (waitAsync).
    worker.unref();
  }

  /** Scans and validates every segment, cuts a torn tail, starts the writer thread, and throws
   *  JournalCorruptError on anything else. */
  static async open(options: JournalOptions): Promise<Journal> {
    const segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    if (!Number.isSafeInteger(segmentBytes) || segmentBytes <= 0) throw new RangeError(`segmentBytes must be a positive integer, got ${segmentBytes}`);
    const log = options.log ?? ((message: string) => console.warn(message));
    const fsync = options.fsync ?? true;
    const { segments, lastSequence } = await recoverJournal({ dir: options.dir, log, fsync });
    const records = SpscRing.create(options.ringBytes ?? DEFAULT_RING_BYTES, Doorbell.create());
    const reports = SpscRing.create(REPORT_RING_BYTES);
    const control = new SharedArrayBuffer(CONTROL_BYTES);
    const setup: WriterThreadSetup = {
      dir: options.dir, segments, segmentBytes, fsync, preallocate: options.preallocate ?? fsync,
      records: records.buffers, reports: reports.buffers, control,
    };
    const worker = startWorker(new URL('./writer-thread.ts', import.meta.url), setup);
    await new Promise<void>((resolve, reject) => {
      worker.once('message', (message: WriterToOwner) => (message.type === 'ready' ? resolve() : reject(new Error('journal writer: unexpected message before ready'))));
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the journal writer thread exited with code ${code} before it was ready`)));
    });
    for (const event of ['message', 'error', 'exit']) worker.removeAllListeners(event);
    return new Journal(options.dir, segments, lastSequence, fsync, log, worker, records, reports, new Int32Array(control));
  }

  /** The last durable sequence: what open found, then advanced as batches are reported durable. */
  get lastSequence(): number {
    return this.durable;
  }

  /** The last sequence handed to append(), durable or not. */
  get lastAppendedSequence(): number {
    return this.lastAppended;
  }

  /** Paths of the segment files, oldest first (as of the last batch reported durable). */
  get segmentPaths(): readonly string[] {
    return this.segments.map((segment) => segment.path);
  }

  /**
   * Calls onRecord for every durable record with sequence > afterSequence, in order, reading one segment at a
   * time in 1 MiB chunks (segments wholly at or before afterSequence are not read). Payloads are views into
   * read buffers that are never reused, so keeping one is safe. Re-checks every CRC: a problem here means the
   * files changed after open, and throws JournalCorruptError. Do not prune while a replay runs.
   */
  async replay(afterSequence: number, onRecord: (record: RecoveredRecord) => void): Promise<number> {
    this.pollDurable();
    let count = 0;
    // Copies of the segments as reported so far: batches written meanwhile lie past these ends.
    for (const segment of this.segments.map((info) => ({ ...info }))) {
      if (segment.lastSequence <= afterSequence) continue;
      const scan = await scanSegment({
        // Everything up to the durable length is records, so there is no zero tail to look for.
        path: segment.path, firstSequence: segment.firstSequence, endBytes: segment.bytes, zeroTailFromBytes: segment.bytes, afterSequence,
        onRecord: (sequence, payload) => {
          count++;
          onRecord({ sequence, payload });
        },
      });
      if (scan.problem) {
        throw new JournalCorruptError(segment.path, scan.problem.offsetBytes, `${describeProblem(scan.problem, scan.endBytes)}, found during replay`);
      }
    }
    return count;
  }

  /** Appends a record of the first `payloadBytes` of `payload` (all of it by default; copied); sequence must be
   *  lastAppendedSequence + 1. Durability is reported through onDurable, after the batch holding the record has
   *  been fdatasynced. */
  append(sequence: number, payload: Uint8Array, payloadBytes = payload.byteLength): void {
    if (this.failure) throw this.failure;
    if (this.closing) throw new Error('journal is closed');
    if (sequence !== this.lastAppended + 1) {
      throw new RangeError(`journal append out of order: sequence ${sequence}, expected ${this.lastAppended + 1}`);
    }
    if (payloadBytes > this.maxPayloadBytes) {
      throw new RangeError(`journal record ${sequence} has ${payloadBytes} payload bytes, more than the maximum ${this.maxPayloadBytes}`);
    }
    if (payloadBytes > payload.byteLength) throw new RangeError(`journal record ${sequence}: ${payloadBytes} payload bytes asked of ${payload.byteLength}`);
    const lengthBytes = recordBytes(payloadBytes);
    const at = this.overflow.isEmpty ? this.records.claim(lengthBytes) : -1;
    if (at >= 0) {
      writeUnsealedRecord(this.ringBytes, at, sequence, payload, payloadBytes);
      this.records.commit();
    } else {
      const record = Buffer.allocUnsafe(lengthBytes);
      writeUnsealedRecord(record, 0, sequence, payload, payloadBytes);
      this.overflow.push(record);
    }
    this.lastAppended = sequence;
    if (!this.publishQueued) {
      // At the end of the caller's synchronous run, not now: everything appended in it goes in one batch.
      this.publishQueued = true;
      queueMicrotask(this.publish);
    }
    if (!this.watching) void this.watch();
  }

  /**
   * Takes the writer thread's reports so far: durability (onDurable, onBatch, flush waiters), new segments and
   * failure. Cheap when there are none; a caller that is awake anyway (the engine's order-entry loop) can call
   * it each turn to learn of durability without waiting for its event loop to wake on the report.
   */
  pollDurable(): number {
    // Not from inside itself (an owner callback that lands here): the outer poll has not yet moved past them.
    if (this.polling) return 0;
    this.polling = true;
    let taken: number;
    try {
      taken = this.reports.poll(this.onReport);
    } finally {
      this.polling = false;
    }
    if (taken > 0 && !this.overflow.isEmpty) this.publish();
    return taken;
  }

  /** Resolves when everything appended so far is durable. */
  flush(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.durable >= this.lastAppended) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ sequence: this.lastAppended, resolve, reject }));
  }

  /** Flushes, then stops the writer thread, which closes the segment file (and drops a next segment being
   *  prepared). Appending afterwards throws. */
  close(): Promise<void> {
    this.closing ??= this.closeOnce();
    return this.closing;
  }

  private async closeOnce(): Promise<void> {
    try {
      await this.flush();
    } finally {
      this.closed = true;
      Atomics.store(this.control, CLOSE_CELL, 1);
      this.writerBell.ring();
      this.worker.ref(); // the exit is what the process waits for now
      await this.exited;
      this.pollDurable();
    }
  }

  /** Deletes whole segments whose records are all <= sequence (call after a snapshot at that sequence is
   *  durable). The segment being written is never deleted, so the sequence chain survives a restart. */
  async pruneThrough(sequence: number): Promise<void> {
    this.pollDurable();
    const doomed: SegmentInfo[] = [];
    while (this.segments.length > 1 && this.segments[0].lastSequence <= sequence) doomed.push(this.segments.shift()!);
    if (doomed.length === 0) return;
    // Oldest first, each deletion made durable before the next: a crash part-way must leave a journal that
    // starts at some segment boundary, never one with a hole where a newer segment went first.
    for (const segment of doomed) {
      try {
        await unlink(segment.path);
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
      if (this.fsync) await fsyncDirectory(this.dir);
    }
  }

  /** Moves what is waiting to the ring (overflow first) and lets the writer see it. */
  private readonly publish = (): void => {
    this.publishQueued = false;
    this.overflow.drain(this.writeHeld);
    this.records.publish();
  };

  private readonly writeHeld = (record: Buffer): boolean => {
    const at = this.records.claim(record.length);
    if (at < 0) return false;
    record.copy(this.ringBytes, at);
    this.records.commit();
    return true;
  };

  /** Waits for reports while anything appended is not yet durable. */
  private async watch(): Promise<void> {
    this.watching = true;
    try {
      while (this.failure === null && this.durable < this.lastAppended) {
        if (this.pollDurable() === 0) await this.reports.waitForMessagesAsync(REPORT_WAIT_MS);
      }
    } finally {
      this.watching = false;
    }
  }

  private readonly handler: ReportHandler = {
    batch: (lastSequence, records, bytes, fsyncUs, activeSegmentBytes) => {
      const active = this.segments[this.segments.length - 1];
      active.bytes = activeSegmentBytes;
      active.lastSequence = lastSequence;
      this.durable = lastSequence;
      const stats = this.stats;
      stats.batches++;
      stats.records += records;
      stats.bytes += bytes;
      stats.lastBatchRecords = records;
      stats.lastFsyncUs = fsyncUs;
      try {
        this.onBatch?.(records, bytes, fsyncUs);
      } catch (error) {
        rethrowLater(error);
      }
      try {
        this.onDurable(lastSequence);
      } catch (error) {
        rethrowLater(error);
      }
      this.releaseWaiters();
    },
    segmentStarted: (firstSequence) => {
      this.segments.push({ path: join(this.dir, segmentFileName(firstSequence)), firstSequence, lastSequence: firstSequence - 1, bytes: 0 });
    },
    failed: (message) => this.fail(new Error(message)),
  };

  private readonly onReport = (_data: Uint8Array, offset: number): void => readReport(this.reports, offset, this.handler);

  private releaseWaiters(): void {
    let released = 0;
    while (released < this.waiters.length && this.waiters[released].sequence <= this.durable) this.waiters[released++].resolve();
    if (released > 0) this.waiters.splice(0, released);
  }

  private fail(cause: Error): void {
    if (this.failure) return;
    this.failure = new JournalFailedError(`journal write failed after sequence ${this.durable}: ${cause.message}`, cause);
    for (const waiter of this.waiters) waiter.reject(this.failure);
    this.waiters.length = 0;
    try {
      if (this.onError) this.onError(this.failure);
      else this.log(this.failure.message);
    } catch (error) {
      rethrowLater(error);
    }
  }
}

/** Owner callbacks must not break the report loop; an exception in one is rethrown on its own tick. */
function rethrowLater(error: unknown): void {
  process.nextTick(() => {
    throw error;
  });
}
