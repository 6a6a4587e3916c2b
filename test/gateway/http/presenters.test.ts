// presentOrderJson writes what JSON.stringify(presentOrder(...)) writes, character for character, for any
// order the read models can hold: every order type, side, time in force and state, client order ids with
// quotes, backslashes, control characters and non-ASCII text, and symbols that would need escaping.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { presentOrder, presentOrderJson } from '../../../src/gateway/http/presenters.ts';
import { SymbolTable } from '../../../src/gateway/http/symbols.ts';
import type { InstrumentConfig } from '../../../src/engine/index.ts';
import type { OrderRecord } from '../../../src/views/index.ts';

const instrument = (symbol: string): InstrumentConfig => ({ symbol } as InstrumentConfig);
const symbols = new SymbolTable([instrument('AAPL'), instrument('BRK.B'), instrument('Q"\\\u00e9\u0001')]);

const order: fc.Arbitrary<OrderRecord> = fc.record({
  orderId: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
  accountId: fc.nat({ max: 2 ** 32 - 1 }),
  symbolId: fc.integer({ min: 0, max: 2 }),
  side: fc.constantFrom(0, 1),
  orderType: fc.constantFrom(0, 1),
  priceCents: fc.oneof(fc.constant(0), fc.nat({ max: 10 ** 12 })),
  quantity: fc.integer({ min: 1, max: 10 ** 9 }),
  timeInForce: fc.constantFrom(0, 1, 2, 3),
  postOnly: fc.boolean(),
  clientOrderId: fc.oneof(fc.constant(''), fc.string({ maxLength: 36 }), fc.string({ unit: 'binary', maxLength: 12 })),
  creationTimeMs: fc.nat({ max: 4_102_444_800_000 }),
  filledQuantity: fc.nat({ max: 10 ** 9 }),
  filledNotionalCents: fc.nat({ max: 10 ** 15 }),
  canceled: fc.boolean(),
}).map((o) => ({ ...o, filledQuantity: Math.min(o.filledQuantity, o.quantity) }) as OrderRecord);

describe('presentOrderJson', () => {
  it('equals JSON.stringify(presentOrder(order)) for any order', () => {
    fc.assert(fc.property(order, (o) => {
      assert.equal(presentOrderJson(o, symbols), JSON.stringify(presentOrder(o, symbols)));
    }), { numRuns: 2_000 });
  });

  it('is valid JSON with the API\'s order fields (one example by hand)', () => {
    const o: OrderRecord = {
      orderId: 42, accountId: 7, symbolId: 0, side: 1, orderType: 0, priceCents: 10_050, quantity: 10, timeInForce: 0, postOnly: false,
      clientOrderId: 'a"b', creationTimeMs: 1_795_000_000_000, filledQuantity: 4, filledNotionalCents: 40_201, canceled: false,
    } as OrderRecord;
    assert.deepEqual(JSON.parse(presentOrderJson(o, symbols)), {
      id: '42', clientOrderId: 'a"b', symbol: 'AAPL', side: 'sell', orderType: 'limit', price: '100.50', quantity: 10, timeInForce: 'GTC',
      postOnly: false, creationTime: 1_795_000_000_000, filledQuantity: 4, remainingQuantity: 6, status: 'partially_filled', averagePrice: '100.5025',
    });
  });
});
