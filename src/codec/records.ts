// Encode and decode commands and events, with code generated from the layout tables of layout.ts (codegen.ts).
// A record is self-delimiting (u8 kind, then fixed-order fields), so records can sit back to back in one buffer.
import type { Command, EngineEvent } from '../engine/index.ts';
import { BinaryReader, BinaryWriter, CodecError } from './binary.ts';
import { compileDecoder, compileEncoder } from './codegen.ts';
import type { RecordDecoder, RecordEncoder } from './codegen.ts';
import { COMMAND_HEADER, commandLayouts, eventLayouts } from './layout.ts';
import type { RecordLayout } from './layout.ts';

/** Generated code per kind (see codegen.ts), indexed by kind byte; undefined for kinds that do not exist. */
interface Codecs {
  readonly encoders: ReadonlyArray<RecordEncoder | undefined>;
  readonly decoders: ReadonlyArray<RecordDecoder | undefined>;
}

function compile(layouts: readonly RecordLayout[], what: string): Codecs {
  const encoders = new Array<RecordEncoder | undefined>(256).fill(undefined);
  const decoders = new Array<RecordDecoder | undefined>(256).fill(undefined);
  for (const layout of layouts) {
    const field = (i: number): string => `${layout.name}.${layout.fields[i].name}`;
    encoders[layout.kind] = compileEncoder(layout, (error, i) =>
      error instanceof CodecError ? new CodecError(`cannot encode ${what} ${field(i)}: ${error.message}`) : error);
    // Leave the reader at the start of the bad record (the generated code rewinds it): a journal reader can
    // tell where the last good one ended.
    decoders[layout.kind] = compileDecoder(layout, (error, i, start) =>
      error instanceof CodecError ? new CodecError(`cannot decode ${what} ${field(i)} (record at offset ${start}): ${error.message}`, error.offset) : error);
  }
  return { encoders, decoders };
}

const COMMANDS = compile(commandLayouts, 'command');
const EVENTS = compile(eventLayouts, 'event');

function encodeRecord(codecs: Codecs, what: string, record: Readonly<{ kind: unknown }>, w: BinaryWriter): void {
  const kind = record.kind;
  const encode = typeof kind === 'number' && (kind & 0xff) === kind ? codecs.encoders[kind] : undefined;
  if (encode === undefined) throw new CodecError(`cannot encode ${what}: unknown kind ${String(kind)}`);
  // Leaves no half-written record behind: the generated code truncates the writer to where it started.
  encode(record, w);
}

function decodeRecord(codecs: Codecs, what: string, r: BinaryReader): Record<string, unknown> {
  const start = r.offset;
  const kind = r.u8();
  const decode = codecs.decoders[kind];
  if (decode === undefined) {
    r.offset = start;
    throw new CodecError(`unknown ${what} kind ${kind} at offset ${start}`, start);
  }
  return decode(r, start);
}

/**
 * Appends one command to `w`. Throws a CodecError (and writes nothing) for an unknown kind or a field its wire
 * type cannot hold exactly (see layout.ts: e.g. a fractional quantity or an unsafe integer amount).
 */
export function encodeCommand(cmd: Readonly<Command>, w: BinaryWriter): void {
  encodeRecord(COMMANDS, 'command', cmd, w);
}

/** Reads one command. Throws a CodecError on malformed input, leaving the reader at the start of the record. */
export function decodeCommand(r: BinaryReader): Command {
  return decodeRecord(COMMANDS, 'command', r) as unknown as Command;
}

/** Appends one event to `w`; same contract as encodeCommand. Events are often the core's reused objects: fine. */
export function encodeEvent(e: Readonly<EngineEvent>, w: BinaryWriter): void {
  encodeRecord(EVENTS, 'event', e, w);
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
 * Encodes commands into one buffer it reuses: after encode(command), the command's bytes are the first
 * `length` of `bytes` (both valid until the next encode). Nothing is allocated per command, not even a view.
 */
export class ScratchCommandEncoder {
  private readonly writer = new BinaryWriter(256);

  encode(cmd: Readonly<Command>): void {
    this.writer.reset();
    encodeCommand(cmd, this.writer);
  }

  get bytes(): Uint8Array {
    return this.writer.target;
  }

  get length(): number {
    return this.writer.length;
  }
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

type FieldCopier = (to: object, from: object) => void;

/** A straight-line copy of `kind` and the named fields (the layout tables' names are identifiers). */
function compileCopier(fields: readonly { name: string }[]): FieldCopier {
  return new Function('to', 'from', ['to.kind = from.kind;', ...fields.map((field) => `to.${field.name} = from.${field.name};`)].join('\n')) as FieldCopier;
}

/** Per command kind: kind and the body fields (what the journal records besides the header the sequencer stamps). */
const commandCopiers: FieldCopier[] = [];
for (const layout of commandLayouts) commandCopiers[layout.kind] = compileCopier(layout.fields.filter((field) => !(field.name in COMMAND_HEADER)));

/** Per event kind: kind and every field, header included (an event's layout lists all of its fields). */
const eventCopiers: FieldCopier[] = [];
for (const layout of eventLayouts) eventCopiers[layout.kind] = compileCopier(layout.fields);

/**
 * Copies every field of `from` into `to`, an event of the same kind to reuse (the sequencer's pooled copies of
 * the engine's events): no allocation, and one shape per kind.
 */
export function copyEventInto(from: Readonly<EngineEvent>, to: EngineEvent): void {
  const copier = typeof from.kind === 'number' ? eventCopiers[from.kind] : undefined;
  if (copier === undefined) throw new CodecError(`cannot copy an event of unknown kind ${String(from.kind)}`);
  copier(to, from);
}

/**
 * A copy of a command's kind and body fields (every field the journal records but the header the sequencer
 * stamps), into `to` when given (a command of the same kind to reuse: no allocation), else into a new object
 * whose header fields start as numbers of the right kind (timestampMs a double, stored in place).
 */
export function copyCommandBody(from: Readonly<Command>, to?: Command): Command {
  const copier = typeof from.kind === 'number' ? commandCopiers[from.kind] : undefined;
  if (copier === undefined) throw new CodecError(`cannot copy a command of unknown kind ${String(from.kind)}`);
  const target = to ?? ({ kind: from.kind, sequence: 0, timestampMs: 0.5 } as Command);
  copier(target, from);
  return target;
}
