export { Sequencer, CommandEventSink } from './sequencer.ts';
export type { UnstampedCommand, Released, ReleaseListener, CommandLog, BalanceAfter } from './sequencer.ts';
export { systemClock, ManualClock } from './clock.ts';
export type { Clock } from './clock.ts';
