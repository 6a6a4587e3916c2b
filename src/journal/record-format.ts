// On-disk layout of journal records and segment file names.
//
// Record = 16-byte header + payload:
//   [u32 LE payload length][u32 LE CRC-32 of (8 sequence bytes + payload)][u64 LE sequence][payload]
// The sequence bytes sit right before the payload, so one CRC covers both and a record copied to the wrong
// place (or a sequence rewritten) fails the check.
import { ByteCopier } from '../codec/binary.ts';
import { crc32, crc32Of } from './crc.ts';

export const RECORD_HEADER_BYTES = 16;
export const SEGMENT_SUFFIX = '.seg';
/** Largest payload a record may carry. Commands are far smaller; the bound lets recovery tell a plausible
 *  record length from garbage, and append() enforces it so that everything written can be read back. */
export const MAX_PAYLOAD_BYTES = 16 * 1024 * 1024;
const SEQUENCE_DIGITS = 20;
const TWO_POW_32 = 4_294_967_296;
/** Sequences are JS numbers, so they must stay below 2^53; the high word of the u64 is at most this. */
const MAX_SAFE_HIGH_WORD = 0x1f_ffff;

/** `<firstSequence padded to 20 digits>.seg`: lexical order equals numeric order. */
export function segmentFileName(firstSequence: number): string {
  return `${String(firstSequence).padStart(SEQUENCE_DIGITS, '0')}${SEGMENT_SUFFIX}`;
}

/** The first sequence a segment file name announces, or null if the name is not a segment name. */
export function parseSegmentFileName(name: string): number | null {
  if (!name.endsWith(SEGMENT_SUFFIX)) return null;
  const digits = name.slice(0, -SEGMENT_SUFFIX.length);
  if (digits.length !== SEQUENCE_DIGITS || !/^\d+$/.test(digits)) return null;
  const value = Number(digits);
  return Number.isSafeInteger(value) ? value : null;
}

export function recordBytes(payloadBytes: number): number {
  return RECORD_HEADER_BYTES + payloadBytes;
}

// The command's bytes into the journal's ring (on the engine thread: the same encoder buffer, the same ring).
const payloadCopier = new ByteCopier();

/**
 * Writes one record at `offset` of `target` (which must have room) and returns the offset after it. The
 * payload is the first `payloadBytes` of `payload` (all of it by default): the sequencer encodes every
 * command into one reused buffer, and taking a length instead of a view of it allocates nothing.
 */
export function writeRecord(target: Buffer, offset: number, sequence: number, payload: Uint8Array, payloadBytes = payload.byteLength): number {
  const end = writeUnsealedRecord(target, offset, sequence, payload, payloadBytes);
  sealRecord(target, offset, payloadBytes);
  return end;
}

/**
 * A record without its CRC: length, sequence and payload at `offset`; returns the offset after it. The engine
 * thread writes records this way into the journal's ring, and the writer thread seals them (sealRecord) as
 * it copies them into its batch, so the CRC costs the engine thread nothing.
 */
export function writeUnsealedRecord(target: Buffer, offset: number, sequence: number, payload: Uint8Array, payloadBytes: number): number {
  const low = sequence >>> 0; // ToUint32 is sequence mod 2^32, exact for every safe integer
  const high = Math.floor(sequence / TWO_POW_32);
  target.writeUInt32LE(payloadBytes, offset);
  target.writeUInt32LE(low, offset + 8);
  target.writeUInt32LE(high, offset + 12);
  payloadCopier.copy(payload, 0, payloadBytes, target, offset + RECORD_HEADER_BYTES);
  return offset + RECORD_HEADER_BYTES + payloadBytes;
}

/** Writes the CRC of the record at `offset`, which covers its sequence bytes and payload, side by side. */
export function sealRecord(target: Buffer, offset: number, payloadBytes: number): void {
  target.writeUInt32LE(crc32Of(target, offset + 8, offset + RECORD_HEADER_BYTES + payloadBytes), offset + 4);
}

/** One encoded record in a fresh buffer (tools and tests; the writer encodes in place). */
export function encodeRecord(sequence: number, payload: Uint8Array): Buffer {
  const buffer = Buffer.allocUnsafe(recordBytes(payload.byteLength));
  writeRecord(buffer, 0, sequence, payload);
  return buffer;
}

/** The sequence stored in the header at `offset`; NaN if it is beyond 2^53 (only garbage can be). */
export function readSequence(source: Buffer, offset: number): number {
  const low = source.readUInt32LE(offset + 8);
  const high = source.readUInt32LE(offset + 12);
  return high > MAX_SAFE_HIGH_WORD ? Number.NaN : high * TWO_POW_32 + low;
}

/** Whether the CRC stored in the header at `offset` matches the sequence bytes and `payloadBytes` of payload. */
export function recordCrcMatches(source: Buffer, offset: number, payloadBytes: number): boolean {
  const stored = source.readUInt32LE(offset + 4);
  return crc32(source.subarray(offset + 8, offset + RECORD_HEADER_BYTES + payloadBytes)) === stored;
}
