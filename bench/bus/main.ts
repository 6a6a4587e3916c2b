// Ring throughput between two threads: a producer worker writes 32-byte messages in batches of --batch
// (one publish each) and this thread reads them; both sides sleep in Atomics waits, never spin. The rate
// is counted from the first message read to the last, so worker start-up is left out.
//
//   node --import tsx bench/bus/main.ts [--messages=10000000] [--batch=64] [--ring-bytes=1048576]
//
// This file is also the producer: the worker runs it again with workerData.
import { isMainThread, workerData } from 'node:worker_threads';
import { once } from 'node:events';
import { SpscRing } from '../../src/bus/index.ts';
import type { RingBuffers } from '../../src/bus/index.ts';
import { startWorker } from '../../src/ops/index.ts';

const MESSAGE_BYTES = 32;
const WAIT_MS = 1_000;

interface ProducerData {
  buffers: RingBuffers;
  messages: number;
  batch: number;
}

function argument(name: string, fallback: string): string {
  const prefix = `--${name}=`;
  return process.argv.find((arg) => arg.startsWith(prefix))?.slice(prefix.length) ?? fallback;
}

function produce({ buffers, messages, batch }: ProducerData): void {
  const ring = SpscRing.attach(buffers);
  const view = ring.view;
  for (let index = 0; index < messages; ) {
    for (const end = Math.min(messages, index + batch); index < end; index++) {
      let offset = ring.claim(MESSAGE_BYTES);
      while (offset < 0) {
        ring.waitForSpace(MESSAGE_BYTES, WAIT_MS);
        offset = ring.claim(MESSAGE_BYTES);
      }
      view.setUint32(offset, index, true);
      ring.commit();
    }
    ring.publish();
  }
}

async function consume(messages: number, batch: number, ringBytes: number): Promise<void> {
  const ring = SpscRing.create(ringBytes);
  const producerData: ProducerData = { buffers: ring.buffers, messages, batch };
  const worker = startWorker(new URL(import.meta.url), producerData);
  const exited = once(worker, 'exit');
  const view = ring.view;
  let received = 0;
  let outOfOrder = 0;
  const handler = (_data: Uint8Array, offset: number): void => {
    if (view.getUint32(offset, true) !== received) outOfOrder++;
    received++;
  };
  let firstMs = 0;
  while (received < messages) {
    if (ring.poll(handler) === 0 && !ring.waitForMessages(10 * WAIT_MS)) throw new Error(`producer stalled after ${received} messages`);
    if (firstMs === 0 && received > 0) firstMs = performance.now();
  }
  const elapsedS = (performance.now() - firstMs) / 1000;
  await exited;
  if (outOfOrder > 0) throw new Error(`${outOfOrder} messages out of order`);
  console.log(`bench:bus msgs_per_s=${Math.round(messages / elapsedS)} batch=${batch}`);
}

if (isMainThread) {
  await consume(Number(argument('messages', '10000000')), Number(argument('batch', '64')), Number(argument('ring-bytes', String(1 << 20))));
} else {
  produce(workerData as ProducerData);
}
