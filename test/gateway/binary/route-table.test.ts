import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { RouteTable } from '../../../src/gateway/binary/route-table.ts';

describe('RouteTable', () => {
  it('returns each route once, and nothing for sequences without one', () => {
    const table = new RouteTable(4);
    table.add(5, 1, 77, 9, true, 1_700_000_000_123.25);
    assert.equal(table.take(4), false);
    assert.equal(table.take(5), true);
    assert.deepEqual([table.gateway, table.connectionId, table.clientSeq, table.json, table.sequencedAtMs], [1, 77, 9, true, 1_700_000_000_123.25]);
    assert.equal(table.take(5), false);
  });

  it('keeps every pending route when the window outgrows the table (it doubles), against a Map', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 40 })), { maxLength: 300 }), fc.integer({ min: 1, max: 2 ** 40 }), (steps, start) => {
      const table = new RouteTable(2);
      const model = new Map<number, [number, number, number, boolean, number]>();
      let nextSequence = start;
      let nextToRelease = start;
      for (const [isAdd, count] of steps) {
        for (let i = 0; i < count; i++) {
          if (isAdd) {
            const sequence = nextSequence++;
            // Commands from other sources have no route: skip every third.
            if (sequence % 3 === 0) continue;
            const route: [number, number, number, boolean, number] = [sequence % 7, sequence % 1000, sequence % 65536, sequence % 5 === 1, sequence + 0.5];
            table.add(sequence, ...route);
            model.set(sequence, route);
          } else if (nextToRelease < nextSequence) {
            const sequence = nextToRelease++;
            const expected = model.get(sequence);
            assert.equal(table.take(sequence), expected !== undefined, `sequence ${sequence}`);
            if (expected) assert.deepEqual([table.gateway, table.connectionId, table.clientSeq, table.json, table.sequencedAtMs], expected);
            model.delete(sequence);
          }
        }
      }
    }));
  });
});
