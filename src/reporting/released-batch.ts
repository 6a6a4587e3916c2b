// A batch of released commands as one binary buffer, for the trip to the reporting worker: copying one
// buffer to the worker is cheap, where structured cloning of thousands of small event objects used to
// cost the engine's thread more than the engine itself. Commands back to back, each: the
// command (the journal's codec), u16 event count and the events, u16 balance count and four i64 each.
import { BinaryReader, BinaryWriter, decodeCommand, decodeEvent, encodeCommand, encodeEvent } from '../codec/index.ts';
import type { EngineEvent } from '../engine/index.ts';
import type { BalanceAfter, Released } from '../sequencer/index.ts';

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
    for (const event of released.events) encodeEvent(event, writer);
    writer.u16(released.balances.length);
    for (const [accountId, asset, available, held] of released.balances) {
      writer.i64(accountId);
      writer.i64(asset);
      writer.i64(available);
      writer.i64(held);
    }
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
    const balances: BalanceAfter[] = new Array(reader.u16());
    for (let b = 0; b < balances.length; b++) balances[b] = [reader.i64(), reader.i64(), reader.i64(), reader.i64()];
    batch.push({ command, events, balances });
  }
  return batch;
}
