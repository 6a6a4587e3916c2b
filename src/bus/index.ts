// Ring buffers over SharedArrayBuffer: the zero-copy, allocation-free path between gateway threads and
// the engine thread. One SpscRing per direction per producer thread; a Doorbell lets one consumer thread
// sleep on several rings at once.
export { Backlog, RingBacklog, RoomWaiter } from './backlog.ts';
export { Doorbell } from './doorbell.ts';
export { SpscRing } from './spsc-ring.ts';
export type { MessageHandler, RingBuffers, WaitOptions } from './spsc-ring.ts';
