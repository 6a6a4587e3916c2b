// Public market data for every symbol, built only from released events (never from engine internals):
// the book (L2, L3) with its version, the trade tape, candles, and the ticker.
import { EventKind, Side } from '../../engine/index.ts';
import type { Released } from '../../sequencer/index.ts';
import { BookView, priceOfLevelKey, sideOfLevelKey } from './book-view.ts';
import { type CandleArchive, MemoryCandleArchive } from './candle-archive.ts';
import { type Candle, CandleRing, RESOLUTION_NAMES, RESOLUTIONS, type Resolution } from './candles.ts';
import { TradeTape, type TradeView } from './trade-tape.ts';

export type { TradeView };

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

class SymbolMarket {
  readonly book = new BookView();
  readonly trades: TradeTape;
  readonly candles: Record<Resolution, CandleRing>;
  lastPriceCents = 0;
  sequences: StreamSequences = { trades: 0, ticker: 0, candles: { '1m': 0, '5m': 0, '15m': 0, '1h': 0, '1d': 0 } };
  lastTicker: TickerView = { bidCents: 0, bidQuantity: 0, askCents: 0, askQuantity: 0, lastCents: 0, volume: 0 };

  constructor(symbolId: number, limits: MarketLimits, archive: CandleArchive) {
    this.trades = new TradeTape(limits.tradesPerSymbol);
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

interface ListenerEntry {
  listener: ChangeListener;
  /** Asked before each command: false means nobody downstream would use the details now. */
  wantsChanges: () => boolean;
}

const ALWAYS = (): boolean => true;

export class MarketView {
  private readonly symbols: SymbolMarket[];
  private readonly listeners: ListenerEntry[] = [];

  constructor(
    symbolCount: number,
    private readonly limits: MarketLimits = DEFAULT_MARKET_LIMITS,
    private readonly archive: CandleArchive = new MemoryCandleArchive(),
  ) {
    this.symbols = Array.from({ length: symbolCount }, (_, symbolId) => new SymbolMarket(symbolId, limits, archive));
    this.touchedFlag = new Uint8Array(symbolCount);
    this.tradeCount = new Uint32Array(symbolCount);
    this.changeTrades = Array.from({ length: symbolCount }, () => []);
  }

  /**
   * Calls `listener` with what each command changed. With `wantsChanges`, the details (levels, order
   * changes, ticker objects) are built only for commands it says yes to; versions and stream sequences
   * move either way, so a subscriber that joins later still sees consecutive numbers.
   */
  onChange(listener: ChangeListener, wantsChanges: () => boolean = ALWAYS): void {
    this.listeners.push({ listener, wantsChanges });
  }

  private wantsChanges(): boolean {
    for (const entry of this.listeners) if (entry.wantsChanges()) return true;
    return false;
  }

  // Scratch of apply(), reused by every command: no maps, objects or closures per command on the engine's
  // thread. Incoming orders (new, or re-entering after a replace) as five numbers each, in arrival order:
  // [orderId, symbolId, side, priceCents, remaining]; a canceled one gets orderId -1.
  private readonly incoming: number[] = [];
  private incomingCount = 0;
  /** Symbols the command touched, in first-touch order, with a flag and a trade count per symbol. */
  private readonly touchedSymbols: number[] = [];
  private touchedCount = 0;
  private readonly touchedFlag: Uint8Array;
  private readonly tradeCount: Uint32Array;
  /** The command's trades per symbol, kept only when a listener wants the details. */
  private readonly changeTrades: TradeView[][];
  /** What every book's recordOps is set to (BookView starts with true). */
  private recordingOps = true;

  private touch(symbolId: number): void {
    if (this.touchedFlag[symbolId] === 1) return;
    this.touchedFlag[symbolId] = 1;
    this.touchedSymbols[this.touchedCount++] = symbolId;
  }

  private addIncoming(orderId: number, symbolId: number, side: Side, priceCents: number, remaining: number): void {
    const at = this.findIncoming(orderId);
    const base = (at >= 0 ? at : this.incomingCount++) * 5;
    const incoming = this.incoming;
    incoming[base] = orderId;
    incoming[base + 1] = symbolId;
    incoming[base + 2] = side;
    incoming[base + 3] = priceCents;
    incoming[base + 4] = remaining;
  }

  /** The index of an incoming order of this command, or -1. */
  private findIncoming(orderId: number): number {
    for (let i = 0; i < this.incomingCount; i++) if (this.incoming[i * 5] === orderId) return i;
    return -1;
  }

  apply(released: Released): void {
    this.incomingCount = 0;
    this.touchedCount = 0;
    const detailed = this.wantsChanges();
    if (detailed !== this.recordingOps) {
      // Only when it changes: a walk over every symbol's book per command would cost more than the command.
      this.recordingOps = detailed;
      for (const market of this.symbols) market.book.recordOps = detailed;
    }
    for (const event of released.events) {
      switch (event.kind) {
        case EventKind.OrderAccepted:
          this.addIncoming(event.orderId, event.symbolId, event.side, event.priceCents, event.quantity);
          break;
        case EventKind.Execution: {
          const market = this.symbols[event.symbolId];
          this.touch(event.symbolId);
          if (event.isMaker) {
            market.book.setRemaining(event.orderId, event.remainingQuantity);
          } else {
            const at = this.findIncoming(event.orderId);
            if (at >= 0) this.incoming[at * 5 + 4] = event.remainingQuantity;
            this.recordTrade(market, event.tradeId, event.priceCents, event.quantity, event.side, event.timestampMs);
            this.tradeCount[event.symbolId]++;
            if (detailed) {
              (this.changeTrades[event.symbolId] ??= []).push({
                tradeId: event.tradeId, priceCents: event.priceCents, quantity: event.quantity, aggressorSide: event.side, timeMs: event.timestampMs,
              });
            }
          }
          break;
        }
        case EventKind.OrderCanceled: {
          const at = this.findIncoming(event.orderId);
          if (at >= 0) this.incoming[at * 5] = -1;
          else {
            this.symbols[event.symbolId].book.remove(event.orderId);
            this.touch(event.symbolId);
          }
          break;
        }
        case EventKind.OrderReplaced: {
          const book = this.symbols[event.symbolId].book;
          this.touch(event.symbolId);
          if (event.keptPriority) book.setRemaining(event.orderId, event.remainingQuantity);
          else {
            book.remove(event.orderId);
            this.addIncoming(event.orderId, event.symbolId, event.side, event.priceCents, event.remainingQuantity);
          }
          break;
        }
        default:
          break;
      }
    }
    const incoming = this.incoming;
    for (let i = 0; i < this.incomingCount; i++) {
      const base = i * 5;
      if (incoming[base] < 0 || incoming[base + 4] <= 0) continue;
      const symbolId = incoming[base + 1];
      this.symbols[symbolId].book.add(incoming[base], incoming[base + 2] as Side, incoming[base + 3], incoming[base + 4]);
      this.touch(symbolId);
    }
    if (this.touchedCount > 0) this.finish(released, detailed);
  }

  private finish(released: Released, detailed: boolean): void {
    const changes: SymbolChange[] | null = detailed ? [] : null;
    for (let t = 0; t < this.touchedCount; t++) {
      const symbolId = this.touchedSymbols[t];
      this.touchedFlag[symbolId] = 0;
      const market = this.symbols[symbolId];
      const book = market.book;
      const bookChanged = book.touchedCount > 0;
      if (bookChanged) book.version++;
      if (this.tradeCount[symbolId] > 0) {
        this.tradeCount[symbolId] = 0;
        market.sequences.trades++;
        for (const name of RESOLUTION_NAMES) market.sequences.candles[name]++;
      }
      // Updated in place: no ticker object per command (a change gets its own copy below).
      const tickerChanged = this.updateTicker(symbolId, market.lastTicker);
      if (tickerChanged) market.sequences.ticker++;
      if (changes !== null) {
        const levels: Array<[Side, number, number]> = [];
        for (let i = 0; i < book.touchedCount; i++) {
          const key = book.touched[i];
          const side = sideOfLevelKey(key);
          const price = priceOfLevelKey(key);
          levels.push([side, price, book.levelQuantity(side, price)]);
        }
        const trades = this.changeTrades[symbolId];
        this.changeTrades[symbolId] = [];
        changes.push({
          symbolId, bookVersion: book.version, bookChanged, levels, orders: book.ops, trades,
          ticker: tickerChanged ? { ...market.lastTicker } : null, sequences: market.sequences,
        });
        book.ops = [];
      }
      book.touchedCount = 0;
    }
    if (changes === null) return;
    for (const entry of this.listeners) entry.listener(changes, released);
  }

  ticker(symbolId: number): TickerView {
    const book = this.symbols[symbolId].book;
    const bidCents = book.bestPrice(Side.Buy);
    const askCents = book.bestPrice(Side.Sell);
    return {
      bidCents, bidQuantity: book.levelQuantity(Side.Buy, bidCents), askCents, askQuantity: book.levelQuantity(Side.Sell, askCents),
      lastCents: this.lastPriceCents(symbolId), volume: this.dayVolume(symbolId),
    };
  }

  /** Brings `ticker` up to date with the symbol; returns whether anything in it changed. */
  private updateTicker(symbolId: number, ticker: TickerView): boolean {
    const book = this.symbols[symbolId].book;
    const bidCents = book.bestPrice(Side.Buy);
    const bidQuantity = book.levelQuantity(Side.Buy, bidCents);
    const askCents = book.bestPrice(Side.Sell);
    const askQuantity = book.levelQuantity(Side.Sell, askCents);
    const lastCents = this.lastPriceCents(symbolId);
    const volume = this.dayVolume(symbolId);
    if (ticker.bidCents === bidCents && ticker.bidQuantity === bidQuantity && ticker.askCents === askCents &&
        ticker.askQuantity === askQuantity && ticker.lastCents === lastCents && ticker.volume === volume) return false;
    ticker.bidCents = bidCents;
    ticker.bidQuantity = bidQuantity;
    ticker.askCents = askCents;
    ticker.askQuantity = askQuantity;
    ticker.lastCents = lastCents;
    ticker.volume = volume;
    return true;
  }

  sequences(symbolId: number): StreamSequences {
    return this.symbols[symbolId].sequences;
  }

  latestCandle(symbolId: number, resolution: Resolution): Candle | null {
    return this.symbols[symbolId].candles[resolution].latest();
  }

  private recordTrade(market: SymbolMarket, tradeId: number, priceCents: number, quantity: number, aggressorSide: Side, timeMs: number): void {
    market.trades.add(tradeId, priceCents, quantity, aggressorSide, timeMs);
    market.lastPriceCents = priceCents;
    for (const name of RESOLUTION_NAMES) market.candles[name].trade(timeMs, priceCents, quantity);
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
    return this.symbols[symbolId].trades.recent(limit);
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
    return this.symbols[symbolId].candles['1d'].latestVolume();
  }

  dump(): SymbolMarketDump[] {
    return this.symbols.map((market) => ({
      bookVersion: market.book.version,
      sequences: structuredClone(market.sequences),
      lastPriceCents: market.lastPriceCents,
      orders: [Side.Buy, Side.Sell].flatMap((side) =>
        market.book.orders(side as Side).map((o): [number, Side, number, number] => [o.orderId, side as Side, o.priceCents, o.quantity])),
      trades: market.trades.all(),
      candles: Object.fromEntries(RESOLUTION_NAMES.map((name) => [name, market.candles[name].all()])) as Record<Resolution, Candle[]>,
    }));
  }

  restore(dumps: SymbolMarketDump[]): void {
    dumps.forEach((dump, symbolId) => {
      const market = this.symbols[symbolId];
      for (const [orderId, side, priceCents, quantity] of dump.orders) market.book.add(orderId, side, priceCents, quantity);
      market.book.touchedCount = 0;
      market.book.ops = [];
      market.book.version = dump.bookVersion;
      market.sequences = structuredClone(dump.sequences);
      market.lastPriceCents = dump.lastPriceCents;
      market.trades.load(dump.trades);
      for (const name of RESOLUTION_NAMES) market.candles[name].load(dump.candles[name]);
      market.lastTicker = this.ticker(symbolId);
    });
  }
}
