import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import fc from 'fast-check';
import { Doorbell, SpscRing } from '../../src/bus/index.ts';
import { startWorker } from '../../src/ops/index.ts';
import { MessageChecker } from './message-pattern.ts';
import type { StressProducerData } from './stress-producer.ts';

const CAPACITY_BYTES = 1024;
const MAX_MESSAGE_BYTES = CAPACITY_BYTES / 4;

/** Producer and consumer ends of one new ring, as two threads would hold them. */
function pair(capacityBytes = CAPACITY_BYTES, doorbell?: Doorbell, startPosition = 0): { producer: SpscRing; consumer: SpscRing } {
  const producer = SpscRing.create(capacityBytes, doorbell, startPosition);
  return { producer, consumer: SpscRing.attach(producer.buffers) };
}

function payload(lengthBytes: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(lengthBytes);
  for (let i = 0; i < lengthBytes; i++) bytes[i] = (seed * 31 + i * 7) & 0xff;
  return bytes;
}

/** Writes until the ring refuses; bounded, since no ring holds more than capacity/8 messages. */
function fill(producer: SpscRing, lengthOf: (index: number) => number, firstIndex = 0): number {
  let index = firstIndex;
  while (producer.write(payload(lengthOf(index), index))) {
    index++;
    assert.ok(index - firstIndex <= producer.capacityBytes / 8, 'the ring accepted more than it can hold');
  }
  return index;
}

function drain(consumer: SpscRing, maxMessages = Infinity): Uint8Array[] {
  const messages: Uint8Array[] = [];
  consumer.poll((data, offset, lengthBytes) => messages.push(data.slice(offset, offset + lengthBytes)), maxMessages);
  return messages;
}

/** Bytes a message takes in the ring: a 4-byte length, the payload, padding to 8. */
function recordBytes(lengthBytes: number): number {
  return (lengthBytes + 4 + 7) & ~7;
}

describe('SpscRing', () => {
  it('polls nothing from an empty ring', () => {
    const { consumer } = pair();
    assert.equal(consumer.isEmpty, true);
    assert.equal(consumer.poll(() => assert.fail('no message expected')), 0);
  });

  it('refuses bad capacities and oversized messages', () => {
    for (const capacityBytes of [0, 512, 1000, 3000, 1024.5, 2 ** 31]) assert.throws(() => SpscRing.create(capacityBytes), RangeError);
    assert.throws(() => SpscRing.create(1024, undefined, 4), RangeError);
    const { producer } = pair();
    assert.equal(producer.maxMessageBytes, MAX_MESSAGE_BYTES);
    for (const lengthBytes of [MAX_MESSAGE_BYTES + 1, -1, 1.5, Number.NaN]) assert.throws(() => producer.claim(lengthBytes), RangeError);
    assert.throws(() => producer.write(new Uint8Array(MAX_MESSAGE_BYTES + 1)), RangeError);
    assert.throws(() => producer.waitForSpace(MAX_MESSAGE_BYTES + 1, 0), RangeError);
    assert.ok(producer.claim(MAX_MESSAGE_BYTES) >= 0);
    producer.commit();
    assert.throws(() => producer.commit(), /without a claim/);
  });

  it('carries empty and maximum-size messages', () => {
    const { producer, consumer } = pair();
    assert.equal(producer.write(new Uint8Array(0)), true);
    assert.equal(producer.write(payload(MAX_MESSAGE_BYTES, 1)), true);
    producer.publish();
    assert.deepEqual(drain(consumer), [new Uint8Array(0), payload(MAX_MESSAGE_BYTES, 1)]);
  });

  it('hides a batch until publish(), then shows all of it at once', () => {
    const { producer, consumer } = pair();
    for (let i = 0; i < 3; i++) assert.equal(producer.write(payload(10 + i, i)), true);
    assert.equal(consumer.isEmpty, true);
    assert.equal(consumer.poll(() => assert.fail('not published yet')), 0);
    producer.publish();
    assert.equal(consumer.isEmpty, false);
    assert.deepEqual(drain(consumer), [payload(10, 0), payload(11, 1), payload(12, 2)]);
    assert.equal(consumer.isEmpty, true);
  });

  it('writes in place through claim() and commit()', () => {
    const { producer, consumer } = pair();
    const offset = producer.claim(8);
    producer.view.setFloat64(offset, 12.5, true);
    producer.commit();
    producer.publish();
    let value = 0;
    consumer.poll((_data, at, lengthBytes) => {
      assert.equal(lengthBytes, 8);
      value = consumer.view.getFloat64(at, true);
    });
    assert.equal(value, 12.5);
  });

  it('refuses to write into a full ring until the consumer frees space', () => {
    const { producer, consumer } = pair();
    const written = fill(producer, () => 100);
    assert.equal(written, Math.floor(CAPACITY_BYTES / recordBytes(100)));
    assert.equal(producer.claim(100), -1);
    assert.ok(producer.freeBytes < recordBytes(100));
    producer.publish();
    assert.equal(producer.write(payload(100, 99)), false, 'publishing alone frees nothing');
    assert.deepEqual(drain(consumer, 1), [payload(100, 0)]);
    assert.equal(producer.write(payload(100, written)), true);
    producer.publish();
    const rest = drain(consumer);
    assert.equal(rest.length, written);
    assert.deepEqual(rest.at(-1), payload(100, written));
  });

  // Positions live in Int32 words: 2^31 is where they turn negative, 2^32 where they return to 0.
  for (const startPosition of [0, 2 ** 31 - 4096, 2 ** 32 - 4096]) {
    it(`wraps with odd sizes, many laps, from position ${startPosition}`, () => wrapLaps(startPosition));
  }

  function wrapLaps(startPosition: number): void {
    const sizes = [13, 100, 37, MAX_MESSAGE_BYTES, 5, 0, 77];
    const { producer, consumer } = pair(CAPACITY_BYTES, undefined, startPosition);
    let next = 0;
    let checked = 0;
    for (let round = 0; round < 300; round++) {
      next = fill(producer, (index) => sizes[index % sizes.length], next);
      producer.publish();
      for (const message of drain(consumer)) {
        assert.deepEqual(message, payload(sizes[checked % sizes.length], checked));
        checked++;
      }
      assert.equal(checked, next);
      assert.equal(producer.freeBytes, CAPACITY_BYTES, 'an empty ring frees its whole capacity');
    }
  }

  it('matches a simple queue under random writes, publishes and polls', () => {
    const maxRecordBytes = recordBytes(MAX_MESSAGE_BYTES);
    const command = fc.oneof(
      { arbitrary: fc.record({ kind: fc.constant('write' as const), bytes: fc.uint8Array({ maxLength: MAX_MESSAGE_BYTES }) }), weight: 6 },
      { arbitrary: fc.record({ kind: fc.constant('publish' as const) }), weight: 2 },
      { arbitrary: fc.record({ kind: fc.constant('poll' as const), maxMessages: fc.oneof(fc.integer({ min: 1, max: 8 }), fc.constant(Infinity)) }), weight: 2 },
    );
    const nearWrap = (position: number) => fc.integer({ min: position / 8 - 1024, max: position / 8 - 1 });
    const startPosition = fc.oneof(fc.integer({ min: 0, max: 2 ** 29 - 1 }), nearWrap(2 ** 31), nearWrap(2 ** 32)).map((n) => n * 8);
    fc.assert(
      fc.property(startPosition, fc.array(command, { maxLength: 400 }), (start, commands) => {
        const { producer, consumer } = pair(CAPACITY_BYTES, undefined, start);
        const queue: Uint8Array[] = []; // written, not yet read
        let publishedCount = 0; // how many at the front of queue the consumer may see
        let queuedBytes = 0;
        for (const step of commands) {
          if (step.kind === 'write') {
            if (producer.write(step.bytes)) {
              queue.push(step.bytes);
              queuedBytes += recordBytes(step.bytes.length);
            } else {
              // Refused only when short of room: at most one wrap gap is outstanding, and a wrap needs < 2 records.
              assert.ok(queuedBytes + maxRecordBytes + 2 * recordBytes(step.bytes.length) > CAPACITY_BYTES, `refused with ${queuedBytes} bytes queued`);
            }
          } else if (step.kind === 'publish') {
            producer.publish();
            publishedCount = queue.length;
          } else {
            const expected = queue.splice(0, Math.min(step.maxMessages, publishedCount));
            publishedCount -= expected.length;
            for (const message of expected) queuedBytes -= recordBytes(message.length);
            assert.deepEqual(drain(consumer, step.maxMessages), expected);
          }
          assert.equal(consumer.isEmpty, publishedCount === 0);
        }
        producer.publish();
        assert.deepEqual(drain(consumer), queue);
      }),
      { numRuns: 300 },
    );
  });
});

describe('SpscRing waits', () => {
  it('times out waiting on an empty ring', async () => {
    const { producer, consumer } = pair();
    for (const wait of [() => consumer.waitForMessages(40), () => consumer.waitForMessagesAsync(40)]) {
      const startMs = performance.now();
      assert.equal(await wait(), false);
      assert.ok(performance.now() - startMs >= 35);
    }
    assert.equal(consumer.waitForMessages(0, { spinIterations: 100 }), false);
    assert.equal(producer.waitForSpace(MAX_MESSAGE_BYTES, 0), true);
  });

  it('times out waiting for space in a full ring, and finds it once freed', async () => {
    const { producer, consumer } = pair();
    fill(producer, () => 50);
    assert.equal(producer.waitForSpace(50, 20), false);
    assert.equal(await producer.waitForSpaceAsync(50, 20), false);
    const freed = producer.waitForSpaceAsync(50, 5000);
    consumer.poll(() => {}, 1); // waitForSpace published the batch, so the consumer sees it
    assert.equal(await freed, true);
    assert.ok(producer.claim(50) >= 0);
  });

  it('wakes a consumer when another thread publishes', async () => {
    for (const useAsync of [false, true]) {
      const { producer, consumer } = pair();
      const data: StressProducerData = { buffers: producer.buffers, count: 1, producerId: 0, seed: 1, delayMs: 100 };
      const worker = startWorker(new URL('./stress-producer.ts', import.meta.url), data);
      try {
        const startMs = performance.now();
        const woke = useAsync ? await consumer.waitForMessagesAsync(10_000) : consumer.waitForMessages(10_000);
        assert.equal(woke, true);
        assert.ok(performance.now() - startMs < 10_000);
        const checker = new MessageChecker(0);
        assert.equal(consumer.poll(checker.check), 1);
        const [exitCode] = await once(worker, 'exit');
        assert.equal(exitCode, 0);
      } finally {
        await worker.terminate();
      }
    }
  });
});

describe('Doorbell', () => {
  it('lets one consumer sleep on two rings', async () => {
    const doorbell = Doorbell.create();
    const a = pair(CAPACITY_BYTES, doorbell);
    const b = pair(CAPACITY_BYTES, doorbell);
    const consumerBell = Doorbell.attach(a.consumer.buffers.doorbell!);
    const read: string[] = [];
    const pollBoth = (): number => a.consumer.poll(() => read.push('a')) + b.consumer.poll(() => read.push('b'));

    let seen = consumerBell.value;
    assert.equal(pollBoth(), 0);
    assert.equal(consumerBell.wait(seen, 20), false, 'nothing rang');

    seen = consumerBell.value;
    assert.equal(pollBoth(), 0);
    a.producer.write(payload(3, 1)); // lands between the polls and the wait: the wait must not sleep
    a.producer.publish();
    const startMs = performance.now();
    assert.equal(consumerBell.wait(seen, 5000), true);
    assert.ok(performance.now() - startMs < 1000);
    assert.equal(pollBoth(), 1);

    seen = consumerBell.value;
    b.producer.write(payload(4, 2));
    b.producer.publish();
    assert.equal(await consumerBell.waitAsync(seen, 5000), true);
    assert.equal(b.consumer.waitForMessages(0), true, "a ring's own wait follows its doorbell");
    assert.equal(pollBoth(), 1);
    assert.deepEqual(read, ['a', 'b']);

    seen = consumerBell.value;
    assert.equal(await consumerBell.waitAsync(seen, 20), false);
    assert.equal(await a.consumer.waitForMessagesAsync(20), false);
  });
});
