// Reference model of the record codec: the generic, table-driven loop that src/codec/records.ts used before it
// generated straight-line code per kind. Slow (keyed loads with varying names, a switch per field) but plain to
// read; generated-codec.test.ts checks the fast codec against it: same bytes, objects, errors and offsets.
import type { Command, EngineEvent } from '../../src/engine/index.ts';
import { BinaryReader, BinaryWriter, CodecError, commandLayouts, eventLayouts } from '../../src/codec/index.ts';
import type { RecordLayout } from '../../src/codec/index.ts';

type Table = ReadonlyArray<RecordLayout | undefined>;

function byKind(layouts: readonly RecordLayout[]): Table {
  const table = new Array<RecordLayout | undefined>(256).fill(undefined);
  for (const layout of layouts) table[layout.kind] = layout;
  return table;
}

const COMMANDS = byKind(commandLayouts);
const EVENTS = byKind(eventLayouts);

function encodeRecord(table: Table, what: string, record: Readonly<Record<string, unknown>>, w: BinaryWriter): void {
  const kind = record.kind;
  const layout = typeof kind === 'number' && (kind & 0xff) === kind ? table[kind] : undefined;
  if (layout === undefined) throw new CodecError(`cannot encode ${what}: unknown kind ${String(record.kind)}`);
  const start = w.length;
  let i = 0;
  try {
    w.u8(layout.kind);
    for (; i < layout.fields.length; i++) {
      const { name, type } = layout.fields[i];
      const v = record[name];
      if (type === 'u8') w.u8(v as number);
      else if (type === 'bool') w.bool(v as boolean);
      else if (type === 'u32') w.u32(v as number);
      else if (type === 'i64') w.i64(v as number);
      else w.str(v as string);
    }
  } catch (error) {
    w.truncate(start);
    if (error instanceof CodecError) throw new CodecError(`cannot encode ${what} ${layout.name}.${layout.fields[i].name}: ${error.message}`);
    throw error;
  }
}

function decodeRecord(table: Table, what: string, r: BinaryReader): Record<string, unknown> {
  const start = r.offset;
  const kind = r.u8();
  const layout = table[kind];
  if (layout === undefined) {
    r.offset = start;
    throw new CodecError(`unknown ${what} kind ${kind} at offset ${start}`, start);
  }
  const out: Record<string, unknown> = { kind };
  let i = 0;
  try {
    for (; i < layout.fields.length; i++) {
      const { name, type } = layout.fields[i];
      if (type === 'u8') out[name] = r.u8();
      else if (type === 'bool') out[name] = r.bool();
      else if (type === 'u32') out[name] = r.u32();
      else if (type === 'i64') out[name] = r.i64();
      else out[name] = r.str();
    }
  } catch (error) {
    r.offset = start;
    if (error instanceof CodecError) {
      throw new CodecError(`cannot decode ${what} ${layout.name}.${layout.fields[i].name} (record at offset ${start}): ${error.message}`, error.offset);
    }
    throw error;
  }
  return out;
}

export function encodeCommand(cmd: Readonly<Command>, w: BinaryWriter): void {
  encodeRecord(COMMANDS, 'command', cmd as unknown as Readonly<Record<string, unknown>>, w);
}

export function decodeCommand(r: BinaryReader): Command {
  return decodeRecord(COMMANDS, 'command', r) as unknown as Command;
}

export function encodeEvent(e: Readonly<EngineEvent>, w: BinaryWriter): void {
  encodeRecord(EVENTS, 'event', e as unknown as Readonly<Record<string, unknown>>, w);
}

export function decodeEvent(r: BinaryReader): EngineEvent {
  return decodeRecord(EVENTS, 'event', r) as unknown as EngineEvent;
}
