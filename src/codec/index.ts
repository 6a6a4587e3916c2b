// Compact binary encoding of commands and events, for the durable journal and (later) a shared-memory bus.
// Pure: no I/O, no clock, so the engine thread may use it. Layout and wire types: see layout.ts and binary.ts.
export { ArrayChain, type ChainedArray } from './array-chain.ts';
export { BinaryReader, BinaryWriter, ByteCopier, CodecError } from './binary.ts';
export { CODEC_VERSION, COMMAND_BODIES, COMMAND_HEADER, EVENT_BODIES, EVENT_HEADER, commandLayouts, eventLayouts } from './layout.ts';
export type { FieldLayout, FieldType, RecordLayout } from './layout.ts';
export {
  decodeCommand, decodeCommandFromBytes, decodeEvent, decodeEventFromBytes, encodeCommand, encodeCommandToBytes, encodeCommandToScratch, encodeEvent, ScratchCommandEncoder, copyCommandBody, copyEventInto,
  encodeEventToBytes,
} from './records.ts';
