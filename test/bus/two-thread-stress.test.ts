// Real threads: producer workers write patterned messages in random batches into small rings (so they
// fill and wrap constantly); this thread reads them with waits and checks every message arrives once,
// in order, intact.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Worker } from 'node:worker_threads';
import { Doorbell, SpscRing } from '../../src/bus/index.ts';
import { startWorker } from '../../src/ops/index.ts';
import { MessageChecker } from './message-pattern.ts';
import type { StressProducerData } from './stress-producer.ts';

const RING_BYTES = 64 * 1024;
const STALL_MS = 5_000; // no message for this long means a producer died or a wake-up was lost

function startProducer(ring: SpscRing, count: number, producerId: number): { worker: Worker; exited: Promise<number> } {
  const data: StressProducerData = { buffers: ring.buffers, count, producerId, seed: 0x5eed + producerId, delayMs: 0 };
  const worker = startWorker(new URL('./stress-producer.ts', import.meta.url), data);
  const exited = new Promise<number>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', resolve);
  });
  exited.catch(() => {}); // handled where the test awaits it; not an unhandled rejection meanwhile
  return { worker, exited };
}

describe('SpscRing between threads', () => {
  it('delivers 2,000,000 messages from one producer worker exactly once, in order, intact', async () => {
    const count = 2_000_000;
    const consumer = SpscRing.create(RING_BYTES);
    const producer = startProducer(consumer, count, 1);
    try {
      const checker = new MessageChecker(1);
      let maxMessages = 1;
      while (checker.received < count) {
        maxMessages = (maxMessages * 5) % 997; // vary how much each poll takes
        if (consumer.poll(checker.check, maxMessages) > 0) continue;
        if (!consumer.waitForMessages(STALL_MS)) break;
      }
      assert.equal(await producer.exited, 0);
      assert.equal(checker.received, count);
      assert.equal(consumer.isEmpty, true);
    } finally {
      await producer.worker.terminate();
    }
  });

  it('delivers from two producer workers that share one doorbell to one consumer', async () => {
    const countPerProducer = 600_000;
    const doorbell = Doorbell.create();
    const rings = [SpscRing.create(RING_BYTES, doorbell), SpscRing.create(RING_BYTES, doorbell)];
    const producers = rings.map((ring, i) => startProducer(ring, countPerProducer, 2 + i));
    try {
      const checkers = [new MessageChecker(2), new MessageChecker(3)];
      const done = (): boolean => checkers.every((checker) => checker.received === countPerProducer);
      let idleSinceMs = performance.now();
      while (!done()) {
        const seen = doorbell.value; // before polling, so a publish during the polls is not slept through
        const read = rings[0].poll(checkers[0].check) + rings[1].poll(checkers[1].check);
        if (read > 0) {
          idleSinceMs = performance.now();
          continue;
        }
        if (performance.now() - idleSinceMs > STALL_MS) break;
        // It may wake without a ring: a producer's notify for an earlier sleep can land on this one (both
        // producers saw the sleeping flag; one woke the consumer, the other's notify came later). Only time
        // without any message counts as a stall.
        await doorbell.waitAsync(seen, STALL_MS);
      }
      assert.deepEqual(await Promise.all(producers.map((producer) => producer.exited)), [0, 0]);
      assert.deepEqual(checkers.map((checker) => checker.received), [countPerProducer, countPerProducer]);
    } finally {
      await Promise.all(producers.map((producer) => producer.worker.terminate()));
    }
  });
});
