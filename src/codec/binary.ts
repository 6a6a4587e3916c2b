// Little-endian primitives of the binary codec: a growable writer and a bounds-checked reader.
// Pure (no I/O, no clock): the engine thread may use it.
//
// Wire types:
//   u8, u16, u32  unsigned integers of 1, 2 and 4 bytes
//   i64           a JS safe integer (|v| <= 2**53 - 1) as 8 bytes: low u32, then high i32 (two's complement)
//   bool          one byte, 0 or 1
//   str           u16 byte length, then that many bytes of well-formed UTF-8 (at most 65535 bytes)
//
// The writer refuses what it cannot represent exactly (a non-integer, an out-of-range number, a string with an
// unpaired surrogate, which UTF-8 cannot carry) instead of silently truncating it: a journal that stored a
// value other than the one the engine saw would make replay diverge. -0 is written as 0.
// The reader refuses what the writer never produces (a bool byte other than 0 or 1, an i64 outside the safe
// range, invalid UTF-8, reading past the end), so every accepted byte string has exactly one meaning.

/** Malformed or unrepresentable data. Always this type: callers may tell bad input from a bug by it. */
export class CodecError extends Error {
  override readonly name = 'CodecError';
  /** Byte offset at which the problem was found, when known. */
  readonly offset: number | undefined;

  constructor(message: string, offset?: number) {
    super(message);
    this.offset = offset;
  }
}

const TWO_32 = 2 ** 32;
const MAX_STR_BYTES = 0xffff;
/** Decoding short ASCII strings by hand beats a call into TextDecoder. */
const ASCII_DECODE_LIMIT = 64;
/** An unpaired surrogate: in unicode mode a valid pair is one code point and does not match. */
const LONE_SURROGATE = /\p{Cs}/u;

const encoder = new TextEncoder();
// fatal: invalid UTF-8 throws instead of becoming U+FFFD. ignoreBOM: a leading U+FEFF is data, not a mark to strip.
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  if (v === null || v === undefined || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return `a value of type ${typeof v}`;
}

const EMPTY_ARRAY: Uint8Array<ArrayBufferLike> = new Uint8Array(0);
const EMPTY_VIEW: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));
/** Under this many bytes a byte loop is as quick as anything (and needs no view). */
const COPY_BY_WORDS_BYTES = 64;
/** Past this many bytes one set() with a subarray() view is quicker than copying four bytes at a time. */
const COPY_BY_SET_BYTES = 512;

/**
 * Copies byte ranges between arrays: a byte loop for the few dozen bytes of a request or an answer, four
 * bytes at a time through DataViews for a released command's hundreds, one set() past 512. It makes a view
 * when a new array comes and keeps it for the next copies, so each call site keeps a copier of its own (the
 * same scratch buffer into the same ring: views made once, not per copy); an array's `buffer` is read only
 * then, since reading it costs about 70 ns here. `npm run bench:copy` measures the three ways; set() with a
 * subarray() allocates a view per call, and these copies run per order (the journal's records, the answers
 * to the gateways, the requests to the engine thread, the released stream).
 */
export class ByteCopier {
  private source = EMPTY_ARRAY;
  private sourceView = EMPTY_VIEW;
  private target = EMPTY_ARRAY;
  private targetView = EMPTY_VIEW;

  /** `length` bytes of `source` from `from` into `target` at `at`; a range past either array's end throws. */
  copy(source: Uint8Array, from: number, length: number, target: Uint8Array, at: number): void {
    if (from < 0 || at < 0 || length < 0 || from + length > source.length || at + length > target.length) {
      throw new RangeError(`cannot copy ${length} bytes from ${from} of ${source.length} to ${at} of ${target.length}`);
    }
    let i = 0;
    if (length >= COPY_BY_WORDS_BYTES) {
      if (length > COPY_BY_SET_BYTES) {
        target.set(source.subarray(from, from + length), at);
        return;
      }
      if (source !== this.source) {
        this.source = source;
        this.sourceView = new DataView(source.buffer, source.byteOffset, source.byteLength);
      }
      if (target !== this.target) {
        this.target = target;
        this.targetView = new DataView(target.buffer, target.byteOffset, target.byteLength);
      }
      const sourceView = this.sourceView;
      const targetView = this.targetView;
      for (const lastWord = length - 4; i <= lastWord; i += 4) targetView.setInt32(at + i, sourceView.getInt32(from + i));
    }
    for (; i < length; i++) target[at + i] = source[from + i];
  }
}

export class BinaryWriter {
  private buffer: ArrayBuffer;
  private u8s: Uint8Array;
  private view: DataView;
  private pos = 0;

  constructor(initialBytes = 256) {
    const size = Math.max(16, Math.floor(initialBytes) || 0);
    this.buffer = new ArrayBuffer(size);
    this.u8s = new Uint8Array(this.buffer);
    this.view = new DataView(this.buffer);
  }

  /** Forgets what was written; keeps the buffer. */
  reset(): void {
    this.pos = 0;
  }

  /** Drops everything written after the first `length` bytes (used to undo a half-written record). */
  truncate(length: number): void {
    if (!Number.isInteger(length) || length < 0 || length > this.pos) {
      throw new CodecError(`cannot truncate to ${length}: ${this.pos} bytes written`);
    }
    this.pos = length;
  }

  get length(): number {
    return this.pos;
  }

  /** The bytes written so far: a view into the writer's buffer, valid until the next write or reset. */
  bytes(): Uint8Array {
    return this.u8s.subarray(0, this.pos);
  }

  /** The writer's whole buffer, whose first `length` bytes are those written: bytes() without making a view. */
  get array(): Uint8Array {
    return this.u8s;
  }

  u8(v: number): void {
    if ((v & 0xff) !== v) throw new CodecError(`cannot write ${describe(v)} as u8: not an integer in 0..255`, this.pos);
    this.ensure(1);
    this.u8s[this.pos++] = v;
  }

  u16(v: number): void {
    if ((v & 0xffff) !== v) throw new CodecError(`cannot write ${describe(v)} as u16: not an integer in 0..65535`, this.pos);
    this.ensure(2);
    this.view.setUint16(this.pos, v, true);
    this.pos += 2;
  }

  u32(v: number): void {
    if (v >>> 0 !== v) throw new CodecError(`cannot write ${describe(v)} as u32: not an integer in 0..4294967295`, this.pos);
    this.ensure(4);
    this.view.setUint32(this.pos, v, true);
    this.pos += 4;
  }

  /** A safe integer (negatives included) as little-endian 8 bytes: low u32, then high i32. */
  i64(v: number): void {
    if (!Number.isSafeInteger(v)) throw new CodecError(`cannot write ${describe(v)} as i64: not a safe integer`, this.pos);
    this.ensure(8);
    const high = Math.floor(v / TWO_32);
    const low = v - high * TWO_32;
    this.view.setUint32(this.pos, low, true);
    this.view.setInt32(this.pos + 4, high, true);
    this.pos += 8;
  }

  bool(v: boolean): void {
    if (typeof v !== 'boolean') throw new CodecError(`cannot write ${describe(v)} as bool: not a boolean`, this.pos);
    this.ensure(1);
    this.u8s[this.pos++] = v ? 1 : 0;
  }

  /** Bytes as they are (already encoded by this codec, e.g. a journal payload). */
  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.u8s.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** u16 byte length, then UTF-8. Throws if the string is longer than 65535 bytes or has an unpaired surrogate. */
  str(v: string): void {
    if (typeof v !== 'string') throw new CodecError(`cannot write ${describe(v)} as str: not a string`, this.pos);
    const units = v.length;
    // Every UTF-16 unit takes at least one UTF-8 byte.
    if (units > MAX_STR_BYTES) throw new CodecError(`cannot write str of ${units} UTF-16 units: over ${MAX_STR_BYTES} bytes`, this.pos);
    this.ensure(2 + units);
    const start = this.pos + 2;
    const out = this.u8s;
    let i = 0;
    for (; i < units; i++) {
      const c = v.charCodeAt(i);
      if (c >= 0x80) break;
      out[start + i] = c;
    }
    let written = units;
    if (i < units) {
      if (LONE_SURROGATE.test(v)) throw new CodecError('cannot write str: it has an unpaired surrogate, which UTF-8 cannot represent', this.pos);
      this.ensure(2 + 3 * units);
      written = encoder.encodeInto(v, this.u8s.subarray(start)).written;
      if (written > MAX_STR_BYTES) throw new CodecError(`cannot write str of ${written} UTF-8 bytes: over ${MAX_STR_BYTES}`, this.pos);
    }
    this.view.setUint16(this.pos, written, true);
    this.pos = start + written;
  }

  /**
   * Room for `n` more bytes, counted as written; returns where they start. The caller fills them at once
   * through `target` and `targetView`, fetched after this call (growing replaces the buffer). For the generated
   * encoders of codegen.ts, which check a run of fixed-size fields exactly as the methods above do and then
   * write the run in one go.
   */
  reserve(n: number): number {
    if (!Number.isInteger(n) || n < 0) throw new CodecError(`cannot reserve ${n} bytes`, this.pos);
    this.ensure(n);
    const at = this.pos;
    this.pos += n;
    return at;
  }

  /** The whole buffer (see reserve); valid until the next write. */
  get target(): Uint8Array {
    return this.u8s;
  }

  /** A DataView of the whole buffer (see reserve); valid until the next write. */
  get targetView(): DataView {
    return this.view;
  }

  private ensure(extra: number): void {
    const needed = this.pos + extra;
    if (needed <= this.buffer.byteLength) return;
    let size = this.buffer.byteLength * 2;
    while (size < needed) size *= 2;
    const next = new ArrayBuffer(size);
    const bytes = new Uint8Array(next);
    bytes.set(this.u8s.subarray(0, this.pos));
    this.buffer = next;
    this.u8s = bytes;
    this.view = new DataView(next);
  }
}

export class BinaryReader {
  private u8s: Uint8Array;
  private view: DataView;
  private end: number;
  private pos = 0;

  constructor(bytes: Uint8Array) {
    this.u8s = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.end = bytes.byteLength;
  }

  /**
   * Reads bytes [start, end) of `bytes` from now on, offsets still counted from the start of `bytes`: one
   * reader then reads message after message of a ring without a view, a DataView and a reader allocated for
   * each (which showed on the API thread, reading every released command).
   */
  window(bytes: Uint8Array, start: number, end: number): this {
    if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start <= end && end <= bytes.byteLength)) {
      throw new CodecError(`cannot read bytes ${start}..${end} of ${bytes.byteLength}`);
    }
    if (bytes !== this.u8s) {
      this.u8s = bytes;
      this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    this.pos = start;
    this.end = end;
    return this;
  }

  /** Next byte to read, from the start of the array given to the constructor (or to window()). */
  get offset(): number {
    return this.pos;
  }

  set offset(v: number) {
    if (!Number.isInteger(v) || v < 0 || v > this.end) throw new CodecError(`cannot seek to ${v}: input has ${this.end} bytes`);
    this.pos = v;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  u8(): number {
    this.need(1, 'u8');
    return this.u8s[this.pos++];
  }

  u16(): number {
    this.need(2, 'u16');
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }

  u32(): number {
    this.need(4, 'u32');
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  i64(): number {
    this.need(8, 'i64');
    const low = this.view.getUint32(this.pos, true);
    const high = this.view.getInt32(this.pos + 4, true);
    // Exact whenever the true value is safe; any unsafe value (|high| >= 2**21, or -2**53) rounds to an unsafe double.
    const v = high * TWO_32 + low;
    if (!Number.isSafeInteger(v)) {
      throw new CodecError(`i64 at offset ${this.pos} is not a safe integer (high word ${high}, low word ${low})`, this.pos);
    }
    this.pos += 8;
    return v;
  }

  bool(): boolean {
    this.need(1, 'bool');
    const b = this.u8s[this.pos];
    if (b > 1) throw new CodecError(`bool at offset ${this.pos} is ${b}, not 0 or 1`, this.pos);
    this.pos++;
    return b === 1;
  }

  str(): string {
    this.need(2, 'str length');
    const length = this.view.getUint16(this.pos, true);
    const start = this.pos + 2;
    if (length > this.end - start) {
      throw new CodecError(`unexpected end of input reading str of ${length} bytes at offset ${start}: ${this.end - start} remaining`, start);
    }
    const bytes = this.u8s;
    let s = '';
    if (length <= ASCII_DECODE_LIMIT) {
      let i = 0;
      for (; i < length; i++) {
        const c = bytes[start + i];
        if (c >= 0x80) break;
        s += String.fromCharCode(c);
      }
      if (i === length) {
        this.pos = start + length;
        return s;
      }
    }
    try {
      s = decoder.decode(bytes.subarray(start, start + length));
    } catch {
      throw new CodecError(`str at offset ${start} is not valid UTF-8`, start);
    }
    this.pos = start + length;
    return s;
  }

  /** The bytes given to the constructor (or window()), for generated decoders (codegen.ts) that bounds-check a run of fields once. */
  get source(): Uint8Array {
    return this.u8s;
  }

  /** A DataView of `source`, same offsets. */
  get sourceView(): DataView {
    return this.view;
  }

  /** Moves past `n` bytes the caller has read through `source`. */
  skip(n: number): void {
    if (!Number.isInteger(n) || n < 0) throw new CodecError(`cannot skip ${n} bytes`, this.pos);
    this.need(n, 'skip');
    this.pos += n;
  }

  private need(n: number, what: string): void {
    if (n > this.end - this.pos) {
      throw new CodecError(`unexpected end of input reading ${what} at offset ${this.pos}: need ${n} bytes, ${this.end - this.pos} remaining`, this.pos);
    }
  }
}
