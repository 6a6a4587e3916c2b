// Journal throughput and commit latency with group commit: a producer appends records of a fixed payload size
// as fast as it can (or at --rate records/s), and we count what becomes durable per second. Latency is from
// append() to the onDurable that covers it, sampled every 64th record.
//
//   node --import tsx bench/journal/main.ts [--seconds=3] [--payload-bytes=100] [--rate=0] [--no-fsync] [--dir=PATH]
//
// --dir should sit on the disk the exchange will use: fsync cost is the whole story here.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal } from '../../src/journal/index.ts';
import { latencyUs } from '../engine/stats.ts';

const RECORDS_PER_TICK = 1000;
const MAX_BACKLOG_RECORDS = 100_000; // a producer faster than the disk waits instead of buffering without bound
const SAMPLE_EVERY = 64;

function argument(name: string, fallback: string): string {
  const prefix = `--${name}=`;
  return process.argv.find((arg) => arg.startsWith(prefix))?.slice(prefix.length) ?? fallback;
}

const seconds = Number(argument('seconds', '3'));
const payloadBytes = Number(argument('payload-bytes', '100'));
const ratePerSecond = Number(argument('rate', '0'));
const fsync = !process.argv.includes('--no-fsync');
const baseDir = argument('dir', tmpdir());

const dir = await mkdtemp(join(baseDir, 'journal-bench-'));
try {
  const journal = await Journal.open({ dir, fsync });
  const payload = new Uint8Array(payloadBytes).fill(0x42);
  const sampleAppendMs: number[] = [];
  const latencyNs: number[] = [];
  let nextSample = 0; // index into sampleAppendMs of the oldest not yet durable
  let next = 1;
  let fsyncUsTotal = 0;
  journal.onBatch = (_records, _bytes, fsyncMicros) => {
    fsyncUsTotal += fsyncMicros;
  };
  journal.onDurable = (sequence) => {
    const nowMs = performance.now();
    while (nextSample < sampleAppendMs.length && (nextSample + 1) * SAMPLE_EVERY <= sequence) {
      latencyNs.push((nowMs - sampleAppendMs[nextSample++]) * 1e6);
    }
  };

  const startMs = performance.now();
  const endMs = startMs + seconds * 1000;
  await new Promise<void>((resolve) => {
    const pump = (): void => {
      const nowMs = performance.now();
      if (nowMs >= endMs) return resolve();
      let quota = next - 1 - journal.lastSequence < MAX_BACKLOG_RECORDS ? RECORDS_PER_TICK : 0;
      if (ratePerSecond > 0) quota = Math.min(quota, Math.floor(((nowMs - startMs) / 1000) * ratePerSecond) - (next - 1));
      for (let i = 0; i < quota; i++, next++) {
        if (next % SAMPLE_EVERY === 0) sampleAppendMs.push(nowMs);
        journal.append(next, payload);
      }
      setImmediate(pump);
    };
    pump();
  });
  const durableAtEnd = journal.lastSequence;
  const elapsedS = (performance.now() - startMs) / 1000;
  await journal.close();

  const { batches, records, bytes } = journal.stats;
  const latency = latencyUs(Float64Array.from(latencyNs));
  console.log(`journal bench: ${payloadBytes}-byte payloads, fsync ${fsync ? 'on' : 'OFF'}, ${ratePerSecond > 0 ? `${ratePerSecond} records/s offered` : 'as fast as possible'}, ${seconds} s, ${dir}`);
  console.log(`  durable: ${Math.round(durableAtEnd / elapsedS).toLocaleString('en-US')} records/s, ${(bytes / elapsedS / 1e6).toFixed(1)} MB/s`);
  console.log(`  batches: ${batches} (${Math.round(batches / elapsedS)}/s), ${Math.round(records / Math.max(1, batches))} records per batch on average, fdatasync ${Math.round(fsyncUsTotal / Math.max(1, batches))} µs on average`);
  console.log(`  append→durable latency µs: p50 ${latency.p50.toFixed(0)}, p99 ${latency.p99.toFixed(0)}, max ${latency.max.toFixed(0)}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
