// Admin endpoints (bearer token): accounts, deposits and withdrawals, blocks, halts, state hash.
import type { FastifyInstance } from 'fastify';
import { AccountStatus, CommandKind, EventKind, type RejectCode, SymbolStatus } from '../../../engine/index.ts';
import type { Released } from '../../../sequencer/index.ts';
import { ApiError, apiErrorFromReject, parseAmount } from '../../common/index.ts';
import { adminGuard, requireReady } from '../auth.ts';
import type { GatewayContext } from '../context.ts';
import { presentWallet } from '../presenters.ts';
import { schemas } from '../schemas.ts';

/** Throws the API error of a CommandRejected among the events, if any. */
export function throwIfRejected(released: Released, context?: string): void {
  for (const event of released.events) {
    if (event.kind === EventKind.CommandRejected || event.kind === EventKind.OrderRejected) {
      throw apiErrorFromReject(event.code as RejectCode, context);
    }
  }
}

function accountIdOf(context: GatewayContext, text: string): number {
  const accountId = Number(text);
  if (!context.node.accounts.get(accountId)) throw new ApiError('NOT_FOUND', `no account ${text}`);
  return accountId;
}

export function registerAdminRoutes(app: FastifyInstance, context: GatewayContext): void {
  const { node, symbols } = context;
  const guard = adminGuard(context);

  app.post('/v1/admin/accounts', { preValidation: guard, schema: { body: schemas.createAccountBody } }, async (request, reply) => {
    requireReady(context);
    const { name } = request.body as { name: string };
    const { apiKey, apiSecret } = context.newCredentials();
    const released = await node.submit({ kind: CommandKind.CreateAccount, name, apiKey, apiSecret });
    throwIfRejected(released, 'name');
    const created = released.events.find((e) => e.kind === EventKind.AccountCreated)!;
    if (created.kind !== EventKind.AccountCreated) throw new Error('unreachable');
    return reply.status(201).send({ accountId: String(created.accountId), name, apiKey, apiSecret });
  });

  for (const action of ['deposit', 'withdraw'] as const) {
    app.post(`/v1/admin/accounts/:accountId/${action}`, {
      preValidation: guard, schema: { params: schemas.accountParams, body: schemas.balanceBody },
    }, async (request) => {
      requireReady(context);
      const accountId = accountIdOf(context, (request.params as { accountId: string }).accountId);
      const body = request.body as { asset: string; amount: string | number; idempotencyKey?: string };
      const asset = symbols.assetId(body.asset);
      const amount = parseAmount(asset === 0 ? 'cash' : 'shares', body.amount, 'amount');
      const idempotencyKey = body.idempotencyKey ?? String(request.headers['idempotency-key'] ?? '');
      const released = await node.submit({
        kind: action === 'deposit' ? CommandKind.Deposit : CommandKind.Withdraw, accountId, asset, amount, idempotencyKey,
      });
      throwIfRejected(released);
      return presentWallet(accountId, node.wallets.balances(accountId), symbols);
    });
  }

  for (const [action, status] of [['block', AccountStatus.Blocked], ['unblock', AccountStatus.Active]] as const) {
    app.post(`/v1/admin/accounts/:accountId/${action}`, { preValidation: guard, schema: { params: schemas.accountParams } }, async (request) => {
      requireReady(context);
      const accountId = accountIdOf(context, (request.params as { accountId: string }).accountId);
      throwIfRejected(await node.submit({ kind: CommandKind.SetAccountStatus, accountId, status }));
      return { accountId: String(accountId), status: status === AccountStatus.Blocked ? 'blocked' : 'active' };
    });
  }

  app.get('/v1/admin/accounts/:accountId', { preValidation: guard, schema: { params: schemas.accountParams } }, async (request) => {
    const accountId = accountIdOf(context, (request.params as { accountId: string }).accountId);
    const account = node.accounts.get(accountId)!;
    return {
      accountId: String(accountId), name: account.name, status: account.status === AccountStatus.Blocked ? 'blocked' : 'active',
      wallet: presentWallet(accountId, node.wallets.balances(accountId), symbols),
    };
  });

  for (const [action, status] of [['halt', SymbolStatus.Halted], ['resume', SymbolStatus.Trading]] as const) {
    app.post(`/v1/admin/symbols/:symbol/${action}`, { preValidation: guard, schema: { params: schemas.symbolParams } }, async (request) => {
      requireReady(context);
      const symbol = (request.params as { symbol: string }).symbol;
      const symbolId = symbols.find(symbol);
      if (symbolId === undefined) throw new ApiError('NOT_FOUND', `unknown symbol ${JSON.stringify(symbol)}`);
      throwIfRejected(await node.submit({ kind: CommandKind.SetSymbolStatus, symbolId, status }));
      return { symbol, status: status === SymbolStatus.Halted ? 'halted' : 'trading' };
    });
  }

  for (const [action, kind] of [['open', CommandKind.OpenSession], ['close', CommandKind.CloseSession]] as const) {
    app.post(`/v1/admin/session/${action}`, { preValidation: guard }, async () => {
      requireReady(context);
      await node.submit({ kind });
      return { session: action === 'open' ? 'open' : 'closed' };
    });
  }

  app.get('/v1/admin/state-hash', { preValidation: guard }, async () => node.stateHash());

  app.post('/v1/admin/snapshot', { preValidation: guard }, async () => {
    await node.snapshot();
    return { sequence: node.lastSequence };
  });
}
