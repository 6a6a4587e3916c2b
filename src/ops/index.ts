export { Metrics } from './metrics.ts';
export { startWorker } from './ts-worker.ts';
export { splitmix32 } from './seeded-random.ts';
export { nameThisThread, schedulingPolicyOf, SCHED_IDLE, setThisThreadIdle, setThisThreadNice } from './thread-priority.ts';
export { burstNowMs, epochNowMs, LatencyBuckets, readStageCounts, STAGE_BUCKETS_SECONDS, StageHistogram, STAGES, writeStageCounts } from './stage-latency.ts';
export type { Stage, StageCounts } from './stage-latency.ts';
