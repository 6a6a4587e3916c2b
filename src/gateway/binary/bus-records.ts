// What the order-entry gateway threads and the engine thread put on the shared-memory bus. Each record is
// one ring message; requests carry the client's frame body verbatim, answers carry finished wire frames, so
// nothing is re-encoded between the socket and the engine thread.
//
// Gateway -> engine:  u8 kind (the ClientFrame type, or Closed or JsonLogin; a NewOrder, Cancel or Replace
//                     from a JSON session has JSON_ANSWER added), u32 connectionId, u32 accountId,
//                     f64 receivedAtMs (when the gateway read it: epochNowMs, for the inbound stage's
//                     latency), frame body
// Engine -> gateway:  u8 target, u32 connectionId or accountId, wire frames (any number, back to back), or
//                     for target OrderState one order (order-state.ts), for target Key an account's key,
//                     for target PublishedAt (id 0) the f64 time the burst it ends was published
//
// A JSON session (the /v1/ws endpoint of a gateway thread) or an HTTP request there sends its orders as the binary frames, with one
// difference: a NewOrder's clientOrderId is UTF-8 (REST allows any characters) where the wire's is ASCII.

import type { SpscRing } from '../../bus/index.ts';
import { ByteCopier } from '../../codec/index.ts';

export const INBOUND_HEADER_BYTES = 17;
export const OUTBOUND_HEADER_BYTES = 5;

/** Gateway -> engine record kinds other than the client frame types. */
export const InboundKind = {
  /** The connection is gone: the engine forgets its routing (accountId says whose session it was). */
  Closed: 0x10,
  /** A JSON session's {"op":"auth"}: the body is the message's apiKey, timestamp and signature as JSON text. */
  JsonLogin: 0x11,
  /** HTTP order entry meets an API key for the first time: the body is the key (UTF-8); answered with target Key. */
  KeyLookup: 0x12,
  /** Once a second: the gateway's answer-stage latency counts (answer-latency.ts); ids 0. */
  StageLatency: 0x13,
} as const;

/** Added to a request's kind by a JSON session: answer with OrderState (or a Rejected frame), no fills. */
export const JSON_ANSWER = 0x40;

/** Engine -> gateway: who gets the frames. */
export const OutboundTarget = {
  /** One connection (answers to its requests). */
  Connection: 1,
  /** Every connection of that account on this gateway (fills of resting orders, cancels by others). */
  Account: 2,
  /** One connection, which the gateway closes after writing the frames (a failed login). */
  ConnectionThenClose: 3,
  /** One JSON session: the order after its command (order-state.ts), the answer to that request. */
  OrderState: 4,
  /** The answer to a KeyLookup: u32 accountId (0: no such key), u16 key length, the key, the secret (UTF-8). */
  Key: 5,
  /** The last record of a burst: f64 epoch ms when the engine thread published it (the answer stage's start). */
  PublishedAt: 6,
} as const;

// The gateway thread's: its requests' bytes into the ring to the engine (most are under 64 bytes, which a byte
// loop copies; a longer one makes a view only when it comes from another array than the last one did).
const inboundCopier = new ByteCopier();

/**
 * Claims, fills and commits one gateway -> engine record (not published: the caller publishes once per
 * batch); false when the ring has no room now. The body is bytes [bodyOffset, bodyOffset + bodyLength) of
 * `body`, copied without a view of it (a subarray per order showed on the binary path).
 */
export function writeInboundRecord(
  ring: SpscRing, kind: number, id: number, accountId: number, receivedAtMs: number, body: Uint8Array, bodyOffset: number, bodyLength: number,
): boolean {
  const at = ring.claim(INBOUND_HEADER_BYTES + bodyLength);
  if (at < 0) return false;
  const data = ring.data;
  data[at] = kind;
  ring.view.setUint32(at + 1, id, true);
  ring.view.setUint32(at + 5, accountId, true);
  ring.view.setFloat64(at + 9, receivedAtMs, true);
  inboundCopier.copy(body, bodyOffset, bodyLength, data, at + INBOUND_HEADER_BYTES);
  ring.commit();
  return true;
}
