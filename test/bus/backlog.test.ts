import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Backlog } from '../../src/bus/index.ts';

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
