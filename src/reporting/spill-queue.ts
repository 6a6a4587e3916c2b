// The reporting consumer's queue of encoded batches, bounded in memory: past `maxMemoryBytes` new batches
// go to a spill file instead (and so do all after them, to keep the order), and come back, oldest first,
// once the batches in memory have been written. The store can then lag by millions of commands during a
// long burst without the process growing by gigabytes.
//
// The file is only a cache: it is not fsynced and is emptied at every start, because after a crash the
// node replays everything past the store's own offset anyway. Writes and reads are synchronous: they go
// to and from the page cache, a batch (a few hundred KiB) at a time.
import { closeSync, openSync, readSync, rmSync, writeSync } from 'node:fs';

export interface EncodedBatch {
  /** Commands in the batch. */
  count: number;
  lastSequence: number;
  encoded: ArrayBuffer;
}

/** u32 byte length, u32 count, f64 last sequence; then the batch's bytes. */
const RECORD_HEADER_BYTES = 16;

export class SpillQueue {
  private readonly memory: EncodedBatch[] = [];
  private memoryBytes = 0;
  private fd: number | null = null;
  /** Where the next spilled batch is written, and where the next one to read back starts. */
  private writeOffset = 0;
  private readOffset = 0;
  private spilledBatches = 0;
  private readonly header = new DataView(new ArrayBuffer(RECORD_HEADER_BYTES));

  constructor(
    private readonly path: string,
    private readonly maxMemoryBytes: number,
    private readonly log: (message: string) => void = () => {},
  ) {
    // A file left by a crash holds nothing the replay will not release again.
    rmSync(path, { force: true });
  }

  /** Batches queued, in memory and spilled. */
  get length(): number {
    return this.memory.length + this.spilledBatches;
  }

  /** Batches waiting in the spill file. */
  get spilled(): number {
    return this.spilledBatches;
  }

  get bytesInMemory(): number {
    return this.memoryBytes;
  }

  push(batch: EncodedBatch): void {
    // Once something is spilled, everything after it is too, until it has all been read back.
    if (this.spilledBatches === 0 && this.memoryBytes + batch.encoded.byteLength <= this.maxMemoryBytes) {
      this.memory.push(batch);
      this.memoryBytes += batch.encoded.byteLength;
      return;
    }
    if (this.fd === null) {
      this.fd = openSync(this.path, 'w+');
      this.log(`reporting: the backlog passed ${this.maxMemoryBytes} bytes in memory; spilling batches to ${this.path}`);
    }
    const header = this.header;
    header.setUint32(0, batch.encoded.byteLength, true);
    header.setUint32(4, batch.count, true);
    header.setFloat64(8, batch.lastSequence, true);
    this.writeFully(new Uint8Array(header.buffer), this.writeOffset);
    this.writeFully(new Uint8Array(batch.encoded), this.writeOffset + RECORD_HEADER_BYTES);
    this.writeOffset += RECORD_HEADER_BYTES + batch.encoded.byteLength;
    this.spilledBatches++;
  }

  /** The oldest `n` batches (fewer if fewer are queued), without removing them. */
  first(n: number): EncodedBatch[] {
    while (this.memory.length < n && this.spilledBatches > 0) this.readBack();
    return this.memory.slice(0, n);
  }

  /** Removes the oldest `n` batches (after they were written). */
  drop(n: number): void {
    for (const batch of this.memory.splice(0, n)) this.memoryBytes -= batch.encoded.byteLength;
  }

  /** Closes and removes the spill file. */
  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    rmSync(this.path, { force: true });
  }

  private readBack(): void {
    const header = this.header;
    this.readFully(new Uint8Array(header.buffer), this.readOffset);
    const byteLength = header.getUint32(0, true);
    const count = header.getUint32(4, true);
    const lastSequence = header.getFloat64(8, true);
    const encoded = new ArrayBuffer(byteLength);
    this.readFully(new Uint8Array(encoded), this.readOffset + RECORD_HEADER_BYTES);
    this.readOffset += RECORD_HEADER_BYTES + byteLength;
    this.spilledBatches--;
    this.memory.push({ count, lastSequence, encoded });
    this.memoryBytes += byteLength;
    if (this.spilledBatches === 0) {
      // All read back: start the file over, so it never grows past one burst's backlog.
      this.close();
      this.writeOffset = 0;
      this.readOffset = 0;
      this.log('reporting: the spilled backlog is back in memory');
    }
  }

  private writeFully(bytes: Uint8Array, position: number): void {
    for (let done = 0; done < bytes.length;) done += writeSync(this.fd!, bytes, done, bytes.length - done, position + done);
  }

  private readFully(bytes: Uint8Array, position: number): void {
    for (let done = 0; done < bytes.length;) {
      const read = readSync(this.fd!, bytes, done, bytes.length - done, position + done);
      if (read === 0) throw new Error(`reporting spill file ${this.path} ends early at ${position + done}`);
      done += read;
    }
  }
}
