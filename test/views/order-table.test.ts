import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { OrderTable } from '../../src/views/order-table.ts';

describe('OrderTable', () => {
  it('behaves as a Map for ids across pages (values in id order)', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 200_000 }), fc.integer()), { maxLength: 200 }), (writes) => {
      const table = new OrderTable<number>();
      const model = new Map<number, number>();
      for (const [id, value] of writes) {
        table.set(id, value);
        model.set(id, value);
      }
      assert.equal(table.size, model.size);
      for (const [id, value] of model) assert.equal(table.get(id), value);
      assert.equal(table.get(200_001), undefined);
      assert.deepEqual([...table.values()], [...model.entries()].sort((a, b) => a[0] - b[0]).map(([, value]) => value));
    }));
  });

  it('refuses ids that are not safe integers >= 0', () => {
    const table = new OrderTable<string>();
    assert.throws(() => table.set(-1, 'x'), RangeError);
    assert.throws(() => table.set(1.5, 'x'), RangeError);
  });
});
