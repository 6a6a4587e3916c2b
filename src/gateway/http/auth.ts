// Credential checks as route hooks: the admin bearer token, and the HMAC signature of account requests
// (which also finds the account and charges its rate limit).
import type { FastifyRequest } from 'fastify';
import { ApiError, rateLimited, type TokenBucketLimiter, verifyAdminToken, verifySignature } from '../common/index.ts';
import type { GatewayContext } from './context.ts';

export function adminGuard(context: GatewayContext) {
  return async (request: FastifyRequest): Promise<void> => {
    const error = verifyAdminToken(request.headers.authorization, context.settings.adminToken);
    if (error) throw error;
  };
}

export function signatureGuard(context: GatewayContext, perKey: TokenBucketLimiter) {
  const { node, clock, settings } = context;
  return async (request: FastifyRequest): Promise<void> => {
    const result = verifySignature({
      apiKey: request.headers['x-api-key'],
      timestamp: request.headers['x-timestamp'],
      signature: request.headers['x-signature'],
      method: request.method,
      pathWithQuery: request.url,
      rawBody: request.rawBody,
      nowMs: clock.nowMs(),
      lookupSecret: (apiKey) => node.accounts.byKey(apiKey)?.apiSecret,
      windowMs: settings.signatureWindowMs,
    });
    if (!result.ok) throw result.error;
    const account = node.accounts.byKey(result.apiKey);
    if (!account) throw new ApiError('UNAUTHENTICATED');
    const taken = perKey.take(result.apiKey);
    if (!taken.allowed) throw rateLimited(taken.retryAfterSeconds, 'too many requests for this API key');
    request.accountId = account.accountId;
  };
}

/** Commands need a recovered node. */
export function requireReady(context: GatewayContext): void {
  if (!context.node.ready) throw new ApiError('UNAVAILABLE', 'the exchange is not ready: recovering or shutting down');
}
