// The engine thread's side of binary order entry: starts the gateway threads, reads their requests from the
// shared-memory rings in batches, checks logins, hands orders to the sequencer, and when a command is durable
// writes its answer frames to the ring of the gateway that sent it (and fills of resting orders to every
// gateway holding a session of the owner).
//
// Requests are taken only while the sequencer accepts commands (not during a snapshot's pause) and nothing
// holds them (holdRequestsWhile): until then they wait in the rings, which is the backpressure a full ring
// passes on to the clients' sockets.
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Worker } from 'node:worker_threads';
import { Backlog, Doorbell, type MessageHandler, SpscRing } from '../../bus/index.ts';
import { BinaryReader, ByteCopier } from '../../codec/index.ts';
import {
  type CancelOrderCommand, CommandKind, type NewOrderCommand, type OrderType, type ReplaceOrderCommand, type Side, type TimeInForce,
} from '../../engine/index.ts';
import type { ExchangeNode } from '../../node/index.ts';
import { burstNowMs, epochNowMs, LatencyBuckets, readStageCounts } from '../../ops/stage-latency.ts';
import { startWorker } from '../../ops/ts-worker.ts';
import {
  ClientFrame, decodeCancel, decodeLogin, decodeNewOrder, decodeReplace, emptyCancel, emptyNewOrder, emptyReplace, ERROR_CODE_NUMBERS, FrameWriter,
  LOGIN_SIGNED_PATH, type LoginFrame, OrderFlag,
} from '../../protocol/order-entry/index.ts';
import type { Released } from '../../sequencer/index.ts';
import { verifySignature } from '../common/signing.ts';
import { AnswerEncoder, type AnswerSink } from './answers.ts';
import { verifyAuthMessage } from '../ws/order-requests.ts';
import { INBOUND_HEADER_BYTES, InboundKind, JSON_ANSWER, OUTBOUND_HEADER_BYTES, OutboundTarget } from './bus-records.ts';
import type { HttpEntrySettings } from './http-order-entry.ts';
import type { JsonEntrySettings } from './json-order-entry.ts';
import { isAscii } from './order-state.ts';
import type { GatewayThreadSetup, GatewayToParent } from './gateway-thread.ts';
import { RouteTable } from './route-table.ts';

export interface OrderEntryOptions {
  host: string;
  /** The first gateway thread listens here (0: any free port); thread i on port + i when port is not 0. */
  port: number;
  /** Gateway threads, at most 64. */
  threads: number;
  ringBytes: number;
  ratePerKey: { ratePerSecond: number; burst: number };
  maxBufferedBytes: number;
  idleTimeoutMs: number;
  /** How far a login's timestamp may be from the clock, ms (as for REST). */
  signatureWindowMs: number;
  /** The JSON sessions' /v1/ws endpoint on the gateway threads. */
  webSocket: JsonEntrySettings;
  /** REST's gates for the gateway threads' HTTP order entry. */
  http: HttpEntrySettings;
  clock: () => number;
  log: (message: string) => void;
}

interface Gateway {
  worker: Worker;
  inbound: SpscRing;
  outbound: SpscRing;
  /** Answers that found the outbound ring full (header included); written before anything newer. */
  overflow: Backlog<Uint8Array>;
  /** Writes one held answer to the outbound ring; false when it is full. */
  writeHeld: (record: Uint8Array) => boolean;
  port: number;
}

type Unstamped<T> = Omit<T, 'sequence' | 'timestampMs'>;

/** One number per (gateway, connection): connection ids are u32, gateways fewer than 64. */
function sessionKey(gatewayIndex: number, connectionId: number): number {
  return connectionId * 64 + gatewayIndex;
}

/** Most requests taken from one ring before the others get a turn and the event loop runs. */
const MAX_BATCH = 4096;

export class OrderEntryService {
  private readonly gateways: Gateway[] = [];
  /** Rings of this thread's own producers (the API thread's commands), polled with the gateways'. */
  private readonly locals: Array<{ ring: SpscRing; handle: MessageHandler }> = [];
  private readonly doorbell = Doorbell.create();
  private readonly routes = new RouteTable();
  private readonly answers: AnswerEncoder;
  private readonly loginWriter = new FrameWriter(1024);
  /** The account of each logged-in connection, by sessionKey(gateway, connection). */
  private readonly sessionAccounts = new Map<number, number>();
  /** Sessions per account per gateway: accountId -> counts indexed by gateway. */
  private readonly sessions = new Map<number, number[]>();
  private readonly dirtyGateways = new Set<Gateway>();
  private readonly copier = new ByteCopier();
  private running = true;
  private loop: Promise<void> = Promise.resolve();
  private readonly scratchLogin: LoginFrame = { timestampMs: 0, apiKey: '', signature: new Uint8Array(0) };
  private readonly scratchOrder = emptyNewOrder();
  private readonly scratchCancel = emptyCancel();
  private readonly scratchReplace = emptyReplace();
  private readonly newOrderCommand: Unstamped<NewOrderCommand> = {
    kind: CommandKind.NewOrder, accountId: 0, symbolId: 0, side: 0 as Side, orderType: 0 as OrderType, priceCents: 0, quantity: 0,
    timeInForce: 0 as TimeInForce, postOnly: false, clientOrderId: '',
  };
  private readonly cancelCommand: Unstamped<CancelOrderCommand> = { kind: CommandKind.CancelOrder, accountId: 0, orderId: 0 };
  private readonly replaceCommand: Unstamped<ReplaceOrderCommand> = { kind: CommandKind.ReplaceOrder, accountId: 0, orderId: 0, quantity: 0, priceCents: 0 };
  /** Latency of the stages that end on this thread: the engine thread sends them to the metrics and resets them each second. */
  readonly stages = { inbound: new LatencyBuckets(), durable: new LatencyBuckets(), answer: new LatencyBuckets() };
  /** Reads the gateways' StageLatency records (once a second each). */
  private readonly stageReader = new BinaryReader(new Uint8Array(0));
  /** A PublishedAt record's body: when the burst it ends was published. */
  private readonly publishedAt = new Uint8Array(8);
  private readonly publishedAtView = new DataView(this.publishedAt.buffer);
  /** When this turn began taking requests (epochNowMs): the inbound stage's end, the durable stage's start. */
  private turnStartedMs = 0;
  private current: Gateway | null = null;
  private currentIndex = 0;
  private publishScheduled = false;

  private constructor(private readonly node: ExchangeNode, private readonly options: OrderEntryOptions) {
    const instruments = node.config.instruments;
    this.answers = new AnswerEncoder(node.orders, (symbolId) => instruments[symbolId].tickCents);
  }

  static async start(node: ExchangeNode, options: OrderEntryOptions): Promise<OrderEntryService> {
    const service = new OrderEntryService(node, options);
    node.onRelease(service.onRelease);
    for (let i = 0; i < options.threads; i++) await service.startGateway(i);
    service.loop = service.run();
    return service;
  }

  /**
   * Takes no requests while `held()` is true (as during a snapshot's pause): for a consumer of the released
   * commands that must not fall behind without bound (the API thread's released stream).
   */
  holdRequestsWhile(held: () => boolean): void {
    this.held = held;
  }

  private held: () => boolean = () => false;

  /** Runs before answers are published to the gateways (ReleasedThrough must be ahead of every answer). */
  beforeAnswers(hook: () => void): void {
    this.beforeAnswersHook = hook;
  }

  private beforeAnswersHook: () => void = () => {};

  /**
   * A ring on the doorbell this service sleeps on, whose records `handle` takes while the sequencer accepts
   * commands (so it may call submitNow), in turn with the gateways' requests. The producer attaches to
   * `ring.buffers` in its own thread.
   */
  addLocalInbound(ringBytes: number, handle: MessageHandler): SpscRing {
    const ring = SpscRing.create(ringBytes, this.doorbell);
    this.locals.push({ ring, handle });
    return ring;
  }

  get ports(): number[] {
    return this.gateways.map((gateway) => gateway.port);
  }

  private async startGateway(index: number): Promise<void> {
    const inbound = SpscRing.create(this.options.ringBytes, this.doorbell);
    const outbound = SpscRing.create(this.options.ringBytes);
    const setup: GatewayThreadSetup = {
      gatewayIndex: index,
      inbound: inbound.buffers,
      outbound: outbound.buffers,
      host: this.options.host,
      port: this.options.port === 0 ? 0 : this.options.port + index,
      instruments: this.node.config.instruments,
      webSocket: this.options.webSocket,
      http: this.options.http,
      ratePerKey: this.options.ratePerKey,
      maxBufferedBytes: this.options.maxBufferedBytes,
      idleTimeoutMs: this.options.idleTimeoutMs,
    };
    const worker = startWorker(new URL('./gateway-thread.ts', import.meta.url), setup);
    const port = await new Promise<number>((resolve, reject) => {
      const onMessage = (message: GatewayToParent): void => {
        if (message.type === 'listening') resolve(message.port);
        else if (message.type === 'error') reject(new Error(`order-entry gateway ${index}: ${message.message}`));
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`order-entry gateway ${index} exited with code ${code} before listening`)));
    });
    worker.removeAllListeners('exit');
    worker.on('error', (error) => this.options.log(`order-entry gateway ${index} failed: ${error.message}`));
    const gateway: Gateway = { worker, inbound, outbound, overflow: new Backlog(), writeHeld: () => false, port };
    gateway.writeHeld = (record) => {
      const id = new DataView(record.buffer, record.byteOffset, record.byteLength).getUint32(1, true);
      return this.tryWrite(gateway, record[0], id, record, OUTBOUND_HEADER_BYTES, record.length - OUTBOUND_HEADER_BYTES);
    };
    this.gateways.push(gateway);
  }

  // Requests ----------------------------------------------------------------------------------------------

  private async run(): Promise<void> {
    while (this.running) {
      const seen = this.doorbell.value;
      // Answers to what became durable since the last turn go out now, not after a wake-up of their own.
      this.node.pollDurable();
      let read = 0;
      const taking = this.node.acceptingNow && !this.held();
      if (taking) {
        this.turnStartedMs = epochNowMs();
        for (let i = 0; i < this.gateways.length; i++) {
          this.current = this.gateways[i];
          this.currentIndex = i;
          read += this.current.inbound.poll(this.onRequest, MAX_BATCH);
        }
        this.current = null;
        for (let i = 0; i < this.locals.length; i++) read += this.locals[i].ring.poll(this.locals[i].handle, MAX_BATCH);
      }
      // Also retries answers held back by a full ring (at least every 100 ms while idle).
      this.publishAnswers();
      if (read > 0) {
        // The journal's batch and its fsync callback, HTTP and the rest of this thread run in between.
        await nextTurn();
      } else if (taking) {
        await this.doorbell.waitAsync(seen, 100);
      } else {
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    }
  }

  private readonly onRequest = (data: Uint8Array, offset: number, length: number): void => {
    const gateway = this.current!;
    const view = gateway.inbound.view;
    const kind = data[offset] & ~JSON_ANSWER;
    const json = (data[offset] & JSON_ANSWER) !== 0;
    const connectionId = view.getUint32(offset + 1, true);
    const accountId = view.getUint32(offset + 5, true);
    const body = offset + INBOUND_HEADER_BYTES;
    const bodyLength = length - INBOUND_HEADER_BYTES;
    if (kind === InboundKind.StageLatency) {
      // The gateway's answer stage (answer-latency.ts): a measurement, not a request.
      try {
        const { counts, sumSeconds } = readStageCounts(this.stageReader.window(data, body, body + bodyLength));
        this.stages.answer.add(counts, sumSeconds);
      } catch (error) {
        this.options.log(`order-entry: gateway ${this.currentIndex} sent stage counts this thread cannot read: ${(error as Error).message}`);
      }
      return;
    }
    this.stages.inbound.observe((this.turnStartedMs - view.getFloat64(offset + 9, true)) / 1000);
    switch (kind) {
      // The commands are filled into scratch objects: submitNow copies what it keeps.
      case ClientFrame.NewOrder: {
        const order = this.scratchOrder;
        decodeNewOrder(data, view, body, bodyLength, order);
        const command = this.newOrderCommand;
        command.accountId = accountId; command.symbolId = order.symbolId; command.side = order.side as Side;
        command.orderType = order.orderType as OrderType; command.priceCents = order.priceCents; command.quantity = order.quantity;
        command.timeInForce = order.timeInForce as TimeInForce; command.postOnly = (order.flags & OrderFlag.PostOnly) !== 0;
        // A JSON session's clientOrderId is UTF-8 (bus-records.ts); the frame decoder read it byte by byte.
        command.clientOrderId = json && !isAscii(order.clientOrderId) ? Buffer.from(order.clientOrderId, 'latin1').toString('utf8') : order.clientOrderId;
        this.routes.add(this.node.submitNow(command), this.currentIndex, connectionId, order.clientSeq, json, this.turnStartedMs);
        return;
      }
      case ClientFrame.Cancel: {
        decodeCancel(data, view, body, bodyLength, this.scratchCancel);
        const command = this.cancelCommand;
        command.accountId = accountId;
        command.orderId = this.scratchCancel.orderId;
        this.routes.add(this.node.submitNow(command), this.currentIndex, connectionId, this.scratchCancel.clientSeq, json, this.turnStartedMs);
        return;
      }
      case ClientFrame.Replace: {
        const replace = this.scratchReplace;
        decodeReplace(data, view, body, bodyLength, replace);
        const command = this.replaceCommand;
        command.accountId = accountId; command.orderId = replace.orderId; command.quantity = replace.quantity; command.priceCents = replace.priceCents;
        this.routes.add(this.node.submitNow(command), this.currentIndex, connectionId, replace.clientSeq, json, this.turnStartedMs);
        return;
      }
      case ClientFrame.Login:
        decodeLogin(data, view, body, bodyLength, this.scratchLogin);
        this.login(gateway, connectionId);
        return;
      case InboundKind.JsonLogin:
        this.jsonLogin(gateway, connectionId, data, body, bodyLength);
        return;
      case InboundKind.KeyLookup:
        this.keyLookup(gateway, connectionId, data, body, bodyLength);
        return;
      case InboundKind.Closed: {
        // The engine thread's own record of the login, not the gateway's: the gateway may not have seen
        // the LoginAccepted yet when the connection went away.
        const key = sessionKey(this.currentIndex, connectionId);
        const loggedIn = this.sessionAccounts.get(key);
        if (loggedIn !== undefined) {
          this.sessionAccounts.delete(key);
          this.countSession(loggedIn, this.currentIndex, -1);
        }
        return;
      }
      default:
        this.options.log(`order-entry: unknown bus record kind ${kind} from gateway ${this.currentIndex}`);
    }
  };

  /** Checks a Login as REST checks a signed request, on this thread (it owns the key directory). */
  private login(gateway: Gateway, connectionId: number): void {
    const login = this.scratchLogin;
    const result = verifySignature({
      apiKey: login.apiKey, timestamp: String(login.timestampMs), signature: Buffer.from(login.signature).toString('hex'),
      method: 'GET', pathWithQuery: LOGIN_SIGNED_PATH, rawBody: '', nowMs: this.options.clock(),
      lookupSecret: (key) => this.node.accounts.byKey(key)?.apiSecret, windowMs: this.options.signatureWindowMs,
      fieldNames: { apiKey: 'apiKey', timestamp: 'timestampMs', signature: 'signature' },
    });
    const writer = this.loginWriter;
    if (result.ok) {
      const account = this.node.accounts.byKey(login.apiKey)!;
      this.sessionAccounts.set(sessionKey(this.currentIndex, connectionId), account.accountId);
      this.countSession(account.accountId, this.currentIndex, +1);
      writer.loginAccepted(account.accountId, Math.floor(this.options.clock()));
    } else {
      writer.rejected({ clientSeq: 0, requestType: ClientFrame.Login, errorCode: ERROR_CODE_NUMBERS[result.error.code], orderId: 0, message: result.error.message });
    }
    this.send(gateway, OutboundTarget.Connection, connectionId, writer);
  }

  /**
   * Checks a JSON session's {"op":"auth"} as the HTTP server's /v1/ws does. The session gets no fills pushed
   * (its endpoint has no orders channel), so nothing is recorded here: the gateway binds it on LoginAccepted.
   */
  private jsonLogin(gateway: Gateway, connectionId: number, data: Uint8Array, body: number, bodyLength: number): void {
    const message = JSON.parse(Buffer.from(data.buffer, data.byteOffset + body, bodyLength).toString('utf8')) as Record<string, unknown>;
    const result = verifyAuthMessage(message, this.options.clock(), (key) => this.node.accounts.byKey(key)?.apiSecret, this.options.signatureWindowMs);
    const writer = this.loginWriter;
    if (result.ok) {
      writer.loginAccepted(this.node.accounts.byKey(result.apiKey)!.accountId, Math.floor(this.options.clock()));
    } else {
      writer.rejected({ clientSeq: 0, requestType: ClientFrame.Login, errorCode: ERROR_CODE_NUMBERS[result.error.code], orderId: 0, message: result.error.message });
    }
    this.send(gateway, OutboundTarget.Connection, connectionId, writer);
  }

  /** An API key's account and secret for a gateway thread's HTTP order entry (it checks signatures itself). */
  private keyLookup(gateway: Gateway, requestId: number, data: Uint8Array, body: number, bodyLength: number): void {
    const key = Buffer.from(data.buffer, data.byteOffset + body, bodyLength);
    const account = this.node.accounts.byKey(key.toString('utf8'));
    const secret = Buffer.from(account?.apiSecret ?? '', 'utf8');
    const record = Buffer.alloc(6 + (account ? key.length + secret.length : 0));
    if (account) {
      record.writeUInt32LE(account.accountId, 0);
      record.writeUInt16LE(key.length, 4);
      key.copy(record, 6);
      secret.copy(record, 6 + key.length);
    }
    this.sendBytes(gateway, OutboundTarget.Key, requestId, record, record.length);
  }

  private countSession(accountId: number, gatewayIndex: number, delta: number): void {
    let counts = this.sessions.get(accountId);
    if (!counts) this.sessions.set(accountId, (counts = new Array<number>(this.options.threads).fill(0)));
    counts[gatewayIndex] = Math.max(0, counts[gatewayIndex] + delta);
    if (counts.every((count) => count === 0)) this.sessions.delete(accountId);
  }

  // Answers -----------------------------------------------------------------------------------------------

  private readonly onRelease = (released: Released): void => {
    const sequence = released.command.sequence;
    if (this.routes.take(sequence)) {
      this.stages.durable.observe(Math.max(0, burstNowMs() - this.routes.sequencedAtMs) / 1000);
      this.routeGateway = this.gateways[this.routes.gateway];
      this.routeConnection = this.routes.connectionId;
      if (this.routes.json) this.answers.answerWithOrder(released, this.sink);
      else this.answers.answer(released, this.routes.clientSeq, this.sink);
    } else if (this.sessions.size > 0) {
      this.answers.notify(released, this.sink);
    }
    if (!this.publishScheduled && this.dirtyGateways.size > 0) {
      // Released commands come in bursts (a journal batch): publish once per burst.
      this.publishScheduled = true;
      queueMicrotask(this.publishAnswers);
    }
  };

  private routeGateway: Gateway | null = null;
  private routeConnection = 0;

  private readonly sink: AnswerSink = {
    toConnection: (writer) => this.send(this.routeGateway!, OutboundTarget.Connection, this.routeConnection, writer),
    hasSessions: (accountId) => this.sessions.has(accountId),
    toAccount: (accountId, writer) => {
      const counts = this.sessions.get(accountId)!;
      for (let i = 0; i < counts.length; i++) {
        if (counts[i] > 0) this.sendBytes(this.gateways[i], OutboundTarget.Account, accountId, writer.bytes, writer.length);
      }
      writer.reset();
    },
    orderToConnection: (state, length) => this.sendBytes(this.routeGateway!, OutboundTarget.OrderState, this.routeConnection, state, length),
  };

  /** One outbound record with the frames in `writer` (then reset). Sent even when empty: the gateway
   *  counts one answer record per request to keep its own refusals in order behind them. */
  private send(gateway: Gateway, target: number, id: number, writer: FrameWriter): void {
    this.sendBytes(gateway, target, id, writer.bytes, writer.length);
    writer.reset();
  }

  private sendBytes(gateway: Gateway, target: number, id: number, frames: Uint8Array, frameBytes: number): void {
    this.dirtyGateways.add(gateway);
    if (gateway.overflow.isEmpty && this.tryWrite(gateway, target, id, frames, 0, frameBytes)) return;
    // The gateway is behind: keep the record in order, in memory, until its ring has room.
    const record = new Uint8Array(OUTBOUND_HEADER_BYTES + frameBytes);
    record[0] = target;
    new DataView(record.buffer).setUint32(1, id, true);
    record.set(frames.subarray(0, frameBytes), OUTBOUND_HEADER_BYTES);
    gateway.overflow.push(record);
  }

  private tryWrite(gateway: Gateway, target: number, id: number, frames: Uint8Array, framesOffset: number, frameBytes: number): boolean {
    const ring = gateway.outbound;
    const at = ring.claim(OUTBOUND_HEADER_BYTES + frameBytes);
    if (at < 0) return false;
    ring.data[at] = target;
    ring.view.setUint32(at + 1, id, true);
    this.copier.copy(frames, framesOffset, frameBytes, ring.data, at + OUTBOUND_HEADER_BYTES);
    ring.commit();
    return true;
  }

  private readonly publishAnswers = (): void => {
    this.publishScheduled = false;
    if (this.dirtyGateways.size > 0) this.beforeAnswersHook();
    let publishedAtMs = 0;
    for (const gateway of this.dirtyGateways) {
      gateway.overflow.drain(gateway.writeHeld);
      if (gateway.overflow.isEmpty) {
        // The burst's last record says when it went out (the answer stage's start). Should it not fit, its
        // answers are counted into the next burst's.
        if (publishedAtMs === 0) this.publishedAtView.setFloat64(0, (publishedAtMs = epochNowMs()), true);
        this.tryWrite(gateway, OutboundTarget.PublishedAt, 0, this.publishedAt, 0, 8);
        this.dirtyGateways.delete(gateway);
      }
      gateway.outbound.publish();
    }
  };

  // Lifecycle ---------------------------------------------------------------------------------------------

  /** Stops taking requests, tells every client the server is going away, and stops the gateway threads. */
  async close(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.loop;
    // Answer what was taken: once the journal has it, its answers are in the rings before the gateways
    // are told to close (they drain their ring, then say goodbye).
    await this.node.flushJournal().catch(() => {});
    this.publishAnswers();
    await Promise.all(this.gateways.map(async (gateway) => {
      const closed = new Promise<void>((resolve) => {
        gateway.worker.on('message', (message: GatewayToParent) => {
          if (message.type === 'closed') resolve();
        });
        gateway.worker.once('exit', () => resolve());
      });
      gateway.worker.postMessage({ type: 'close' });
      await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
      await gateway.worker.terminate();
    }));
  }
}
