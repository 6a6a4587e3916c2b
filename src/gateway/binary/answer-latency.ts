// The answer stage (design section 10), measured on a gateway thread: from the engine thread publishing a
// burst of answers to this thread handing them to the sockets. The engine thread ends each burst it
// publishes to a gateway with a PublishedAt record (bus-records.ts); the answers before it are counted, and
// when the batch read from the ring has been written to the sockets, each burst is observed once per answer
// it held. Nothing is allocated per answer; the counts go to the engine thread once a second
// (writeStageCounts in stage-latency.ts), which sends them on with its own stages.
import { LatencyBuckets } from '../../ops/stage-latency.ts';

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
