// The load generator: a separate process (forked by main.ts; on 2 cores one, so that it and the server
// each get a core). It opens the transport's connections (binary and ws: one per account, logged in) and
// runs steps on request.
//
// Open loop: a step at R requests/s gives request i the intended send time t0 + i/R, whatever the server
// does. A request goes out as soon as it is due and its transport has room (binary and ws: fewer than
// `window` unanswered on some connection; http: an idle socket); otherwise it waits in a backlog. Sending
// happens on a 1 ms timer and right after answers arrive; a turn's requests leave in one write per
// connection. Latency is recorded into HdrHistograms from the intended send time to the request's first
// answer (corrected for coordinated omission: waiting for the generator or a slow server counts), from the
// actual send (uncorrected), and the generator's own delay (actual minus intended send). Only requests
// intended inside the recorded window count; throughput is the first answers that arrived inside that
// window divided by its length. Every second a summary goes to the parent (progress bar) and into the
// step's time series (by arrival time, settle seconds included).
import * as hdr from 'hdr-histogram-js';
import { answerParent } from '../common/ipc.ts';
import { newHistogram, summarize } from '../http/stats.ts';
import { BinaryDriver } from './driver-binary.ts';
import { HttpDriver } from './driver-http.ts';
import { WsDriver } from './driver-ws.ts';
import { type AnswerSink, type Driver, type DriverOptions, Outcome } from './driver.ts';
import { KIND_NAMES, seededRandom } from './flow.ts';
import type { FromLoad, InitMessage, SecondSample, StepMessage, StepResult, ToLoad } from './protocol.ts';

let driver: Driver | null = null;
/** The step running (answers outside a step are ignored). */
let current: Step | null = null;

function send(message: FromLoad): void {
  process.send!(message);
}

const us = (ms: number): number => Math.max(1, Math.round(ms * 1000));

class Step implements AnswerSink {
  readonly corrected = newHistogram();
  readonly uncorrected = newHistogram();
  readonly sendLag = newHistogram();
  readonly errors: Record<string, number> = {};
  readonly okByKind = { passive: 0, cross: 0, cancel: 0 };
  readonly seen = { resting: 0, cancelsAccepted: 0 };
  readonly t0 = performance.now();
  readonly measureStart: number;
  readonly end: number;
  readonly interval: number;
  nextIntended: number;
  generated = 0;
  scheduled = 0;
  okInWindow = 0;
  answeredInWindow = 0;
  allInWindow = 0;
  maxBacklog = 0;
  /** Intended send times of requests due and not sent (ms), a FIFO. */
  backlog = new Float64Array(1 << 16);
  head = 0;
  tail = 0;
  // The current second of the time series.
  readonly seconds: SecondSample[] = [];
  second = 0;
  secondHistogram = newHistogram();
  secondAnswered = 0;
  secondOk = 0;
  readonly offeredBySecond: number[] = [];

  constructor(readonly message: StepMessage) {
    this.measureStart = this.t0 + message.settleMs;
    this.end = this.measureStart + message.measureMs;
    this.interval = 1000 / message.rate;
    this.nextIntended = this.t0;
  }

  answer(intended: number, sent: number, kind: number, outcome: number, label: string | null): void {
    const now = performance.now();
    this.rollSeconds(now);
    if (label !== null) this.errors[label] = (this.errors[label] ?? 0) + 1;
    if (outcome === Outcome.Ok) {
      if (kind === 0) this.seen.resting++;
      if (kind === 2) this.seen.cancelsAccepted++;
    }
    if (now >= this.measureStart && now < this.end) {
      this.allInWindow++;
      if (outcome !== Outcome.Failed) this.answeredInWindow++;
      if (outcome === Outcome.Ok) {
        this.okInWindow++;
        this.okByKind[KIND_NAMES[kind]]++;
      }
    }
    const latencyUs = us(now - intended);
    if (intended >= this.measureStart) {
      this.corrected.recordValue(latencyUs);
      this.uncorrected.recordValue(us(now - sent));
      this.sendLag.recordValue(us(sent - intended));
    }
    this.secondHistogram.recordValue(latencyUs);
    if (outcome !== Outcome.Failed) this.secondAnswered++;
    if (outcome === Outcome.Ok) this.secondOk++;
  }

  /** Closes the seconds that ended before `now`. */
  rollSeconds(now: number): void {
    const second = Math.floor((now - this.t0) / 1000);
    while (this.second < second) this.closeSecond();
  }

  closeSecond(): void {
    const h = this.secondHistogram;
    const sample: SecondSample = {
      second: this.second,
      measured: this.t0 + this.second * 1000 >= this.measureStart && this.t0 + (this.second + 1) * 1000 <= this.end + 1,
      offered: this.offeredBySecond[this.second] ?? 0,
      answered: this.secondAnswered,
      ok: this.secondOk,
      latency: summarize(h),
      histogram: hdr.encodeIntoCompressedBase64(h),
    };
    this.seconds.push(sample);
    send({ type: 'progress', second: sample.second, answered: sample.answered, p99Ms: sample.latency.p99 });
    h.reset();
    this.secondAnswered = 0;
    this.secondOk = 0;
    this.second++;
  }

  /** Moves what is due into the backlog and sends what the transport has room for. */
  pump(d: Driver): void {
    const now = performance.now();
    this.rollSeconds(now);
    while (this.nextIntended <= now && this.nextIntended < this.end) {
      if (this.tail === this.backlog.length) this.growBacklog();
      this.backlog[this.tail++] = this.nextIntended;
      if (this.nextIntended >= this.measureStart) this.scheduled++;
      const second = Math.floor((this.nextIntended - this.t0) / 1000);
      this.offeredBySecond[second] = (this.offeredBySecond[second] ?? 0) + 1;
      this.nextIntended = this.t0 + ++this.generated * this.interval;
    }
    if (this.tail - this.head > this.maxBacklog) this.maxBacklog = this.tail - this.head;
    let room = d.room;
    while (this.head < this.tail && room > 0) {
      d.send(this.backlog[this.head++]);
      room--;
    }
    if (this.head === this.tail) this.head = this.tail = 0;
    d.flush();
  }

  private growBacklog(): void {
    if (this.head > 0) {
      this.backlog.copyWithin(0, this.head, this.tail);
      this.tail -= this.head;
      this.head = 0;
    } else {
      const bigger = new Float64Array(this.backlog.length * 2);
      bigger.set(this.backlog);
      this.backlog = bigger;
    }
  }
}

function runStep(message: StepMessage): Promise<StepResult> {
  const d = driver!;
  const step = new Step(message);
  current = step;
  const cpu0 = process.cpuUsage();
  return new Promise((resolve) => {
    let unsent = 0;
    let abandoned = 0;
    const finish = (): void => {
      const now = performance.now();
      current = null;
      step.rollSeconds(now);
      if (step.secondAnswered > 0) step.closeSecond();
      const cpu = process.cpuUsage(cpu0);
      const wallMs = now - step.t0;
      const perSec = (n: number): number => n / (message.measureMs / 1000);
      resolve({
        rate: message.rate, measureMs: message.measureMs, scheduled: step.scheduled,
        okPerSec: perSec(step.okInWindow), answeredPerSec: perSec(step.answeredInWindow), allPerSec: perSec(step.allInWindow),
        okByKind: step.okByKind, errors: step.errors, unsent, abandoned, maxBacklog: step.maxBacklog,
        corrected: summarize(step.corrected), uncorrected: summarize(step.uncorrected), sendLag: summarize(step.sendLag),
        histograms: {
          corrected: hdr.encodeIntoCompressedBase64(step.corrected),
          uncorrected: hdr.encodeIntoCompressedBase64(step.uncorrected),
          sendLag: hdr.encodeIntoCompressedBase64(step.sendLag),
        },
        clientCpuPercent: ((cpu.user + cpu.system) / 1000 / wallMs) * 100,
        wallMs,
        seconds: step.seconds,
        seen: step.seen,
      });
    };
    const tick = (): void => {
      if (current !== step) return;
      step.pump(d);
      const now = performance.now();
      if (now < step.end) {
        setTimeout(tick, 1);
        return;
      }
      // Scheduling is over: wait for the backlog and the requests in flight, at most drainMs.
      if (step.head === step.tail && d.inFlight === 0) return finish();
      if (now >= step.end + message.drainMs) {
        // Give up: each request never sent or never answered counts with the time it has waited so far
        // (a lower bound of its latency).
        const record = (intended: number): void => {
          if (intended >= step.measureStart) step.corrected.recordValue(us(now - intended));
        };
        for (let i = step.head; i < step.tail; i++) record(step.backlog[i]);
        unsent = step.tail - step.head;
        step.head = step.tail = 0;
        d.abandon((intended) => {
          abandoned++;
          record(intended);
        });
        return finish();
      }
      setTimeout(tick, 1);
    };
    tick();
  });
}

async function init(message: InitMessage): Promise<void> {
  const options: DriverOptions = {
    target: message.target, connections: message.connections, accounts: message.accounts, symbols: message.symbols, mix: message.mix,
    window: message.window, random: seededRandom(message.seed),
    sink: { answer: (intended, sent, kind, outcome, label) => current?.answer(intended, sent, kind, outcome, label) },
    onAnswers: () => {
      if (current !== null && driver !== null) current.pump(driver);
    },
  };
  driver = message.transport === 'binary' ? await BinaryDriver.open(options)
    : message.transport === 'ws' ? await WsDriver.open(options)
    : await HttpDriver.open(options);
}

answerParent(async (message: ToLoad): Promise<void> => {
  switch (message.type) {
    case 'init':
      await init(message);
      send({ type: 'ready' });
      return;
    case 'step':
      send({ type: 'result', result: await runStep(message) });
      return;
    case 'exit':
      driver?.close();
      setTimeout(() => process.exit(0), 100);
  }
});
