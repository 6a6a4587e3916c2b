// The market view is built from released events only; here it is checked against the engine's own book
// over seeded random streams, and its candle rings against their archive.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Engine, Side } from '../../src/engine/index.ts';
import { CommandEventSink, type Released } from '../../src/sequencer/index.ts';
import { FileCandleArchive, MarketView, MemoryCandleArchive, type CandleArchive } from '../../src/views/index.ts';
import { streamArbitrary } from '../reference/command-generator.ts';

function releasedOf(engine: Engine, sink: CommandEventSink, command: Released['command']): Released {
  sink.current = [];
  engine.apply(command);
  return { command, events: sink.current, balances: new Float64Array(0), balanceCount: 0 };
}

describe('market view', () => {
  it('rebuilds every book (L3 order, quantities, versions) from events alone', () => {
    fc.assert(fc.property(streamArbitrary(200, 300), (stream) => {
      const sink = new CommandEventSink();
      const engine = new Engine(stream.config, sink);
      const market = new MarketView(stream.config.instruments.length);
      const versions = new Array<number>(stream.config.instruments.length).fill(0);
      market.onChange((changes) => {
        for (const change of changes) if (change.bookChanged) versions[change.symbolId]++;
      });
      stream.commands.forEach((command, index) => {
        market.apply(releasedOf(engine, sink, command));
        for (const symbol of engine.dump().symbols) {
          const fromEngine = (side: 'bids' | 'asks') => symbol[side].map((o) => ({ orderId: o.orderId, priceCents: o.priceCents, quantity: o.remainingQuantity }));
          assert.deepEqual(market.orders(symbol.symbolId, Side.Buy), fromEngine('bids'), `bids of ${symbol.symbolId} after command ${index}`);
          assert.deepEqual(market.orders(symbol.symbolId, Side.Sell), fromEngine('asks'), `asks of ${symbol.symbolId} after command ${index}`);
          assert.equal(market.bookVersion(symbol.symbolId), versions[symbol.symbolId]);
        }
      });
    }), { numRuns: 25 });
  });

  it('restores from its dump and continues identically', () => {
    fc.assert(fc.property(streamArbitrary(200, 260), fc.nat(199), (stream, cut) => {
      const sink = new CommandEventSink();
      const engine = new Engine(stream.config, sink);
      const whole = new MarketView(stream.config.instruments.length);
      let restored: MarketView | null = null;
      stream.commands.forEach((command, index) => {
        const released = releasedOf(engine, sink, command);
        whole.apply(released);
        if (index === cut) {
          restored = new MarketView(stream.config.instruments.length);
          restored.restore(JSON.parse(JSON.stringify(whole.dump())));
        } else restored?.apply(released);
      });
      assert.deepEqual(JSON.parse(JSON.stringify(restored!.dump())), JSON.parse(JSON.stringify(whole.dump())));
    }), { numRuns: 15 });
  });

  it('moves versions, sequences, tickers and the tape the same whether or not a listener wants the details', () => {
    fc.assert(fc.property(streamArbitrary(200, 300), fc.array(fc.boolean(), { minLength: 300, maxLength: 300 }), (stream, wants) => {
      const sink = new CommandEventSink();
      const engine = new Engine(stream.config, sink);
      const symbols = stream.config.instruments.length;
      const detailed = new MarketView(symbols);
      const lean = new MarketView(symbols);
      detailed.onChange(() => {});
      // The lean view's listener wants the details only now and then, as a hub that gains and loses subscribers.
      let index = 0;
      lean.onChange(() => {}, () => wants[index]);
      stream.commands.forEach((command, i) => {
        index = i;
        const released = releasedOf(engine, sink, command);
        detailed.apply(released);
        lean.apply(released);
        for (let symbolId = 0; symbolId < symbols; symbolId++) {
          assert.deepEqual(lean.ticker(symbolId), detailed.ticker(symbolId), `ticker of ${symbolId} after command ${i}`);
          assert.deepEqual(lean.sequences(symbolId), detailed.sequences(symbolId));
          assert.equal(lean.bookVersion(symbolId), detailed.bookVersion(symbolId));
        }
      });
      assert.deepEqual(JSON.parse(JSON.stringify(lean.dump())), JSON.parse(JSON.stringify(detailed.dump())));
    }), { numRuns: 20 });
  });

  for (const [name, makeArchive] of [
    ['memory', async () => ({ archive: new MemoryCandleArchive() as CandleArchive, done: async () => {} })],
    ['file', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'candles-'));
      return { archive: new FileCandleArchive(dir) as CandleArchive, done: () => rm(dir, { recursive: true, force: true }) };
    }],
  ] as const) {
    it(`keeps candles that left the ring in the ${name} archive, so any range answers`, async () => {
      const { archive, done } = await makeArchive();
      try {
        const market = new MarketView(1, { tradesPerSymbol: 10, candlesPerResolution: 3 }, archive);
        const minute = 60_000;
        const start = 1_700_000_040_000 - (1_700_000_040_000 % minute);
        // Two trades a minute for 8 minutes: 8 one-minute candles, 3 in the ring, 5 archived.
        for (let m = 0; m < 8; m++) {
          for (const [i, price] of [[0, 100 + m], [1, 90 + m]] as const) {
            const tradeId = m * 2 + i + 1;
            market.apply({
              command: { kind: 9, sequence: tradeId, timestampMs: start + m * minute + i },
              events: [{ kind: 3, eventSequence: tradeId, commandSequence: tradeId, timestampMs: start + m * minute + i * 1000, tradeId, orderId: 1, accountId: 1,
                symbolId: 0, side: Side.Buy, priceCents: price, quantity: 5, feeCents: 0, isMaker: false, remainingQuantity: 0 }],
              balances: new Float64Array(0), balanceCount: 0,
            });
          }
        }
        const candles = market.candles(0, '1m', 0, Infinity);
        assert.deepEqual(candles.map((c) => c.timeMs), Array.from({ length: 8 }, (_, m) => start + m * minute));
        assert.deepEqual(candles.map((c) => [c.openCents, c.highCents, c.lowCents, c.closeCents, c.volume]),
          Array.from({ length: 8 }, (_, m) => [100 + m, 100 + m, 90 + m, 90 + m, 10]));
        assert.deepEqual(market.candles(0, '1m', start + 2 * minute, start + 4 * minute).map((c) => c.timeMs), [2, 3, 4].map((m) => start + m * minute));
        // Replaying into a view restored from an older dump archives nothing twice.
        const again = new MarketView(1, { tradesPerSymbol: 10, candlesPerResolution: 3 }, archive);
        again.restore(market.dump());
        assert.deepEqual(again.candles(0, '1m', 0, Infinity), candles);
      } finally {
        await done();
      }
    });
  }
});
