// The released stream: everything the engine thread tells the API thread, in order, on one SpscRing (no
// postMessage per command). Records:
//
//   Released      u8 1, u32 requestId (0: not the API thread's), i64 releasedAt (epoch microseconds), the
//                 command as released-codec.ts writes it
//   Failed        u8 2, u32 requestId, UTF-8 message (the API thread's command could not be submitted)
//   JournalBatch  u8 3, u32 records, u32 bytes, i64 fsync microseconds, i64 resting orders (for metrics)
//   GcPauses      u8 4, u16 count, i64 microseconds each (the engine thread's, since the last such record)
//   MarketDump    u8 5, i64 sequence: a snapshot at that sequence wants the API thread's market view, which
//                 has applied exactly the records before this one
//   StageLatency  u8 6, u8 stage (STAGES index), the counts as writeStageCounts writes them (stage-latency.ts):
//                 a stage measured on the engine thread, since the last such record
//
// The writer publishes once per burst of releases (a journal batch), like the gateways' answers; records
// that find the ring full wait, in order, until the API thread has made room (ring-record-writer.ts).
import type { SpscRing } from '../bus/index.ts';
import { BinaryReader } from '../codec/index.ts';
import { decodeReleased, encodeReleased, type Released } from '../sequencer/index.ts';
import { burstNowMs, type LatencyBuckets, readStageCounts, type Stage, STAGES, writeStageCounts } from '../ops/stage-latency.ts';
import { RingRecordWriter } from './ring-record-writer.ts';

export const StreamRecord = { Released: 1, Failed: 2, JournalBatch: 3, GcPauses: 4, MarketDump: 5, StageLatency: 6 } as const;

/** Default size of the ring: about a second of releases at 200,000 commands a second. */
export const RELEASED_STREAM_BYTES = 64 * 1024 * 1024;

/**
 * The last sequence the engine thread has released, in shared memory: written before the answers of what
 * was released go to the gateways (ReleasedStreamWriter.shareReleased, called by the order-entry service
 * before it publishes answers, and at each publish of the stream), so a client that has an answer and then
 * asks the API thread can be made to wait until the API thread has applied that far.
 */
export class ReleasedThrough {
  private readonly cell: BigInt64Array;

  constructor(readonly buffer = new SharedArrayBuffer(8)) {
    this.cell = new BigInt64Array(buffer);
  }

  store(sequence: number): void {
    Atomics.store(this.cell, 0, BigInt(sequence));
  }

  load(): number {
    return Number(Atomics.load(this.cell, 0));
  }
}

/** The engine thread's end. */
export class ReleasedStreamWriter {
  private readonly out: RingRecordWriter;
  /** The API thread's request behind each of its commands still waiting to be released. */
  private readonly requests = new Map<number, number>();
  private lastReleased = 0;
  private sharedReleased = 0;

  constructor(ring: SpscRing, private readonly releasedThrough: ReleasedThrough) {
    this.out = new RingRecordWriter(ring, this.shareReleased);
  }

  /** Puts the last released sequence in ReleasedThrough (if it moved): before any answer to it is published. */
  readonly shareReleased = (): void => {
    if (this.sharedReleased === this.lastReleased) return;
    this.sharedReleased = this.lastReleased;
    this.releasedThrough.store(this.lastReleased);
  };

  /** `sequence` is the API thread's request `requestId`: its Released record will say so. */
  expect(sequence: number, requestId: number): void {
    this.requests.set(sequence, requestId);
  }

  /** A release listener (the node's consumer): one Released record per command. */
  readonly onRelease = (released: Released): void => {
    const writer = this.out.begin();
    writer.u8(StreamRecord.Released);
    const sequence = released.command.sequence;
    const requestId = this.requests.get(sequence) ?? 0;
    if (requestId !== 0) this.requests.delete(sequence);
    writer.u32(requestId);
    writer.i64(Math.round(burstNowMs() * 1000));
    encodeReleased(released, writer);
    this.out.end();
    this.lastReleased = sequence;
  };

  failed(requestId: number, message: string): void {
    const writer = this.out.begin();
    writer.u8(StreamRecord.Failed);
    writer.u32(requestId);
    writer.str(message);
    this.out.end();
  }

  journalBatch(records: number, bytes: number, fsyncMicros: number, restingOrders: number): void {
    const writer = this.out.begin();
    writer.u8(StreamRecord.JournalBatch);
    writer.u32(records);
    writer.u32(bytes);
    writer.i64(Math.round(fsyncMicros));
    writer.i64(restingOrders);
    this.out.end();
  }

  gcPauses(micros: readonly number[]): void {
    const writer = this.out.begin();
    writer.u8(StreamRecord.GcPauses);
    writer.u16(micros.length);
    for (let i = 0; i < micros.length; i++) writer.i64(micros[i]);
    this.out.end();
  }

  marketDump(sequence: number): void {
    const writer = this.out.begin();
    writer.u8(StreamRecord.MarketDump);
    writer.i64(sequence);
    this.out.end();
  }

  stageLatency(stage: Stage, buckets: LatencyBuckets): void {
    const writer = this.out.begin();
    writer.u8(StreamRecord.StageLatency);
    writer.u8(STAGES.indexOf(stage));
    writeStageCounts(buckets, writer);
    this.out.end();
  }

  /** Nothing is held back for want of room in the ring. */
  get drained(): boolean {
    return this.out.drained;
  }
}

export interface StreamHandlers {
  /**
   * `encoded`: the command's bytes as encodeReleased wrote them (a view of the ring, valid during the call);
   * `releasedAtMs`: when the engine thread released it (burstNowMs: when its journal batch became durable).
   */
  released(requestId: number, released: Released, encoded: Uint8Array, releasedAtMs: number): void;
  failed(requestId: number, message: string): void;
  journalBatch(records: number, bytes: number, fsyncMicros: number, restingOrders: number): void;
  gcPauses(micros: number[]): void;
  marketDump(sequence: number): void;
  stageLatency(stage: Stage, counts: number[], sumSeconds: number): void;
}

const streamReader = new BinaryReader(new Uint8Array(0));

/** Handles one record of the stream (the reader's poll handler). */
export function readStreamRecord(data: Uint8Array, offset: number, length: number, handlers: StreamHandlers): void {
  // One reader for every record: each case reads all it needs before it calls a handler (which may poll the
  // stream again, and so read the next record with this reader).
  const reader = streamReader.window(data, offset, offset + length);
  const kind = reader.u8();
  switch (kind) {
    case StreamRecord.Released: {
      const requestId = reader.u32();
      const releasedAtMs = reader.i64() / 1000;
      const start = reader.offset;
      handlers.released(requestId, decodeReleased(reader), data.subarray(start, offset + length), releasedAtMs);
      return;
    }
    case StreamRecord.Failed: {
      const requestId = reader.u32();
      handlers.failed(requestId, reader.str());
      return;
    }
    case StreamRecord.JournalBatch:
      handlers.journalBatch(reader.u32(), reader.u32(), reader.i64(), reader.i64());
      return;
    case StreamRecord.GcPauses: {
      const micros = new Array<number>(reader.u16());
      for (let i = 0; i < micros.length; i++) micros[i] = reader.i64();
      handlers.gcPauses(micros);
      return;
    }
    case StreamRecord.MarketDump:
      handlers.marketDump(reader.i64());
      return;
    case StreamRecord.StageLatency: {
      const stage = STAGES[reader.u8()];
      const { counts, sumSeconds } = readStageCounts(reader);
      handlers.stageLatency(stage, counts, sumSeconds);
      return;
    }
    default:
      throw new Error(`released stream: unknown record kind ${kind}`);
  }
}
