export { Sequencer } from './sequencer.ts';
export { CommandEventSink } from './event-copies.ts';
export type { UnstampedCommand, ReleaseListener, CommandLog, CommandEncoder } from './sequencer.ts';
export { BALANCE_FIELDS, copyReleased, emptyReleased } from './released.ts';
export type { Released } from './released.ts';
export { decodeReleased, encodeReleased } from './released-codec.ts';
export { systemClock, ManualClock } from './clock.ts';
export type { Clock } from './clock.ts';
