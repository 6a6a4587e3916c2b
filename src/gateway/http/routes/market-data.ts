// Public market data snapshots, from the market view (built from released events only).
import type { FastifyInstance } from 'fastify';
import { Side, SymbolStatus } from '../../../engine/index.ts';
import type { Resolution } from '../../../views/index.ts';
import { formatCents } from '../../common/index.ts';
import type { GatewayContext } from '../context.ts';
import { presentCandle, presentLevels, presentTicker, presentTrade } from '../presenters.ts';
import { msOf, schemas } from '../schemas.ts';

export function registerMarketDataRoutes(app: FastifyInstance, context: GatewayContext): void {
  const { node, symbols } = context;
  const market = node.market;

  app.get('/v1/symbols', async () => {
    const statuses = node.symbolStatuses();
    return {
      symbols: symbols.instruments.map((instrument, symbolId) => ({
        symbol: instrument.symbol,
        // The number the binary order-entry protocol uses for the symbol.
        symbolId,
        name: instrument.name,
        tickSize: formatCents(instrument.tickCents),
        maxOrderQuantity: instrument.maxOrderQuantity,
        referencePrice: formatCents(instrument.referencePriceCents),
        priceBandPercent: instrument.priceBandPercent,
        status: statuses[symbolId] === SymbolStatus.Halted ? 'halted' : 'trading',
        lastPrice: market.lastPriceCents(symbolId) > 0 ? formatCents(market.lastPriceCents(symbolId)) : null,
      })),
    };
  });

  app.get('/v1/marketdata/orderBook/L2', { schema: { querystring: schemas.l2Query } }, async (request) => {
    const { symbol, depth } = request.query as { symbol: string; depth: number };
    const symbolId = symbols.id(symbol);
    return {
      symbol, sequence: market.bookVersion(symbolId),
      bids: presentLevels(market.depth(symbolId, Side.Buy, depth)), asks: presentLevels(market.depth(symbolId, Side.Sell, depth)),
    };
  });

  app.get('/v1/marketdata/orderBook/L3', { schema: { querystring: schemas.symbolQuery } }, async (request) => {
    const { symbol } = request.query as { symbol: string };
    const symbolId = symbols.id(symbol);
    const orders = (side: Side): Array<{ orderId: string; price: string; quantity: number }> =>
      market.orders(symbolId, side).map((o) => ({ orderId: String(o.orderId), price: formatCents(o.priceCents), quantity: o.quantity }));
    return { symbol, sequence: market.bookVersion(symbolId), bids: orders(Side.Buy), asks: orders(Side.Sell) };
  });

  app.get('/v1/marketdata/trades', { schema: { querystring: schemas.tradesQuery } }, async (request) => {
    const { symbol, limit } = request.query as { symbol: string; limit: number };
    const symbolId = symbols.id(symbol);
    return {
      symbol,
      trades: market.recentTrades(symbolId, limit).map(presentTrade),
    };
  });

  app.get('/v1/marketdata/ticker', { schema: { querystring: schemas.symbolQuery } }, async (request) => {
    const { symbol } = request.query as { symbol: string };
    const symbolId = symbols.id(symbol);
    return { ...presentTicker(symbol, market.ticker(symbolId)), sequence: market.sequences(symbolId).ticker };
  });

  app.get('/v1/marketdata/candles', { schema: { querystring: schemas.candlesQuery } }, async (request) => {
    const query = request.query as { symbol: string; resolution: Resolution; startTime?: string; endTime?: string };
    const symbolId = symbols.id(query.symbol);
    const candles = market.candles(symbolId, query.resolution, msOf(query.startTime, 0), msOf(query.endTime, Number.MAX_SAFE_INTEGER));
    return {
      symbol: query.symbol,
      resolution: query.resolution,
      candles: candles.map(presentCandle),
    };
  });
}
