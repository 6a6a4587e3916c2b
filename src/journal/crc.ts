// CRC-32 (IEEE 802.3, the zlib/gzip polynomial) for journal records and snapshots. Node 20.15+ ships a native
// zlib.crc32; older runtimes get a table-driven fallback with the same signature and results, so files
// written by either are interchangeable.
import * as zlib from 'node:zlib';

export type Crc32 = (data: Uint8Array, previous?: number) => number;

const CRC_TABLE = buildTable();

function buildTable(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

/** Table-driven CRC-32; `previous` continues a running checksum, as zlib.crc32 does. */
export function crc32Fallback(data: Uint8Array, previous = 0): number {
  return tableCrc32(data, 0, data.length, previous);
}

/** The table loop over data[start, end), continuing from `previous`. */
function tableCrc32(data: Uint8Array, start: number, end: number, previous: number): number {
  let c = (previous ^ 0xffffffff) >>> 0;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// Looked up through the namespace so this module still loads where the export is missing.
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/**
 * CRC-32 of `data`, continuing from `previous` (the CRC of the bytes before it) when given. No bytes leave
 * the CRC as it was: zlib.crc32 returns 0 for an array over an empty ArrayBuffer (zlib's crc32(crc, NULL, 0)
 * is its "start over" call), which once zeroed a snapshot's CRC after an empty column.
 */
export const crc32: Crc32 = typeof nativeCrc32 === 'function'
  ? (data, previous = 0) => (data.byteLength === 0 ? previous >>> 0 : nativeCrc32(data, previous))
  : crc32Fallback;
export const CRC32_IS_NATIVE = typeof nativeCrc32 === 'function';

/** Above this many bytes crc32Of hands a view of the range to crc32 (native); below, a table loop costs less than the view. */
const RANGE_LOOP_MAX_BYTES = 512;

/**
 * CRC-32 of data[start, end), continuing from `previous`. Small ranges (a journal record's few dozen bytes)
 * take the table loop, which needs no subarray view: that view was an allocation per journaled command.
 */
export function crc32Of(data: Uint8Array, start: number, end: number, previous = 0): number {
  return end - start > RANGE_LOOP_MAX_BYTES ? crc32(data.subarray(start, end), previous) : tableCrc32(data, start, end, previous);
}
