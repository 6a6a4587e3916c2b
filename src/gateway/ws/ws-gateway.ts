// The WebSocket endpoint /v1/ws (API.md): public market data channels per symbol, each a snapshot then
// updates with consecutive sequences, the authenticated private `orders` channel, and order entry
// (order-entry.ts). Every update is encoded once and the same bytes go to every subscriber.
import websocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import { EventKind } from '../../engine/index.ts';
import type { Released } from '../../sequencer/index.ts';
import type { SymbolChange } from '../../views/index.ts';
import type { TokenBucketLimiter } from '../common/index.ts';
import type { GatewayContext } from '../http/context.ts';
import { presentExecution, presentOrder } from '../http/presenters.ts';
import { ChannelHub } from './hub.ts';
import { isMarketChannel, MARKET_CHANNELS, snapshotMessage, updateMessage } from './messages.ts';
import { OrderEntry } from './order-entry.ts';
import { verifyAuthMessage } from './order-requests.ts';
import { Session } from './session.ts';

export interface WebSocketSettings {
  maxBufferedBytes: number;
  maxSubscriptions: number;
  maxMessageBytes: number;
  heartbeatIntervalMs: number;
  tradesInSnapshot: number;
  /** Order-entry requests a connection may have unanswered before it is no longer read (until half are answered). */
  maxOrdersInFlight: number;
}

export const DEFAULT_WEBSOCKET_SETTINGS: WebSocketSettings = {
  maxBufferedBytes: 1024 * 1024,
  maxSubscriptions: 200,
  maxMessageBytes: 4096,
  heartbeatIntervalMs: 15_000,
  tradesInSnapshot: 50,
  maxOrdersInFlight: 512,
};

type Reply = { op: 'error'; error: { code: string; message: string } };

const error = (code: string, message: string): Reply => ({ op: 'error', error: { code, message } });

/** `perKey`: the REST routes' per-API-key token bucket; WebSocket order entry draws on the same one. */
export function registerWebSocketGateway(app: FastifyInstance, context: GatewayContext, settings: WebSocketSettings, perKey: TokenBucketLimiter): void {
  const { node, symbols, metrics } = context;
  const orderEntry = new OrderEntry(context, perKey, settings.maxOrdersInFlight);
  const hub = new ChannelHub();
  const sessions = new Set<Session>();
  // Sessions with queued messages, written together on the next turn of the event loop (after the
  // HTTP answers of the same release, which therefore never wait for the fan-out).
  const dirty = new Set<Session>();
  let flushScheduled = false;
  let oldestQueuedNs = 0n;
  const flush = (): void => {
    flushScheduled = false;
    for (const session of dirty) session.flush();
    dirty.clear();
    if (oldestQueuedNs !== 0n) metrics.wsPublishDelaySeconds.observe(Number(process.hrtime.bigint() - oldestQueuedNs) / 1e9);
    oldestQueuedNs = 0n;
  };
  const sessionEvents = {
    sent: (messages: number, bytes: number) => {
      metrics.wsMessagesOut.inc(messages);
      metrics.wsBytesOut.inc(bytes);
    },
    slowConsumer: () => metrics.wsSlowConsumerDisconnects.inc(),
    queued: (session: Session) => {
      dirty.add(session);
      if (!flushScheduled) {
        flushScheduled = true;
        setImmediate(flush);
      }
    },
  };

  node.market.onChange((changes) => publishMarket(changes), () => hub.size > 0);
  node.onRelease((released) => publishPrivate(released));

  // Channel keys made once (no string per change and channel on the engine's thread).
  const marketKeys = node.config.instruments.map((instrument) => MARKET_CHANNELS.map((channel) => `${channel}:${instrument.symbol}`));
  const orderKeys: string[] = [];
  const orderKey = (accountId: number): string => (orderKeys[accountId] ??= `orders:${accountId}`);

  function publishMarket(changes: SymbolChange[]): void {
    if (hub.size === 0) return;
    for (const change of changes) {
      const keys = marketKeys[change.symbolId];
      for (let c = 0; c < keys.length; c++) {
        if (!hub.has(keys[c])) continue;
        const message = updateMessage(node.market, MARKET_CHANNELS[c], symbols.name(change.symbolId), change);
        if (!message) continue;
        if (oldestQueuedNs === 0n) oldestQueuedNs = process.hrtime.bigint();
        hub.publish(keys[c], Buffer.from(JSON.stringify(message)));
      }
    }
  }

  function publishPrivate(released: Released): void {
    if (hub.size === 0) return;
    let touchedOrders: Map<number, number> | null = null;
    for (const event of released.events) {
      if (event.kind !== EventKind.OrderAccepted && event.kind !== EventKind.Execution &&
          event.kind !== EventKind.OrderCanceled && event.kind !== EventKind.OrderReplaced) continue;
      const key = orderKey(event.accountId);
      if (!hub.has(key)) continue;
      (touchedOrders ??= new Map()).set(event.orderId, event.accountId);
      if (event.kind === EventKind.Execution) {
        const execution = node.orders.executions(event.accountId, (e) => e.tradeId === event.tradeId && e.isMaker === event.isMaker, 1)[0];
        if (execution) sendPrivate(key, 'execution', presentExecution(execution, symbols));
      }
    }
    if (touchedOrders === null) return;
    for (const [orderId, accountId] of touchedOrders) {
      const order = node.orders.get(orderId);
      if (order) sendPrivate(orderKey(accountId), 'order', presentOrder(order, symbols));
    }
  }

  /** Per-account counters: every message of an account's private stream is one more than the last. */
  const privateSequences = new Map<number, number>();

  function sendPrivate(key: string, type: 'order' | 'execution', data: Record<string, unknown>): void {
    const accountId = Number(key.slice('orders:'.length));
    const sequence = (privateSequences.get(accountId) ?? 0) + 1;
    privateSequences.set(accountId, sequence);
    hub.publish(key, Buffer.from(JSON.stringify({ type, channel: 'orders', sequence, [type]: data })));
  }

  function handle(session: Session, raw: Buffer | ArrayBuffer | Buffer[]): void {
    const bytes = Buffer.isBuffer(raw) ? raw : Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw);
    if (bytes.length > settings.maxMessageBytes) {
      session.sendJson(error('INVALID_ARGUMENT', `message is ${bytes.length} bytes; at most ${settings.maxMessageBytes} are read`));
      return;
    }
    const text = bytes.toString('utf8');
    let message: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      message = parsed as Record<string, unknown>;
    } catch {
      session.sendJson(error('INVALID_ARGUMENT', 'message must be a JSON object like {"op":"subscribe","channel":"book.L2","symbol":"AAPL"}'));
      return;
    }
    switch (message.op) {
      case 'subscribe': return subscribe(session, message);
      case 'unsubscribe': return unsubscribe(session, message);
      case 'auth': return authenticate(session, message);
      case 'order.new':
      case 'order.cancel':
      case 'order.replace':
        return orderEntry.handle(session, message.op, message);
      default:
        session.sendJson(error('INVALID_ARGUMENT', 'op must be one of subscribe, unsubscribe, auth, order.new, order.cancel, order.replace'));
    }
  }

  function subscribe(session: Session, message: Record<string, unknown>): void {
    const { channel, symbol } = message;
    if (channel === 'orders') {
      if (session.accountId === null) {
        session.sendJson(error('UNAUTHENTICATED', 'the orders channel needs {"op":"auth",...} first'));
        return;
      }
      const key = `orders:${session.accountId}`;
      if (!session.subscriptions.has(key)) {
        session.subscriptions.add(key);
        hub.add(key, session);
      }
      session.sendJson({ op: 'subscribed', channel: 'orders' });
      return;
    }
    if (!isMarketChannel(channel)) {
      session.sendJson(error('INVALID_ARGUMENT', `channel must be one of ${MARKET_CHANNELS.join(', ')}, orders`));
      return;
    }
    if (typeof symbol !== 'string') {
      session.sendJson(error('INVALID_ARGUMENT', 'symbol is required, e.g. "AAPL"'));
      return;
    }
    const symbolId = symbols.find(symbol);
    if (symbolId === undefined) {
      session.sendJson(error('UNKNOWN_SYMBOL', `unknown symbol ${JSON.stringify(symbol)}`));
      return;
    }
    const key = `${channel}:${symbol}`;
    if (!session.subscriptions.has(key)) {
      if (!session.canSubscribeMore) {
        session.sendJson(error('INVALID_ARGUMENT', `at most ${settings.maxSubscriptions} subscriptions per connection`));
        return;
      }
      session.subscriptions.add(key);
      hub.add(key, session);
    }
    // Subscribing again is how a client that saw a gap starts over: a fresh snapshot every time.
    session.sendJson({ op: 'subscribed', channel, symbol });
    session.sendJson(snapshotMessage(node.market, channel, symbol, symbolId, settings.tradesInSnapshot));
  }

  function unsubscribe(session: Session, message: Record<string, unknown>): void {
    const { channel, symbol } = message;
    const key = channel === 'orders' ? `orders:${session.accountId}` : `${String(channel)}:${String(symbol)}`;
    if (!session.subscriptions.delete(key)) {
      session.sendJson(error('NOT_FOUND', channel === 'orders' ? 'not subscribed to orders' : `not subscribed to ${String(channel)} ${String(symbol)}`));
      return;
    }
    hub.remove(key, session);
    session.sendJson(channel === 'orders' ? { op: 'unsubscribed', channel } : { op: 'unsubscribed', channel, symbol });
  }

  function authenticate(session: Session, message: Record<string, unknown>): void {
    const result = verifyAuthMessage(message, context.clock.nowMs(), (apiKey) => node.accounts.byKey(apiKey)?.apiSecret, context.settings.signatureWindowMs);
    if (!result.ok) {
      session.sendJson(error(result.error.code, result.error.message));
      return;
    }
    const accountId = node.accounts.byKey(result.apiKey)!.accountId;
    // Authenticating as another account ends the previous account's private stream on this connection.
    if (session.accountId !== null && session.accountId !== accountId) {
      const previous = `orders:${session.accountId}`;
      if (session.subscriptions.delete(previous)) hub.remove(previous, session);
    }
    session.accountId = accountId;
    session.apiKey = result.apiKey;
    session.sendJson({ op: 'authenticated', accountId: String(session.accountId) });
  }

  function open(socket: WebSocket): void {
    const session = new Session(socket, settings, sessionEvents);
    sessions.add(session);
    metrics.wsConnections.inc();
    // As for HTTP requests: a message waits until the read models have applied everything released so far
    // (a cancel of an order acknowledged on the order-entry port a moment ago must find it); the ones
    // behind it wait too, so the session's messages are still handled in order.
    const held: Buffer[] = [];
    const drain = (): void => {
      while (held.length > 0) {
        if (!node.isCaughtUp()) {
          void node.caughtUp().then(drain);
          return;
        }
        handle(session, held.shift()!);
      }
    };
    socket.on('message', (raw) => {
      if (held.length === 0 && node.isCaughtUp()) {
        handle(session, raw as Buffer);
        return;
      }
      held.push(raw as Buffer);
      if (held.length === 1) void node.caughtUp().then(drain);
    });
    socket.on('close', () => {
      session.closed = true;
      sessions.delete(session);
      metrics.wsConnections.dec();
      for (const key of session.subscriptions) hub.remove(key, session);
    });
    socket.on('error', () => socket.terminate());
  }

  const heartbeat = setInterval(() => {
    for (const session of sessions) session.heartbeat();
  }, settings.heartbeatIntervalMs);
  heartbeat.unref();

  app.register(async (scoped) => {
    // Frames up to 16x the message limit are read and answered with an error; larger ones close the
    // connection (1009) before they are buffered.
    await scoped.register(websocket, { options: { maxPayload: settings.maxMessageBytes * 16 } });
    scoped.get('/v1/ws', { websocket: true }, (socket) => open(socket));
  });
  app.addHook('onClose', async () => {
    clearInterval(heartbeat);
    for (const session of sessions) session.close(1001, 'server shutting down');
  });
  metrics.beforeScrape(() => {
    metrics.wsSubscribers.reset();
    for (const [channel, count] of hub.countsByChannel()) metrics.wsSubscribers.set({ channel }, count);
  });
}
