// A batch of released commands as one binary buffer, for the trip to the reporting worker: copying one
// buffer to the worker is cheap, where structured cloning of thousands of small event objects used to
// cost the engine's thread more than the engine itself. Commands back to back, each: the
// command (the journal's codec), u16 event count and the events, u16 balance count and four i64 each.
import { BinaryReader, BinaryWriter } from '../codec/index.ts';
import { decodeReleased, encodeReleased, type Released } from '../sequencer/index.ts';

/**
 * Builds one batch a command at a time (encoding at release, so a backlog waiting for the store is bytes
 * outside the JS heap, which the garbage collector never has to mark, not thousands of event objects).
 */
export class ReleasedBatchWriter {
  private readonly writer = new BinaryWriter(256 * 1024);
  count = 0;
  lastSequence = 0;

  add(released: Released): void {
    encodeReleased(released, this.writer);
    this.count++;
    this.lastSequence = released.command.sequence;
  }

  /** A command already encoded by encodeReleased (the engine thread's released stream carries it so). */
  addEncoded(sequence: number, encoded: Uint8Array): void {
    this.writer.raw(encoded);
    this.count++;
    this.lastSequence = sequence;
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
  while (reader.remaining > 0) batch.push(decodeReleased(reader));
  return batch;
}
