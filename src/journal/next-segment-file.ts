// Prepares the next segment file off the hot path: exactly segmentBytes of real zero blocks (written, not a
// sparse ftruncate, so the blocks are allocated), fsynced in the background under a name recovery ignores,
// and moved into place when the writer rolls over. Batches then overwrite allocated blocks inside the file
// instead of extending it, so their fdatasync flushes data only and no longer has to commit the file size and
// block allocation through the file-system journal, which is what makes fdatasync slower on an appending file.
import { link, open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDirectory, isNotFound, writeAll, ZEROS } from './fs-util.ts';

/** Recovery and readers list only `*.seg` names, so a half-prepared file under this name is never scanned. */
export const NEXT_SEGMENT_TEMP_NAME = 'next.seg.tmp';

const FLUSH_EVERY_BYTES = 8 * ZEROS.length;

export class NextSegmentFile {
  // Resolves true once the temp file is complete; false if preparing it failed or was abandoned at close.
  private preparing: Promise<boolean> | null = null;
  private prepared = false;
  private closing = false;
  private readonly tempPath: string;

  constructor(private readonly dir: string, private readonly segmentBytes: number, private readonly fsync: boolean) {
    this.tempPath = join(dir, NEXT_SEGMENT_TEMP_NAME);
  }

  /** Deletes what a crash left under the temp name. It may be short, and after a crash some file systems can
   *  show stale blocks in space that was never fsynced, so it is never reused. */
  async removeLeftover(): Promise<void> {
    if ((await unlinkIfPresent(this.tempPath)) && this.fsync) await fsyncDirectory(this.dir);
  }

  /** Starts writing the file in the background, unless one is already prepared or being prepared. */
  prepareInBackground(): void {
    // A failure here is not reported: installAs tries again in the foreground, and that failure fails the batch.
    if (this.preparing !== null) return;
    this.prepared = false;
    this.preparing = this.prepare().then(() => true, () => false).finally(() => (this.prepared = true));
  }

  /** A background preparation is under way (its callbacks need the event loop to run). */
  get inProgress(): boolean {
    return this.preparing !== null && !this.prepared;
  }

  /** Moves the prepared file to `path`, first waiting for it (or preparing it now, if the background attempt
   *  failed or never started). Never replaces an existing file. */
  async installAs(path: string): Promise<void> {
    const ready = this.preparing !== null && (await this.preparing);
    this.preparing = null;
    if (!ready) await this.prepare();
    // link + unlink rather than rename: link refuses to replace an existing file, and a file already under the
    // new name would mean a bookkeeping bug (rename would silently clobber it). A crash between the two leaves
    // both names; open removes the temp one.
    await link(this.tempPath, path);
    await unlink(this.tempPath);
    // One directory fsync makes the new name (and the temp name's removal) durable before any batch lands in
    // the file; the temp name itself never needed to be durable, since nothing depends on it before this.
    if (this.fsync) await fsyncDirectory(this.dir);
  }

  /** Abandons a preparation in progress (at the next chunk) and removes the temp file. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.preparing) await this.preparing;
    this.preparing = null;
    await unlinkIfPresent(this.tempPath); // no fsync: a leftover is removed at the next open anyway
  }

  private async prepare(): Promise<void> {
    const handle = await open(this.tempPath, 'w'); // truncates whatever an earlier failed attempt left
    try {
      // One chunk at a time, so preparing never holds more than one thread-pool thread (the batches need them),
      // flushed every few MiB, so that a batch's fdatasync never queues behind the whole file's writeback.
      for (let offset = 0; offset < this.segmentBytes; offset += ZEROS.length) {
        if (this.closing) throw new Error('journal closed while preparing the next segment');
        await writeAll(handle, ZEROS, Math.min(ZEROS.length, this.segmentBytes - offset), offset);
        if (this.fsync && (offset + ZEROS.length) % FLUSH_EVERY_BYTES === 0) await handle.datasync();
      }
      // fsync, not fdatasync: the size and block allocation are exactly the metadata to settle now, off the hot path.
      if (this.fsync) await handle.sync();
    } finally {
      await handle.close();
    }
  }
}

async function unlinkIfPresent(path: string): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}
