// Signed REST order entry on a gateway thread: the order-entry port answers POST /v1/order, DELETE
// /v1/order/{id} and PUT /v1/order/{id} as the HTTP port does (API.md "Trading"), with node:http on this
// thread instead of fastify on the engine's. The request passes REST's gates in REST's order: IP filter,
// per-IP rate limit, the route, body size and JSON, the signature, the per-key rate limit, the schemas,
// then the route's own checks. The order goes to the engine thread as a binary frame flagged JSON_ANSWER,
// and the answer (the order after the command, or REST's refusal) is REST's status and body.
//
// The signature is checked here against the account's secret, which the engine thread owns: a key seen
// for the first time is looked up once over the bus (KeyLookup) and kept (keys never change once made).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Ajv, type ValidateFunction } from 'ajv';
import type { NewOrderCommand } from '../../engine/index.ts';
import { decodeServerFrame, errorCodeName, ServerFrame } from '../../protocol/order-entry/index.ts';
import { emptyOrderRecord } from '../../views/index.ts';
import {
  ApiError, invalidArgument, IpFilter, parsePriceCents, rateLimited, TokenBucketLimiter, toApiError, verifySignature,
} from '../common/index.ts';
import type { GatewaySettings } from '../http/context.ts';
import { newBodyAjv, type NewOrderBody, newOrderCommand, type ReplaceBody, schemaError, validationFailure } from '../http/order-commands.ts';
import { presentOrderJson } from '../http/presenters.ts';
import { schemas } from '../http/schemas.ts';
import type { SymbolTable } from '../http/symbols.ts';
import { InboundKind, OutboundTarget } from './bus-records.ts';
import { decodeOrderState } from './order-state.ts';
import type { BusWriter } from './bus-writer.ts';

export type HttpEntrySettings = Omit<GatewaySettings, 'adminToken'>;

type Route = 'new' | 'cancel' | 'replace';

/** A request at the engine thread (an order, or the lookup of its key), by its bus id. */
interface Waiting {
  route: Route | 'key';
  response: ServerResponse;
  resume?: () => void;
}

const ORDER_PATH = '/v1/order';
const ORDER_ID_PATH = /^\/v1\/order\/([^/?]*)$/;

export class HttpOrderEntry {
  private readonly ipFilter: IpFilter;
  private readonly perIp: TokenBucketLimiter;
  private readonly keys = new Map<string, { secret: string; accountId: number }>();
  private readonly waiting = new Map<number, Waiting>();
  private readonly newOrderBody: ValidateFunction;
  private readonly replaceBody: ValidateFunction;
  private readonly orderParams: ValidateFunction;
  private readonly order = emptyOrderRecord();

  constructor(
    private readonly bus: BusWriter,
    private readonly symbols: SymbolTable,
    private readonly perKey: TokenBucketLimiter,
    private readonly settings: HttpEntrySettings,
    private readonly newId: () => number,
  ) {
    this.ipFilter = new IpFilter({ allow: settings.ipAllow, deny: settings.ipDeny });
    this.perIp = new TokenBucketLimiter({ ratePerSecond: settings.perIpRatePerSecond, burst: settings.perIpBurst, clock: () => performance.now() });
    // As the REST app compiles them: bodies strict with defaults, path parameters coerced.
    const strict = newBodyAjv();
    this.newOrderBody = strict.compile(schemas.newOrderBody);
    this.replaceBody = strict.compile(schemas.replaceBody);
    this.orderParams = new Ajv({ coerceTypes: 'array', removeAdditional: false, useDefaults: true, allErrors: false }).compile(schemas.orderParams);
  }

  has(id: number): boolean {
    return this.waiting.has(id);
  }

  /** The node:http request listener. */
  readonly handle = (request: IncomingMessage, response: ServerResponse): void => {
    try {
      const ip = request.socket.remoteAddress ?? '';
      const denied = this.ipFilter.check(ip);
      if (denied) throw denied;
      const taken = this.perIp.take(ip);
      if (!taken.allowed) throw rateLimited(taken.retryAfterSeconds, 'too many requests from this address');
      const url = request.url ?? '/';
      const path = url.split('?')[0];
      const idMatch = ORDER_ID_PATH.exec(path);
      let route: Route;
      if (request.method === 'POST' && path === ORDER_PATH) route = 'new';
      else if (request.method === 'DELETE' && idMatch) route = 'cancel';
      else if (request.method === 'PUT' && idMatch) route = 'replace';
      else {
        throw new ApiError('NOT_FOUND', `no such endpoint on the order-entry port: ${request.method} ${path} (it takes POST /v1/order, ` +
          'DELETE and PUT /v1/order/{id}, and WebSockets at /v1/order-entry and /v1/ws; the rest of the API is on the HTTP port)');
      }
      this.readBody(request, response, route, idMatch === null ? '' : pathParameter(idMatch[1], path));
    } catch (error) {
      this.fail(response, error);
    }
  };

  private readBody(request: IncomingMessage, response: ServerResponse, route: Route, idText: string): void {
    const chunks: Buffer[] = [];
    let bytes = 0;
    let tooLarge = false;
    request.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > this.settings.bodyLimitBytes) tooLarge = true;
      else chunks.push(chunk);
    });
    request.on('end', () => {
      try {
        if (tooLarge) throw new ApiError('PAYLOAD_TOO_LARGE', 'request body is larger than the limit');
        const rawBody = chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8');
        const body = this.parseBody(request, rawBody);
        this.authenticate(request, response, route, idText, rawBody, body, null);
      } catch (error) {
        this.fail(response, error);
      }
    });
    request.on('error', () => response.destroy());
  }

  /** As REST's content-type parser: JSON for a body that is there, nothing for an empty one. */
  private parseBody(request: IncomingMessage, rawBody: string): unknown {
    if (rawBody === '') return undefined;
    const type = request.headers['content-type'] ?? '';
    if (!/^application\/json\s*(;|$)/i.test(type)) throw invalidArgument('Content-Type must be application/json');
    try {
      return JSON.parse(rawBody);
    } catch {
      throw invalidArgument('body is not valid JSON');
    }
  }

  /** `lookedUp`: the key the engine thread was just asked about (unknown there if still unknown here). */
  private authenticate(
    request: IncomingMessage, response: ServerResponse, route: Route, idText: string, rawBody: string, body: unknown, lookedUp: string | null,
  ): void {
    let unknownKey: string | null = null;
    const result = verifySignature({
      apiKey: request.headers['x-api-key'], timestamp: request.headers['x-timestamp'], signature: request.headers['x-signature'],
      method: request.method ?? '', pathWithQuery: request.url ?? '/', rawBody, nowMs: Date.now(),
      lookupSecret: (apiKey) => {
        const known = this.keys.get(apiKey);
        if (!known) unknownKey = apiKey;
        return known?.secret;
      },
      windowMs: this.settings.signatureWindowMs,
    });
    if (!result.ok && unknownKey !== null && unknownKey !== lookedUp) {
      // Not seen here yet: ask the engine thread once, then check again (an unknown key fails then).
      const key: string = unknownKey;
      this.lookUp(key, response, () => {
        try {
          this.authenticate(request, response, route, idText, rawBody, body, key);
        } catch (error) {
          this.fail(response, error);
        }
      });
      return;
    }
    if (!result.ok) throw result.error;
    const taken = this.perKey.take(result.apiKey);
    if (!taken.allowed) throw rateLimited(taken.retryAfterSeconds, 'too many requests for this API key');
    this.submit(response, route, idText, this.keys.get(result.apiKey)!.accountId, body);
  }

  /** The checks of the route that need no order state (the engine thread makes the rest), then the bus. */
  private submit(response: ServerResponse, route: Route, idText: string, accountId: number, body: unknown): void {
    if (route === 'new') {
      if (!this.newOrderBody(body)) throw schemaError(this.newOrderBody, 'body');
      const command = newOrderCommand(body as NewOrderBody, accountId, this.symbols) as Omit<NewOrderCommand, 'sequence' | 'timestampMs'>;
      const id = this.newId();
      this.bus.newOrder(id, accountId, command);
      this.waiting.set(id, { route, response });
      return;
    }
    const params = { id: idText };
    if (!this.orderParams(params)) throw validationFailure(this.orderParams.errors![0], 'params');
    const orderId = Number(idText);
    const id = this.newId();
    if (route === 'cancel') {
      this.bus.cancel(id, accountId, orderId);
    } else {
      if (!this.replaceBody(body)) throw schemaError(this.replaceBody, 'body');
      const replace = body as ReplaceBody;
      this.bus.replace(id, accountId, orderId, replace.quantity ?? 0, replace.price === undefined ? 0 : parsePriceCents(replace.price, 'price'));
    }
    this.waiting.set(id, { route, response });
  }

  private lookUp(apiKey: string, response: ServerResponse, resume: () => void): void {
    const id = this.newId();
    this.bus.record(InboundKind.KeyLookup, id, 0, Buffer.from(apiKey, 'utf8'));
    this.waiting.set(id, { route: 'key', response, resume });
  }

  /** One answer record for request `id` (target Connection, OrderState or Key). */
  onAnswer(target: number, id: number, data: Uint8Array, view: DataView, start: number, end: number): void {
    const waiting = this.waiting.get(id);
    if (!waiting) return;
    this.waiting.delete(id);
    if (waiting.route === 'key') {
      const accountId = view.getUint32(start, true);
      if (accountId !== 0) {
        const keyBytes = view.getUint16(start + 4, true);
        const text = (from: number, to: number): string => Buffer.from(data.buffer, data.byteOffset + from, to - from).toString('utf8');
        this.keys.set(text(start + 6, start + 6 + keyBytes), { accountId, secret: text(start + 6 + keyBytes, end) });
      }
      waiting.resume!();
      return;
    }
    if (target === OutboundTarget.OrderState) {
      const duplicate = decodeOrderState(data, view, start, this.order);
      this.send(waiting.response, waiting.route === 'new' && !duplicate ? 201 : 200, presentOrderJson(this.order, this.symbols));
      return;
    }
    const frame = decodeServerFrame(data[start + 2], data, view, start + 3, view.getUint16(start, true) - 1);
    const error = frame.type === ServerFrame.Rejected
      ? new ApiError(errorCodeName(frame.errorCode) ?? 'INTERNAL', frame.message)
      : new ApiError('INTERNAL', `unexpected answer frame 0x${frame.type.toString(16)}`);
    this.fail(waiting.response, error);
  }

  private fail(response: ServerResponse, error: unknown): void {
    const apiError = toApiError(error);
    if (apiError.code === 'INTERNAL') console.error('internal error in HTTP order entry on a gateway thread:', error);
    if (apiError.retryAfterSeconds !== undefined) response.setHeader('Retry-After', String(apiError.retryAfterSeconds));
    this.send(response, apiError.status, JSON.stringify(apiError.toBody()));
  }

  private send(response: ServerResponse, status: number, json: string): void {
    if (response.headersSent || response.destroyed) return;
    response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json) });
    response.end(json);
  }
}

/** A path segment decoded as fastify decodes it; a malformed escape is the client's error, not ours. */
function pathParameter(segment: string, path: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw invalidArgument(`malformed request: '${path}' is not a valid url component`);
  }
}
