// The order-flow process (forked by main.ts): signed REST orders at a steady rate, open loop, over
// keep-alive connections. It reuses bench/http's pieces unchanged: the raw HTTP/1.1 transport
// (transport.ts) and the seeded order mix with its signing (workload.ts: passive limit GTC adds within
// `spreadTicks` of the reference price, IOC crosses through the book, cancels of recently acknowledged
// resting orders).
//
// For every command answered 2xx it records the kind, the order id (the new order's, or the canceled
// one's), when the request was written to the socket and when the response was complete, on the
// machine-wide monotonic clock (protocol.ts). main.ts joins these with the book.L3 stream to learn which
// command caused which book update.
import * as hdr from 'hdr-histogram-js';
import { answerParent } from '../common/ipc.ts';
import { newHistogram } from '../http/stats.ts';
import { createTransport, type Transport } from '../http/transport.ts';
import { type Prepared, Workload } from '../http/workload.ts';
import { clockSince, type FlowInit, type FlowRecords, type FlowRun, type FlowStats, type FromFlow, KIND_CODE, type ToFlow } from './protocol.ts';

let init: FlowInit | null = null;
let transport: Transport | null = null;
let workload: Workload | null = null;

const ID = /"id":"(\d+)"/;

function send(message: FromFlow): void {
  process.send!(message);
}

/** Passive orders only (a separate generator, so the run's cancels never target them): a book to start from. */
function seed(orders: number): Promise<FromFlow> {
  const t = transport!;
  const seeder = new Workload(init!.accounts, init!.symbols, { ...init!.mix, cancel: 0, cross: 0 }, init!.seed ^ 0x5eed);
  const errors: Record<string, number> = {};
  let sent = 0;
  let answered = 0;
  let ok = 0;
  return new Promise((resolve) => {
    const pump = (): void => {
      while (sent < orders && t.idle > 0) {
        const prepared = seeder.next();
        sent++;
        t.send(prepared.request, (status, body) => {
          answered++;
          const label = seeder.onResponse(prepared, status, body);
          if (label === null) ok++;
          else errors[label] = (errors[label] ?? 0) + 1;
          if (answered === orders) resolve({ type: 'seeded', ok, errors });
          else pump();
        });
      }
    };
    if (orders === 0) resolve({ type: 'seeded', ok, errors });
    else pump();
  });
}

function run(message: FlowRun): Promise<FromFlow> {
  const t = transport!;
  const w = workload!;
  const since = clockSince(BigInt(message.baseNs));
  const kinds: number[] = [];
  const ids: number[] = [];
  const sentAt: number[] = [];
  const answeredAt: number[] = [];
  const errors: Record<string, number> = {};
  const okByKind = { passive: 0, cross: 0, cancel: 0 };
  const responses = newHistogram();
  const intervalUs = 1e6 / message.rate;
  const startUs = since();
  const endUs = startUs + message.durationMs * 1000;
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  let nextDueUs = startUs;
  let backlog = 0;
  let maxBacklog = 0;
  let sent = 0;
  let ok = 0;
  let unsent = 0;
  let finished = false;

  const complete = (prepared: Prepared, sentUs: number, status: number, body: string): void => {
    if (finished) return;
    const now = since();
    responses.recordValue(Math.max(1, Math.round(now - sentUs)));
    const label = w.onResponse(prepared, status, body);
    if (label !== null) {
      errors[label] = (errors[label] ?? 0) + 1;
    } else {
      ok++;
      okByKind[prepared.kind]++;
      const id = prepared.kind === 'cancel' ? prepared.request.path.slice(prepared.request.path.lastIndexOf('/') + 1) : ID.exec(body)?.[1];
      if (id !== undefined) {
        kinds.push(KIND_CODE[prepared.kind]);
        ids.push(Number(id));
        sentAt.push(sentUs);
        answeredAt.push(now);
      }
    }
    pump();
  };

  const pump = (): void => {
    if (finished) return;
    const now = since();
    while (nextDueUs <= now && nextDueUs < endUs) {
      backlog++;
      nextDueUs += intervalUs;
    }
    if (backlog > maxBacklog) maxBacklog = backlog;
    while (backlog > 0 && t.idle > 0) {
      backlog--;
      const prepared = w.next();
      const sentUs = since();
      sent++;
      t.send(prepared.request, (status, body) => complete(prepared, sentUs, status, body));
    }
  };

  return new Promise((resolve) => {
    const finish = (): void => {
      finished = true;
      const cpu = process.cpuUsage(cpu0);
      const count = kinds.length;
      const records: FlowRecords = {
        count,
        kind: Uint8Array.from(kinds),
        orderId: Float64Array.from(ids),
        sentUs: Float64Array.from(sentAt),
        answeredUs: Float64Array.from(answeredAt),
      };
      const stats: FlowStats = {
        sent, ok, okByKind, errors, maxBacklog, unsent,
        cpuPercent: ((cpu.user + cpu.system) / 1000 / (performance.now() - wall0)) * 100,
        responseHistogram: hdr.encodeIntoCompressedBase64(responses),
      };
      if (t.inFlight > 0) errors['in flight at the end'] = t.inFlight;
      resolve({ type: 'ran', records, stats });
    };
    const tick = (): void => {
      pump();
      const now = since();
      if (now < endUs) {
        setTimeout(tick, 1);
        return;
      }
      if (backlog > 0) {
        unsent += backlog;
        backlog = 0;
      }
      if (t.inFlight === 0 || now >= endUs + message.drainMs * 1000) return finish();
      setTimeout(tick, 1);
    };
    tick();
  });
}

answerParent(async (message: ToFlow): Promise<void> => {
  switch (message.type) {
    case 'init':
      init = message;
      transport = createTransport('raw', new URL(message.url), message.connections);
      workload = new Workload(message.accounts, message.symbols, message.mix, message.seed);
      send({ type: 'ready' });
      return;
    case 'seed':
      send(await seed(message.orders));
      return;
    case 'run':
      send(await run(message));
      return;
    case 'exit':
      transport?.close();
      process.exit(0);
  }
});
