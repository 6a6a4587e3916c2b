// Owns the segment being written: puts each batch into it with one write and one fdatasync, and starts a new
// segment at a batch boundary once the current one has passed its size. Batches are whole records, so a
// segment always starts with the record its name announces. With preallocation, each new segment is a file
// of segmentBytes zero blocks prepared in the background (next-segment-file.ts); a batch that does not fit in
// what is left simply writes past the preallocated end and the file grows, as without preallocation.
import { type FileHandle, open } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDirectory, writeAndSync } from './fs-util.ts';
import { NextSegmentFile } from './next-segment-file.ts';
import { segmentFileName } from './record-format.ts';
import type { SegmentInfo } from './recovery.ts';

export class SegmentWriter {
  private handle: FileHandle | null = null;
  private readonly next: NextSegmentFile | null;

  /** `segments` is the journal's list, shared: the writer appends new segments and keeps the last one's
   *  durable length and sequence up to date, which is what replay reads. */
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

  /** Writes records firstSequence..lastSequence (bytes of `buffer`) and makes them durable. Returns the
   *  fdatasync time in microseconds. */
  async writeBatch(buffer: Buffer, bytes: number, firstSequence: number, lastSequence: number): Promise<number> {
    let active = this.active;
    if (active === undefined || (active.bytes > 0 && active.bytes >= this.segmentBytes)) {
      active = await this.startSegment(firstSequence);
    } else if (this.handle === null) {
      // The segment found at open (possibly empty): positional writes continue at its durable length, over
      // the zeros of its preallocated space if it has any.
      this.handle = await open(active.path, 'r+');
    }
    const fsyncUs = await writeAndSync(this.handle!.fd, buffer, bytes, active.bytes, this.fsync);
    active.bytes += bytes;
    active.lastSequence = lastSequence;
    return fsyncUs;
  }

  private async startSegment(firstSequence: number): Promise<SegmentInfo> {
    // The old segment's data is already durable (every batch is fsynced before the next starts).
    await this.closeHandle();
    const path = join(this.dir, segmentFileName(firstSequence));
    if (this.next !== null) {
      await this.next.installAs(path); // fsyncs the directory: the new name survives a crash
      // The next file is started at once, so the whole life of this segment is its lead time. Starting at half
      // full made roll-overs wait for the zeros when the journal ran at a good part of the disk's bandwidth.
      this.next.prepareInBackground();
      this.handle = await open(path, 'r+');
    } else {
      this.handle = await open(path, 'wx'); // never clobber: a file with this name would mean a bookkeeping bug
      // The new directory entry must survive a crash, or the records in it would vanish with it.
      if (this.fsync) await fsyncDirectory(this.dir);
    }
    const segment: SegmentInfo = { path, firstSequence, lastSequence: firstSequence - 1, bytes: 0 };
    this.segments.push(segment);
    return segment;
  }

  private async closeHandle(): Promise<void> {
    const handle = this.handle;
    this.handle = null;
    if (handle) await handle.close();
  }

  async close(): Promise<void> {
    try {
      await this.closeHandle();
    } finally {
      await this.next?.close();
    }
  }
}
