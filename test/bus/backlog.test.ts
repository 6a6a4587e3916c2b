import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Backlog, RingBacklog, SpscRing } from '../../src/bus/index.ts';

describe('Backlog', () => {
  it('gives every record to the ring once, oldest first, whatever the ring takes at each drain', () => {
    // Steps: push a record, or drain into a "ring" that has room for `room` records this time.
    const step = fc.oneof(fc.constant({ push: true, room: 0 }), fc.nat(5).map((room) => ({ push: false, room })));
    fc.assert(fc.property(fc.array(step, { maxLength: 200 }), (steps) => {
      const backlog = new Backlog<number>();
      const written: number[] = [];
      let pushed = 0;
      for (const { push, room } of steps) {
        if (push) {
          backlog.push(pushed++);
          continue;
        }
        let left = room;
        const waiting = pushed - written.length;
        const taken = backlog.drain((record) => {
          if (left === 0) return false;
          left--;
          written.push(record);
          return true;
        });
        assert.equal(taken, Math.min(room, waiting));
        assert.equal(backlog.isEmpty, written.length === pushed);
      }
      backlog.drain((record) => written.push(record) > 0);
      assert.deepEqual(written, Array.from({ length: pushed }, (_, i) => i));
      assert.ok(backlog.isEmpty);
    }));
  });

  it('lets go of what it wrote before it is empty', () => {
    const backlog = new Backlog<{ bytes: Uint8Array }>();
    const records = [{ bytes: new Uint8Array(4) }, { bytes: new Uint8Array(4) }, { bytes: new Uint8Array(4) }];
    for (const record of records) backlog.push(record);
    let room = 2;
    backlog.drain(() => room-- > 0);
    const held = (backlog as unknown as { items: unknown[] }).items;
    assert.deepEqual(held.filter((item) => item !== undefined), [records[2]]);
  });
});

describe('RingBacklog', () => {
  it('writes what found the ring full once, in order, as a slow reader makes room, and stops waiting when empty', { timeout: 20_000 }, async () => {
    const ring = SpscRing.create(1024);
    const backlog = new RingBacklog(ring, (record: Uint8Array) => ring.write(record), 64);
    const received: number[] = [];
    const records = 2_000;
    for (let i = 0; i < records; i++) {
      const record = Uint8Array.of(i & 0xff, i >> 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
      // As its producers do: straight to the ring only while nothing waits, else behind what waits.
      if (!backlog.isEmpty || !ring.write(record)) backlog.hold(record);
    }
    ring.publish();
    assert.equal(backlog.isEmpty, false, 'the ring is far too small for all of them');
    // The reader: a few records every millisecond.
    while (received.length < records) {
      ring.poll((data, offset) => received.push(data[offset] | (data[offset + 1] << 8)), 16);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    assert.deepEqual(received, Array.from({ length: records }, (_, i) => i));
    assert.equal(backlog.isEmpty, true);
    const waiter = (backlog as unknown as { waiter: { running: boolean } }).waiter;
    assert.equal(waiter.running, false, 'no loop left waiting for room');
  });
});
