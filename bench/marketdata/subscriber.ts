// A subscriber process (forked by main.ts): opens N WebSocket connections with the `ws` package, each
// subscribed to book.L2 and trades for one symbol, and stamps every update on arrival.
//
// Per connection and channel it checks that sequences go up by exactly one (a jump is a gap) and keeps the
// receipt time of every update after the start of the run (us since base, in chunked Uint32Arrays indexed
// by sequence - base - 1). The raw stamps stay here: main.ts first asks for the earliest receipt of each
// update over this process's connections ('collect'), then sends back the release estimate and the
// earliest receipt over all subscribers ('analyze'), and this process returns HdrHistograms.
import * as hdr from 'hdr-histogram-js';
import { WebSocket } from 'ws';
import { answerParent } from '../common/ipc.ts';
import { newHistogram } from '../http/stats.ts';
import { type AnalyzeMessage, clockSince, type ConnectMessage, type FromSubscriber, type GoMessage, type SubscriberResult, type ToSubscriber } from './protocol.ts';

const SLOW_CONSUMER_CLOSE_CODE = 4008; // src/gateway/ws/session.ts
const CHUNK = 4096;
const L2 = 0;
const TRADES = 1;

/** The start of every market data message the server writes: {"type":..,"channel":..,"symbol":..,"sequence":N */
const HEAD = /^\{"type":"(update|snapshot)","channel":"([a-zA-Z0-9.]+)","symbol":"[^"]*","sequence":(\d+)/;

class Stamps {
  private readonly chunks: Uint32Array[] = [];
  /** Highest index stored + 1. */
  length = 0;

  set(index: number, us: number): void {
    const c = index >>> 12;
    while (this.chunks.length <= c) this.chunks.push(new Uint32Array(CHUNK));
    this.chunks[c][index & (CHUNK - 1)] = us;
    if (index >= this.length) this.length = index + 1;
  }

  /** 0 when not received. */
  get(index: number): number {
    const c = index >>> 12;
    return c < this.chunks.length ? this.chunks[c][index & (CHUNK - 1)] : 0;
  }
}

class Connection {
  readonly last = [-1, -1];
  readonly stamps = [new Stamps(), new Stamps()];
  open = false;
  snapshots = 0;

  constructor(readonly socket: WebSocket) {}
}

const connections: Connection[] = [];
let since: (() => number) | null = null;
let go: GoMessage | null = null;
let stopping = false;
const counts = { updatesInWindow: 0, l2InWindow: 0, tradesInWindow: 0, bytesInWindow: 0, gaps: 0, slowConsumerCloses: 0, otherCloses: 0, errors: 0 };
let cpuAtGo = process.cpuUsage();
let wallAtGo = performance.now();
let maxLoopLagMs = 0;

function send(message: FromSubscriber): void {
  process.send!(message);
}

function onMessage(connection: Connection, data: Buffer, onSnapshot: () => void): void {
  const now = since === null ? -1 : since();
  const match = HEAD.exec(data.toString('latin1', 0, Math.min(data.length, 120)));
  if (match === null) {
    // {"op":"subscribed",...} or {"op":"error",...}
    const text = data.toString('utf8');
    if (text.includes('"op":"error"')) {
      counts.errors++;
      if (counts.errors <= 3) console.error(`subscriber ${process.pid}: server error ${text}`);
    }
    return;
  }
  const channel = match[2] === 'book.L2' ? L2 : match[2] === 'trades' ? TRADES : -1;
  if (channel < 0) return;
  const sequence = Number(match[3]);
  if (match[1] === 'snapshot') {
    connection.last[channel] = sequence;
    onSnapshot();
    return;
  }
  const last = connection.last[channel];
  if (last >= 0 && sequence !== last + 1) counts.gaps++;
  connection.last[channel] = sequence;
  if (go === null || now < 0) return;
  const base = channel === L2 ? go.l2Base : go.tradesBase;
  if (sequence > base) connection.stamps[channel].set(sequence - base - 1, Math.max(1, Math.round(now)));
  if (now >= go.windowStartUs && now < go.windowEndUs) {
    counts.updatesInWindow++;
    counts.bytesInWindow += data.length;
    if (channel === L2) counts.l2InWindow++;
    else counts.tradesInWindow++;
  }
}

function openOne(url: string, symbol: string): Promise<Connection> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { perMessageDeflate: false, skipUTF8Validation: true, handshakeTimeout: 30_000 });
    const connection = new Connection(socket);
    let settled = false;
    const timer = setTimeout(() => fail(new Error('no snapshots within 30 s')), 30_000);
    const fail = (error: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.terminate();
      reject(error);
    };
    socket.on('open', () => {
      connection.open = true;
      socket.send(JSON.stringify({ op: 'subscribe', channel: 'book.L2', symbol }));
      socket.send(JSON.stringify({ op: 'subscribe', channel: 'trades', symbol }));
    });
    socket.on('message', (data: Buffer) => onMessage(connection, data, () => {
      if (++connection.snapshots === 2 && !settled) {
        settled = true;
        clearTimeout(timer);
        resolve(connection);
      }
    }));
    socket.on('error', (error) => fail(error));
    socket.on('close', (code) => {
      const wasOpen = connection.open;
      connection.open = false;
      if (!settled) return fail(new Error(`closed (${code}) before the snapshots`));
      if (stopping || !wasOpen) return;
      if (code === SLOW_CONSUMER_CLOSE_CODE) counts.slowConsumerCloses++;
      else counts.otherCloses++;
    });
  });
}

async function connectAll(message: ConnectMessage): Promise<FromSubscriber> {
  const t0 = performance.now();
  let next = 0;
  let failed = 0;
  let firstError: string | null = null;
  const worker = async (): Promise<void> => {
    while (next < message.connections) {
      next++;
      try {
        connections.push(await openOne(message.url, message.symbol));
      } catch (error) {
        failed++;
        firstError ??= error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(message.concurrency, message.connections) }, worker));
  return { type: 'connected', connected: connections.length, failed, firstError, ms: performance.now() - t0 };
}

function collect(): FromSubscriber {
  const earliest = (channel: number): Float64Array => {
    const length = connections.reduce((n, c) => Math.max(n, c.stamps[channel].length), 0);
    const out = new Float64Array(length).fill(NaN);
    for (const c of connections) {
      const stamps = c.stamps[channel];
      for (let i = 0; i < stamps.length; i++) {
        const us = stamps.get(i);
        if (us !== 0 && !(out[i] <= us)) out[i] = us;
      }
    }
    return out;
  };
  return { type: 'earliest', l2: earliest(L2), trades: earliest(TRADES) };
}

function analyze(message: AnalyzeMessage): FromSubscriber {
  const cpu = process.cpuUsage(cpuAtGo);
  const wallMs = performance.now() - wallAtGo;
  const delay = newHistogram();
  const spread = newHistogram();
  const endToEnd = newHistogram();
  let missing = 0;
  const channels: Array<[number, Float64Array, Float64Array, Float64Array | null]> = [
    [L2, message.l2Release, message.l2Earliest, message.l2Send],
    [TRADES, message.tradesRelease, message.tradesEarliest, null],
  ];
  for (const c of connections) {
    for (const [channel, release, earliest, sent] of channels) {
      const stamps = c.stamps[channel];
      for (let i = 0; i < release.length; i++) {
        const released = release[i];
        if (Number.isNaN(released)) continue;
        const us = stamps.get(i);
        if (us === 0) {
          if (c.open) missing++;
          continue;
        }
        delay.recordValue(Math.max(1, Math.round(us - released)));
        spread.recordValue(Math.max(1, Math.round(us - earliest[i])));
        if (sent !== null && !Number.isNaN(sent[i])) endToEnd.recordValue(Math.max(1, Math.round(us - sent[i])));
      }
    }
  }
  const result: SubscriberResult = {
    delay: hdr.encodeIntoCompressedBase64(delay),
    spread: hdr.encodeIntoCompressedBase64(spread),
    endToEnd: hdr.encodeIntoCompressedBase64(endToEnd),
    ...counts,
    missing,
    openAtEnd: connections.filter((c) => c.open).length,
    cpuPercent: ((cpu.user + cpu.system) / 1000 / wallMs) * 100,
    maxLoopLagMs,
  };
  return { type: 'result', result };
}

// Event-loop lag: how late a 10 ms timer fires (this process being starved of CPU shows up here).
let expected = performance.now() + 10;
setInterval(() => {
  const now = performance.now();
  if (go !== null) maxLoopLagMs = Math.max(maxLoopLagMs, now - expected);
  expected = now + 10;
}, 10).unref();

answerParent(async (message: ToSubscriber): Promise<void> => {
  switch (message.type) {
    case 'connect':
      send(await connectAll(message));
      return;
    case 'go':
      go = message;
      since = clockSince(BigInt(message.baseNs));
      cpuAtGo = process.cpuUsage();
      wallAtGo = performance.now();
      send({ type: 'going' });
      return;
    case 'collect':
      send(collect());
      return;
    case 'analyze':
      send(analyze(message));
      return;
    case 'exit':
      stopping = true;
      for (const c of connections) c.socket.terminate();
      process.exit(0);
  }
});
