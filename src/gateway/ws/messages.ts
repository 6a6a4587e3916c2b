// The JSON messages of the WebSocket API (API.md), built from the market view and the order store.
import { Side } from '../../engine/index.ts';
import type { MarketView, Resolution, SymbolChange } from '../../views/index.ts';
import { formatCents } from '../common/index.ts';
import { presentCandle, presentLevels, presentTicker, presentTrade, SIDE_NAMES } from '../http/presenters.ts';

export const MARKET_CHANNELS = ['book.L2', 'book.L3', 'trades', 'ticker', 'candles.1m', 'candles.5m', 'candles.15m', 'candles.1h', 'candles.1d'] as const;
export type MarketChannel = (typeof MARKET_CHANNELS)[number];

export function isMarketChannel(value: unknown): value is MarketChannel {
  return typeof value === 'string' && (MARKET_CHANNELS as readonly string[]).includes(value);
}

const resolutionOf = (channel: string): Resolution => channel.slice('candles.'.length) as Resolution;

/** Snapshot of one channel for one symbol, at the state the market view holds now. */
export function snapshotMessage(market: MarketView, channel: MarketChannel, symbol: string, symbolId: number, tradesInSnapshot: number): object {
  const base = { type: 'snapshot', channel, symbol };
  switch (channel) {
    case 'book.L2':
      return {
        ...base, sequence: market.bookVersion(symbolId),
        bids: presentLevels(market.depth(symbolId, Side.Buy, Infinity)), asks: presentLevels(market.depth(symbolId, Side.Sell, Infinity)),
      };
    case 'book.L3': {
      const orders = (side: Side) => market.orders(symbolId, side).map((o) => ({ orderId: String(o.orderId), price: formatCents(o.priceCents), quantity: o.quantity }));
      return { ...base, sequence: market.bookVersion(symbolId), bids: orders(Side.Buy), asks: orders(Side.Sell) };
    }
    case 'trades':
      return { ...base, sequence: market.sequences(symbolId).trades, trades: market.recentTrades(symbolId, tradesInSnapshot).map(presentTrade) };
    case 'ticker':
      return { ...base, sequence: market.sequences(symbolId).ticker, ticker: presentTicker(symbol, market.ticker(symbolId)) };
    default: {
      const resolution = resolutionOf(channel);
      const candle = market.latestCandle(symbolId, resolution);
      return { ...base, sequence: market.sequences(symbolId).candles[resolution], candle: candle ? presentCandle(candle) : null };
    }
  }
}

/** The update of one channel for one symbol after a command, or null when that channel did not change. */
export function updateMessage(market: MarketView, channel: MarketChannel, symbol: string, change: SymbolChange): object | null {
  const base = { type: 'update', channel, symbol };
  switch (channel) {
    case 'book.L2': {
      if (!change.bookChanged) return null;
      const side = (wanted: Side): Array<[string, number]> =>
        change.levels.filter(([s]) => s === wanted).map(([, price, quantity]) => [formatCents(price), quantity]);
      return { ...base, sequence: change.bookVersion, bids: side(Side.Buy), asks: side(Side.Sell) };
    }
    case 'book.L3':
      if (!change.bookChanged) return null;
      return {
        ...base, sequence: change.bookVersion,
        orders: change.orders.map(([orderId, side, price, quantity]) => ({
          orderId: String(orderId), side: SIDE_NAMES[side], price: formatCents(price), quantity,
        })),
      };
    case 'trades':
      if (change.trades.length === 0) return null;
      return { ...base, sequence: change.sequences.trades, trades: change.trades.map(presentTrade) };
    case 'ticker':
      if (!change.ticker) return null;
      return { ...base, sequence: change.sequences.ticker, ticker: presentTicker(symbol, change.ticker) };
    default: {
      if (change.trades.length === 0) return null;
      const resolution = resolutionOf(channel);
      const candle = market.latestCandle(change.symbolId, resolution);
      return { ...base, sequence: change.sequences.candles[resolution], candle: candle ? presentCandle(candle) : null };
    }
  }
}
