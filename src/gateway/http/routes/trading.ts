// Signed account endpoints: orders, cancels, replaces, order and execution queries, the wallet.
import type { FastifyInstance } from 'fastify';
import { isOpen, statusOf } from '../../../views/index.ts';
import type { TokenBucketLimiter } from '../../common/index.ts';
import { requireReady, signatureGuard } from '../auth.ts';
import type { GatewayContext } from '../context.ts';
import {
  amendOutcome, cancelCommand, isDuplicate, type NewOrderBody, newOrderCommand, newOrderOutcome, openOwnOrder, ownOrder, type ReplaceBody,
  replaceCommand,
} from '../order-commands.ts';
import { presentOrder, presentWallet } from '../presenters.ts';
import { schemas } from '../schemas.ts';

export function registerTradingRoutes(app: FastifyInstance, context: GatewayContext, perKey: TokenBucketLimiter): void {
  const { node, symbols, metrics } = context;
  const guard = signatureGuard(context, perKey);

  app.post('/v1/order', { preValidation: guard, schema: { body: schemas.newOrderBody } }, async (request, reply) => {
    requireReady(context);
    const command = newOrderCommand(request.body as NewOrderBody, request.accountId, symbols);
    const released = await node.submit(command);
    const order = newOrderOutcome(node, metrics, released);
    metrics.orderLatencySeconds.observe(Number(process.hrtime.bigint() - request.startedAtNs) / 1e9);
    return reply.status(isDuplicate(released) ? 200 : 201).send(presentOrder(order, symbols));
  });

  app.get('/v1/order/:id', { preValidation: guard, schema: { params: schemas.orderParams } }, async (request) => {
    return presentOrder(ownOrder(node, request.accountId, (request.params as { id: string }).id), symbols);
  });

  app.delete('/v1/order/:id', { preValidation: guard, schema: { params: schemas.orderParams } }, async (request) => {
    requireReady(context);
    const order = openOwnOrder(node, request.accountId, (request.params as { id: string }).id);
    const released = await node.submit(cancelCommand(order));
    return presentOrder(amendOutcome(node, metrics, 'cancel', released, order), symbols);
  });

  app.put('/v1/order/:id', { preValidation: guard, schema: { params: schemas.orderParams, body: schemas.replaceBody } }, async (request) => {
    requireReady(context);
    const order = openOwnOrder(node, request.accountId, (request.params as { id: string }).id);
    const released = await node.submit(replaceCommand(order, request.body as ReplaceBody, symbols));
    return presentOrder(amendOutcome(node, metrics, 'replace', released, order), symbols);
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
