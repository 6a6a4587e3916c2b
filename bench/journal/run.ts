// One journal benchmark run in a fresh directory: a producer appends records of a fixed payload size as fast as
// it can (or at a fixed rate), and we count what becomes durable per second, the fdatasync time of every batch
// (from onBatch, as a metrics exporter sees it), and append→durable latency sampled every 64th record.
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Journal } from '../../src/journal/index.ts';
import { latencyUs, type Latency } from '../engine/stats.ts';

const RECORDS_PER_TICK = 1000;
const MAX_BACKLOG_RECORDS = 100_000; // a producer faster than the disk waits instead of buffering without bound
const SAMPLE_EVERY = 64;
const SETTLE_MS = 1000;

export interface RunOptions {
  seconds: number;
  payloadBytes: number;
  /** Records offered per second; 0 = as fast as possible. */
  ratePerSecond: number;
  fsync: boolean;
  preallocate: boolean;
  segmentBytes: number;
  baseDir: string;
}

export interface RunResult {
  durablePerSecond: number;
  megabytesPerSecond: number;
  batches: number;
  recordsPerBatch: number;
  segments: number;
  fsyncUs: Latency;
  appendToDurableUs: Latency;
}

export async function runOnce(options: RunOptions): Promise<RunResult> {
  const dir = await mkdtemp(join(options.baseDir, 'journal-bench-'));
  try {
    const journal = await Journal.open({ dir, fsync: options.fsync, preallocate: options.preallocate, segmentBytes: options.segmentBytes });
    // One record before the clock starts, so the first segment exists in both modes (with preallocation it is
    // prepared at open, as a server does long before its first order). Then a pause in both modes, in which
    // the preallocating journal prepares the next segment: in steady state that happens once per segment (every
    // 30 s at 2 MB/s), and inside a 3 s window it would weigh ten times as much. At full speed the window still
    // holds several roll-overs and preparations.
    const payload = new Uint8Array(options.payloadBytes).fill(0x42);
    journal.append(1, payload);
    await journal.flush();
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const batchesBefore = journal.stats.batches;
    const recordsBefore = journal.stats.records;
    const bytesBefore = journal.stats.bytes;

    const fsyncNs: number[] = [];
    journal.onBatch = (_records, _bytes, fsyncMicros) => {
      fsyncNs.push(fsyncMicros * 1000);
    };
    const sampleAppendMs: number[] = [];
    const latencyNs: number[] = [];
    let nextSample = 0; // index into sampleAppendMs of the oldest not yet durable
    const first = 2;
    let next = first;
    journal.onDurable = (sequence) => {
      const nowMs = performance.now();
      while (nextSample < sampleAppendMs.length && first + (nextSample + 1) * SAMPLE_EVERY - 1 <= sequence) {
        latencyNs.push((nowMs - sampleAppendMs[nextSample++]) * 1e6);
      }
    };

    const startMs = performance.now();
    const endMs = startMs + options.seconds * 1000;
    await new Promise<void>((resolve) => {
      const pump = (): void => {
        const nowMs = performance.now();
        if (nowMs >= endMs) return resolve();
        let quota = next - 1 - journal.lastSequence < MAX_BACKLOG_RECORDS ? RECORDS_PER_TICK : 0;
        if (options.ratePerSecond > 0) quota = Math.min(quota, Math.floor(((nowMs - startMs) / 1000) * options.ratePerSecond) - (next - first));
        for (let i = 0; i < quota; i++, next++) {
          if ((next - first + 1) % SAMPLE_EVERY === 0) sampleAppendMs.push(nowMs);
          journal.append(next, payload);
        }
        setImmediate(pump);
      };
      pump();
    });
    const durableAtEnd = journal.lastSequence - 1;
    const elapsedS = (performance.now() - startMs) / 1000;
    const segments = journal.segmentPaths.length;
    await journal.close();
    const batches = journal.stats.batches - batchesBefore;
    return {
      durablePerSecond: durableAtEnd / elapsedS,
      megabytesPerSecond: (journal.stats.bytes - bytesBefore) / elapsedS / 1e6,
      batches,
      recordsPerBatch: (journal.stats.records - recordsBefore) / Math.max(1, batches),
      segments,
      fsyncUs: latencyUs(Float64Array.from(fsyncNs)),
      appendToDurableUs: latencyUs(Float64Array.from(latencyNs)),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
