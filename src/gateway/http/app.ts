// The REST gateway as a function: build it with its dependencies, test it with inject() or a socket.
// Order of gatekeeping per request: IP filter, per-IP rate limit, body size and JSON parse, credentials
// (admin token or HMAC signature, then per-key rate limit), schema validation, then the handler.
import { Ajv } from 'ajv';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { ApiError, invalidArgument, IpFilter, rateLimited, TokenBucketLimiter, toApiError } from '../common/index.ts';
import type { GatewayContext } from './context.ts';
import { registerAdminRoutes } from './routes/admin.ts';
import { registerMarketDataRoutes } from './routes/market-data.ts';
import { registerOperationsRoutes } from './routes/operations.ts';
import { registerReportRoutes } from './routes/reports.ts';
import { registerTradingRoutes } from './routes/trading.ts';
import { DEFAULT_WEBSOCKET_SETTINGS, registerWebSocketGateway } from '../ws/ws-gateway.ts';
import { validationFailure } from './order-commands.ts';

declare module 'fastify' {
  interface FastifyRequest {
    rawBody: string;
    accountId: number;
    startedAtNs: bigint;
  }
}

export function buildHttpApp(context: GatewayContext): FastifyInstance {
  const { settings, metrics, clock } = context;
  const ipFilter = new IpFilter({ allow: settings.ipAllow, deny: settings.ipDeny });
  const app = Fastify({
    bodyLimit: settings.bodyLimitBytes,
    logger: false,
    // Errors fastify raises before routing (a bad URL, an over-long path parameter) get the API's error
    // body too, and the IP filter still comes first.
    frameworkErrors: (error, request, reply) => {
      const apiError = ipFilter.check(request.ip) ?? invalidArgument(`malformed request: ${error.message}`);
      metrics.rejects.inc({ code: apiError.code });
      void (reply as FastifyReply).code(apiError.status).send(apiError.toBody());
    },
  });
  // JSON bodies must have the types the schema says (no "5" for 5); query strings and path parameters
  // are text by nature, so they are converted.
  const strictAjv = new Ajv({ coerceTypes: false, removeAdditional: false, useDefaults: true, allErrors: false });
  const coercingAjv = new Ajv({ coerceTypes: 'array', removeAdditional: false, useDefaults: true, allErrors: false });
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? strictAjv : coercingAjv).compile(schema));
  const perIp = new TokenBucketLimiter({ ratePerSecond: settings.perIpRatePerSecond, burst: settings.perIpBurst, clock: () => clock.nowMs() });
  const perKey = new TokenBucketLimiter({ ratePerSecond: settings.perKeyRatePerSecond, burst: settings.perKeyBurst, clock: () => clock.nowMs() });

  app.decorateRequest('rawBody', '');
  app.decorateRequest('accountId', 0);
  app.decorateRequest('startedAtNs', 0n);

  // JSON only: fastify's own text/plain parser would take a body without keeping its text, and the request
  // would fail its signature (401) instead of being told the media type is wrong (400).
  app.removeContentTypeParser('text/plain');
  // Keep the exact body text: the signature covers it byte for byte.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    request.rawBody = text;
    if (text === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(invalidArgument('body is not valid JSON'), undefined);
    }
  });

  app.addHook('onRequest', async (request) => {
    request.startedAtNs = process.hrtime.bigint();
    const denied = ipFilter.check(request.ip);
    if (denied) throw denied;
    const taken = perIp.take(request.ip);
    if (!taken.allowed) throw rateLimited(taken.retryAfterSeconds, 'too many requests from this address');
  });

  // Requests see every command released so far, also one answered on the order-entry port a moment ago
  // (the read models here may be a stream's length behind the engine; see NodeApi.caughtUp).
  app.addHook('preHandler', async () => {
    if (!context.node.isCaughtUp()) await context.node.caughtUp();
  });

  app.addHook('onResponse', async (request, reply) => {
    metrics.httpRequests.inc({ route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) });
  });

  app.setErrorHandler((error: FastifyError | ApiError, request: FastifyRequest, reply: FastifyReply) => {
    const apiError = describeError(error);
    if (apiError.status >= 500 && apiError.code === 'INTERNAL') {
      request.log.error(error);
      console.error(`internal error on ${request.method} ${request.url}:`, error);
    }
    metrics.rejects.inc({ code: apiError.code });
    if (apiError.retryAfterSeconds !== undefined) reply.header('Retry-After', String(apiError.retryAfterSeconds));
    return reply.status(apiError.status).send(apiError.toBody());
  });

  app.setNotFoundHandler((request, reply) => {
    const error = new ApiError('NOT_FOUND', `no such endpoint: ${request.method} ${request.url.split('?')[0]}`);
    metrics.rejects.inc({ code: error.code });
    return reply.status(404).send(error.toBody());
  });

  registerOperationsRoutes(app, context);
  registerMarketDataRoutes(app, context);
  registerAdminRoutes(app, context);
  registerTradingRoutes(app, context, perKey);
  registerReportRoutes(app, context, perKey);
  registerWebSocketGateway(app, context, context.websocket ?? DEFAULT_WEBSOCKET_SETTINGS, perKey);
  return app;
}

/** Every failure as an API error: ours as they are, the framework's mapped to the catalogue. */
function describeError(error: FastifyError | ApiError): ApiError {
  if (error instanceof ApiError) return error;
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) return validationFailure(fastifyError.validation[0], fastifyError.validationContext ?? 'request');
  if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || fastifyError.statusCode === 413) {
    return new ApiError('PAYLOAD_TOO_LARGE', 'request body is larger than the limit');
  }
  if (fastifyError.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return invalidArgument('Content-Type must be application/json');
  if (fastifyError.statusCode !== undefined && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return invalidArgument(fastifyError.message);
  }
  return toApiError(error);
}
