// Latency per stage of an order's way through the server (design section 10), measured where the stage
// ends, on whichever thread that is, and exposed by the API thread's metrics as one Prometheus histogram,
// exchange_stage_seconds{stage}. A thread without the registry keeps LatencyBuckets (typed arrays: nothing
// allocated per observation) and sends their counts over from time to time (writeStageCounts, on the
// released stream and from a gateway thread to the engine thread); StageHistogram adds them up.
import { type BinaryReader, type BinaryWriter, CodecError } from '../codec/binary.ts';

/** Upper bounds of the buckets, seconds (a last bucket takes everything above). */
export const STAGE_BUCKETS_SECONDS = [0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** The stages, in the order their index is sent between threads. */
export const STAGES = ['inbound', 'durable', 'stream', 'answer'] as const;
export type Stage = (typeof STAGES)[number];

/** Milliseconds since the epoch with the monotonic clock's resolution: comparable between threads. */
export function epochNowMs(): number {
  return performance.timeOrigin + performance.now();
}

let burstStartedMs = 0;
const forgetBurst = (): void => {
  burstStartedMs = 0;
};

/**
 * epochNowMs() read once per synchronous run of this thread and shared by every call in it. The engine
 * thread releases a journal batch in one run, and stamps each command's durable stage and release time with
 * this: when the batch became durable, for all of its commands, instead of a clock read (about 100 ns here)
 * per command, twice. A command late in a large burst is thereby stamped earlier than it was released (by up
 * to the burst's work, a few ms at 100,000 orders/s), which counts against the stream stage, not for it.
 */
export function burstNowMs(): number {
  if (burstStartedMs === 0) {
    burstStartedMs = epochNowMs();
    queueMicrotask(forgetBurst);
  }
  return burstStartedMs;
}

/** Observations of one stage since the last take(). */
export class LatencyBuckets {
  /** Per bucket, not cumulative; the last counts everything above the last bound. */
  readonly counts = new Float64Array(STAGE_BUCKETS_SECONDS.length + 1);
  sumSeconds = 0;
  count = 0;

  observe(seconds: number): void {
    this.observeMany(seconds, 1);
  }

  /** `times` observations of the same value (answers that went out together). */
  observeMany(seconds: number, times: number): void {
    const value = seconds > 0 ? seconds : 0;
    let i = 0;
    while (i < STAGE_BUCKETS_SECONDS.length && value > STAGE_BUCKETS_SECONDS[i]) i++;
    this.counts[i] += times;
    this.sumSeconds += value * times;
    this.count += times;
  }

  /** Adds another thread's counts (per bucket, as `counts` keeps them) and their sum. */
  add(counts: ArrayLike<number>, sumSeconds: number): void {
    for (let i = 0; i < this.counts.length; i++) {
      this.counts[i] += counts[i];
      this.count += counts[i];
    }
    this.sumSeconds += sumSeconds;
  }

  reset(): void {
    this.counts.fill(0);
    this.sumSeconds = 0;
    this.count = 0;
  }
}

/**
 * A stage's counts as they cross between threads: u16 buckets, an i64 count per bucket, the i64 sum in
 * microseconds. One layout wherever they travel; the reader refuses another build's bucket count.
 */
export function writeStageCounts(buckets: LatencyBuckets, writer: BinaryWriter): void {
  writer.u16(buckets.counts.length);
  for (let i = 0; i < buckets.counts.length; i++) writer.i64(buckets.counts[i]);
  writer.i64(Math.round(buckets.sumSeconds * 1e6));
}

export interface StageCounts {
  /** Per bucket, as LatencyBuckets keeps them. */
  counts: number[];
  sumSeconds: number;
}

/** What writeStageCounts wrote. Throws CodecError for a bucket count other than this build's, or bytes cut short. */
export function readStageCounts(reader: BinaryReader): StageCounts {
  const buckets = reader.u16();
  if (buckets !== STAGE_BUCKETS_SECONDS.length + 1) {
    throw new CodecError(`stage counts with ${buckets} buckets; this build has ${STAGE_BUCKETS_SECONDS.length + 1}`);
  }
  const counts = new Array<number>(buckets);
  for (let i = 0; i < buckets; i++) counts[i] = reader.i64();
  return { counts, sumSeconds: reader.i64() / 1e6 };
}

interface MetricValue {
  metricName: string;
  labels: Record<string, string | number>;
  value: number;
}

/**
 * A Prometheus histogram fed with bucket counts rather than single values (prom-client's Histogram only
 * observes values). Registered as a custom metric: prom-client calls get() at each scrape.
 */
export class StageHistogram {
  readonly name = 'exchange_stage_seconds';
  readonly help = 'Order entry latency per stage: inbound (gateway read to the engine thread taking it), ' +
    'durable (sequenced to released: batching and fsync), stream (released to applied on the API thread), ' +
    'answer (the engine thread publishing an answer to the gateway thread writing it to the socket)';
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly stages = new Map<Stage, LatencyBuckets>();

  /** Adds counts (per bucket, as LatencyBuckets keeps them) and their sum to a stage. */
  add(stage: Stage, counts: ArrayLike<number>, sumSeconds: number): void {
    this.stage(stage).add(counts, sumSeconds);
  }

  observe(stage: Stage, seconds: number): void {
    this.stage(stage).observe(seconds);
  }

  private stage(stage: Stage): LatencyBuckets {
    let buckets = this.stages.get(stage);
    if (!buckets) this.stages.set(stage, (buckets = new LatencyBuckets()));
    return buckets;
  }

  get(): { name: string; help: string; type: string; aggregator: string; values: MetricValue[] } {
    const values: MetricValue[] = [];
    for (const [stage, buckets] of this.stages) {
      let cumulative = 0;
      for (let i = 0; i < buckets.counts.length; i++) {
        cumulative += buckets.counts[i];
        const le = i < STAGE_BUCKETS_SECONDS.length ? STAGE_BUCKETS_SECONDS[i] : '+Inf';
        values.push({ metricName: `${this.name}_bucket`, labels: { le, stage }, value: cumulative });
      }
      values.push({ metricName: `${this.name}_sum`, labels: { stage }, value: buckets.sumSeconds });
      values.push({ metricName: `${this.name}_count`, labels: { stage }, value: buckets.count });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    this.stages.clear();
  }
}
