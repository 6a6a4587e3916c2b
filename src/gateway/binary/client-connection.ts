// One order-entry client as a gateway thread sees it: a byte pipe (a TCP socket, or a WebSocket carrying the
// same frames in binary messages), the frame splitter, the account it logged in as, and the answers waiting
// to be written. Answers are gathered per poll of the bus and written with one call.
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { FrameSplitter } from '../../protocol/order-entry/index.ts';

/** The two transports, behind the two things the gateway does with them. */
export interface BytePipe {
  write(bytes: Buffer): void;
  /** Bytes accepted by write() and not yet handed to the kernel. */
  readonly bufferedBytes: number;
  pauseReading(): void;
  resumeReading(): void;
  end(): void;
  destroy(): void;
  readonly remoteAddress: string;
}

export function tcpPipe(socket: Socket): BytePipe {
  socket.setNoDelay(true);
  return {
    write: (bytes) => void socket.write(bytes),
    get bufferedBytes() {
      return socket.writableLength;
    },
    pauseReading: () => void socket.pause(),
    resumeReading: () => void socket.resume(),
    end: () => void socket.end(),
    destroy: () => void socket.destroy(),
    remoteAddress: socket.remoteAddress ?? '',
  };
}

export function webSocketPipe(ws: WebSocket, remoteAddress: string): BytePipe {
  const raw = (ws as unknown as { _socket?: Socket })._socket;
  return {
    write: (bytes) => ws.send(bytes, { binary: true }),
    get bufferedBytes() {
      return ws.bufferedAmount;
    },
    pauseReading: () => raw?.pause(),
    resumeReading: () => raw?.resume(),
    end: () => ws.close(1000),
    destroy: () => ws.terminate(),
    remoteAddress,
  };
}

export class ClientConnection {
  readonly splitter = new FrameSplitter();
  accountId = 0;
  apiKey = '';
  /** A Login is at the engine thread and not answered yet. */
  loginPending = false;
  closed = false;
  /** Reading is paused until the bus has room again. */
  waitingForBus = false;
  private out: Uint8Array = new Uint8Array(0);
  private outBytes = 0;
  /** Set when answers are queued and not yet written. */
  dirty = false;

  constructor(readonly connectionId: number, readonly pipe: BytePipe) {}

  get loggedIn(): boolean {
    return this.accountId !== 0;
  }

  /** Requests sent to the engine thread, and answers to them received (each request gets exactly one
   *  answer record): refusals made here wait behind the answers of earlier requests. */
  issued = 0;
  answered = 0;
  /** Refusals made here while earlier requests were still at the engine: sent once `answered` reaches
   *  `after`, so a client reads answers in the order it sent the requests. */
  readonly deferred: Array<{ after: number; bytes: Uint8Array }> = [];
  /** Set when the connection is to close once the requests it sent are answered (logout, bad frame). */
  closing: { code: number; reason: string } | null = null;
  /** When something was last received (ms), for the idle timeout. */
  lastHeardMs = 0;

  /** The frame being retried after a full bus already passed the rate limit (it is not charged twice). */
  heldFrameAdmitted = false;

  /** Queues bytes (copied) to be written at the next flush; true when the connection had nothing queued. */
  queue(bytes: Uint8Array, start: number, end: number): boolean {
    const wasClean = !this.dirty;
    const length = end - start;
    if (this.outBytes + length > this.out.length) {
      const next = new Uint8Array(Math.max(this.outBytes + length, this.out.length * 2, 4096));
      next.set(this.out.subarray(0, this.outBytes));
      this.out = next;
    }
    this.out.set(bytes.subarray(start, end), this.outBytes);
    this.outBytes += length;
    this.dirty = true;
    return wasClean;
  }

  /** Writes what is queued in one call (a copy: the queue buffer is reused). */
  flush(): void {
    this.dirty = false;
    if (this.outBytes === 0 || this.closed) {
      this.outBytes = 0;
      return;
    }
    this.pipe.write(Buffer.from(this.out.subarray(0, this.outBytes)));
    this.outBytes = 0;
  }
}
