// A released command as bytes: what crosses a thread or a worker boundary instead of the objects (the
// reporting worker's batches, the engine thread's released stream to the API thread).
import { type BinaryReader, type BinaryWriter, decodeCommand, decodeEvent, encodeCommand, encodeEvent } from '../codec/index.ts';
import type { EngineEvent } from '../engine/index.ts';
import { BALANCE_FIELDS, type Released } from './released.ts';

/** One released command: the command (the journal's codec), u16 event count and the events, u16 balance count and four i64 each. */
export function encodeReleased(released: Released, writer: BinaryWriter): void {
  encodeCommand(released.command, writer);
  writer.u16(released.events.length);
  const events = released.events;
  for (let i = 0; i < events.length; i++) encodeEvent(events[i], writer);
  const balances = released.balances;
  writer.u16(released.balanceCount);
  for (let i = 0; i < released.balanceCount * BALANCE_FIELDS; i++) writer.i64(balances[i]);
}

/** What encodeReleased wrote, as new objects. */
export function decodeReleased(reader: BinaryReader): Released {
  const command = decodeCommand(reader);
  const events: EngineEvent[] = new Array(reader.u16());
  for (let e = 0; e < events.length; e++) events[e] = decodeEvent(reader);
  const balanceCount = reader.u16();
  const balances = new Float64Array(balanceCount * BALANCE_FIELDS);
  for (let i = 0; i < balances.length; i++) balances[i] = reader.i64();
  return { command, events, balances, balanceCount };
}
