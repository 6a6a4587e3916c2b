// An order-entry gateway thread (a worker): it owns the client connections of one listening port, splits and
// checks their frames, and moves requests to the engine thread and answers back over two shared-memory rings.
// Everything per order happens here or on the engine thread; the main event loop of neither is shared with
// the other, and no postMessage is used after setup.
//
// One port serves every transport: a connection whose first bytes are an HTTP request line is REST's order
// routes (http-order-entry.ts) or an upgrade to a WebSocket, at /v1/order-entry carrying the same frames in
// binary messages or at /v1/ws speaking JSON order entry (json-order-entry.ts); anything else is raw TCP.
import { createServer as createHttpServer, type IncomingMessage } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { WebSocketServer } from 'ws';
import { type RingBuffers, RoomWaiter, SpscRing } from '../../bus/index.ts';
import {
  ClientFrame, decodeCancel, decodeLogin, decodeNewOrder, decodeReplace, DisconnectCode, emptyCancel, emptyNewOrder, emptyReplace,
  ERROR_CODE_NUMBERS, type ErrorCodeName, FrameWriter, LOGIN_SIGNED_PATH, type LoginFrame, ServerFrame,
} from '../../protocol/order-entry/index.ts';
import { TokenBucketLimiter } from '../common/rate-limit.ts';
import { InboundKind, OUTBOUND_HEADER_BYTES, OutboundTarget, writeInboundRecord } from './bus-records.ts';
import { type BytePipe, ClientConnection, tcpPipe, webSocketPipe } from './client-connection.ts';
import { checkNewOrder, checkOrderId, checkReplace } from './order-checks.ts';
import type { InstrumentConfig } from '../../engine/index.ts';
import { SymbolTable } from '../http/symbols.ts';
import { WS_SIGNED_PATH } from '../ws/order-requests.ts';
import { type JsonEntrySettings, JsonOrderEntry } from './json-order-entry.ts';
import { BusWriter } from './bus-writer.ts';
import { type HttpEntrySettings, HttpOrderEntry } from './http-order-entry.ts';
import { epochNowMs, writeStageCounts } from '../../ops/stage-latency.ts';
import { BinaryWriter } from '../../codec/binary.ts';
import { AnswerLatency } from './answer-latency.ts';
import { nameThisThread } from '../../ops/thread-priority.ts';

export interface GatewayThreadSetup {
  gatewayIndex: number;
  /** This thread writes requests here (the engine thread reads). */
  inbound: RingBuffers;
  /** The engine thread writes answers here (this thread reads). */
  outbound: RingBuffers;
  host: string;
  port: number;
  /** The listed instruments by symbolId (their tick sizes for the checks, their symbols for JSON sessions). */
  instruments: readonly InstrumentConfig[];
  /** The JSON sessions of /v1/ws. */
  webSocket: JsonEntrySettings;
  /** REST's gates for POST /v1/order, DELETE and PUT /v1/order/{id}. */
  http: HttpEntrySettings;
  /** Per API key, as for REST (each gateway thread keeps its own buckets). */
  ratePerKey: { ratePerSecond: number; burst: number };
  /** A client with more than this many answer bytes unwritten is disconnected as a slow consumer. */
  maxBufferedBytes: number;
  /** A connection that sends nothing (not even a Heartbeat) for this long is disconnected. */
  idleTimeoutMs: number;
}

export type GatewayToParent = { type: 'listening'; port: number } | { type: 'closed' } | { type: 'error'; message: string };
export type ParentToGateway = { type: 'close' };

const setup = workerData as GatewayThreadSetup;
nameThisThread(`exch-gateway-${setup.gatewayIndex}`);
const inbound = SpscRing.attach(setup.inbound);
const outbound = SpscRing.attach(setup.outbound);
const connections = new Map<number, ClientConnection>();
const byAccount = new Map<number, ClientConnection[]>();
const limiter = new TokenBucketLimiter({ ...setup.ratePerKey, clock: () => performance.now() });
const symbols = new SymbolTable(setup.instruments);
const busWriter = new BusWriter(inbound);
const json = new JsonOrderEntry(busWriter, symbols, limiter, setup.webSocket);
const http = new HttpOrderEntry(busWriter, symbols, limiter, setup.http, newConnectionId);
const local = new FrameWriter(4096);
const dirty: ClientConnection[] = [];
const blocked: ClientConnection[] = [];
const EMPTY = new Uint8Array(0);
/** The bus was full: once the engine thread has read some, the held connections resume reading. */
const busRoom = new RoomWaiter(inbound, 64 * 1024, () => blocked.length > 0, () => {
  for (const connection of blocked.splice(0)) {
    connection.waitingForBus = false;
    if (connection.closed) continue;
    connection.pipe.resumeReading();
    feed(connection, EMPTY);
  }
});
let nextConnectionId = 1;
let flushScheduled = false;
let closing = false;

const scratchLogin: LoginFrame = { timestampMs: 0, apiKey: '', signature: new Uint8Array(0) };
const scratchOrder = emptyNewOrder();
const scratchCancel = emptyCancel();
const scratchReplace = emptyReplace();

function post(message: GatewayToParent): void {
  parentPort!.postMessage(message);
}

// Answers made here (rejections of what never reaches the engine, heartbeats, disconnects) ---------------

function scheduleFlush(): void {
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flushDirty);
  }
}

function flushDirty(): void {
  flushScheduled = false;
  for (const connection of dirty) {
    connection.flush();
    if (connection.pipe.bufferedBytes > setup.maxBufferedBytes) {
      disconnect(connection, DisconnectCode.SlowConsumer, `slow consumer: more than ${setup.maxBufferedBytes} bytes of answers unread`);
    }
  }
  dirty.length = 0;
}

function answerLocally(connection: ClientConnection): void {
  if (connection.queue(local.bytes, 0, local.length)) dirty.push(connection);
  local.reset();
  scheduleFlush();
}

/** A refusal made here: now if nothing sent earlier is still at the engine, else after its answer. */
function answerInOrder(connection: ClientConnection): void {
  if (connection.answered === connection.issued) {
    answerLocally(connection);
    return;
  }
  connection.deferred.push({ after: connection.issued, bytes: local.bytes.slice(0, local.length) });
  local.reset();
}

function reject(connection: ClientConnection, requestType: number, clientSeq: number, orderId: number, code: ErrorCodeName, message: string): void {
  local.rejected({ clientSeq, requestType, errorCode: ERROR_CODE_NUMBERS[code], orderId, message });
  answerInOrder(connection);
}

/**
 * Ends a connection the client's way (logout, a malformed frame): nothing more is read, the requests it sent
 * before are still answered, then the Disconnect (at most closeGraceMs later, whatever the engine does).
 */
function disconnectAfterAnswers(connection: ClientConnection, code: number, reason: string): void {
  if (connection.closed || connection.closing !== null) return;
  connection.pipe.pauseReading();
  if (connection.answered === connection.issued) {
    flushDeferred(connection);
    disconnect(connection, code, reason);
    return;
  }
  connection.closing = { code, reason };
  setTimeout(() => disconnect(connection, code, reason), CLOSE_GRACE_MS).unref();
}

const CLOSE_GRACE_MS = 5_000;

function flushDeferred(connection: ClientConnection): void {
  for (const { bytes } of connection.deferred.splice(0)) deliver(connection, bytes, 0, bytes.length);
}

/** Closes at once with a Disconnect frame (answers still at the engine are not waited for). */
function disconnect(connection: ClientConnection, code: number, reason: string): void {
  if (connection.closed) return;
  local.disconnect(code, reason);
  connection.queue(local.bytes, 0, local.length);
  local.reset();
  connection.flush();
  connection.closed = true;
  connection.pipe.end();
  setTimeout(() => connection.pipe.destroy(), 1_000).unref();
  forget(connection);
}

// Requests to the engine thread ---------------------------------------------------------------------------

/** Puts one request on the bus; false when the ring is full (the caller keeps the frame and waits). */
function toEngine(kind: number, connection: ClientConnection, bytes: Uint8Array, bodyOffset: number, bodyLength: number): boolean {
  return writeInboundRecord(inbound, kind, connection.connectionId, connection.accountId, receivedAtMs, bytes, bodyOffset, bodyLength);
}

/** Handles one client frame; false means "the bus is full, keep this frame and retry later". */
function onFrame(connection: ClientConnection, type: number, bytes: Uint8Array, view: DataView, offset: number, length: number): boolean {
  if (connection.closed || connection.closing !== null) return true;
  switch (type) {
    case ClientFrame.NewOrder: {
      const malformed = decodeNewOrder(bytes, view, offset, length, scratchOrder);
      if (malformed !== null) return malformedFrame(connection, malformed);
      if (!admitted(connection, type, scratchOrder.clientSeq, 0)) return true;
      const failure = checkNewOrder(scratchOrder, setup.instruments);
      if (failure) {
        reject(connection, type, scratchOrder.clientSeq, 0, failure.code, failure.message);
        return true;
      }
      return enqueue(connection, type, bytes, offset, length);
    }
    case ClientFrame.Cancel: {
      const malformed = decodeCancel(bytes, view, offset, length, scratchCancel);
      if (malformed !== null) return malformedFrame(connection, malformed);
      if (!admitted(connection, type, scratchCancel.clientSeq, scratchCancel.orderId)) return true;
      const failure = checkOrderId(scratchCancel.orderId);
      if (failure) {
        reject(connection, type, scratchCancel.clientSeq, 0, failure.code, failure.message);
        return true;
      }
      return enqueue(connection, type, bytes, offset, length);
    }
    case ClientFrame.Replace: {
      const malformed = decodeReplace(bytes, view, offset, length, scratchReplace);
      if (malformed !== null) return malformedFrame(connection, malformed);
      if (!admitted(connection, type, scratchReplace.clientSeq, scratchReplace.orderId)) return true;
      const failure = checkReplace(scratchReplace);
      if (failure) {
        reject(connection, type, scratchReplace.clientSeq, Number.isNaN(scratchReplace.orderId) ? 0 : scratchReplace.orderId, failure.code, failure.message);
        return true;
      }
      return enqueue(connection, type, bytes, offset, length);
    }
    case ClientFrame.Login: {
      const malformed = decodeLogin(bytes, view, offset, length, scratchLogin);
      if (malformed !== null) return malformedFrame(connection, malformed);
      if (connection.loggedIn || connection.loginPending) {
        reject(connection, type, 0, 0, 'INVALID_ARGUMENT', 'already logged in (one Login per connection)');
        return true;
      }
      if (!toEngine(type, connection, bytes, offset, length)) return false;
      connection.issued++;
      connection.loginPending = true;
      connection.apiKey = scratchLogin.apiKey;
      return true;
    }
    case ClientFrame.Heartbeat:
      if (length !== 0) return malformedFrame(connection, `Heartbeat frame body must be 0 bytes, got ${length}`);
      local.serverHeartbeat();
      answerLocally(connection);
      return true;
    case ClientFrame.Logout:
      disconnectAfterAnswers(connection, DisconnectCode.Logout, 'logout');
      return true;
    default:
      return malformedFrame(connection, `unknown frame type 0x${type.toString(16).padStart(2, '0')}`);
  }
}

/** Logged in and within its rate; else answered here. A frame already admitted once (then held back by a
 *  full bus) is not charged again. */
function admitted(connection: ClientConnection, type: number, clientSeq: number, orderId: number): boolean {
  if (!connection.loggedIn) {
    reject(connection, type, clientSeq, Number.isNaN(orderId) ? 0 : orderId, 'UNAUTHENTICATED',
      connection.loginPending ? 'login not yet accepted: wait for LoginAccepted' : `log in first: send a Login frame signed for ${LOGIN_SIGNED_PATH}`);
    return false;
  }
  if (connection.heldFrameAdmitted) return true;
  const taken = limiter.take(connection.apiKey);
  if (!taken.allowed) {
    reject(connection, type, clientSeq, Number.isNaN(orderId) ? 0 : orderId, 'RATE_LIMITED',
      `rate limit exceeded for this API key: retry in ${taken.retryAfterSeconds} s`);
    return false;
  }
  return true;
}

function enqueue(connection: ClientConnection, type: number, bytes: Uint8Array, offset: number, length: number): boolean {
  if (toEngine(type, connection, bytes, offset, length)) {
    connection.heldFrameAdmitted = false;
    connection.issued++;
    return true;
  }
  connection.heldFrameAdmitted = true;
  return false;
}

function malformedFrame(connection: ClientConnection, reason: string): boolean {
  disconnectAfterAnswers(connection, DisconnectCode.MalformedFrame, `malformed frame: ${reason}`);
  return true;
}

function onData(connection: ClientConnection, chunk: Uint8Array): void {
  connection.lastHeardMs = Date.now();
  feed(connection, chunk);
}

/** When the bytes being fed were read (or retried after a full ring): the requests' inbound stage starts there. */
let receivedAtMs = 0;

function feed(connection: ClientConnection, chunk: Uint8Array): void {
  receivedAtMs = epochNowMs();
  let full = false;
  connection.splitter.feed(chunk, (type, bytes, view, offset, length) => {
    const taken = onFrame(connection, type, bytes, view, offset, length);
    full = !taken;
    return taken;
  });
  inbound.publish();
  if (connection.splitter.malformed !== null) {
    disconnectAfterAnswers(connection, DisconnectCode.MalformedFrame, `malformed frame: ${connection.splitter.malformed}`);
    return;
  }
  if (full && !connection.closed) {
    connection.waitingForBus = true;
    connection.pipe.pauseReading();
    blocked.push(connection);
    busRoom.start();
  }
}

// Connections ---------------------------------------------------------------------------------------------

/** Binary and JSON connections share one numbering: the engine thread's answers name them by it. */
function newConnectionId(): number {
  const id = nextConnectionId++;
  if (nextConnectionId > 0xffff_fff0) nextConnectionId = 1;
  return id;
}

function accept(pipe: BytePipe): ClientConnection {
  const connection = new ClientConnection(newConnectionId(), pipe);
  connections.set(connection.connectionId, connection);
  connection.lastHeardMs = Date.now();
  if (closing) disconnect(connection, DisconnectCode.ShuttingDown, 'the server is shutting down');
  return connection;
}

/** Drops a connection's routing here and tells the engine thread (once). */
function forget(connection: ClientConnection): void {
  if (!connections.delete(connection.connectionId)) return;
  connection.closed = true;
  if (connection.loggedIn) {
    const list = byAccount.get(connection.accountId);
    if (list) {
      const at = list.indexOf(connection);
      if (at >= 0) list.splice(at, 1);
      if (list.length === 0) byAccount.delete(connection.accountId);
    }
  }
  // In order behind what the connection sent (its requests went on the ring before this).
  if (connection.loggedIn || connection.loginPending) busWriter.record(InboundKind.Closed, connection.connectionId, connection.accountId, EMPTY);
}

/** The first four bytes of an HTTP request line. */
const HTTP_STARTS = new Set(['GET ', 'POST', 'PUT ', 'DELE', 'HEAD', 'OPTI', 'PATC']);

function onTcp(socket: Socket): void {
  // Until its first byte a socket is not a connection yet; it gets the same idle limit.
  socket.setTimeout(setup.idleTimeoutMs, () => {
    local.disconnect(DisconnectCode.HeartbeatTimeout, `nothing received for ${setup.idleTimeoutMs} ms`);
    socket.end(Buffer.from(local.bytes.subarray(0, local.length)));
    local.reset();
    setTimeout(() => socket.destroy(), 1_000).unref();
  });
  socket.once('data', (first: Buffer) => {
    socket.setTimeout(0);
    if (first.length >= 4 && HTTP_STARTS.has(first.toString('latin1', 0, 4))) {
      // An HTTP request: hand the socket, first bytes included, to the HTTP server (REST order routes and
      // WebSocket upgrades). No binary stream starts so: its third byte would be a client frame type (1-6).
      socket.pause();
      socket.unshift(first);
      httpServer.emit('connection', socket);
      socket.resume();
      return;
    }
    const connection = accept(tcpPipe(socket));
    socket.on('data', (chunk: Buffer) => onData(connection, chunk));
    socket.on('close', () => forget(connection));
    socket.on('error', () => forget(connection));
    onData(connection, first);
  });
  socket.on('error', () => socket.destroy());
}

// REST's order routes (http-order-entry.ts); WebSocket upgrades below.
const httpServer = createHttpServer({ keepAliveTimeout: 65_000 }, http.handle);
const wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 * 1024 });
const jsonWss = new WebSocketServer({ noServer: true, maxPayload: json.maxPayloadBytes });
httpServer.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
  const path = new URL(request.url ?? '/', 'http://x').pathname;
  if (path === WS_SIGNED_PATH && !closing) {
    jsonWss.handleUpgrade(request, socket, head, (ws) => json.open(ws, newConnectionId()));
    return;
  }
  if (path !== LOGIN_SIGNED_PATH) {
    socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
    return;
  }
  wss.handleUpgrade(request, socket, head, (ws) => {
    const connection = accept(webSocketPipe(ws, request.socket.remoteAddress ?? ''));
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) {
        disconnectAfterAnswers(connection, DisconnectCode.MalformedFrame, 'malformed frame: text message; frames travel in binary messages');
        return;
      }
      onData(connection, data);
    });
    ws.on('close', () => forget(connection));
    ws.on('error', () => forget(connection));
  });
});

// Answers from the engine thread --------------------------------------------------------------------------

const answerLatency = new AnswerLatency();
const stageCounts = new BinaryWriter(256);

function onAnswer(data: Uint8Array, offset: number, length: number): void {
  const view = outbound.view;
  const target = data[offset];
  const id = view.getUint32(offset + 1, true);
  const start = offset + OUTBOUND_HEADER_BYTES;
  const end = offset + length;
  if (target === OutboundTarget.PublishedAt) {
    answerLatency.published(view.getFloat64(start, true));
    return;
  }
  answerLatency.answer();
  if (target === OutboundTarget.Account) {
    const list = byAccount.get(id);
    if (list) for (const connection of list) deliver(connection, data, start, end);
    return;
  }
  const connection = connections.get(id);
  if (!connection) {
    if (json.has(id)) json.onAnswer(target, id, data, view, start);
    else http.onAnswer(target, id, data, view, start, end);
    return;
  }
  if (connection.loginPending) settleLogin(connection, data, view, start);
  deliver(connection, data, start, end);
  connection.answered++;
  while (connection.deferred.length > 0 && connection.deferred[0].after <= connection.answered) {
    const { bytes } = connection.deferred.shift()!;
    deliver(connection, bytes, 0, bytes.length);
  }
  if (connection.closing !== null && connection.answered === connection.issued) {
    flushDeferred(connection);
    disconnect(connection, connection.closing.code, connection.closing.reason);
  }
  if (target === OutboundTarget.ConnectionThenClose) {
    connection.flush();
    connection.closed = true;
    connection.pipe.end();
    forget(connection);
  }
}

/** The engine thread answered a Login: bind the connection to its account, or leave it unbound. */
function settleLogin(connection: ClientConnection, data: Uint8Array, view: DataView, frameStart: number): void {
  const type = data[frameStart + 2];
  if (type === ServerFrame.LoginAccepted) {
    connection.accountId = view.getUint32(frameStart + 3, true);
    let list = byAccount.get(connection.accountId);
    if (!list) byAccount.set(connection.accountId, (list = []));
    list.push(connection);
  }
  if (type === ServerFrame.LoginAccepted || type === ServerFrame.Rejected) connection.loginPending = false;
}

function deliver(connection: ClientConnection, data: Uint8Array, start: number, end: number): void {
  if (connection.closed) return;
  if (connection.queue(data, start, end)) dirty.push(connection);
}

async function drainAnswers(): Promise<void> {
  for (;;) {
    const read = outbound.poll(onAnswer);
    if (dirty.length > 0) flushDirty();
    json.flush();
    if (read > 0) answerLatency.written(epochNowMs());
    if (read === 0) {
      if (closing && outbound.isEmpty) return;
      await outbound.waitForMessagesAsync(200);
    } else {
      // Let the sockets' own callbacks run between batches.
      await nextTurn();
    }
  }
}

// Lifecycle -----------------------------------------------------------------------------------------------

const tcpServer = createTcpServer({ noDelay: true }, onTcp);
tcpServer.on('error', (error) => post({ type: 'error', message: error.message }));
tcpServer.listen({ host: setup.host, port: setup.port }, () => {
  const address = tcpServer.address();
  post({ type: 'listening', port: typeof address === 'object' && address ? address.port : setup.port });
});

// Checked ten times per timeout, so a connection is cut between 1 and 1.1 timeouts after it fell silent.
const idleTimer = setInterval(() => {
  const nowMs = Date.now();
  for (const connection of [...connections.values()]) {
    if (nowMs - connection.lastHeardMs > setup.idleTimeoutMs) {
      disconnect(connection, DisconnectCode.HeartbeatTimeout, `nothing received for ${setup.idleTimeoutMs} ms (send Heartbeat frames)`);
    }
  }
}, Math.max(10, Math.floor(setup.idleTimeoutMs / 10)));
idleTimer.unref();

// The answer stage's counts go to the engine thread, which sends them to the metrics with its own stages.
const stageTimer = setInterval(() => {
  if (answerLatency.buckets.count === 0) return;
  stageCounts.reset();
  writeStageCounts(answerLatency.buckets, stageCounts);
  busWriter.record(InboundKind.StageLatency, 0, 0, stageCounts.bytes());
  answerLatency.buckets.reset();
}, 1000);
stageTimer.unref();

const draining = drainAnswers();

parentPort!.on('message', (message: ParentToGateway) => {
  if (message.type !== 'close' || closing) return;
  closing = true;
  tcpServer.close();
  // Answers already on the bus go out before the goodbye.
  outbound.poll(onAnswer);
  flushDirty();
  json.close();
  for (const connection of [...connections.values()]) disconnect(connection, DisconnectCode.ShuttingDown, 'the server is shutting down');
  clearInterval(idleTimer);
  clearInterval(stageTimer);
  void draining.finally(() => {
    wss.close();
    jsonWss.close();
    httpServer.closeAllConnections();
    post({ type: 'closed' });
  });
});
