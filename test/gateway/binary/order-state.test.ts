import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeOrderState, encodeOrderState, MAX_ORDER_STATE_ID_BYTES, ORDER_STATE_FIXED_BYTES } from '../../../src/gateway/binary/order-state.ts';
import { emptyOrderRecord, type OrderRecord } from '../../../src/views/index.ts';
import type { OrderType, Side, TimeInForce } from '../../../src/engine/index.ts';

const safe = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });

const orders = fc.record({
  orderId: safe, accountId: fc.integer({ min: 0, max: 2 ** 32 - 1 }), symbolId: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  side: fc.integer({ min: 0, max: 1 }).map((n) => n as Side), orderType: fc.integer({ min: 0, max: 1 }).map((n) => n as OrderType),
  priceCents: safe, quantity: safe, timeInForce: fc.integer({ min: 0, max: 3 }).map((n) => n as TimeInForce), postOnly: fc.boolean(),
  // REST allows any 1 to 64 characters: ASCII, accents, CJK and characters outside the BMP.
  clientOrderId: fc.oneof(fc.constant(''), fc.string({ maxLength: 64 }), fc.string({ unit: 'grapheme', maxLength: 40 })),
  creationTimeMs: safe, filledQuantity: safe, filledNotionalCents: safe, canceled: fc.boolean(),
});

describe('order state on the bus', () => {
  it('decodes what it encodes, at any offset, with the duplicate flag', () => {
    fc.assert(fc.property(orders, fc.boolean(), fc.integer({ min: 0, max: 40 }), (order: OrderRecord, duplicate, offset) => {
      fc.pre(Buffer.byteLength(order.clientOrderId, 'utf8') <= MAX_ORDER_STATE_ID_BYTES);
      const out = new Uint8Array(ORDER_STATE_FIXED_BYTES + MAX_ORDER_STATE_ID_BYTES);
      const length = encodeOrderState(order, duplicate, out, new DataView(out.buffer));
      assert.equal(length, ORDER_STATE_FIXED_BYTES + Buffer.byteLength(order.clientOrderId, 'utf8'));
      const bus = new Uint8Array(offset + length);
      bus.set(out.subarray(0, length), offset);
      const back = emptyOrderRecord();
      assert.equal(decodeOrderState(bus, new DataView(bus.buffer), offset, back), duplicate);
      assert.deepEqual({ ...back }, { ...order });
    }));
  });

  it('carries the longest clientOrderId REST takes whole: 64 characters outside the BMP, 256 bytes', () => {
    const order = { ...emptyOrderRecord(), orderId: 7, clientOrderId: '🚀'.repeat(64) };
    const out = new Uint8Array(ORDER_STATE_FIXED_BYTES + MAX_ORDER_STATE_ID_BYTES);
    assert.equal(encodeOrderState(order, false, out, new DataView(out.buffer)), ORDER_STATE_FIXED_BYTES + 256);
    const back = emptyOrderRecord();
    decodeOrderState(out, new DataView(out.buffer), 0, back);
    assert.equal(back.clientOrderId, order.clientOrderId);
  });
});
