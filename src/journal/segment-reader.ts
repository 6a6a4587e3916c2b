// Reads one segment file front to back, a chunk at a time, so that replaying a multi-gigabyte journal needs
// memory for one chunk, not for the journal. It checks every record (length, CRC, contiguous sequence) and
// stops at the first bad one, describing it; whether that is a torn tail or corruption is the caller's call,
// because only the caller knows whether this is the last segment.
//
// Zeros at the end of a file are not records: a preallocated segment is zero blocks past its last batch, and
// a crash can leave zeros where the file grew but the data never landed. Every record holds a non-zero byte
// (its sequence: they start at 1), so none lies wholly in such a run. The scan first finds where the zeros
// that run to the end of the file start, and a record boundary at or past that point is the end of the data:
// no problem, nothing to cut. Zeros anywhere else are judged like any other bad bytes.
import { type FileHandle, open } from 'node:fs/promises';
import { isAllZero } from './fs-util.ts';
import { MAX_PAYLOAD_BYTES, RECORD_HEADER_BYTES, readSequence, recordCrcMatches } from './record-format.ts';

const CHUNK_BYTES = 1 << 20;
const FIRST_TAIL_READ_BYTES = 4096;

export type SegmentProblemKind = 'incomplete-header' | 'incomplete-payload' | 'length-too-large' | 'crc-mismatch' | 'sequence-mismatch';

export interface SegmentProblem {
  kind: SegmentProblemKind;
  /** Where the bad record starts: everything before it is intact. */
  offsetBytes: number;
  /** The sequence the bad record should have had. */
  expectedSequence: number;
  /** The sequence in its header; NaN when the header is incomplete or holds no safe integer. */
  foundSequence: number;
  /** The payload length in its header; -1 when the header is incomplete. */
  payloadBytes: number;
  /** Where the record would end by its header (the end of the data when the header is incomplete). */
  claimedEndBytes: number;
}

export interface SegmentScan {
  records: number;
  /** The last intact record's sequence; firstSequence - 1 when there is none. */
  lastSequence: number;
  /** Bytes of intact records from the start of the file. */
  validBytes: number;
  /** The length that was scanned (the file size unless a limit was given). */
  endBytes: number;
  /** Where the zero bytes that run to endBytes begin (endBytes when the data ends in a non-zero byte). A scan
   *  that reaches it ends there without a problem; validBytes may pass it when the last payload ends in zeros. */
  zeroTailFromBytes: number;
  problem: SegmentProblem | null;
  /** onRecord asked to stop; validBytes is then where it stopped, not the end of the intact data. */
  stopped: boolean;
}

export interface ScanOptions {
  path: string;
  /** The sequence the first record must carry (the one in the file name). */
  firstSequence: number;
  /** Scan only this many bytes (e.g. the durable length of the segment being written); default: the file size. */
  endBytes?: number;
  /** Where the zero-filled end of the scanned range starts, if the caller already knows (see measureSegment);
   *  default: found by reading backwards from endBytes. */
  zeroTailFromBytes?: number;
  /** Called for each intact record with sequence > afterSequence, with the file offset just past it. The payload
   *  is a view into a read buffer that is never reused, so it stays valid after the callback (and keeps that
   *  chunk alive while it is referenced). Returning false stops the scan after this record; returning a
   *  promise holds the scan until it settles (a reader that writes what it read somewhere slower). */
  onRecord?: (sequence: number, payload: Uint8Array, endOffsetBytes: number) => boolean | void | Promise<boolean | void>;
  afterSequence?: number;
}

/** A read window over a file that only moves forward. Each refill gets a fresh buffer so earlier views stay valid. */
class ForwardReader {
  buffer: Buffer = Buffer.alloc(0);
  private startBytes = 0; // file offset of buffer[0]
  private filledBytes = 0;

  constructor(private readonly handle: FileHandle, private readonly endBytes: number, private readonly path: string) {}

  /** The index of file byte `offset` in `buffer` if bytes [offset, offset + length) are loaded, else -1. The
   *  common case stays synchronous: an await per record would cost more than parsing it. */
  indexOf(offset: number, length: number): number {
    return offset >= this.startBytes && offset + length <= this.startBytes + this.filledBytes ? offset - this.startBytes : -1;
  }

  /** Loads file bytes [offset, offset + length) and returns the index of `offset` in `buffer`. */
  async load(offset: number, length: number): Promise<number> {
    const loadedEnd = this.startBytes + this.filledBytes;
    const next = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, length));
    let filled = 0;
    if (offset >= this.startBytes && offset < loadedEnd) {
      filled = this.buffer.copy(next, 0, offset - this.startBytes, this.filledBytes);
    }
    while (filled < length) {
      const want = Math.min(next.length - filled, this.endBytes - (offset + filled));
      const { bytesRead } = want > 0 ? await this.handle.read(next, filled, want, offset + filled) : { bytesRead: 0 };
      if (bytesRead === 0) throw new Error(`journal segment ${this.path} shrank while being read (at byte ${offset + filled})`);
      filled += bytesRead;
    }
    this.buffer = next;
    this.startBytes = offset;
    this.filledBytes = filled;
    return 0;
  }
}

export async function scanSegment(options: ScanOptions): Promise<SegmentScan> {
  const handle = await open(options.path, 'r');
  try {
    const endBytes = options.endBytes ?? (await handle.stat()).size;
    const zeroTailFromBytes = options.zeroTailFromBytes ?? (await findZeroTailStart(handle, endBytes, options.path));
    const afterSequence = options.afterSequence ?? 0;
    const reader = new ForwardReader(handle, endBytes, options.path);
    let offset = 0;
    let expected = options.firstSequence;
    let records = 0;
    const stop = (kind: SegmentProblemKind, foundSequence: number, payloadBytes: number, claimedEndBytes: number): SegmentScan => ({
      records, lastSequence: expected - 1, validBytes: offset, endBytes, zeroTailFromBytes, stopped: false,
      problem: { kind, offsetBytes: offset, expectedSequence: expected, foundSequence, payloadBytes, claimedEndBytes },
    });
    // Past zeroTailFromBytes there are only zeros, which no record is: the end of the data.
    while (offset < endBytes && offset < zeroTailFromBytes) {
      if (endBytes - offset < RECORD_HEADER_BYTES) return stop('incomplete-header', Number.NaN, -1, endBytes);
      let at = reader.indexOf(offset, RECORD_HEADER_BYTES);
      if (at < 0) at = await reader.load(offset, RECORD_HEADER_BYTES);
      const payloadBytes = reader.buffer.readUInt32LE(at);
      const found = readSequence(reader.buffer, at);
      const recordEnd = offset + RECORD_HEADER_BYTES + payloadBytes;
      if (payloadBytes > MAX_PAYLOAD_BYTES) return stop('length-too-large', found, payloadBytes, recordEnd);
      if (recordEnd > endBytes) return stop('incomplete-payload', found, payloadBytes, recordEnd);
      at = reader.indexOf(offset, RECORD_HEADER_BYTES + payloadBytes);
      if (at < 0) at = await reader.load(offset, RECORD_HEADER_BYTES + payloadBytes);
      if (!recordCrcMatches(reader.buffer, at, payloadBytes)) return stop('crc-mismatch', found, payloadBytes, recordEnd);
      if (found !== expected) return stop('sequence-mismatch', found, payloadBytes, recordEnd);
      let wanted = options.onRecord && found > afterSequence
        ? options.onRecord(found, reader.buffer.subarray(at + RECORD_HEADER_BYTES, at + RECORD_HEADER_BYTES + payloadBytes), recordEnd)
        : true;
      if (wanted instanceof Promise) wanted = await wanted;
      records++;
      expected++;
      offset = recordEnd;
      if (wanted === false) return { records, lastSequence: expected - 1, validBytes: offset, endBytes, zeroTailFromBytes, problem: null, stopped: true };
    }
    return { records, lastSequence: expected - 1, validBytes: offset, endBytes, zeroTailFromBytes, problem: null, stopped: false };
  } finally {
    await handle.close();
  }
}

/** The file size and where the zeros that run to its end begin: the end of the data, give or take the zero
 *  bytes the last record's payload may end with. */
export async function measureSegment(path: string): Promise<{ fileBytes: number; zeroTailFromBytes: number }> {
  const handle = await open(path, 'r');
  try {
    const fileBytes = (await handle.stat()).size;
    return { fileBytes, zeroTailFromBytes: await findZeroTailStart(handle, fileBytes, path) };
  } finally {
    await handle.close();
  }
}

/** Where the run of zero bytes that ends at endBytes begins (endBytes if the byte before it is not zero),
 *  reading backwards. The first read is small, because a full segment ends in data; reads then double up to
 *  CHUNK_BYTES, so a preallocated segment's zeros are read once, at open, in 1 MiB chunks. */
async function findZeroTailStart(handle: FileHandle, endBytes: number, path: string): Promise<number> {
  const chunk = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, Math.max(1, endBytes)));
  let readBytes = Math.min(chunk.length, FIRST_TAIL_READ_BYTES);
  for (let end = endBytes; end > 0; readBytes = Math.min(chunk.length, readBytes * 2)) {
    const start = Math.max(0, end - readBytes);
    for (let filled = 0; filled < end - start;) {
      const { bytesRead } = await handle.read(chunk, filled, end - start - filled, start + filled);
      if (bytesRead === 0) throw new Error(`journal segment ${path} shrank while being read (at byte ${start + filled})`);
      filled += bytesRead;
    }
    const view = chunk.subarray(0, end - start);
    if (!isAllZero(view)) {
      let last = view.length - 1;
      while (view[last] === 0) last--;
      return start + last + 1;
    }
    end = start;
  }
  return 0;
}

/**
 * Where in bytes [fromBytes, toBytes) of the file an intact record with `sequence` starts, or null. Used on a
 * bad record that claims to run past the end of the data (the end of the file, or the zeros that run to it):
 * if an intact successor follows, the length was damaged (durable data lies beyond it), which is corruption,
 * not a torn write. The range is at most one maximum-size record, so it is read whole.
 */
export async function findIntactRecord(path: string, fromBytes: number, toBytes: number, sequence: number): Promise<number | null> {
  const handle = await open(path, 'r');
  try {
    const bytes = Math.max(0, toBytes - fromBytes);
    const buffer = Buffer.allocUnsafe(bytes);
    let filled = 0;
    while (filled < bytes) {
      const { bytesRead } = await handle.read(buffer, filled, bytes - filled, fromBytes + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    for (let at = 0; at + RECORD_HEADER_BYTES <= filled; at++) {
      if (readSequence(buffer, at) !== sequence) continue;
      const payloadBytes = buffer.readUInt32LE(at);
      if (at + RECORD_HEADER_BYTES + payloadBytes <= filled && recordCrcMatches(buffer, at, payloadBytes)) return fromBytes + at;
    }
    return null;
  } finally {
    await handle.close();
  }
}

/** A one-line description of a problem for error messages and warnings. */
export function describeProblem(problem: SegmentProblem, endBytes: number): string {
  const record = `(record ${problem.expectedSequence})`;
  switch (problem.kind) {
    case 'incomplete-header':
      return `incomplete record header, ${endBytes - problem.offsetBytes} of ${RECORD_HEADER_BYTES} bytes ${record}`;
    case 'incomplete-payload':
      return `record of ${problem.payloadBytes} payload bytes runs past the end of the file at byte ${endBytes} ${record}`;
    case 'length-too-large':
      return `record length ${problem.payloadBytes} exceeds the maximum ${MAX_PAYLOAD_BYTES} ${record}`;
    case 'crc-mismatch':
      return `CRC mismatch ${record}`;
    case 'sequence-mismatch':
      return Number.isNaN(problem.foundSequence) || problem.foundSequence > problem.expectedSequence
        ? `sequence gap: found ${problem.foundSequence}, expected ${problem.expectedSequence}`
        : `repeated sequence: found ${problem.foundSequence}, expected ${problem.expectedSequence}`;
  }
}
