// Owns the segment being written: puts each batch into it with one write and one fdatasync, and starts a new
// segment at a batch boundary once the current one has passed its size. Batches are whole records, so a
// segment always starts with the record its name announces. With preallocation, each new segment is a file
// of segmentBytes zero blocks prepared in the background (next-segment-file.ts); a batch that does not fit in
// what is left simply writes past the preallocated end and the file grows, as without preallocation.
//
// It runs on the journal's writer thread (writer-thread.ts). A batch is written synchronously, except one that
// starts a new segment: the roll-over waits for the prepared file and fsyncs the directory asynchronously.
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { fsyncDirectory, writeAndSync } from './fs-util.ts';
import { NextSegmentFile } from './next-segment-file.ts';
import { segmentFileName } from './record-format.ts';
import type { SegmentInfo } from './recovery.ts';

export class SegmentWriter {
  private fd: number | null = null;
  private readonly next: NextSegmentFile | null;
  /** Called when a batch starts a new segment, before the batch is written into it. */
  onSegmentStarted: (firstSequence: number) => void = () => {};

  /** `segments` is the writer thread's copy of the list recovery found: the writer appends new segments and
   *  keeps the last one's durable length and sequence up to date (the owner's list follows from the reports). */
  constructor(
    private readonly dir: string,
    private readonly segments: SegmentInfo[],
    private readonly segmentBytes: number,
    private readonly fsync: boolean,
    preallocate: boolean,
  ) {
    this.next = preallocate ? new NextSegmentFile(dir, segmentBytes, fsync) : null;
  }

  private get active(): SegmentInfo | undefined {
    return this.segments[this.segments.length - 1];
  }

  /** Removes a half-prepared segment file left by a crash, and starts preparing the next segment. */
  async start(): Promise<void> {
    if (this.next === null) return;
    await this.next.removeLeftover();
    this.next.prepareInBackground();
  }

  /** The segment being written's durable bytes (0 before the first batch of a journal without segments). */
  get activeBytes(): number {
    return this.active?.bytes ?? 0;
  }

  /** Whether the next segment file is being prepared now (on this thread's event loop and the thread pool). */
  get preparingNext(): boolean {
    return this.next?.inProgress ?? false;
  }

  /** Writes records firstSequence..lastSequence (bytes of `buffer`) and makes them durable. Returns the
   *  fdatasync time in microseconds: at once, or as a promise when the batch starts a new segment. */
  writeBatch(buffer: Buffer, bytes: number, firstSequence: number, lastSequence: number): number | Promise<number> {
    const active = this.active;
    if (active === undefined || (active.bytes > 0 && active.bytes >= this.segmentBytes)) {
      return this.startSegment(firstSequence).then((segment) => this.writeInto(segment, buffer, bytes, lastSequence));
    }
    // The segment found at open (possibly empty): positional writes continue at its durable length, over the
    // zeros of its preallocated space if it has any.
    this.fd ??= openSync(active.path, 'r+');
    return this.writeInto(active, buffer, bytes, lastSequence);
  }

  private writeInto(segment: SegmentInfo, buffer: Buffer, bytes: number, lastSequence: number): number {
    const fsyncUs = writeAndSync(this.fd!, buffer, bytes, segment.bytes, this.fsync);
    segment.bytes += bytes;
    segment.lastSequence = lastSequence;
    return fsyncUs;
  }

  private async startSegment(firstSequence: number): Promise<SegmentInfo> {
    // The old segment's data is already durable (every batch is fsynced before the next starts).
    this.closeFile();
    const path = join(this.dir, segmentFileName(firstSequence));
    if (this.next !== null) {
      await this.next.installAs(path); // fsyncs the directory: the new name survives a crash
      // The next file is started at once, so the whole life of this segment is its lead time. Starting at half
      // full made roll-overs wait for the zeros when the journal ran at a good part of the disk's bandwidth.
      this.next.prepareInBackground();
      this.fd = openSync(path, 'r+');
    } else {
      this.fd = openSync(path, 'wx'); // never clobber: a file with this name would mean a bookkeeping bug
      // The new directory entry must survive a crash, or the records in it would vanish with it.
      if (this.fsync) await fsyncDirectory(this.dir);
    }
    const segment: SegmentInfo = { path, firstSequence, lastSequence: firstSequence - 1, bytes: 0 };
    this.segments.push(segment);
    this.onSegmentStarted(firstSequence);
    return segment;
  }

  private closeFile(): void {
    const fd = this.fd;
    this.fd = null;
    if (fd !== null) closeSync(fd);
  }

  async close(): Promise<void> {
    try {
      this.closeFile();
    } finally {
      await this.next?.close();
    }
  }
}
