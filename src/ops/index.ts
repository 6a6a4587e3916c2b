export { Metrics } from './metrics.ts';
export { startWorker } from './ts-worker.ts';
