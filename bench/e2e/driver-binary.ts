// Binary order entry (docs/order-entry-protocol.md) through the repository's client library: one TCP
// connection per account, requests pipelined (at most `window` unanswered per connection), frames written
// once per turn, answers read with the raw frame hook (no object per frame). A request's latency ends at its
// first answer carrying its clientSeq (OrderAccepted, Rejected, Canceled, Replaced); Fill frames (of the
// request that traded, or clientSeq 0 for a resting order) do not end anything.
import { OrderEntryClient } from '../../src/client/order-entry-client.ts';
import { ClientFrame, errorCodeName, OrderStatusCode, ServerFrame } from '../../src/protocol/order-entry/index.ts';
import { type Driver, type DriverOptions, InFlight, inFlightOf, nextWithRoom, roomOf, Outcome, outcomeOfCode } from './driver.ts';
import { Kind, SessionFlow } from './flow.ts';

const TWO_32 = 2 ** 32;
const HEARTBEAT_MS = 5000;

class Connection {
  readonly inFlight: InFlight;
  sentSinceHeartbeat = false;

  constructor(readonly client: OrderEntryClient, readonly flow: SessionFlow, window: number) {
    this.inFlight = new InFlight(window);
  }
}

export class BinaryDriver implements Driver {
  private next = 0;
  private answersPending = false;
  private readonly heartbeat: NodeJS.Timeout;
  private closing = false;

  private constructor(private readonly connections: Connection[], private readonly o: DriverOptions) {
    connections.forEach((c, i) => {
      c.client.onRawFrame = (type, bytes, view, offset) => this.onFrame(c, type, bytes, view, offset);
      c.client.onClose = (reason) => {
        if (!this.closing) console.error(`binary order entry: connection ${i} closed: ${reason}`);
      };
    });
    // The gateway closes a connection silent for its idle timeout (30 s by default), e.g. between steps.
    this.heartbeat = setInterval(() => {
      for (const c of connections) {
        if (!c.sentSinceHeartbeat) c.client.sendHeartbeat();
        c.sentSinceHeartbeat = false;
      }
    }, HEARTBEAT_MS);
  }

  static async open(o: DriverOptions): Promise<BinaryDriver> {
    const connections = await Promise.all(o.accounts.slice(0, o.connections).map(async (account, i) => {
      const client = await OrderEntryClient.connect({ host: o.target.host, port: o.target.ports[i % o.target.ports.length] });
      await client.login(account.apiKey, account.apiSecret);
      return new Connection(client, new SessionFlow(o.symbols, o.mix, o.random), o.window);
    }));
    return new BinaryDriver(connections, o);
  }

  get room(): number {
    return roomOf(this.connections, this.o.window);
  }

  get inFlight(): number {
    return inFlightOf(this.connections);
  }

  send(intended: number): void {
    const at = nextWithRoom(this.connections, this.next, this.o.window);
    if (at < 0) throw new Error('BinaryDriver.send with no room');
    this.next = (at + 1) % this.connections.length;
    const c = this.connections[at];
    const order = c.flow.next();
    const clientSeq = order.kind === Kind.Cancel
      ? c.client.sendCancel(order.orderId)
      : c.client.sendNewOrderRaw(order.symbol.symbolId, order.side, 0, order.timeInForce, order.priceCents, order.quantity);
    c.inFlight.add(clientSeq, intended, performance.now(), order.kind, order.ticks);
    c.sentSinceHeartbeat = true;
  }

  flush(): void {
    for (const c of this.connections) c.client.flush();
  }

  abandon(each: (intended: number) => void): void {
    for (const c of this.connections) c.inFlight.abandon(each);
  }

  close(): void {
    this.closing = true;
    clearInterval(this.heartbeat);
    for (const c of this.connections) c.client.close();
  }

  /** True: handled here (no decoding); false: the client decodes it (login, disconnect). */
  private onFrame(c: Connection, type: number, bytes: Uint8Array, view: DataView, offset: number): boolean {
    switch (type) {
      case ServerFrame.OrderAccepted:
      case ServerFrame.Canceled:
      case ServerFrame.Replaced:
        break;
      case ServerFrame.Rejected:
        if (bytes[offset + 4] === ClientFrame.Login) return false;
        break;
      case ServerFrame.Fill:
      case ServerFrame.Heartbeat:
        return true;
      default:
        return false;
    }
    const f = c.inFlight;
    const slot = f.take(view.getUint32(offset, true));
    if (slot < 0) return true;
    const kind = f.kind[slot];
    let outcome: number = Outcome.Ok;
    let label: string | null = null;
    if (type === ServerFrame.Rejected) {
      const code = view.getUint16(offset + 5, true);
      label = errorCodeName(code) ?? `code ${code}`;
      outcome = outcomeOfCode(label);
    } else if (type === ServerFrame.OrderAccepted && kind === Kind.Passive) {
      const status = bytes[offset + 52];
      if (status === OrderStatusCode.New || status === OrderStatusCode.PartiallyFilled) {
        c.flow.rested(view.getInt32(offset + 8, true) * TWO_32 + view.getUint32(offset + 4, true), f.ticks[slot]);
      }
    }
    const intended = f.intended[slot];
    const sent = f.sent[slot];
    f.free(slot);
    this.o.sink.answer(intended, sent, kind, outcome, label);
    if (!this.answersPending) {
      this.answersPending = true;
      queueMicrotask(() => {
        this.answersPending = false;
        this.o.onAnswers();
      });
    }
    return true;
  }
}
