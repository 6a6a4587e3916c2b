// Messages between the main thread and the reporting worker: calls of ReportingStore methods by id.
export interface WorkerCall {
  id: number;
  method: string;
  args: unknown[];
}

/** A failure keeps its error's name (e.g. SequenceGapError), which callers act on. */
export type WorkerReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; name: string; message: string };

/** Before a catch-up call's reply: the store's offset after each of its batches. */
export interface WorkerProgress {
  id: number;
  progress: number;
}

/** The worker's first message: the store is open (or failed to open). */
export type WorkerReady = { ready: true; backend: 'pglite' | 'postgres' } | { ready: false; message: string };
