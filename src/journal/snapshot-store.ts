// Snapshots of the whole state at a sequence number, so that a restart loads the newest one and replays only
// the journal after it. Each write is atomic (temp file, fdatasync, rename, directory fsync): a crash leaves
// either the old set of snapshots or the new one, never a half-written file under a snapshot name. Reading
// verifies a header and CRC and falls back to an older snapshot rather than loading a damaged one.
//
// File: <dir>/<sequence padded to 20 digits>.snap =
//   'EXSNAP1\n' (8 bytes) | u64 LE sequence | u32 LE CRC-32 of body | u64 LE body length | body
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from './crc.ts';
import { fsyncDirectory, isNotFound, writeAll } from './fs-util.ts';

const MAGIC = Buffer.from('EXSNAP1\n', 'latin1');
export const SNAPSHOT_HEADER_BYTES = MAGIC.length + 8 + 4 + 8; // 28
/**
 * Snapshots kept after a write: the newest and two fallbacks in case it turns out to be damaged (and, beside
 * them, the one a lagging reader needs: see keepFor).
 */
export const SNAPSHOTS_KEPT = 3;
const SNAPSHOT_SUFFIX = '.snap';
const TEMP_SUFFIX = '.snap.tmp';
const NAME_PATTERN = /^(\d{20})\.snap$/;
const TWO_POW_32 = 4_294_967_296;

export interface Snapshot {
  sequence: number;
  body: Uint8Array;
}

export class SnapshotStore {
  // Writes run one at a time: pruning and temp-file cleanup assume no other write is half done.
  private writes: Promise<void> = Promise.resolve();
  private keptFor = -1;

  constructor(private readonly dir: string, private readonly log: (message: string) => void = (message) => console.warn(message)) {}

  /**
   * Atomically stores a snapshot of the state after `sequence`, then deletes all but the newest SNAPSHOTS_KEPT.
   * The body may come in parts (written one after the other, read back as one body), so a caller with large
   * arrays need not copy them into one buffer first.
   */
  write(sequence: number, body: Uint8Array | readonly Uint8Array[]): Promise<void> {
    if (!Number.isSafeInteger(sequence) || sequence < 0) return Promise.reject(new RangeError(`snapshot sequence must be a non-negative integer, got ${sequence}`));
    const result = this.writes.then(() => this.writeNow(sequence, body));
    this.writes = result.catch(() => {});
    return result;
  }

  /**
   * From the next write on, pruning also keeps the newest snapshot at or before `sequence`: the offset of a
   * reader that lags (the reporting store, which rebuilds what it lacks by replaying the journal from such a
   * snapshot, reporting/catch-up.ts). Without it, a store more than SNAPSHOTS_KEPT snapshots behind would
   * replay from the journal's start. An offset that is stale (lower) only keeps an older snapshot.
   */
  keepFor(sequence: number): void {
    this.keptFor = sequence;
  }

  /**
   * The newest snapshot at or before `atOrBeforeSequence` whose header and CRC verify, or null. Invalid
   * ones are skipped with a warning. (A consumer that lags, like reporting, needs an older state.)
   */
  async latest(atOrBeforeSequence = Number.MAX_SAFE_INTEGER): Promise<Snapshot | null> {
    for (const { sequence, name } of (await this.list()).reverse()) {
      if (sequence > atOrBeforeSequence) continue;
      const path = join(this.dir, name);
      let file: Buffer;
      try {
        file = await readFile(path);
      } catch (error) {
        if (isNotFound(error)) continue; // pruned by a concurrent write
        throw error;
      }
      const problem = verify(file, sequence);
      if (problem === null) return { sequence, body: file.subarray(SNAPSHOT_HEADER_BYTES) };
      this.log(`snapshot store: skipping invalid snapshot ${path}: ${problem}`);
    }
    return null;
  }

  private async writeNow(sequence: number, body: Uint8Array | readonly Uint8Array[]): Promise<void> {
    const parts = body instanceof Uint8Array ? [body] : body;
    await mkdir(this.dir, { recursive: true });
    await this.removeTempFiles();
    const name = `${padSequence(sequence)}${SNAPSHOT_SUFFIX}`;
    const tempPath = join(this.dir, `${padSequence(sequence)}${TEMP_SUFFIX}`);
    const header = Buffer.alloc(SNAPSHOT_HEADER_BYTES);
    MAGIC.copy(header, 0);
    writeU64(header, 8, sequence);
    let crc = 0;
    let bodyBytes = 0;
    for (const part of parts) {
      crc = crc32(part, crc);
      bodyBytes += part.byteLength;
    }
    header.writeUInt32LE(crc, 16);
    writeU64(header, 20, bodyBytes);
    const handle = await open(tempPath, 'w');
    try {
      await writeAll(handle, header, header.length, 0);
      let position = header.length;
      for (const part of parts) {
        await writeAll(handle, part, part.byteLength, position);
        position += part.byteLength;
      }
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await rename(tempPath, join(this.dir, name));
    await fsyncDirectory(this.dir);
    await this.prune();
  }

  private async list(): Promise<{ sequence: number; name: string }[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if (isNotFound(error)) return [];
      throw error;
    }
    const snapshots: { sequence: number; name: string }[] = [];
    for (const name of names) {
      const match = NAME_PATTERN.exec(name);
      if (match) snapshots.push({ sequence: Number(match[1]), name });
    }
    return snapshots.sort((a, b) => a.sequence - b.sequence);
  }

  private async prune(): Promise<void> {
    const snapshots = await this.list();
    let keptForIndex = -1;
    for (let i = 0; i < snapshots.length && snapshots[i].sequence <= this.keptFor; i++) keptForIndex = i;
    const doomed = snapshots.slice(0, Math.max(0, snapshots.length - SNAPSHOTS_KEPT)).filter((_, i) => i !== keptForIndex);
    for (const { name } of doomed) await unlinkIfPresent(join(this.dir, name));
    if (doomed.length > 0) await fsyncDirectory(this.dir);
  }

  /** Leftovers of writes interrupted by a crash; never valid, so never worth keeping. */
  private async removeTempFiles(): Promise<void> {
    for (const name of await readdir(this.dir)) {
      if (name.endsWith(TEMP_SUFFIX)) await unlinkIfPresent(join(this.dir, name));
    }
  }
}

/** Why a snapshot file is invalid, or null if it verifies. */
function verify(file: Buffer, sequenceInName: number): string | null {
  if (file.length < SNAPSHOT_HEADER_BYTES) return `file of ${file.length} bytes is shorter than the ${SNAPSHOT_HEADER_BYTES}-byte header`;
  if (!file.subarray(0, MAGIC.length).equals(MAGIC)) return 'bad magic';
  const sequence = readU64(file, 8);
  if (sequence !== sequenceInName) return `header sequence ${sequence} does not match the file name`;
  const bodyBytes = readU64(file, 20);
  if (bodyBytes !== file.length - SNAPSHOT_HEADER_BYTES) return `header says ${bodyBytes} body bytes, file has ${file.length - SNAPSHOT_HEADER_BYTES}`;
  if (crc32(file.subarray(SNAPSHOT_HEADER_BYTES)) !== file.readUInt32LE(16)) return 'CRC mismatch';
  return null;
}

function padSequence(sequence: number): string {
  return String(sequence).padStart(20, '0');
}

function writeU64(target: Buffer, offset: number, value: number): void {
  target.writeUInt32LE(value >>> 0, offset);
  target.writeUInt32LE(Math.floor(value / TWO_POW_32), offset + 4);
}

function readU64(source: Buffer, offset: number): number {
  return source.readUInt32LE(offset + 4) * TWO_POW_32 + source.readUInt32LE(offset);
}

async function unlinkIfPresent(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}
