// Signed account endpoints: orders, cancels, replaces, order and execution queries, the wallet.
import type { FastifyInstance } from 'fastify';
import { CommandKind, type EngineEvent, EventKind, OrderType, type RejectCode, RejectCode as Code } from '../../../engine/index.ts';
import type { ExchangeNode } from '../../../node/index.ts';
import { isOpen, type OrderRecord, statusOf } from '../../../views/index.ts';
import { ApiError, apiErrorFromReject, invalidArgument, parsePriceCents, type TokenBucketLimiter } from '../../common/index.ts';
import { requireReady, signatureGuard } from '../auth.ts';
import type { GatewayContext } from '../context.ts';
import { orderTypeOf, presentOrder, presentWallet, sideOf, timeInForceOf } from '../presenters.ts';
import { schemas } from '../schemas.ts';

interface NewOrderBody {
  symbol: string;
  side: 'buy' | 'sell';
  orderType: 'limit' | 'market';
  price?: string;
  quantity: number;
  timeInForce: 'GTC' | 'DAY' | 'IOC' | 'FOK';
  clientOrderId?: string;
  postOnly: boolean;
}

function rejection(events: EngineEvent[]): RejectCode | 0 {
  for (const event of events) {
    if (event.kind === EventKind.OrderRejected || event.kind === EventKind.CommandRejected) return event.code;
  }
  return 0;
}

/** The account's order, or 404 (another account's order is as unknown as a missing one). */
function ownOrder(node: ExchangeNode, accountId: number, idText: string): OrderRecord {
  const order = node.orders.get(Number(idText));
  if (!order || order.accountId !== accountId) throw new ApiError('NOT_FOUND', `no order ${idText} for this account`);
  return order;
}

function notOpen(order: OrderRecord): ApiError {
  return new ApiError('ORDER_NOT_OPEN', `order ${order.orderId} is no longer open (status ${statusOf(order)})`);
}

export function registerTradingRoutes(app: FastifyInstance, context: GatewayContext, perKey: TokenBucketLimiter): void {
  const { node, symbols, metrics } = context;
  const guard = signatureGuard(context, perKey);

  app.post('/v1/order', { preValidation: guard, schema: { body: schemas.newOrderBody } }, async (request, reply) => {
    requireReady(context);
    const body = request.body as NewOrderBody;
    const symbolId = symbols.id(body.symbol);
    const orderType = orderTypeOf(body.orderType);
    let priceCents = 0;
    if (orderType === OrderType.Limit) {
      if (body.price === undefined) throw invalidArgument('price is required for a limit order');
      priceCents = parsePriceCents(body.price, 'price');
      const tickCents = symbols.instruments[symbolId].tickCents;
      if (priceCents % tickCents !== 0) {
        throw invalidArgument(`price must be a multiple of the tick size ${(tickCents / 100).toFixed(2)} for ${body.symbol}`);
      }
    } else if (body.price !== undefined) {
      throw invalidArgument('price is for limit orders only; a market order has none');
    }
    const released = await node.submit({
      kind: CommandKind.NewOrder, accountId: request.accountId, symbolId, side: sideOf(body.side), orderType, priceCents,
      quantity: body.quantity, timeInForce: timeInForceOf(body.timeInForce), postOnly: body.postOnly,
      clientOrderId: body.clientOrderId ?? '',
    });
    const code = rejection(released.events);
    metrics.commands.inc({ type: 'new_order', result: code === 0 ? 'accepted' : 'rejected' });
    if (code !== 0) throw apiErrorFromReject(code);
    const first = released.events[0];
    const orderId = first.kind === EventKind.OrderAccepted || first.kind === EventKind.DuplicateOrder ? first.orderId : 0;
    const order = node.orders.get(orderId)!;
    metrics.orderLatencySeconds.observe(Number(process.hrtime.bigint() - request.startedAtNs) / 1e9);
    return reply.status(first.kind === EventKind.DuplicateOrder ? 200 : 201).send(presentOrder(order, symbols));
  });

  app.get('/v1/order/:id', { preValidation: guard, schema: { params: schemas.orderParams } }, async (request) => {
    return presentOrder(ownOrder(node, request.accountId, (request.params as { id: string }).id), symbols);
  });

  app.delete('/v1/order/:id', { preValidation: guard, schema: { params: schemas.orderParams } }, async (request) => {
    requireReady(context);
    const order = ownOrder(node, request.accountId, (request.params as { id: string }).id);
    if (!isOpen(order)) throw notOpen(order);
    const released = await node.submit({ kind: CommandKind.CancelOrder, accountId: request.accountId, orderId: order.orderId });
    const code = rejection(released.events);
    metrics.commands.inc({ type: 'cancel', result: code === 0 ? 'accepted' : 'rejected' });
    // The core keeps open orders only: NOT_FOUND from it means the order closed in the meantime.
    if (code === Code.NotFound) throw notOpen(order);
    if (code !== 0) throw apiErrorFromReject(code);
    return presentOrder(order, symbols);
  });

  app.put('/v1/order/:id', { preValidation: guard, schema: { params: schemas.orderParams, body: schemas.replaceBody } }, async (request) => {
    requireReady(context);
    const order = ownOrder(node, request.accountId, (request.params as { id: string }).id);
    if (!isOpen(order)) throw notOpen(order);
    const body = request.body as { quantity?: number; price?: string };
    const priceCents = body.price === undefined ? 0 : parsePriceCents(body.price, 'price');
    if (priceCents !== 0 && priceCents % symbols.instruments[order.symbolId].tickCents !== 0) {
      throw invalidArgument('price must be a multiple of the tick size');
    }
    if (body.quantity !== undefined && body.quantity <= order.filledQuantity) {
      throw invalidArgument(`quantity must exceed the filled quantity ${order.filledQuantity} (it is the new total)`);
    }
    const released = await node.submit({
      kind: CommandKind.ReplaceOrder, accountId: request.accountId, orderId: order.orderId, quantity: body.quantity ?? 0, priceCents,
    });
    const code = rejection(released.events);
    metrics.commands.inc({ type: 'replace', result: code === 0 ? 'accepted' : 'rejected' });
    if (code === Code.NotFound) throw notOpen(order);
    if (code !== 0) throw apiErrorFromReject(code);
    return presentOrder(order, symbols);
  });

  app.get('/v1/orders', { preValidation: guard, schema: { querystring: schemas.ordersQuery } }, async (request) => {
    const query = request.query as { symbol?: string; status?: 'open' | 'filled' | 'canceled'; limit: number };
    const symbolId = query.symbol === undefined ? undefined : symbols.id(query.symbol);
    const list = node.orders.list(request.accountId, (order) => {
      if (symbolId !== undefined && order.symbolId !== symbolId) return false;
      if (query.status === 'open') return isOpen(order);
      if (query.status !== undefined) return statusOf(order) === query.status;
      return true;
    }, query.limit);
    return { orders: list.map((order) => presentOrder(order, symbols)) };
  });

  app.get('/v1/wallet', { preValidation: guard }, async (request) => {
    return presentWallet(request.accountId, node.wallets.balances(request.accountId), symbols);
  });
}
