// The order columns hand a snapshot the pages that can no longer change as they are, not copies. Over random
// histories spanning several pages (orders added in ascending ids, filled, canceled and replaced while open),
// what a dump holds stays as it was while later commands change the store, and it reads back as the store was.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { OrderType, Side, TimeInForce } from '../../src/engine/index.ts';
import { decodeSnapshotBody, encodeSnapshotBody } from '../../src/node/snapshot-body.ts';
import { OrderColumns, type OrderColumnsDump } from '../../src/views/order-columns.ts';
import { isOpen, type OrderRecord } from '../../src/views/index.ts';

const PAGE_SLOTS = 16_384;

type Step = { op: 'add'; gap: number; quantity: number; filled: number } | { op: 'fill' | 'cancel' | 'replace'; pick: number; amount: number };

const stepArbitrary: fc.Arbitrary<Step> = fc.oneof(
  // Gaps up to half a page: a run of 40 adds crosses several pages.
  fc.record({ op: fc.constant('add' as const), gap: fc.integer({ min: 1, max: PAGE_SLOTS / 2 }), quantity: fc.integer({ min: 1, max: 5 }), filled: fc.nat(5) }),
  fc.record({ op: fc.constantFrom('fill' as const, 'cancel' as const, 'replace' as const), pick: fc.nat(), amount: fc.integer({ min: 1, max: 6 }) }),
);

function order(orderId: number, quantity: number, filled: number): OrderRecord {
  return {
    orderId, accountId: 1 + (orderId % 3), symbolId: orderId % 5, side: (orderId % 2) as Side, orderType: 0 as OrderType, priceCents: 100 + orderId,
    quantity, timeInForce: 0 as TimeInForce, postOnly: false, clientOrderId: orderId % 7 === 0 ? `c${orderId}` : '', creationTimeMs: 1.7e12 + orderId,
    filledQuantity: Math.min(filled, quantity), filledNotionalCents: Math.min(filled, quantity) * 100, canceled: false,
  };
}

/** Applies a step to the columns and to the model (plain records), as the order store would. */
function apply(step: Step, columns: OrderColumns, model: Map<number, OrderRecord>, nextId: { value: number }): void {
  if (step.op === 'add') {
    nextId.value += step.gap;
    const added = order(nextId.value, step.quantity, step.filled);
    columns.add(added);
    model.set(added.orderId, { ...added });
    return;
  }
  const open = [...model.values()].filter(isOpen);
  if (open.length === 0) return;
  const target = open[step.pick % open.length];
  if (step.op === 'fill') {
    const quantity = Math.min(step.amount, target.quantity - target.filledQuantity);
    columns.fill(target.orderId, quantity, quantity * 90);
    target.filledQuantity += quantity;
    target.filledNotionalCents += quantity * 90;
  } else if (step.op === 'cancel') {
    columns.cancel(target.orderId);
    target.canceled = true;
  } else {
    // A replace's new total exceeds what is filled (the engine refuses any other).
    const quantity = target.filledQuantity + step.amount;
    columns.replace(target.orderId, target.priceCents + 1, quantity);
    target.priceCents += 1;
    target.quantity = quantity;
  }
}

const bytesOf = (dump: OrderColumnsDump): Buffer => Buffer.concat(encodeSnapshotBody(dump));

describe('order columns', () => {
  it('give a snapshot pages that stay as they were while later commands change the store', () => {
    let sharedPages = 0;
    fc.assert(fc.property(fc.array(stepArbitrary, { minLength: 1, maxLength: 120 }), fc.array(stepArbitrary, { maxLength: 120 }), (before, after) => {
      const columns = new OrderColumns();
      const model = new Map<number, OrderRecord>();
      const nextId = { value: 0 };
      for (const step of before) apply(step, columns, model, nextId);
      const dump = columns.dump();
      const bytesThen = bytesOf(dump);
      const modelThen = new Map([...model].map(([id, record]) => [id, { ...record }]));
      const live = (columns as unknown as { pages: Array<{ meta: Uint8Array } | undefined> }).pages;
      sharedPages += dump.pages.filter((page, i) => page !== null && page.meta === live[i]?.meta).length;

      for (const step of after) apply(step, columns, model, nextId);
      assert.deepEqual(bytesOf(dump), bytesThen, 'the dump changed after it was taken');

      const restored = new OrderColumns();
      const seen: number[] = [];
      restored.load(decodeSnapshotBody(bytesThen) as OrderColumnsDump, (orderId) => seen.push(orderId));
      assert.deepEqual(seen, [...modelThen.keys()]);
      for (const [orderId, record] of modelThen) assert.deepEqual(restored.get(orderId), record, `order ${orderId}`);
      // And the restored store counts its open orders as the live one did: it shares the same pages.
      assert.deepEqual(bytesOf(restored.dump()), bytesThen);
    }), { numRuns: 60 });
    // The property is about the shared pages: make sure some were.
    assert.ok(sharedPages > 0, 'no run shared a settled page');
  });
});
