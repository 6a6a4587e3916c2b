// A batch of released commands as one binary buffer, for the trip to the reporting worker: the buffer is
// transferred (moved, not copied) to the worker, where structured cloning of thousands of small event
// objects used to cost the engine's thread more than the engine itself. The command and event bodies use
// the journal's codec; balances are four i64 each.
import { BinaryReader, BinaryWriter, decodeCommand, decodeEvent, encodeCommand, encodeEvent } from '../codec/index.ts';
import type { EngineEvent } from '../engine/index.ts';
import type { BalanceAfter, Released } from '../sequencer/index.ts';

const writer = new BinaryWriter(256 * 1024);

/** The batch as a fresh ArrayBuffer of its own (ready to be transferred). */
export function encodeReleasedBatch(batch: readonly Released[]): ArrayBuffer {
  writer.reset();
  writer.u32(batch.length);
  for (const released of batch) {
    if (released.commandBytes) writer.raw(released.commandBytes);
    else encodeCommand(released.command, writer);
    writer.u16(released.events.length);
    for (const event of released.events) encodeEvent(event, writer);
    writer.u16(released.balances.length);
    for (const [accountId, asset, available, held] of released.balances) {
      writer.i64(accountId);
      writer.i64(asset);
      writer.i64(available);
      writer.i64(held);
    }
  }
  const bytes = writer.bytes();
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

export function decodeReleasedBatch(buffer: ArrayBuffer): Released[] {
  const reader = new BinaryReader(new Uint8Array(buffer));
  const count = reader.u32();
  const batch: Released[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const command = decodeCommand(reader);
    const events: EngineEvent[] = new Array(reader.u16());
    for (let e = 0; e < events.length; e++) events[e] = decodeEvent(reader);
    const balances: BalanceAfter[] = new Array(reader.u16());
    for (let b = 0; b < balances.length; b++) balances[b] = [reader.i64(), reader.i64(), reader.i64(), reader.i64()];
    batch[i] = { command, events, balances };
  }
  if (reader.remaining !== 0) throw new Error(`released batch: ${reader.remaining} bytes left after ${count} commands`);
  return batch;
}
