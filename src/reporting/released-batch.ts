// A batch of released commands as one binary buffer, for the trip to the reporting worker: copying one
// buffer to the worker is cheap, where structured cloning of thousands of small event objects used to
// cost the engine's thread more than the engine itself. Commands back to back, each: the
// command (the journal's codec), u16 event count and the events, u16 balance count and four i64 each.
import { BinaryReader, BinaryWriter, decodeCommand, decodeEvent, encodeCommand, encodeEvent } from '../codec/index.ts';
import type { EngineEvent } from '../engine/index.ts';
import { BALANCE_FIELDS, type Released } from '../sequencer/index.ts';

/**
 * Builds one batch a command at a time (encoding at release, so a backlog waiting for the store is bytes
 * outside the JS heap, which the garbage collector never has to mark, not thousands of event objects).
 */
export class ReleasedBatchWriter {
  private readonly writer = new BinaryWriter(256 * 1024);
  count = 0;
  lastSequence = 0;

  add(released: Released): void {
    const writer = this.writer;
    encodeCommand(released.command, writer);
    writer.u16(released.events.length);
    const events = released.events;
    for (let i = 0; i < events.length; i++) encodeEvent(events[i], writer);
    const balances = released.balances;
    writer.u16(released.balanceCount);
    for (let i = 0; i < released.balanceCount * BALANCE_FIELDS; i++) writer.i64(balances[i]);
    this.count++;
    this.lastSequence = released.command.sequence;
  }

  /** The batch as a fresh ArrayBuffer of its own (ready to post to the worker); the writer starts over. */
  finish(): ArrayBuffer {
    const bytes = this.writer.bytes();
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    this.writer.reset();
    this.count = 0;
    return buffer;
  }
}

export function encodeReleasedBatch(batch: readonly Released[]): ArrayBuffer {
  const writer = new ReleasedBatchWriter();
  for (const released of batch) writer.add(released);
  return writer.finish();
}

export function decodeReleasedBatch(buffer: ArrayBuffer): Released[] {
  const reader = new BinaryReader(new Uint8Array(buffer));
  const batch: Released[] = [];
  while (reader.remaining > 0) {
    const command = decodeCommand(reader);
    const events: EngineEvent[] = new Array(reader.u16());
    for (let e = 0; e < events.length; e++) events[e] = decodeEvent(reader);
    const balanceCount = reader.u16();
    const balances = new Float64Array(balanceCount * BALANCE_FIELDS);
    for (let i = 0; i < balances.length; i++) balances[i] = reader.i64();
    batch.push({ command, events, balances, balanceCount });
  }
  return batch;
}
