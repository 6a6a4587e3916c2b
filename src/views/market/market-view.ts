// Public market data for every symbol, built only from released events (never from engine internals):
// the book (L2, L3) with its version, the trade tape, candles, and the ticker.
import { EventKind, Side } from '../../engine/index.ts';
import type { Released } from '../../sequencer/index.ts';
import { BookView } from './book-view.ts';
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

/** What one command changed for one symbol: the input of streaming (issue 4) and of metrics. */
export interface SymbolChange {
  symbolId: number;
  bookVersion: number;
  bookChanged: boolean;
  /** Levels whose quantity changed: [side, priceCents, newQuantity] (0 = gone). */
  levels: Array<[Side, number, number]>;
  trades: TradeView[];
}

class SymbolMarket {
  readonly book = new BookView();
  trades: TradeView[] = [];
  readonly candles: Record<Resolution, CandleRing>;
  lastPriceCents = 0;

  constructor(limits: MarketLimits) {
    this.candles = Object.fromEntries(
      RESOLUTION_NAMES.map((name) => [name, new CandleRing(RESOLUTIONS[name], limits.candlesPerResolution)]),
    ) as Record<Resolution, CandleRing>;
  }
}

export interface SymbolMarketDump {
  bookVersion: number;
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

  constructor(symbolCount: number, private readonly limits: MarketLimits = DEFAULT_MARKET_LIMITS) {
    this.symbols = Array.from({ length: symbolCount }, () => new SymbolMarket(limits));
  }

  onChange(listener: ChangeListener): void {
    this.listeners.push(listener);
  }

  apply(released: Released): void {
    // Incoming orders (new, or re-entering after a replace) rest only if something is left at the end.
    const incoming = new Map<number, { symbolId: number; side: Side; priceCents: number; remaining: number }>();
    const touched = new Map<number, TradeView[]>();
    const touch = (symbolId: number): TradeView[] => {
      let trades = touched.get(symbolId);
      if (!trades) touched.set(symbolId, (trades = []));
      return trades;
    };
    for (const event of released.events) {
      switch (event.kind) {
        case EventKind.OrderAccepted:
          incoming.set(event.orderId, { symbolId: event.symbolId, side: event.side, priceCents: event.priceCents, remaining: event.quantity });
          break;
        case EventKind.Execution: {
          const market = this.symbols[event.symbolId];
          touch(event.symbolId);
          if (event.isMaker) {
            market.book.setRemaining(event.orderId, event.remainingQuantity);
          } else {
            const order = incoming.get(event.orderId);
            if (order) order.remaining = event.remainingQuantity;
            const trade = { tradeId: event.tradeId, priceCents: event.priceCents, quantity: event.quantity, aggressorSide: event.side, timeMs: event.timestampMs };
            this.recordTrade(market, trade);
            touch(event.symbolId).push(trade);
          }
          break;
        }
        case EventKind.OrderCanceled:
          if (!incoming.delete(event.orderId)) {
            this.symbols[event.symbolId].book.remove(event.orderId);
            touch(event.symbolId);
          }
          break;
        case EventKind.OrderReplaced: {
          const book = this.symbols[event.symbolId].book;
          touch(event.symbolId);
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
        touch(order.symbolId);
      }
    }
    if (touched.size > 0) this.finish(touched, released);
  }

  private finish(touched: Map<number, TradeView[]>, released: Released): void {
    const changes: SymbolChange[] = [];
    for (const [symbolId, trades] of touched) {
      const book = this.symbols[symbolId].book;
      const levels: Array<[Side, number, number]> = [];
      for (const key of book.touched) {
        const [sideText, priceText] = key.split(':');
        const side = Number(sideText) as Side;
        const price = Number(priceText);
        levels.push([side, price, book.levelQuantity(side, price)]);
      }
      book.touched.clear();
      const bookChanged = levels.length > 0;
      if (bookChanged) book.version++;
      changes.push({ symbolId, bookVersion: book.version, bookChanged, levels, trades });
    }
    for (const listener of this.listeners) listener(changes, released);
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

  candles(symbolId: number, resolution: Resolution, startMs: number, endMs: number): Candle[] {
    return this.symbols[symbolId].candles[resolution].range(startMs, endMs);
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
      market.book.version = dump.bookVersion;
      market.lastPriceCents = dump.lastPriceCents;
      market.trades = [...dump.trades];
      for (const name of RESOLUTION_NAMES) market.candles[name].load(dump.candles[name]);
    });
  }
}
