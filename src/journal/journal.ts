// The durable command journal: recovery at open, group-committed appends, replay, pruning after snapshots.
// Records are opaque payloads tagged with gap-free sequence numbers; what they mean is the codec's business.
import { unlink } from 'node:fs/promises';
import { JournalCorruptError } from './errors.ts';
import { fsyncDirectory, isNotFound } from './fs-util.ts';
import { GroupCommit, type JournalStats } from './group-commit.ts';
import { recoverJournal, type SegmentInfo } from './recovery.ts';
import { describeProblem, scanSegment } from './segment-reader.ts';
import { SegmentWriter } from './segment-writer.ts';

export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;

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
}

export interface RecoveredRecord {
  sequence: number;
  payload: Uint8Array;
}

export class Journal {
  /** Called after each batch's fdatasync with the highest durable sequence; set by the owner. */
  onDurable: (durableSequence: number) => void = () => {};
  /** Called after each batch, for metrics. */
  onBatch?: (records: number, bytes: number, fsyncMicros: number) => void;
  /** Called once if a write or fsync fails; afterwards append() throws and flush() rejects. Default: log it. */
  onError?: (error: Error) => void;
  readonly stats: JournalStats;
  private readonly commit: GroupCommit;
  private closed = false;

  private constructor(
    private readonly dir: string,
    private readonly segments: SegmentInfo[],
    private readonly writer: SegmentWriter,
    lastSequence: number,
    private readonly fsync: boolean,
    private readonly log: (message: string) => void,
  ) {
    this.commit = new GroupCommit(writer, lastSequence, {
      durable: (sequence) => this.callOwner(() => this.onDurable(sequence)),
      batch: (records, bytes, fsyncUs) => this.callOwner(() => this.onBatch?.(records, bytes, fsyncUs)),
      failed: (error) => this.callOwner(() => (this.onError ? this.onError(error) : this.log(error.message))),
    });
    this.stats = this.commit.stats;
  }

  /** Scans and validates every segment, cuts a torn tail, and throws JournalCorruptError on anything else. */
  static async open(options: JournalOptions): Promise<Journal> {
    const segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    if (!Number.isSafeInteger(segmentBytes) || segmentBytes <= 0) throw new RangeError(`segmentBytes must be a positive integer, got ${segmentBytes}`);
    const log = options.log ?? ((message: string) => console.warn(message));
    const fsync = options.fsync ?? true;
    const { segments, lastSequence } = await recoverJournal({ dir: options.dir, log, fsync });
    const writer = new SegmentWriter(options.dir, segments, segmentBytes, fsync, options.preallocate ?? fsync);
    await writer.start();
    return new Journal(options.dir, segments, writer, lastSequence, fsync, log);
  }

  /** The last durable sequence: what open found, then advanced as batches become durable. */
  get lastSequence(): number {
    return this.commit.durableSequence;
  }

  /** The last sequence handed to append(), durable or not. */
  get lastAppendedSequence(): number {
    return this.commit.lastAppendedSequence;
  }

  /** Paths of the segment files, oldest first. */
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
    let count = 0;
    for (const segment of [...this.segments]) {
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
    if (this.closed) throw new Error('journal is closed');
    this.commit.append(sequence, payload, payloadBytes);
  }

  /** Resolves when everything appended so far is durable. */
  flush(): Promise<void> {
    return this.commit.flush();
  }

  /** Flushes and closes the segment file (and drops a next segment being prepared). Appending afterwards throws. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.commit.flush();
    } finally {
      await this.writer.close();
    }
  }

  /** Deletes whole segments whose records are all <= sequence (call after a snapshot at that sequence is
   *  durable). The segment being written is never deleted, so the sequence chain survives a restart. */
  async pruneThrough(sequence: number): Promise<void> {
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

  /** Owner callbacks must not break the commit loop; an exception in one is rethrown on its own tick. */
  private callOwner(callback: () => void): void {
    try {
      callback();
    } catch (error) {
      process.nextTick(() => {
        throw error;
      });
    }
  }
}
