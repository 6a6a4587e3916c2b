// Encode and decode commands and events, driven by the layout tables of layout.ts.
// A record is self-delimiting (u8 kind, then fixed-order fields), so records can sit back to back in one buffer.
import type { Command, EngineEvent } from '../engine/index.ts';
import { BinaryReader, BinaryWriter, CodecError } from './binary.ts';
import { commandLayouts, eventLayouts } from './layout.ts';
import type { FieldType, RecordLayout } from './layout.ts';

const U8 = 0;
const BOOL = 1;
const U32 = 2;
const I64 = 3;
const STR = 4;
const TYPE_CODES: Readonly<Record<FieldType, number>> = { u8: U8, bool: BOOL, u32: U32, i64: I64, str: STR };

/** A layout flattened into parallel arrays for the hot loops. */
interface Compiled {
  readonly kind: number;
  readonly name: string;
  readonly names: readonly string[];
  readonly types: readonly number[];
}

/** Indexed by kind byte; undefined for kinds that do not exist. */
function compile(layouts: readonly RecordLayout[]): ReadonlyArray<Compiled | undefined> {
  const table = new Array<Compiled | undefined>(256).fill(undefined);
  for (const layout of layouts) {
    table[layout.kind] = {
      kind: layout.kind,
      name: layout.name,
      names: layout.fields.map((f) => f.name),
      types: layout.fields.map((f) => TYPE_CODES[f.type]),
    };
  }
  return table;
}

const COMMANDS = compile(commandLayouts);
const EVENTS = compile(eventLayouts);

function lookup(table: ReadonlyArray<Compiled | undefined>, kind: unknown): Compiled | undefined {
  return typeof kind === 'number' && (kind & 0xff) === kind ? table[kind] : undefined;
}

function encodeRecord(table: ReadonlyArray<Compiled | undefined>, what: string, record: Readonly<Record<string, unknown>>, w: BinaryWriter): void {
  const layout = lookup(table, record.kind);
  if (layout === undefined) throw new CodecError(`cannot encode ${what}: unknown kind ${String(record.kind)}`);
  const { names, types } = layout;
  const start = w.length;
  let i = 0;
  try {
    w.u8(layout.kind);
    for (; i < names.length; i++) {
      const v = record[names[i]];
      switch (types[i]) {
        case U8:
          w.u8(v as number);
          break;
        case BOOL:
          w.bool(v as boolean);
          break;
        case U32:
          w.u32(v as number);
          break;
        case I64:
          w.i64(v as number);
          break;
        default:
          w.str(v as string);
      }
    }
  } catch (error) {
    // Leave no half-written record behind.
    w.truncate(start);
    if (error instanceof CodecError) throw new CodecError(`cannot encode ${what} ${layout.name}.${names[i]}: ${error.message}`);
    throw error;
  }
}

function decodeRecord(table: ReadonlyArray<Compiled | undefined>, what: string, r: BinaryReader): Record<string, unknown> {
  const start = r.offset;
  const kind = r.u8();
  const layout = table[kind];
  if (layout === undefined) {
    r.offset = start;
    throw new CodecError(`unknown ${what} kind ${kind} at offset ${start}`, start);
  }
  const { names, types } = layout;
  const out: Record<string, unknown> = { kind };
  let i = 0;
  try {
    for (; i < names.length; i++) {
      switch (types[i]) {
        case U8:
          out[names[i]] = r.u8();
          break;
        case BOOL:
          out[names[i]] = r.bool();
          break;
        case U32:
          out[names[i]] = r.u32();
          break;
        case I64:
          out[names[i]] = r.i64();
          break;
        default:
          out[names[i]] = r.str();
      }
    }
  } catch (error) {
    // Leave the reader at the start of the bad record: a journal reader can tell where the last good one ended.
    r.offset = start;
    if (error instanceof CodecError) {
      throw new CodecError(`cannot decode ${what} ${layout.name}.${names[i]} (record at offset ${start}): ${error.message}`, error.offset);
    }
    throw error;
  }
  return out;
}

/**
 * Appends one command to `w`. Throws a CodecError (and writes nothing) for an unknown kind or a field its wire
 * type cannot hold exactly (see layout.ts: e.g. a fractional quantity or an unsafe integer amount).
 */
export function encodeCommand(cmd: Readonly<Command>, w: BinaryWriter): void {
  encodeRecord(COMMANDS, 'command', cmd as unknown as Readonly<Record<string, unknown>>, w);
}

/** Reads one command. Throws a CodecError on malformed input, leaving the reader at the start of the record. */
export function decodeCommand(r: BinaryReader): Command {
  return decodeRecord(COMMANDS, 'command', r) as unknown as Command;
}

/** Appends one event to `w`; same contract as encodeCommand. Events are often the core's reused objects: fine. */
export function encodeEvent(e: Readonly<EngineEvent>, w: BinaryWriter): void {
  encodeRecord(EVENTS, 'event', e as unknown as Readonly<Record<string, unknown>>, w);
}

/** Reads one event; same contract as decodeCommand. */
export function decodeEvent(r: BinaryReader): EngineEvent {
  return decodeRecord(EVENTS, 'event', r) as unknown as EngineEvent;
}

const scratch = new BinaryWriter(256);

/** One command as a fresh byte array of its own. */
export function encodeCommandToBytes(cmd: Readonly<Command>): Uint8Array {
  return encodeCommandToScratch(cmd).slice();
}

/**
 * One command into a buffer shared by every call: the bytes are valid until the next encode of this module,
 * for a caller that copies them at once (the journal does): no allocation per command.
 */
export function encodeCommandToScratch(cmd: Readonly<Command>): Uint8Array {
  scratch.reset();
  encodeCommand(cmd, scratch);
  return scratch.bytes();
}

/** One event as a fresh byte array of its own. */
export function encodeEventToBytes(e: Readonly<EngineEvent>): Uint8Array {
  scratch.reset();
  encodeEvent(e, scratch);
  return scratch.bytes().slice();
}

function expectEnd(r: BinaryReader, what: string): void {
  if (r.remaining !== 0) throw new CodecError(`${r.remaining} trailing bytes after the ${what} at offset ${r.offset}`, r.offset);
}

/** Exactly one command: trailing bytes are a CodecError. */
export function decodeCommandFromBytes(bytes: Uint8Array): Command {
  const r = new BinaryReader(bytes);
  const cmd = decodeCommand(r);
  expectEnd(r, 'command');
  return cmd;
}

/** Exactly one event: trailing bytes are a CodecError. */
export function decodeEventFromBytes(bytes: Uint8Array): EngineEvent {
  const r = new BinaryReader(bytes);
  const e = decodeEvent(r);
  expectEnd(r, 'event');
  return e;
}
