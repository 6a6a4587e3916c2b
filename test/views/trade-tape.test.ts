import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Side } from '../../src/engine/index.ts';
import { TradeTape, type TradeView } from '../../src/views/market/trade-tape.ts';

const tradeArbitrary = fc.record({
  tradeId: fc.nat(1e9), priceCents: fc.integer({ min: 1, max: 1e9 }), quantity: fc.integer({ min: 1, max: 1e6 }),
  aggressorSide: fc.constantFrom(Side.Buy, Side.Sell), timeMs: fc.nat(2e12),
});

describe('trade tape', () => {
  it('keeps the newest `capacity` trades, as a list that drops the oldest would', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 20 }), fc.array(tradeArbitrary, { maxLength: 80 }), fc.nat(30), (capacity, trades, limit) => {
      const tape = new TradeTape(capacity);
      const model: TradeView[] = [];
      for (const t of trades) {
        tape.add(t.tradeId, t.priceCents, t.quantity, t.aggressorSide, t.timeMs);
        model.push({ ...t });
        if (model.length > capacity) model.shift();
      }
      assert.equal(tape.size, model.length);
      assert.deepEqual(tape.all(), model);
      assert.deepEqual(tape.recent(limit), model.slice().reverse().slice(0, limit));
    }));
  });

  it('loads a dump and keeps only what fits', () => {
    const tape = new TradeTape(2);
    const trades = [1, 2, 3].map((tradeId) => ({ tradeId, priceCents: 100 * tradeId, quantity: tradeId, aggressorSide: Side.Sell, timeMs: 1_000 + tradeId }));
    tape.load(trades);
    assert.deepEqual(tape.all(), trades.slice(1));
    tape.load([]);
    assert.deepEqual(tape.all(), []);
  });
});
