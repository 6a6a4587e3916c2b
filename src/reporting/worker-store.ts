// The reporting store behind a worker thread: the same ReportingStore interface, each call a message.
// Batches are copied to the worker (structured clone), so the main thread pays a copy per batch and
// never the database's work.
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../ops/index.ts';
import type { Released } from '../sequencer/index.ts';
import { encodeReleasedBatch } from './released-batch.ts';
import type { JournalSource } from './catch-up.ts';
import type { ReportingStore, ReportingStoreOptions } from './types.ts';
import type { WorkerCall, WorkerProgress, WorkerReady, WorkerReply } from './worker-protocol.ts';

export interface WorkerStoreOptions extends ReportingStoreOptions {
  /** The worker thread's nice value (0 keeps the process's priority): see setThisThreadNice. */
  threadNice?: number;
  /** Put the worker thread in SCHED_IDLE (Linux, through chrt): see setThisThreadIdle. */
  threadIdle?: boolean;
  /** The engine's journal: with it the store offers catchUp (catch-up.ts), run on the worker thread. */
  journal?: JournalSource;
}

export async function openReportingStoreInWorker(options: WorkerStoreOptions): Promise<ReportingStore> {
  const { log, ...rest } = options;
  const worker = startWorker(new URL('./worker-main.ts', import.meta.url), rest);
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void; onProgress?: (offset: number) => void }>();
  let nextId = 1;
  let failure: Error | null = null;

  const ready = await new Promise<WorkerReady>((resolve, reject) => {
    worker.on('message', (message: WorkerReady | WorkerReply | WorkerProgress | { log: string }) => {
      if ('log' in message) return log?.(message.log);
      if ('ready' in message) return resolve(message);
      const call = pending.get(message.id);
      if (!call) return;
      if ('progress' in message) return call.onProgress?.(message.progress);
      pending.delete(message.id);
      if (message.ok) call.resolve(message.value);
      else {
        const error = new Error(message.message);
        error.name = message.name;
        call.reject(error);
      }
    });
    worker.on('error', (error) => {
      failure = error;
      reject(error);
      for (const call of pending.values()) call.reject(error);
      pending.clear();
    });
    worker.on('exit', (code) => {
      failure ??= new Error(`reporting worker exited with code ${code}`);
      for (const call of pending.values()) call.reject(failure);
      pending.clear();
    });
  });
  if (!ready.ready) throw new Error(`reporting store: ${ready.message}`);

  const call = (method: string, args: unknown[], onProgress?: (offset: number) => void): Promise<unknown> => {
    if (failure) return Promise.reject(failure);
    return new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject, onProgress });
      worker.postMessage({ id, method, args } satisfies WorkerCall);
    });
  };
  return proxyStore(ready.backend, call, worker, options.journal !== undefined);
}

type Call = (method: string, args: unknown[], onProgress?: (offset: number) => void) => Promise<unknown>;

function proxyStore(backend: 'pglite' | 'postgres', call: Call, worker: Worker, catchesUp: boolean): ReportingStore {
  const remote = <K extends keyof ReportingStore>(method: K) =>
    ((...args: unknown[]) => call(method, args)) as unknown as ReportingStore[K];
  return {
    backend,
    offset: remote('offset'),
    // Batches travel as one buffer (see released-batch.ts), decoded by the worker: a copy of bytes, not a
    // structured clone of thousands of objects. Not transferred: a failed write is retried with it.
    write: ((batch: readonly Released[]) => call('writeEncoded', [encodeReleasedBatch(batch)])) as ReportingStore['write'],
    writeEncoded: (batch: ArrayBuffer) => call('writeEncoded', [batch]) as Promise<void>,
    ...(catchesUp ? {
      catchUp: (throughSequence: number, onProgress?: (offset: number) => void) => call('catchUp', [throughSequence], onProgress) as Promise<number>,
      stopCatchUp: remote('stopCatchUp'),
    } : {}),
    executions: remote('executions'),
    trades: remote('trades'),
    statement: remote('statement'),
    dailySummary: remote('dailySummary'),
    orderAudit: remote('orderAudit'),
    order: remote('order'),
    orders: remote('orders'),
    candles: remote('candles'),
    ledgerBalances: remote('ledgerBalances'),
    reconcile: ((balances: Iterable<{ accountId: number; asset: number; amount: number }>) => call('reconcile', [[...balances]])) as ReportingStore['reconcile'],
    counts: remote('counts'),
    query: remote('query'),
    close: async () => {
      await call('close', []);
      await worker.terminate();
    },
  };
}
