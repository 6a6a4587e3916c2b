// Starts a worker thread on a module of this repository. The project runs TypeScript through tsx, whose
// loader a worker does not inherit, so a .ts entry gets a tiny bootstrap that registers tsx first.
import { Worker } from 'node:worker_threads';

export function startWorker(entry: URL, workerData: unknown): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, { workerData });
  const bootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(bootstrap, { eval: true, workerData });
}
