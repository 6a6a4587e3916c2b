export { MarketView, DEFAULT_MARKET_LIMITS } from './market-view.ts';
export type { TradeView, TickerView, StreamSequences, SymbolChange, SymbolMarketDump, MarketLimits, ChangeListener } from './market-view.ts';
export { RESOLUTIONS, RESOLUTION_NAMES } from './candles.ts';
export type { Candle, Resolution } from './candles.ts';
export { FileCandleArchive, MemoryCandleArchive } from './candle-archive.ts';
export type { CandleArchive } from './candle-archive.ts';
