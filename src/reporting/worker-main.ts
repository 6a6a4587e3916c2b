// The reporting worker thread: owns the store (PGlite runs its WebAssembly PostgreSQL synchronously, so
// on the main thread it would stall order entry) and answers the main thread's calls one at a time, in
// order. Started by openReportingStoreInWorker.
import { parentPort, workerData } from 'node:worker_threads';
import { nameThisThread, setThisThreadIdle, setThisThreadNice } from '../ops/thread-priority.ts';
import { catchUpFromJournal } from './catch-up.ts';
import { decodeReleasedBatch } from './released-batch.ts';
import { openReportingStore } from './store.ts';
import type { ReportingStore } from './types.ts';
import type { WorkerStoreOptions } from './worker-store.ts';
import type { WorkerCall, WorkerProgress, WorkerReady, WorkerReply } from './worker-protocol.ts';

const port = parentPort!;
const { threadNice = 0, threadIdle = false, journal, ...options } = workerData as Omit<WorkerStoreOptions, 'log'>;
nameThisThread('exch-reporting');
// Reporting lags by design: at a lower priority it takes the cores only when order entry leaves them idle.
if (threadNice > 0 && !setThisThreadNice(threadNice)) port.postMessage({ log: `reporting: could not lower the worker thread's priority (nice ${threadNice})` });
if (threadIdle && !setThisThreadIdle()) port.postMessage({ log: 'reporting: could not put the worker thread in SCHED_IDLE (needs Linux and chrt); it keeps its nice value' });

let store: ReportingStore;
try {
  store = await openReportingStore({ ...options, log: (message) => port.postMessage({ log: message }) });
  port.postMessage({ ready: true, backend: store.backend } satisfies WorkerReady);
} catch (error) {
  port.postMessage({ ready: false, message: (error as Error).message } satisfies WorkerReady);
  process.exit(1);
}

// A catch-up runs beside the queue, not in it: it takes seconds to minutes, and queries must not wait for
// it. The consumer sends no write while it runs; close waits for it.
let catchUpStopRequested = false;
let catchingUp: Promise<unknown> = Promise.resolve();

function catchUp(call: WorkerCall): void {
  const log = (message: string): void => port.postMessage({ log: message });
  if (!journal) {
    port.postMessage({ id: call.id, ok: false, name: 'Error', message: 'this store was not given the journal' } satisfies WorkerReply);
    return;
  }
  catchUpStopRequested = false;
  const onProgress = (offset: number): void => port.postMessage({ id: call.id, progress: offset } satisfies WorkerProgress);
  catchingUp = catchUpFromJournal(store, journal, call.args[0] as number, { maxBatchCommands: 2_000, log, stopRequested: () => catchUpStopRequested, onProgress })
    .then((value): WorkerReply => ({ id: call.id, ok: true, value }), (error: Error): WorkerReply => ({ id: call.id, ok: false, name: error.name, message: error.message }))
    .then((reply) => port.postMessage(reply));
}

let queue = Promise.resolve();
port.on('message', (call: WorkerCall) => {
  if (call.method === 'catchUp') return catchUp(call);
  if (call.method === 'stopCatchUp' || call.method === 'close') catchUpStopRequested = true;
  queue = queue.then(async () => {
    if (call.method === 'close') await catchingUp;
    let reply: WorkerReply;
    try {
      if (call.method === 'stopCatchUp') {
        await catchingUp;
        reply = { id: call.id, ok: true, value: undefined };
      } else if (call.method === 'writeEncoded') {
        reply = { id: call.id, ok: true, value: await store.write(decodeReleasedBatch(call.args[0] as ArrayBuffer)) };
      } else {
        const method = (store as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[call.method];
        reply = { id: call.id, ok: true, value: await method.apply(store, call.args) };
      }
    } catch (error) {
      reply = { id: call.id, ok: false, name: (error as Error).name, message: (error as Error).message };
    }
    port.postMessage(reply);
    if (call.method === 'close') port.close();
  });
});
