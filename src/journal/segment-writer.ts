// Owns the segment being written: puts each batch into it with one write and one fdatasync, and starts a new
// segment at a batch boundary once the current one has passed its size. Batches are whole records, so a
// segment always starts with the record its name announces.
import { type FileHandle, open } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDirectory, writeAll } from './fs-util.ts';
import { segmentFileName } from './record-format.ts';
import type { SegmentInfo } from './recovery.ts';

export class SegmentWriter {
  private handle: FileHandle | null = null;

  /** `segments` is the journal's list, shared: the writer appends new segments and keeps the last one's
   *  durable length and sequence up to date, which is what replay reads. */
  constructor(
    private readonly dir: string,
    private readonly segments: SegmentInfo[],
    private readonly segmentBytes: number,
    private readonly fsync: boolean,
  ) {}

  private get active(): SegmentInfo | undefined {
    return this.segments[this.segments.length - 1];
  }

  /** Writes records firstSequence..lastSequence (bytes of `buffer`) and makes them durable. Returns the
   *  fdatasync time in microseconds. */
  async writeBatch(buffer: Buffer, bytes: number, firstSequence: number, lastSequence: number): Promise<number> {
    let active = this.active;
    if (active === undefined || (active.bytes > 0 && active.bytes >= this.segmentBytes)) {
      active = await this.startSegment(firstSequence);
    } else if (this.handle === null) {
      // The segment found at open (possibly empty): positional writes continue at its durable length.
      this.handle = await open(active.path, 'r+');
    }
    await writeAll(this.handle!, buffer, bytes, active.bytes);
    const startMs = performance.now();
    if (this.fsync) await this.handle!.datasync();
    const fsyncUs = Math.round((performance.now() - startMs) * 1000);
    active.bytes += bytes;
    active.lastSequence = lastSequence;
    return fsyncUs;
  }

  private async startSegment(firstSequence: number): Promise<SegmentInfo> {
    // The old segment's data is already durable (every batch is fsynced before the next starts).
    await this.closeHandle();
    const path = join(this.dir, segmentFileName(firstSequence));
    this.handle = await open(path, 'wx'); // never clobber: a file with this name would mean a bookkeeping bug
    // The new directory entry must survive a crash, or the records in it would vanish with it.
    if (this.fsync) await fsyncDirectory(this.dir);
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
    await this.closeHandle();
  }
}
