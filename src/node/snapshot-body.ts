// The bytes of a snapshot body: JSON for the small, irregular parts of the state, and the typed arrays in it
// (the order and execution history's columns, which grow with every command) as raw little-endian bytes
// after the JSON. As one JSON document, a snapshot at 1M commands took 670 ms of the engine thread (building
// 1M order objects, stringifying and UTF-8 encoding 43 MiB); the columns as bytes are a copy.
//
// Body = 'EXSB2\n\0\0' (8 bytes) | u32 LE JSON byte length | JSON | zero padding to a multiple of 8 | arrays,
// each starting at a multiple of 8 from the start of the arrays. In the JSON, each typed array is replaced by
// {"$typed": <constructor name>, "at": <byte offset in the arrays>, "length": <elements>}; an ArrayChain (a
// column kept in pages) is written as one such array, its parts back to back.
// A body that starts with '{' is the older all-JSON format, still read.
import { ArrayChain, type ChainedArray as TypedArray } from '../codec/index.ts';

const MAGIC = new TextEncoder().encode('EXSB2\n\0\0');
// Typed arrays are stored as the host lays them out; the format says little-endian, so refuse to run elsewhere
// rather than write files another machine would misread.
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const ALIGN = 8;
const TYPED = '$typed';

const CONSTRUCTORS = { Uint8Array, Uint32Array, Int32Array, Float64Array } as const;
type TypedName = keyof typeof CONSTRUCTORS;

/** Where a typed array went: a placeholder in the JSON. */
interface TypedRef {
  [TYPED]: TypedName;
  at: number;
  length: number;
}

const padTo = (n: number): number => Math.ceil(n / ALIGN) * ALIGN;

function typedName(value: unknown): TypedName | null {
  if (!ArrayBuffer.isView(value)) return null;
  const name = value.constructor.name;
  if (!(name in CONSTRUCTORS)) throw new TypeError(`snapshot body: cannot store a ${name}`);
  return name as TypedName;
}

/**
 * The body as parts to write one after the other (the arrays are not copied again: the caller's dump owns
 * them, and must not change them until the write is done).
 */
export function encodeSnapshotBody(value: unknown): Uint8Array[] {
  if (!LITTLE_ENDIAN) throw new Error('snapshot body: typed arrays are written as the host lays them out, and this host is big-endian');
  const arrays: Uint8Array[] = [];
  let arrayBytes = 0;
  const json = JSON.stringify(value, (_key, v: unknown) => {
    // A chain's parts go back to back, as one array: their element type is the same, so no padding between.
    const chain = v instanceof ArrayChain ? v : null;
    const name = chain !== null ? (chain.type.name as TypedName) : typedName(v);
    if (name === null) return v;
    const parts = chain !== null ? chain.parts : [v as TypedArray];
    const ref: TypedRef = { [TYPED]: name, at: arrayBytes, length: chain !== null ? chain.length : (v as TypedArray).length };
    let bytesWritten = 0;
    for (const typed of parts) {
      const bytes = new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
      arrays.push(bytes);
      bytesWritten += bytes.byteLength;
    }
    const padding = padTo(bytesWritten) - bytesWritten;
    if (padding > 0) arrays.push(new Uint8Array(padding));
    arrayBytes += bytesWritten + padding;
    return ref;
  });
  const jsonBytes = new TextEncoder().encode(json);
  const headBytes = padTo(MAGIC.length + 4 + jsonBytes.length);
  const head = new Uint8Array(headBytes);
  head.set(MAGIC, 0);
  new DataView(head.buffer).setUint32(MAGIC.length, jsonBytes.length, true);
  head.set(jsonBytes, MAGIC.length + 4);
  return [head, ...arrays];
}

/** Reads a body written by encodeSnapshotBody (or the older all-JSON one). Typed arrays are copies. */
export function decodeSnapshotBody(body: Uint8Array): unknown {
  if (body.length > 0 && body[0] === 0x7b) return JSON.parse(new TextDecoder().decode(body));
  if (!LITTLE_ENDIAN) throw new Error('snapshot body: typed arrays are read as the host lays them out, and this host is big-endian');
  if (body.length < MAGIC.length + 4 || MAGIC.some((byte, i) => body[i] !== byte)) throw new Error('snapshot body: unknown format');
  const jsonLength = new DataView(body.buffer, body.byteOffset, body.byteLength).getUint32(MAGIC.length, true);
  const jsonEnd = MAGIC.length + 4 + jsonLength;
  if (jsonEnd > body.length) throw new Error(`snapshot body: ${jsonLength} bytes of JSON do not fit in ${body.length}`);
  const arraysStart = padTo(jsonEnd);
  return JSON.parse(new TextDecoder().decode(body.subarray(MAGIC.length + 4, jsonEnd)), (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || !(TYPED in v)) return v;
    const ref = v as TypedRef;
    const Constructor = CONSTRUCTORS[ref[TYPED]];
    if (Constructor === undefined) throw new Error(`snapshot body: unknown array type ${String(ref[TYPED])}`);
    const start = arraysStart + ref.at;
    const end = start + ref.length * Constructor.BYTES_PER_ELEMENT;
    if (!Number.isSafeInteger(ref.at) || ref.at % ALIGN !== 0 || end > body.length) throw new Error(`snapshot body: array at ${ref.at} is out of bounds`);
    // A copy into a buffer of its own: aligned, and independent of the file's buffer. (Not body.slice():
    // on a Buffer that is a view.)
    const copy = new Uint8Array(end - start);
    copy.set(body.subarray(start, end));
    return new Constructor(copy.buffer);
  });
}
