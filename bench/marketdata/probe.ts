// The probe: one WebSocket connection in the orchestrator's process, opened and subscribed before any
// subscriber, to book.L2, book.L3 and trades. The server keeps each channel's subscribers in insertion
// order (src/gateway/ws/hub.ts, a Set) and writes an update to them in that order, so the probe gets every
// update first. It records when each update arrived, the book.L3 content of each book version (which order
// ids changed, for matching book versions to the REST commands that caused them), and which book version
// each trades update belongs to (a command's updates are written book.L2, book.L3, trades, one command
// after the other, so a trades update belongs to the book version seen just before it).
import { WebSocket } from 'ws';

interface L3Update {
  orders: Array<{ orderId: string; quantity: number }>;
}

export class Probe {
  private socket: WebSocket | null = null;
  private since: (() => number) | null = null;
  private l2Base = 0;
  private tradesBase = 0;
  lastL2 = -1;
  lastTrades = -1;
  gaps = 0;
  /** us since base, index = sequence - base - 1; NaN = not seen. */
  readonly l2At: number[] = [];
  readonly tradesAt: number[] = [];
  /** [orderId, quantity] pairs of each book version's book.L3 update. */
  readonly l3: Array<Array<[number, number]>> = [];
  /** Index of the book version each trades update belongs to (-1 if unknown). */
  readonly tradesBook: number[] = [];
  lastMessageAt = performance.now();
  closed: number | null = null;

  connect(url: string, symbol: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { perMessageDeflate: false });
      this.socket = socket;
      let snapshots = 0;
      socket.on('open', () => {
        for (const channel of ['book.L2', 'book.L3', 'trades']) socket.send(JSON.stringify({ op: 'subscribe', channel, symbol }));
      });
      socket.on('error', reject);
      socket.on('close', (code) => (this.closed = code));
      socket.on('message', (data: Buffer) => {
        const now = this.since === null ? -1 : this.since();
        this.lastMessageAt = performance.now();
        const message = JSON.parse(data.toString('utf8')) as { type?: string; op?: string; channel?: string; sequence?: number } & Partial<L3Update>;
        if (message.type === 'snapshot') {
          if (message.channel === 'book.L2') this.lastL2 = message.sequence!;
          if (message.channel === 'trades') this.lastTrades = message.sequence!;
          if (++snapshots === 3) resolve();
          return;
        }
        if (message.type !== 'update') {
          if (message.op === 'error') reject(new Error(`probe: ${data.toString('utf8')}`));
          return;
        }
        const sequence = message.sequence!;
        if (message.channel === 'book.L2') {
          if (this.lastL2 >= 0 && sequence !== this.lastL2 + 1) this.gaps++;
          this.lastL2 = sequence;
          if (now >= 0 && sequence > this.l2Base) this.at(this.l2At, sequence - this.l2Base - 1, now);
        } else if (message.channel === 'book.L3') {
          if (now >= 0 && sequence > this.l2Base) {
            const index = sequence - this.l2Base - 1;
            while (this.l3.length <= index) this.l3.push([]);
            this.l3[index] = message.orders!.map((o) => [Number(o.orderId), o.quantity]);
          }
        } else if (message.channel === 'trades') {
          if (this.lastTrades >= 0 && sequence !== this.lastTrades + 1) this.gaps++;
          this.lastTrades = sequence;
          if (now >= 0 && sequence > this.tradesBase) {
            const index = sequence - this.tradesBase - 1;
            this.at(this.tradesAt, index, now);
            while (this.tradesBook.length <= index) this.tradesBook.push(-1);
            this.tradesBook[index] = this.lastL2 > this.l2Base ? this.lastL2 - this.l2Base - 1 : -1;
          }
        }
      });
    });
  }

  private at(list: number[], index: number, us: number): void {
    while (list.length <= index) list.push(NaN);
    list[index] = us;
  }

  /** Starts recording: updates after these sequences, stamped in us since base. */
  start(since: () => number, l2Base: number, tradesBase: number): void {
    this.since = since;
    this.l2Base = l2Base;
    this.tradesBase = tradesBase;
  }

  close(): void {
    this.socket?.terminate();
  }
}
