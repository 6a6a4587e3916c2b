// The answer stage (design section 10), measured on a gateway thread: from the engine thread publishing a
// burst of answers to this thread handing them to the sockets. The engine thread ends each burst it
// publishes to a gateway with a PublishedAt record (bus-records.ts); the answers before it are counted, and
// when the batch read from the ring has been written to the sockets, each burst is observed once per answer
// it held. Nothing is allocated per answer; the counts go to the engine thread once a second
// (encodeStageCounts), which sends them on with its own stages.
import { LatencyBuckets, STAGE_BUCKETS_SECONDS } from '../../ops/stage-latency.ts';

/** A gateway's StageLatency record body: u16 buckets, then an f64 count per bucket and the f64 sum in seconds. */
export const STAGE_COUNTS_BYTES = 2 + 8 * (STAGE_BUCKETS_SECONDS.length + 2);

export class AnswerLatency {
  readonly buckets = new LatencyBuckets();
  /** Answers read since the last PublishedAt. */
  private unmarked = 0;
  /** Pairs (publishedAtMs, answers) of the bursts read but not yet written to the sockets. */
  private readonly bursts: number[] = [];
  private burstValues = 0;

  /** An answer record for a client was read. */
  answer(): void {
    this.unmarked++;
  }

  /** A PublishedAt record: the answers read since the last one were published at `publishedAtMs`. */
  published(publishedAtMs: number): void {
    if (this.unmarked === 0) return;
    this.bursts[this.burstValues++] = publishedAtMs;
    this.bursts[this.burstValues++] = this.unmarked;
    this.unmarked = 0;
  }

  /** What was read has been handed to the sockets at `nowMs`. */
  written(nowMs: number): void {
    for (let i = 0; i < this.burstValues; i += 2) this.buckets.observeMany((nowMs - this.bursts[i]) / 1000, this.bursts[i + 1]);
    this.burstValues = 0;
  }
}

/** The buckets' counts and sum as a StageLatency record body (STAGE_COUNTS_BYTES). */
export function encodeStageCounts(buckets: LatencyBuckets, out: Uint8Array): void {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setUint16(0, buckets.counts.length, true);
  for (let i = 0; i < buckets.counts.length; i++) view.setFloat64(2 + 8 * i, buckets.counts[i], true);
  view.setFloat64(2 + 8 * buckets.counts.length, buckets.sumSeconds, true);
}

/** Adds a StageLatency record body at `offset` of `view` to `into`; false if its bucket count differs. */
export function addStageCounts(view: DataView, offset: number, length: number, into: LatencyBuckets): boolean {
  const buckets = length >= 2 ? view.getUint16(offset, true) : -1;
  if (buckets !== into.counts.length || length !== 2 + 8 * (buckets + 1)) return false;
  const counts = new Float64Array(buckets);
  for (let i = 0; i < buckets; i++) counts[i] = view.getFloat64(offset + 2 + 8 * i, true);
  into.add(counts, view.getFloat64(offset + 2 + 8 * buckets, true));
  return true;
}
