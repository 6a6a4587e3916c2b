export { Metrics } from './metrics.ts';
export { startWorker } from './ts-worker.ts';
export { splitmix32 } from './seeded-random.ts';
export { schedulingPolicyOf, SCHED_IDLE, setThisThreadIdle, setThisThreadNice } from './thread-priority.ts';
