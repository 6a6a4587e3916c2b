// An order as the engine thread's order store holds it after a command, as bytes on the shared-memory bus:
// what a JSON order-entry session on a gateway thread needs to answer with the REST order object
// (presentOrder), which carries more than the binary protocol's frames (the average price, and the whole
// order after a cancel or replace). Internal to the server: never on a client's wire.
//
//   f64 orderId, u32 accountId, u32 symbolId, u8 side, u8 orderType, u8 timeInForce, u8 flags,
//   f64 priceCents, f64 quantity, f64 creationTimeMs, f64 filledQuantity, f64 filledNotionalCents,
//   u16 clientOrderId length in bytes, clientOrderId (UTF-8)
import type { OrderType, Side, TimeInForce } from '../../engine/index.ts';
import type { OrderRecord } from '../../views/index.ts';

export const ORDER_STATE_FIXED_BYTES = 8 + 4 + 4 + 4 + 8 * 5 + 2;
/** The longest clientOrderId in UTF-8 bytes: REST allows 64 characters, each at most 4 bytes. */
export const MAX_ORDER_STATE_ID_BYTES = 64 * 4;

export const OrderStateFlag = { PostOnly: 1, Canceled: 2, Duplicate: 4 } as const;

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

/** The bytes of `order` (with `duplicate`: the answer to a repeated clientOrderId) in `out` from 0; returns their length. */
export function encodeOrderState(order: OrderRecord, duplicate: boolean, out: Uint8Array, view: DataView): number {
  view.setFloat64(0, order.orderId, true);
  view.setUint32(8, order.accountId, true);
  view.setUint32(12, order.symbolId, true);
  out[16] = order.side;
  out[17] = order.orderType;
  out[18] = order.timeInForce;
  out[19] = (order.postOnly ? OrderStateFlag.PostOnly : 0) | (order.canceled ? OrderStateFlag.Canceled : 0) | (duplicate ? OrderStateFlag.Duplicate : 0);
  view.setFloat64(20, order.priceCents, true);
  view.setFloat64(28, order.quantity, true);
  view.setFloat64(36, order.creationTimeMs, true);
  view.setFloat64(44, order.filledQuantity, true);
  view.setFloat64(52, order.filledNotionalCents, true);
  const idBytes = writeUtf8(order.clientOrderId, out, ORDER_STATE_FIXED_BYTES);
  view.setUint16(60, idBytes, true);
  return ORDER_STATE_FIXED_BYTES + idBytes;
}

/** Reads what encodeOrderState wrote at `offset` into `order`; returns whether it was the answer to a repeat. */
export function decodeOrderState(data: Uint8Array, view: DataView, offset: number, order: OrderRecord): boolean {
  order.orderId = view.getFloat64(offset, true);
  order.accountId = view.getUint32(offset + 8, true);
  order.symbolId = view.getUint32(offset + 12, true);
  order.side = data[offset + 16] as Side;
  order.orderType = data[offset + 17] as OrderType;
  order.timeInForce = data[offset + 18] as TimeInForce;
  const flags = data[offset + 19];
  order.postOnly = (flags & OrderStateFlag.PostOnly) !== 0;
  order.canceled = (flags & OrderStateFlag.Canceled) !== 0;
  order.priceCents = view.getFloat64(offset + 20, true);
  order.quantity = view.getFloat64(offset + 28, true);
  order.creationTimeMs = view.getFloat64(offset + 36, true);
  order.filledQuantity = view.getFloat64(offset + 44, true);
  order.filledNotionalCents = view.getFloat64(offset + 52, true);
  const idBytes = view.getUint16(offset + 60, true);
  const idStart = offset + ORDER_STATE_FIXED_BYTES;
  order.clientOrderId = idBytes === 0 ? '' : utf8Decoder.decode(data.subarray(idStart, idStart + idBytes));
  return (flags & OrderStateFlag.Duplicate) !== 0;
}

/** `text` as UTF-8 at `at` in `out` (ASCII byte by byte); returns the bytes written. `out` must have room for them. */
export function writeUtf8(text: string, out: Uint8Array, at: number): number {
  if (isAscii(text)) {
    for (let i = 0; i < text.length; i++) out[at + i] = text.charCodeAt(i);
    return text.length;
  }
  return utf8.encodeInto(text, out.subarray(at)).written;
}

/** True when every character is below 0x80 (one UTF-8 byte each). */
export function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}
