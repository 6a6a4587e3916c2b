// The load generator: a separate process (forked by main.ts) so that it and the server each get a core.
//
// Open loop: a step at R requests/s schedules request i at t0 + i/R (its intended send time) whatever the
// server does. A request is sent as soon as it is due and a connection is free (one request at a time per
// keep-alive connection); when every connection is busy, due requests wait in a backlog. Latency is recorded
// twice into HdrHistograms: from the intended send time to the end of the response (corrected for
// coordinated omission: time spent waiting because the server was slow counts), and from the actual send
// (uncorrected, what a closed-loop tool would report). Only requests intended inside the recorded window
// count; throughput is the responses that completed inside that window, divided by its length (2xx only:
// durable commands; and "answered": 2xx plus the expected business answers 409 and 422).
import { performance } from 'node:perf_hooks';
import { answerParent } from '../common/ipc.ts';
import type { FromLoad, InitMessage, StepMessage, StepResult, ToLoad } from './protocol.ts';
import { newHistogram, summarize } from './stats.ts';
import { createTransport, type Transport } from './transport.ts';
import { type Kind, type Prepared, Workload } from './workload.ts';

let init: InitMessage | null = null;
let transport: Transport | null = null;
let workload: Workload | null = null;
/** Bumped per step: answers to an abandoned step's requests are ignored. */
let generation = 0;

function send(message: FromLoad): void {
  process.send!(message);
}

function runStep(step: StepMessage): Promise<StepResult> {
  const t = transport!;
  const w = workload!;
  const gen = ++generation;
  const corrected = newHistogram();
  const uncorrected = newHistogram();
  const errors: Record<string, number> = {};
  const okByKind: Record<Kind, number> = { passive: 0, cross: 0, cancel: 0 };
  const interval = 1000 / step.rate;
  const t0 = performance.now();
  const measureStart = t0 + step.settleMs;
  const end = measureStart + step.measureMs;
  const cpu0 = process.cpuUsage();
  const seen0 = { ...w.seen };
  let nextIntended = t0;
  let generated = 0;
  let scheduled = 0;
  let okInWindow = 0;
  let answeredInWindow = 0;
  let allInWindow = 0;
  let unsent = 0;
  let maxBacklog = 0;
  // Backlog of intended send times (ms, performance.now() clock), a FIFO.
  let backlog = new Float64Array(1 << 16);
  let head = 0;
  let tail = 0;

  const complete = (prepared: Prepared, intended: number, sent: number, status: number, body: string): void => {
    if (gen !== generation) return;
    const now = performance.now();
    const label = w.onResponse(prepared, status, body);
    if (label !== null) errors[label] = (errors[label] ?? 0) + 1;
    const ok = label === null;
    if (now >= measureStart && now < end) {
      allInWindow++;
      if (ok || status === 409 || status === 422) answeredInWindow++;
      if (ok) {
        okInWindow++;
        okByKind[prepared.kind]++;
      }
    }
    if (intended >= measureStart) {
      corrected.recordValue(Math.max(1, Math.round((now - intended) * 1000)));
      uncorrected.recordValue(Math.max(1, Math.round((now - sent) * 1000)));
    }
    pump();
  };

  const pump = (): void => {
    if (gen !== generation) return;
    const now = performance.now();
    while (nextIntended <= now && nextIntended < end) {
      if (tail === backlog.length) {
        if (head > 0) {
          backlog.copyWithin(0, head, tail);
          tail -= head;
          head = 0;
        } else {
          const bigger = new Float64Array(backlog.length * 2);
          bigger.set(backlog);
          backlog = bigger;
        }
      }
      backlog[tail++] = nextIntended;
      if (nextIntended >= measureStart) scheduled++;
      nextIntended = t0 + ++generated * interval;
    }
    if (tail - head > maxBacklog) maxBacklog = tail - head;
    while (head < tail && t.idle > 0) {
      const intended = backlog[head++];
      const prepared = w.next();
      const sent = performance.now();
      t.send(prepared.request, (status, body) => complete(prepared, intended, sent, status, body));
    }
    if (head === tail) {
      head = 0;
      tail = 0;
    }
  };

  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | null = null;
    const finish = (): void => {
      if (timer !== null) clearTimeout(timer);
      const cpu = process.cpuUsage(cpu0);
      const wallMs = performance.now() - t0;
      generation++; // ignore whatever is still in flight
      resolve({
        rate: step.rate, measureMs: step.measureMs, scheduled,
        achievedPerSec: okInWindow / (step.measureMs / 1000),
        answeredPerSec: answeredInWindow / (step.measureMs / 1000),
        allPerSec: allInWindow / (step.measureMs / 1000),
        okByKind, errors, unsent, maxBacklog,
        corrected: summarize(corrected), uncorrected: summarize(uncorrected),
        clientCpuPercent: ((cpu.user + cpu.system) / 1000 / wallMs) * 100,
        wallMs,
        seen: {
          resting: w.seen.resting - seen0.resting,
          tradedOnArrival: w.seen.tradedOnArrival - seen0.tradedOnArrival,
          cancelsAccepted: w.seen.cancelsAccepted - seen0.cancelsAccepted,
        },
      });
    };
    const tick = (): void => {
      timer = null;
      pump();
      const now = performance.now();
      if (now < end) {
        timer = setTimeout(tick, 1);
        return;
      }
      // Scheduling is over: wait for the backlog and the requests in flight, at most drainMs.
      if (head === tail && t.inFlight === 0) return finish();
      if (now >= end + step.drainMs) {
        // Give up on the backlog: each request never sent counts with the time it has waited so far
        // (a lower bound of its latency).
        for (let i = head; i < tail; i++) {
          if (backlog[i] >= measureStart) corrected.recordValue(Math.max(1, Math.round((now - backlog[i]) * 1000)));
        }
        unsent = tail - head;
        head = tail = 0;
        if (t.inFlight > 0) errors['in flight when the step was abandoned'] = t.inFlight;
        return finish();
      }
      timer = setTimeout(tick, 1);
    };
    tick();
  });
}

answerParent(async (message: ToLoad): Promise<void> => {
  switch (message.type) {
    case 'init':
      init = message;
      transport = createTransport(message.transport, new URL(message.url), message.connections);
      workload = new Workload(message.accounts, message.symbols, message.mix, message.seed);
      send({ type: 'ready' });
      return;
    case 'retarget':
      transport?.close();
      transport = createTransport(init!.transport, new URL(message.url), init!.connections);
      send({ type: 'ready' });
      return;
    case 'step':
      send({ type: 'result', result: await runStep(message) });
      return;
    case 'exit':
      transport?.close();
      process.exit(0);
  }
});
