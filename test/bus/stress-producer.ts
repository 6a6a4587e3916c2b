// Worker: writes `count` patterned messages into a ring in random-sized batches, sleeping in
// waitForSpace when the ring is full. Exits when done; throws (an 'error' event) if it stalls.
import { workerData } from 'node:worker_threads';
import { SpscRing } from '../../src/bus/index.ts';
import type { RingBuffers } from '../../src/bus/index.ts';
import { splitmix32 } from '../../src/ops/index.ts';
import { fillMessage, messageLength } from './message-pattern.ts';

export interface StressProducerData {
  buffers: RingBuffers;
  count: number;
  producerId: number;
  seed: number;
  delayMs: number; // sleep before the first message, to show a consumer waiting across threads
}

const STALL_MS = 10_000;
const MAX_BATCH = 256;

const { buffers, count, producerId, seed, delayMs } = workerData as StressProducerData;
const ring = SpscRing.attach(buffers);
const random = splitmix32(seed);
if (delayMs > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, delayMs);

let index = 0;
while (index < count) {
  const batch = 1 + Math.floor(random() ** 2 * MAX_BATCH); // mostly small batches, some large
  for (let b = 0; b < batch && index < count; b++, index++) {
    const lengthBytes = messageLength(index, producerId);
    let offset = ring.claim(lengthBytes);
    if (offset < 0) {
      if (!ring.waitForSpace(lengthBytes, STALL_MS)) throw new Error(`producer ${producerId} stalled at message ${index}`);
      offset = ring.claim(lengthBytes);
    }
    fillMessage(ring.data, offset, lengthBytes, index, producerId);
    ring.commit();
  }
  ring.publish();
}
