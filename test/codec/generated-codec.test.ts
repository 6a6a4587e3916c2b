// The generated codec (src/codec/codegen.ts) against the generic reference loop (reference-codec.ts): for
// records of every kind, valid or not, the same bytes or the same error, the writer left the same; decoding
// the same objects (same keys in the same order) or the same error, the reader left at the same offset, for
// valid, truncated, corrupted and random bytes. fast-check prints the seed of a failing run.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  BinaryReader, BinaryWriter, CodecError, commandLayouts, decodeCommand, decodeEvent, encodeCommand, encodeEvent, eventLayouts,
} from '../../src/codec/index.ts';
import type { FieldType, RecordLayout } from '../../src/codec/index.ts';
import { compileDecoder, compileEncoder } from '../../src/codec/codegen.ts';
import * as reference from './reference-codec.ts';

const MAX = Number.MAX_SAFE_INTEGER;
const MIN = Number.MIN_SAFE_INTEGER;

type Encode = (record: never, w: BinaryWriter) => void;
type Decode = (r: BinaryReader) => unknown;

interface Side {
  readonly what: string;
  readonly layouts: readonly RecordLayout[];
  readonly encode: Encode;
  readonly decode: Decode;
  readonly referenceEncode: Encode;
  readonly referenceDecode: Decode;
}

const COMMANDS: Side = {
  what: 'command', layouts: commandLayouts, encode: encodeCommand, decode: decodeCommand,
  referenceEncode: reference.encodeCommand, referenceDecode: reference.decodeCommand,
};
const EVENTS: Side = {
  what: 'event', layouts: eventLayouts, encode: encodeEvent, decode: decodeEvent,
  referenceEncode: reference.encodeEvent, referenceDecode: reference.decodeEvent,
};

// ---------------------------------------------------------------- outcomes

/** What a throw looked like: class, message and (for a CodecError) offset. */
function describeError(error: unknown): string {
  if (error instanceof CodecError) return `CodecError(${JSON.stringify(error.message)}, offset ${error.offset})`;
  if (error instanceof Error) return `${error.constructor.name}(${JSON.stringify(error.message)})`;
  return `thrown ${String(error)}`;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** Encodes each record in turn into one writer that starts with `prefix`; what happened to each, and the bytes at the end. */
function encodeAll(encode: Encode, records: readonly object[], prefix: Uint8Array, initialBytes: number): { results: string[]; bytes: string } {
  const w = new BinaryWriter(initialBytes);
  w.raw(prefix);
  const results = records.map((record) => {
    const before = w.length;
    try {
      encode(record as never, w);
      return `ok ${w.length - before} bytes`;
    } catch (error) {
      return `${describeError(error)}, writer at ${w.length}`;
    }
  });
  return { results, bytes: hex(w.bytes()) };
}

interface Decoded {
  readonly records: unknown[];
  /** Keys of each record, in order: deepStrictEqual does not compare key order. */
  readonly keys: string[][];
  readonly end: string;
  readonly offset: number;
}

/** Decodes records from `start` until the input ends, one fails, or `limit` are read. */
function decodeAll(decode: Decode, bytes: Uint8Array, start: number, limit = 20): Decoded {
  const r = new BinaryReader(bytes);
  r.offset = start;
  const records: unknown[] = [];
  let end = 'input ended';
  while (r.remaining > 0 && records.length < limit) {
    try {
      records.push(decode(r));
    } catch (error) {
      end = describeError(error);
      break;
    }
  }
  return { records, keys: records.map((x) => Object.keys(x as object)), end, offset: r.offset };
}

function assertSameDecoding(side: Side, bytes: Uint8Array, start: number): Decoded {
  const actual = decodeAll(side.decode, bytes, start);
  const expected = decodeAll(side.referenceDecode, bytes, start);
  assert.deepStrictEqual(actual, expected);
  return actual;
}

// ---------------------------------------------------------------- records, valid or not

const U32_MAX = 2 ** 32 - 1;
const strings = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc.constantFrom('', 'é', '😀', '\uFEFF', 'x'.repeat(65), 'ü'.repeat(40)),
);
const VALID: Readonly<Record<FieldType, fc.Arbitrary<unknown>>> = {
  u8: fc.integer({ min: 0, max: 255 }),
  bool: fc.boolean(),
  u32: fc.oneof(fc.nat(1000), fc.integer({ min: 0, max: U32_MAX }), fc.constantFrom(0, U32_MAX)),
  i64: fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.maxSafeInteger(), fc.constantFrom(MAX, MIN, 2 ** 32, -(2 ** 32), 2 ** 31, -(2 ** 31) - 1)),
  str: strings,
};
/** Values some or every wire type refuses (and a few it takes): each field gets one now and then. */
const WILD: fc.Arbitrary<unknown> = fc.oneof(
  fc.double(),
  fc.constantFrom(0.5, -1.5, NaN, Infinity, -Infinity, -0, -1, 256, 65_536, 2 ** 32, -(2 ** 31), 2 ** 53, 2 ** 53 + 2, -(2 ** 53), MAX, MIN),
  fc.constantFrom(null, undefined, true, false, '1', '', 1n, 2n ** 70n, {}, [], [1], Symbol('s')),
  fc.constantFrom('\uD800', 'a\uDC00b', 'x\uD83D', '\uDE00😀', '😀\uD83D'),
  fc.constantFrom('a'.repeat(65_535), 'a'.repeat(65_536), '€'.repeat(21_845), '€'.repeat(21_846), `${'😀'.repeat(16_383)}abc`, `${'😀'.repeat(16_383)}abcd`),
);
const MISSING = Symbol('missing');
const BAD_KINDS: fc.Arbitrary<unknown> = fc.constantFrom(0, 11, 12, 14, 15, 99, 255, 256, -1, 1.5, NaN, '1', 'length', undefined, null, 1n, Symbol('k'));

function fieldArb(type: FieldType): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 20, arbitrary: VALID[type] },
    { weight: 2, arbitrary: WILD },
    { weight: 1, arbitrary: fc.constant(MISSING) },
  );
}

/** A record of the layout's kind; `wild` lets any field (or the kind) be anything, or missing. */
function recordArb(layout: RecordLayout, wild: boolean): fc.Arbitrary<Record<string, unknown>> {
  const kind = wild ? fc.oneof({ weight: 20, arbitrary: fc.constant<unknown>(layout.kind) }, { weight: 1, arbitrary: BAD_KINDS }) : fc.constant(layout.kind);
  const fields = layout.fields.map(({ type }) => (wild ? fieldArb(type) : VALID[type]));
  return fc.tuple(kind, fc.tuple(...fields), fc.boolean(), fc.boolean()).map(([k, values, reversed, extra]) => {
    const entries: Array<[string, unknown]> = [['kind', k], ...layout.fields.map(({ name }, i): [string, unknown] => [name, values[i]])];
    if (reversed) entries.reverse();
    if (extra) entries.push(['extra', 7]);
    return Object.fromEntries(entries.filter(([, v]) => v !== MISSING));
  });
}

/** What decoding an accepted record gives: its layout's fields in layout order; -0 read back as 0. */
function expectedDecoding(layout: RecordLayout, record: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const normal = (v: unknown): unknown => (Object.is(v, -0) ? 0 : v);
  return Object.fromEntries([['kind', layout.kind], ...layout.fields.map(({ name }) => [name, normal(record[name])])]);
}

// ---------------------------------------------------------------- encoding

function checkEncoding(side: Side, records: ReadonlyArray<Record<string, unknown>>, prefix: Uint8Array, initialBytes: number): void {
  const actual = encodeAll(side.encode, records, prefix, initialBytes);
  assert.deepStrictEqual(actual, encodeAll(side.referenceEncode, records, prefix, initialBytes));
  // What was accepted decodes back to the record (its layout's fields, in layout order), the same as the reference.
  const bytes = new Uint8Array(Buffer.from(actual.bytes, 'hex'));
  const decoded = assertSameDecoding(side, bytes, prefix.length);
  const accepted = records.filter((_, i) => actual.results[i].startsWith('ok'));
  assert.equal(decoded.end, 'input ended');
  assert.deepStrictEqual(decoded.records, accepted.map((record) => expectedDecoding(side.layouts.find((l) => l.kind === record.kind)!, record)));
  assert.deepStrictEqual(decoded.keys, accepted.map((record) => Object.keys(expectedDecoding(side.layouts.find((l) => l.kind === record.kind)!, record))));
}

const prefixArb = fc.uint8Array({ maxLength: 40 });
const initialBytesArb = fc.constantFrom(1, 16, 64, 256);

for (const side of [COMMANDS, EVENTS]) {
  describe(`generated ${side.what} codec against the reference: encoding`, { timeout: 120_000 }, () => {
    for (const layout of side.layouts) {
      it(`${layout.name}: same bytes or the same error, and the writer left the same`, () => {
        fc.assert(
          fc.property(fc.array(recordArb(layout, true), { minLength: 1, maxLength: 4 }), prefixArb, initialBytesArb, (records, prefix, initialBytes) => {
            checkEncoding(side, records, prefix, initialBytes);
          }),
          { numRuns: 300 },
        );
      });
    }

    it('every kind mixed in one writer', () => {
      const any = fc.oneof(...side.layouts.map((l) => recordArb(l, true)));
      fc.assert(
        fc.property(fc.array(any, { minLength: 1, maxLength: 12 }), prefixArb, initialBytesArb, (records, prefix, initialBytes) => {
          checkEncoding(side, records, prefix, initialBytes);
        }),
        { numRuns: 500 },
      );
    });

    it('a field whose getter throws, or an object in a field: the same error, the same number of reads and coercions', () => {
      for (const layout of side.layouts) {
        for (const [i, { name }] of layout.fields.entries()) {
          const run = (encode: Encode): [{ results: string[]; bytes: string }, number, number] => {
            const throwing = fc.sample(recordArb(layout, false), { numRuns: 1, seed: i })[0];
            Object.defineProperty(throwing, name, { get: () => { throw new RangeError(`no ${name}`); } });
            let coerced = 0;
            let read = 0;
            const coercible = fc.sample(recordArb(layout, false), { numRuns: 1, seed: i })[0];
            const value = { valueOf: () => ++coerced, toString: () => `#${++coerced}` };
            Object.defineProperty(coercible, name, { get: () => (++read, value) });
            const outcome = encodeAll(encode, [throwing, coercible], new Uint8Array([9]), 16);
            return [outcome, coerced, read];
          };
          assert.deepStrictEqual(run(side.encode), run(side.referenceEncode), `${layout.name}.${name}`);
        }
      }
    });
  });

  // ---------------------------------------------------------------- decoding

  describe(`generated ${side.what} codec against the reference: decoding`, { timeout: 120_000 }, () => {
    const validStream = fc.array(fc.oneof(...side.layouts.map((l) => recordArb(l, false))), { minLength: 1, maxLength: 6 }).map((records) => {
      const w = new BinaryWriter();
      for (const record of records) side.referenceEncode(record as never, w);
      return w.bytes().slice();
    });
    /** Bytes placed at a random offset of a larger buffer (sometimes shared), read from after a random prefix. */
    const placed = (bytes: fc.Arbitrary<Uint8Array>): fc.Arbitrary<[Uint8Array, number]> =>
      fc.tuple(bytes, prefixArb, fc.nat(9), fc.boolean()).map(([body, prefix, pad, shared]) => {
        const buffer = shared ? new SharedArrayBuffer(pad + prefix.length + body.length + 3) : new ArrayBuffer(pad + prefix.length + body.length + 3);
        const all = new Uint8Array(buffer, pad, prefix.length + body.length);
        all.set(prefix);
        all.set(body, prefix.length);
        return [all, prefix.length];
      });

    it('valid streams decode to the same records', () => {
      fc.assert(fc.property(placed(validStream), ([bytes, start]) => {
        assert.equal(assertSameDecoding(side, bytes, start).end, 'input ended');
      }), { numRuns: 500 });
    });

    it('every truncation of a valid stream: the same records, then the same error at the same offset', () => {
      fc.assert(fc.property(validStream, (bytes) => {
        for (let n = 0; n < bytes.length; n++) assertSameDecoding(side, bytes.subarray(0, n), 0);
      }), { numRuns: 100 });
    });

    it('corrupted valid streams: the same records or the same error at the same offset', () => {
      const flip = fc.tuple(fc.nat(), fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0, 1, 2, 0x1f, 0x20, 0x7f, 0x80, 0xc0, 0xe0, 0xed, 0xff)));
      fc.assert(fc.property(placed(validStream), fc.array(flip, { minLength: 1, maxLength: 4 }), ([bytes, start], flips) => {
        const body = bytes.subarray(start);
        for (const [at, value] of flips) body[at % body.length] = value;
        assertSameDecoding(side, bytes, start);
      }), { numRuns: 2000 });
    });

    it('random bytes, and random bytes after a valid kind byte: the same result', () => {
      const kindFirst = fc.tuple(fc.constantFrom(...side.layouts.map((l) => l.kind)), fc.uint8Array({ maxLength: 120 })).map(([k, tail]) => new Uint8Array([k, ...tail]));
      fc.assert(fc.property(placed(fc.oneof(fc.uint8Array({ maxLength: 200 }), kindFirst)), ([bytes, start]) => {
        assertSameDecoding(side, bytes, start);
      }), { numRuns: 3000 });
    });
  });
}

describe('generated codec: the generator', () => {
  const noop = (error: unknown): unknown => error;
  const layout = (name: string, kind: number, fields: Array<[string, string]>): RecordLayout =>
    ({ kind, name, fields: fields.map(([n, type]) => ({ name: n, type: type as FieldType })) });

  it('refuses names that are not plain identifiers, and anything else it cannot generate safely', () => {
    const bad: RecordLayout[] = [
      layout('X', 1, [['a;globalThis.pwned=1', 'u8']]),
      layout('X', 1, [['a b', 'u8']]),
      layout('X', 1, [['1a', 'u8']]),
      layout('X', 1, [['', 'u8']]),
      layout('X', 1, [['__proto__', 'u8']]),
      layout('X', 1, [['kind', 'u8']]),
      layout('X', 1, [['a', 'u8'], ['a', 'i64']]),
      layout('X', 1, [['a', 'u16']]),
      layout('X', 1, [['a', 'toString']]),
      layout('X(){}', 1, [['a', 'u8']]),
      layout('X', 256, [['a', 'u8']]),
      layout('X', 1.5, [['a', 'u8']]),
    ];
    for (const l of bad) {
      assert.throws(() => compileEncoder(l, noop), /codec layout/, JSON.stringify(l));
      assert.throws(() => compileDecoder(l, noop), /codec layout/, JSON.stringify(l));
    }
    assert.equal((globalThis as Record<string, unknown>).pwned, undefined);
  });

  it('handles layouts unlike today\'s: no fields, strings first, runs between strings', () => {
    for (const l of [
      layout('Empty', 7, []),
      layout('Strings', 8, [['a', 'str'], ['b', 'u8'], ['c', 'str'], ['d', 'i64'], ['e', 'bool'], ['f', 'str']]),
    ]) {
      const record = Object.fromEntries([['kind', l.kind], ...l.fields.map(({ name, type }) => [name, { str: 'x€', u8: 200, i64: -3, bool: true }[type as string]])]);
      const w = new BinaryWriter(1);
      compileEncoder(l, noop)(record, w);
      const r = new BinaryReader(w.bytes());
      assert.equal(r.u8(), l.kind);
      const decoded = compileDecoder(l, noop)(r, 0);
      assert.deepStrictEqual(decoded, record);
      assert.deepStrictEqual(Object.keys(decoded), Object.keys(record));
      assert.equal(r.remaining, 0);
    }
  });
});
