// Two ways to send one HTTP/1.1 request at a time per connection, over keep-alive connections:
//  - NodeTransport: node:http's client with a keep-alive Agent (maxSockets = connections).
//  - RawTransport: net sockets, requests written as prepared text, responses parsed by hand
//    (status line, Content-Length or chunked). Several times cheaper per request than node:http's client,
//    so that on a 2-core machine the load generator is less of a limit than the server it measures.
// Both call `done(status, body)` once per request; status 0 means a transport error (body = its message).
import http from 'node:http';
import net from 'node:net';

export interface OutgoingRequest {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  /** Exact body text ('' for none). */
  body: string;
  /** Extra headers (signature etc.), lower or mixed case. */
  headers: Record<string, string>;
}

export type Done = (status: number, body: string) => void;

export interface Transport {
  /** Connections that can take a request now. */
  readonly idle: number;
  readonly inFlight: number;
  send(request: OutgoingRequest, done: Done): void;
  close(): void;
}

export function createTransport(kind: 'node' | 'raw', url: URL, connections: number): Transport {
  return kind === 'node' ? new NodeTransport(url, connections) : new RawTransport(url, connections);
}

class NodeTransport implements Transport {
  private readonly agent: http.Agent;
  inFlight = 0;

  constructor(private readonly url: URL, private readonly connections: number) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections, scheduling: 'fifo' });
  }

  get idle(): number {
    return this.connections - this.inFlight;
  }

  send(request: OutgoingRequest, done: Done): void {
    this.inFlight++;
    let finished = false;
    const finish = (status: number, body: string): void => {
      if (finished) return;
      finished = true;
      this.inFlight--;
      done(status, body);
    };
    const headers: Record<string, string | number> = { ...request.headers };
    if (request.body !== '') {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(request.body);
    }
    const req = http.request({
      agent: this.agent, host: this.url.hostname, port: this.url.port, method: request.method, path: request.path, headers,
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => finish(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8')));
      res.on('error', (error) => finish(0, error.message));
    });
    req.on('error', (error) => finish(0, error.message));
    req.end(request.body === '' ? undefined : request.body);
  }

  close(): void {
    this.agent.destroy();
  }
}

const CRLFCRLF = Buffer.from('\r\n\r\n');

/** One keep-alive connection carrying one request at a time. */
class RawConnection {
  private socket: net.Socket | null = null;
  private buffer: Buffer = Buffer.alloc(0);
  private done: Done | null = null;
  /** Parsed head of the response being read, or -1 when waiting for a head. */
  private status = -1;
  private contentLength = -1;
  private chunked = false;
  private headEnd = 0;

  constructor(private readonly url: URL, private readonly onFree: (connection: RawConnection) => void) {}

  get busy(): boolean {
    return this.done !== null;
  }

  send(text: string, done: Done): void {
    this.done = done;
    if (this.socket === null || this.socket.destroyed) this.connect();
    this.socket!.write(text);
  }

  private connect(): void {
    const socket = net.connect({ host: this.url.hostname, port: Number(this.url.port), noDelay: true });
    this.buffer = Buffer.alloc(0);
    this.status = -1;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => undefined); // 'close' follows
    socket.on('close', () => {
      if (this.socket === socket) this.socket = null;
      this.fail('connection closed');
    });
    this.socket = socket;
  }

  private fail(message: string): void {
    const done = this.done;
    if (done === null) return;
    this.done = null;
    this.status = -1;
    this.buffer = Buffer.alloc(0);
    this.onFree(this);
    done(0, message);
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    if (this.status < 0) {
      const end = this.buffer.indexOf(CRLFCRLF);
      if (end < 0) return;
      const head = this.buffer.toString('latin1', 0, end);
      this.status = Number(head.slice(9, 12));
      this.headEnd = end + 4;
      const lower = head.toLowerCase();
      const lengthAt = lower.indexOf('\r\ncontent-length:');
      this.contentLength = lengthAt < 0 ? -1 : parseInt(lower.slice(lengthAt + 17, lower.indexOf('\r\n', lengthAt + 2) >>> 0), 10);
      this.chunked = this.contentLength < 0 && lower.includes('\r\ntransfer-encoding: chunked');
      if (!this.chunked && this.contentLength < 0) this.contentLength = 0;
    }
    let body: string;
    let consumed: number;
    if (!this.chunked) {
      if (this.buffer.length < this.headEnd + this.contentLength) return;
      body = this.buffer.toString('utf8', this.headEnd, this.headEnd + this.contentLength);
      consumed = this.headEnd + this.contentLength;
    } else {
      const parts: Buffer[] = [];
      let at = this.headEnd;
      for (;;) {
        const lineEnd = this.buffer.indexOf('\r\n', at);
        if (lineEnd < 0) return;
        const size = parseInt(this.buffer.toString('latin1', at, lineEnd), 16);
        if (this.buffer.length < lineEnd + 2 + size + 2) return;
        if (size === 0) {
          consumed = lineEnd + 4;
          break;
        }
        parts.push(this.buffer.subarray(lineEnd + 2, lineEnd + 2 + size));
        at = lineEnd + 2 + size + 2;
      }
      body = Buffer.concat(parts).toString('utf8');
    }
    this.buffer = consumed >= this.buffer.length ? Buffer.alloc(0) : this.buffer.subarray(consumed);
    const status = this.status;
    this.status = -1;
    const done = this.done;
    this.done = null;
    if (done !== null) {
      this.onFree(this);
      done(status, body);
    }
  }

  close(): void {
    this.socket?.destroy();
  }
}

class RawTransport implements Transport {
  private readonly free: RawConnection[] = [];
  private readonly all: RawConnection[] = [];
  private readonly hostHeader: string;
  inFlight = 0;

  constructor(url: URL, connections: number) {
    this.hostHeader = url.host;
    for (let i = 0; i < connections; i++) {
      const connection = new RawConnection(url, (c) => this.free.push(c));
      this.all.push(connection);
      this.free.push(connection);
    }
  }

  get idle(): number {
    return this.free.length;
  }

  send(request: OutgoingRequest, done: Done): void {
    const connection = this.free.pop();
    if (connection === undefined) throw new Error('RawTransport.send with no idle connection');
    let head = `${request.method} ${request.path} HTTP/1.1\r\nHost: ${this.hostHeader}\r\n`;
    for (const name in request.headers) head += `${name}: ${request.headers[name]}\r\n`;
    head += request.body === ''
      ? 'Content-Length: 0\r\n\r\n'
      : `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(request.body)}\r\n\r\n${request.body}`;
    this.inFlight++;
    connection.send(head, (status, body) => {
      this.inFlight--;
      done(status, body);
    });
  }

  close(): void {
    for (const connection of this.all) connection.close();
  }
}
