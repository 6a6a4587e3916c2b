// What the order-entry gateway threads and the engine thread put on the shared-memory bus. Each record is
// one ring message; requests carry the client's frame body verbatim, answers carry finished wire frames, so
// nothing is re-encoded between the socket and the engine thread.
//
// Gateway -> engine:  u8 kind (the ClientFrame type, or Closed), u32 connectionId, u32 accountId, frame body
// Engine -> gateway:  u8 target, u32 connectionId or accountId, wire frames (any number, back to back)

export const INBOUND_HEADER_BYTES = 9;
export const OUTBOUND_HEADER_BYTES = 5;

/** Gateway -> engine record kinds other than the client frame types. */
export const InboundKind = {
  /** The connection is gone: the engine forgets its routing (accountId says whose session it was). */
  Closed: 0x10,
} as const;

/** Engine -> gateway: who gets the frames. */
export const OutboundTarget = {
  /** One connection (answers to its requests). */
  Connection: 1,
  /** Every connection of that account on this gateway (fills of resting orders, cancels by others). */
  Account: 2,
  /** One connection, which the gateway closes after writing the frames (a failed login). */
  ConnectionThenClose: 3,
} as const;
