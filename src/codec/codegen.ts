// Straight-line encoders and decoders, generated once at module load from the layout tables of layout.ts.
//
// Why generate code: a CPU profile of the server under load had the generic loop (`record[names[i]]`, a
// keyed load whose name changes at every step, then a switch on the field type) at about 8% of the engine
// thread in encodeRecord, and decodeRecord as hot in the reporting worker and in journal replay. Code per kind
// reads `record.accountId`, `record.priceCents`, ... as named loads that V8 caches per kind, writes each run of
// fixed-size fields with one bounds check, and a decoder builds its object in one literal: one hidden class
// per kind. On a mix of orders, cancels and their events (medians of five 1 s runs, on a busy 2-core machine),
// encode went from 220-300 to 50-80 ns per record, decode from 290-410 to 90-125. The layout tables stay the
// one definition of the format.
//
// Exactness: a value is written straight into the buffer only after a check that accepts exactly what the
// writer's method for its wire type accepts, without coercing it; any other value goes to that method, which
// throws its usual error. A run of fields is read straight from the buffer only when it is all there and every
// i64 is safe and every bool 0 or 1; otherwise the reader's methods read it again and throw their usual errors.
// Strings always go through the methods. The i64 arithmetic is BinaryWriter.i64's and BinaryReader.i64's.
//
// Safety: the generated source holds only the kind and field names of layout.ts, each checked to be a plain
// JS identifier, method names from a fixed table, and integers; nothing from a record or a caller.
import type { BinaryReader, BinaryWriter } from './binary.ts';
import type { FieldType, RecordLayout } from './layout.ts';

/** Appends one record of the layout's kind (kind byte included) to `w`. */
export type RecordEncoder = (record: object, w: BinaryWriter) => void;
/** Reads the fields of one record whose kind byte, at `start`, has already been read. */
export type RecordDecoder = (r: BinaryReader, start: number) => Record<string, unknown>;
/**
 * Called with whatever a field's write or read threw, the field's index in the layout and the record's start;
 * returns the error to throw. The generated code has already truncated the writer or rewound the reader.
 */
export type FieldFailure = (error: unknown, field: number, start: number) => unknown;

type FixedType = Exclude<FieldType, 'str'>;

/** Source snippets per fixed-size wire type: `v` a variable, `at` the field's byte offset from `p`. */
interface FixedCode {
  readonly size: number;
  /** True exactly when BinaryWriter's method takes `v` without throwing; never coerces or throws. */
  readonly writable: (v: string) => string;
  readonly write: (v: string, at: number) => string;
  /** Reads the raw value (a bool as its byte). */
  readonly read: (at: number) => string;
  /** True when BinaryReader's method accepts the raw value; empty if it accepts every value. */
  readonly readable: (v: string) => string;
  /** The decoded value from a readable raw one. */
  readonly value: (v: string) => string;
}

const FIXED: Readonly<Record<FixedType, FixedCode>> = {
  u8: {
    size: 1,
    writable: (v) => `typeof ${v} === 'number' && (${v} & 0xff) === ${v}`,
    write: (v, at) => `u8s[p + ${at}] = ${v};`,
    read: (at) => `u8s[p + ${at}]`,
    readable: () => '',
    value: (v) => v,
  },
  bool: {
    size: 1,
    writable: (v) => `typeof ${v} === 'boolean'`,
    write: (v, at) => `u8s[p + ${at}] = ${v} ? 1 : 0;`,
    read: (at) => `u8s[p + ${at}]`,
    readable: (v) => `${v} <= 1`,
    value: (v) => `${v} === 1`,
  },
  u32: {
    size: 4,
    writable: (v) => `typeof ${v} === 'number' && ${v} >>> 0 === ${v}`,
    write: (v, at) => `view.setUint32(p + ${at}, ${v}, true);`,
    read: (at) => `view.getUint32(p + ${at}, true)`,
    readable: () => '',
    value: (v) => v,
  },
  i64: {
    size: 8,
    writable: (v) => `Number.isSafeInteger(${v})`,
    write: (v, at) => `high = Math.floor(${v} / 4294967296); view.setUint32(p + ${at}, ${v} - high * 4294967296, true); view.setInt32(p + ${at + 4}, high, true);`,
    read: (at) => `view.getInt32(p + ${at + 4}, true) * 4294967296 + view.getUint32(p + ${at}, true)`,
    readable: (v) => `Number.isSafeInteger(${v})`,
    value: (v) => v,
  },
};

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

interface Field {
  readonly index: number;
  readonly name: string;
  readonly type: FieldType;
}

/** A run of fixed-size fields (with each one's offset in the run), or one string field. */
type Segment = { readonly fixed: ReadonlyArray<Field & { readonly type: FixedType; readonly at: number }>; readonly size: number } | { readonly str: Field };

/** Checks everything of the layout that goes into generated source. */
function checkLayout(layout: RecordLayout): Field[] {
  const { kind, fields } = layout;
  if (!IDENTIFIER.test(layout.name)) throw new Error(`codec layout name ${JSON.stringify(layout.name)} is not a plain identifier`);
  if (!Number.isInteger(kind) || kind < 0 || kind > 255) throw new Error(`codec layout ${layout.name}: kind ${kind} is not a byte`);
  const seen = new Set<string>(['kind']);
  return fields.map(({ name, type }, index) => {
    if (!IDENTIFIER.test(name) || name === '__proto__') throw new Error(`codec layout ${layout.name}: field name ${JSON.stringify(name)} is not a plain identifier`);
    if (seen.has(name)) throw new Error(`codec layout ${layout.name}: field ${name} is listed twice or clashes with kind`);
    seen.add(name);
    if (type !== 'str' && !Object.hasOwn(FIXED, type)) throw new Error(`codec layout ${layout.name}.${name}: unknown wire type ${JSON.stringify(type)}`);
    return { index, name, type };
  });
}

function segments(fields: readonly Field[]): Segment[] {
  const out: Segment[] = [];
  let run: Array<Field & { type: FixedType; at: number }> = [];
  let size = 0;
  const close = (): void => {
    if (run.length > 0) out.push({ fixed: run, size });
    run = [];
    size = 0;
  };
  for (const field of fields) {
    if (field.type === 'str') {
      close();
      out.push({ str: field });
    } else {
      run.push({ ...field, type: field.type, at: size });
      size += FIXED[field.type].size;
    }
  }
  close();
  return out;
}

/**
 * Called when a generated check refuses a value to write: the writer's method throws its usual error. Should
 * the method accept the value (a check stricter than the method: a bug), this says so instead of writing it.
 */
function refuse(w: BinaryWriter, type: FixedType, v: unknown): Error {
  (w[type] as (v: unknown) => void)(v);
  return new Error(`codec: a generated ${type} check refused a value that BinaryWriter.${type} accepts`);
}

function build<T>(source: string, fail: FieldFailure): T {
  // The source holds only checked identifiers and integers (checkLayout).
  return new Function('fail', 'refuse', `'use strict';\n${source}`)(fail, refuse) as T;
}

/**
 * For CancelOrder (fields: sequence i64, timestampMs i64, accountId u32, orderId i64):
 *   field = 0; const v0 = record.sequence; if (!(Number.isSafeInteger(v0))) throw refuse(w, 'i64', v0);
 *   ... (each field read and checked in layout order, as the generic loop did)
 *   { const p = w.reserve(29), u8s = w.target, view = w.targetView; u8s[p] = 2; (v0 at p + 1, ...) }
 * and a string field (NewOrder's eleventh) is `field = 10; w.str(record.clientOrderId);`.
 */
export function compileEncoder(layout: RecordLayout, fail: FieldFailure): RecordEncoder {
  const lines: string[] = [];
  // The kind byte opens the first run of fixed-size fields.
  let pending: string[] = [`u8s[p] = ${layout.kind};`];
  let pendingSize = 1;
  const flush = (): void => {
    if (pending.length === 0) return;
    lines.push(`{ const p = w.reserve(${pendingSize}), u8s = w.target, view = w.targetView; ${pending.join(' ')} }`);
    pending = [];
    pendingSize = 0;
  };
  for (const segment of segments(checkLayout(layout))) {
    if ('str' in segment) {
      flush();
      lines.push(`field = ${segment.str.index}; w.str(record.${segment.str.name});`);
      continue;
    }
    for (const { index, name, type, at } of segment.fixed) {
      const v = `v${index}`;
      lines.push(`field = ${index}; const ${v} = record.${name}; if (!(${FIXED[type].writable(v)})) throw refuse(w, '${type}', ${v});`);
      pending.push(FIXED[type].write(v, pendingSize + at));
    }
    pendingSize += segment.size;
  }
  flush();
  return build<RecordEncoder>(
    `return function encode${layout.name}(record, w) {
  const start = w.length;
  let field = 0;
  let high = 0;
  try {
    ${lines.join('\n    ')}
  } catch (error) {
    w.truncate(start);
    throw fail(error, field, start);
  }
};`,
    fail,
  );
}

/**
 * For CancelOrder:
 *   let v0, v1, v2, v3;
 *   run0: {
 *     if (r.remaining >= 28) {
 *       const p = r.offset, u8s = r.source, view = r.sourceView; const a0 = (i64 at p), ...;
 *       if (Number.isSafeInteger(a0) && ...) { v0 = a0; ...; r.skip(28); break run0; }
 *     }
 *     field = 0; v0 = r.i64(); field = 1; v1 = r.i64(); ...   (throws the error the fast path saw)
 *   }
 *   return { kind: 2, sequence: v0, timestampMs: v1, accountId: v2, orderId: v3 };
 * and a string field (NewOrder's eleventh) is `field = 10; v10 = r.str();`.
 */
export function compileDecoder(layout: RecordLayout, fail: FieldFailure): RecordDecoder {
  const fields = checkLayout(layout);
  const lines: string[] = fields.length === 0 ? [] : [`let ${fields.map((f) => `v${f.index}`).join(', ')};`];
  segments(fields).forEach((segment, n) => {
    if ('str' in segment) {
      lines.push(`field = ${segment.str.index}; v${segment.str.index} = r.str();`);
      return;
    }
    const raws = segment.fixed.map(({ index, type, at }) => `a${index} = ${FIXED[type].read(at)}`);
    const checks = segment.fixed.map(({ index, type }) => FIXED[type].readable(`a${index}`)).filter((c) => c !== '');
    const values = segment.fixed.map(({ index, type }) => `v${index} = ${FIXED[type].value(`a${index}`)};`);
    const slow = segment.fixed.map(({ index, type }) => `field = ${index}; v${index} = r.${type}();`);
    const accept = `${values.join(' ')} r.skip(${segment.size}); break run${n};`;
    lines.push(
      `run${n}: {`,
      `  if (r.remaining >= ${segment.size}) {`,
      `    const p = r.offset, u8s = r.source, view = r.sourceView;`,
      `    const ${raws.join(', ')};`,
      checks.length === 0 ? `    ${accept}` : `    if (${checks.join(' && ')}) { ${accept} }`,
      `  }`,
      `  ${slow.join(' ')}`,
      `}`,
    );
  });
  const props = fields.map(({ index, name }) => `${name}: v${index}`);
  return build<RecordDecoder>(
    `return function decode${layout.name}(r, start) {
  let field = 0;
  try {
    ${lines.join('\n    ')}
    return { kind: ${layout.kind}, ${props.join(', ')} };
  } catch (error) {
    r.offset = start;
    throw fail(error, field, start);
  }
};`,
    fail,
  );
}
