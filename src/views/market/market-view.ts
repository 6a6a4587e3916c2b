// Public market data for every symbol, built only from released events (never from engine internals):
// the book (L2, L3) with its version, the trade tape, candles, and the ticker.
import { EventKind, Side } from '../../engine/index.ts';
import type { Released } from '../../sequencer/index.ts';
import { BookView, priceOfLevelKey, sideOfLevelKey } from './book-view.ts';
import { type CandleArchive, MemoryCandleArchive } from './candle-archive.ts';
import { type Candle, CandleRing, RESOLUTION_NAMES, RESOLUTIONS, type Resolution } from './candles.ts';

export interface TradeView {
  tradeId: number;
  priceCents: number;
  quantity: number;
  aggressorSide: Side;
  timeMs: number;
}

export interface MarketLimits {
  /** Trades kept per symbol for the tape. */
  tradesPerSymbol: number;
  /** Candles kept per symbol and resolution. */
  candlesPerResolution: number;
}

export const DEFAULT_MARKET_LIMITS: MarketLimits = { tradesPerSymbol: 1_000, candlesPerResolution: 2_000 };

/** Best bid and offer, last price and the day's volume; 0 prices and quantities mean none. */
export interface TickerView {
  bidCents: number;
  bidQuantity: number;
  askCents: number;
  askQuantity: number;
  lastCents: number;
  volume: number;
}

/** Per-symbol stream counters: each goes up by exactly one with each update of its channel. */
export interface StreamSequences {
  trades: number;
  ticker: number;
  candles: Record<Resolution, number>;
}

/** What one command changed for one symbol: the input of streaming and of metrics. */
export interface SymbolChange {
  symbolId: number;
  /** The book version after the command (it moved by one if bookChanged). */
  bookVersion: number;
  bookChanged: boolean;
  /** Levels whose quantity changed: [side, priceCents, newQuantity] (0 = gone). */
  levels: Array<[Side, number, number]>;
  /** Order changes in event order, as BookView.ops. */
  orders: Array<[number, Side, number, number]>;
  trades: TradeView[];
  /** The ticker after the command, when it changed. */
  ticker: TickerView | null;
  sequences: StreamSequences;
}

function sameTicker(a: TickerView, b: TickerView): boolean {
  return a.bidCents === b.bidCents && a.bidQuantity === b.bidQuantity && a.askCents === b.askCents &&
    a.askQuantity === b.askQuantity && a.lastCents === b.lastCents && a.volume === b.volume;
}

class SymbolMarket {
  readonly book = new BookView();
  trades: TradeView[] = [];
  readonly candles: Record<Resolution, CandleRing>;
  lastPriceCents = 0;
  sequences: StreamSequences = { trades: 0, ticker: 0, candles: { '1m': 0, '5m': 0, '15m': 0, '1h': 0, '1d': 0 } };
  lastTicker: TickerView = { bidCents: 0, bidQuantity: 0, askCents: 0, askQuantity: 0, lastCents: 0, volume: 0 };

  constructor(symbolId: number, limits: MarketLimits, archive: CandleArchive) {
    this.candles = Object.fromEntries(RESOLUTION_NAMES.map((name) => {
      const ring = new CandleRing(RESOLUTIONS[name], limits.candlesPerResolution);
      ring.onEvict = (candle) => archive.archive(symbolId, name, candle);
      return [name, ring];
    })) as Record<Resolution, CandleRing>;
  }
}

export interface SymbolMarketDump {
  bookVersion: number;
  sequences: StreamSequences;
  lastPriceCents: number;
  /** Resting orders, best first, time priority within a price: [orderId, side, priceCents, quantity]. */
  orders: Array<[number, Side, number, number]>;
  trades: TradeView[];
  candles: Record<Resolution, Candle[]>;
}

export type ChangeListener = (changes: SymbolChange[], released: Released) => void;

export class MarketView {
  private readonly symbols: SymbolMarket[];
  private readonly listeners: ChangeListener[] = [];

  constructor(
    symbolCount: number,
    private readonly limits: MarketLimits = DEFAULT_MARKET_LIMITS,
    private readonly archive: CandleArchive = new MemoryCandleArchive(),
  ) {
    this.symbols = Array.from({ length: symbolCount }, (_, symbolId) => new SymbolMarket(symbolId, limits, archive));
  }

  onChange(listener: ChangeListener): void {
    this.listeners.push(listener);
  }

  // Scratch of apply(), cleared each time (no per-command maps or closures on the hot path).
  private readonly incoming = new Map<number, { symbolId: number; side: Side; priceCents: number; remaining: number }>();
  private readonly touched = new Map<number, TradeView[]>();

  private touch(symbolId: number): TradeView[] {
    let trades = this.touched.get(symbolId);
    if (!trades) this.touched.set(symbolId, (trades = []));
    return trades;
  }

  apply(released: Released): void {
    // Incoming orders (new, or re-entering after a replace) rest only if something is left at the end.
    const incoming = this.incoming;
    const touched = this.touched;
    incoming.clear();
    touched.clear();
    for (const event of released.events) {
      switch (event.kind) {
        case EventKind.OrderAccepted:
          incoming.set(event.orderId, { symbolId: event.symbolId, side: event.side, priceCents: event.priceCents, remaining: event.quantity });
          break;
        case EventKind.Execution: {
          const market = this.symbols[event.symbolId];
          this.touch(event.symbolId);
          if (event.isMaker) {
            market.book.setRemaining(event.orderId, event.remainingQuantity);
          } else {
            const order = incoming.get(event.orderId);
            if (order) order.remaining = event.remainingQuantity;
            const trade = { tradeId: event.tradeId, priceCents: event.priceCents, quantity: event.quantity, aggressorSide: event.side, timeMs: event.timestampMs };
            this.recordTrade(market, trade);
            this.touch(event.symbolId).push(trade);
          }
          break;
        }
        case EventKind.OrderCanceled:
          if (!incoming.delete(event.orderId)) {
            this.symbols[event.symbolId].book.remove(event.orderId);
            this.touch(event.symbolId);
          }
          break;
        case EventKind.OrderReplaced: {
          const book = this.symbols[event.symbolId].book;
          this.touch(event.symbolId);
          if (event.keptPriority) book.setRemaining(event.orderId, event.remainingQuantity);
          else {
            book.remove(event.orderId);
            incoming.set(event.orderId, { symbolId: event.symbolId, side: event.side, priceCents: event.priceCents, remaining: event.remainingQuantity });
          }
          break;
        }
        default:
          break;
      }
    }
    for (const [orderId, order] of incoming) {
      if (order.remaining > 0) {
        this.symbols[order.symbolId].book.add(orderId, order.side, order.priceCents, order.remaining);
        this.touch(order.symbolId);
      }
    }
    if (touched.size > 0) this.finish(touched, released);
  }

  private finish(touched: Map<number, TradeView[]>, released: Released): void {
    const changes: SymbolChange[] = [];
    for (const [symbolId, trades] of touched) {
      const market = this.symbols[symbolId];
      const book = market.book;
      const levels: Array<[Side, number, number]> = [];
      for (const key of book.touched) {
        const side = sideOfLevelKey(key);
        const price = priceOfLevelKey(key);
        levels.push([side, price, book.levelQuantity(side, price)]);
      }
      book.touched.clear();
      const orders = book.ops;
      book.ops = [];
      const bookChanged = levels.length > 0;
      if (bookChanged) book.version++;
      if (trades.length > 0) {
        market.sequences.trades++;
        for (const name of RESOLUTION_NAMES) market.sequences.candles[name]++;
      }
      let ticker: TickerView | null = this.ticker(symbolId);
      if (sameTicker(ticker, market.lastTicker)) ticker = null;
      else {
        market.lastTicker = ticker;
        market.sequences.ticker++;
      }
      changes.push({ symbolId, bookVersion: book.version, bookChanged, levels, orders, trades, ticker, sequences: market.sequences });
    }
    for (const listener of this.listeners) listener(changes, released);
  }

  ticker(symbolId: number): TickerView {
    const [bid] = this.depth(symbolId, Side.Buy, 1);
    const [ask] = this.depth(symbolId, Side.Sell, 1);
    return {
      bidCents: bid ? bid[0] : 0, bidQuantity: bid ? bid[1] : 0, askCents: ask ? ask[0] : 0, askQuantity: ask ? ask[1] : 0,
      lastCents: this.lastPriceCents(symbolId), volume: this.dayVolume(symbolId),
    };
  }

  sequences(symbolId: number): StreamSequences {
    return this.symbols[symbolId].sequences;
  }

  latestCandle(symbolId: number, resolution: Resolution): Candle | null {
    return this.symbols[symbolId].candles[resolution].latest();
  }

  private recordTrade(market: SymbolMarket, trade: TradeView): void {
    market.trades.push(trade);
    if (market.trades.length > this.limits.tradesPerSymbol * 2) market.trades = market.trades.slice(-this.limits.tradesPerSymbol);
    market.lastPriceCents = trade.priceCents;
    for (const name of RESOLUTION_NAMES) market.candles[name].trade(trade.timeMs, trade.priceCents, trade.quantity);
  }

  bookVersion(symbolId: number): number {
    return this.symbols[symbolId].book.version;
  }

  depth(symbolId: number, side: Side, maxLevels: number): Array<[number, number]> {
    return this.symbols[symbolId].book.depth(side, maxLevels);
  }

  orders(symbolId: number, side: Side): Array<{ orderId: number; priceCents: number; quantity: number }> {
    return this.symbols[symbolId].book.orders(side);
  }

  /** Newest first. */
  recentTrades(symbolId: number, limit: number): TradeView[] {
    const trades = this.symbols[symbolId].trades;
    return trades.slice(Math.max(0, trades.length - Math.min(limit, this.limits.tradesPerSymbol))).reverse();
  }

  /** Candles in [startMs, endMs], oldest first: the archive's, then the ring's (which are newer). */
  candles(symbolId: number, resolution: Resolution, startMs: number, endMs: number): Candle[] {
    const recent = this.symbols[symbolId].candles[resolution].range(startMs, endMs);
    const oldestInRing = this.symbols[symbolId].candles[resolution].oldestTimeMs();
    if (startMs >= oldestInRing) return recent;
    const archived = this.archive.range(symbolId, resolution, startMs, Math.min(endMs, oldestInRing - 1));
    return [...archived, ...recent];
  }

  lastPriceCents(symbolId: number): number {
    return this.symbols[symbolId].lastPriceCents;
  }

  /** Volume of the UTC day of the latest trade. */
  dayVolume(symbolId: number): number {
    return this.symbols[symbolId].candles['1d'].latest()?.volume ?? 0;
  }

  dump(): SymbolMarketDump[] {
    return this.symbols.map((market) => ({
      bookVersion: market.book.version,
      sequences: structuredClone(market.sequences),
      lastPriceCents: market.lastPriceCents,
      orders: [Side.Buy, Side.Sell].flatMap((side) =>
        market.book.orders(side as Side).map((o): [number, Side, number, number] => [o.orderId, side as Side, o.priceCents, o.quantity])),
      trades: market.trades.slice(-this.limits.tradesPerSymbol),
      candles: Object.fromEntries(RESOLUTION_NAMES.map((name) => [name, market.candles[name].all()])) as Record<Resolution, Candle[]>,
    }));
  }

  restore(dumps: SymbolMarketDump[]): void {
    dumps.forEach((dump, symbolId) => {
      const market = this.symbols[symbolId];
      for (const [orderId, side, priceCents, quantity] of dump.orders) market.book.add(orderId, side, priceCents, quantity);
      market.book.touched.clear();
      market.book.ops = [];
      market.book.version = dump.bookVersion;
      market.sequences = structuredClone(dump.sequences);
      market.lastPriceCents = dump.lastPriceCents;
      market.trades = [...dump.trades];
      for (const name of RESOLUTION_NAMES) market.candles[name].load(dump.candles[name]);
      market.lastTicker = this.ticker(symbolId);
    });
  }
}
