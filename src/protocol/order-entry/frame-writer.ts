// Encodes order-entry frames, client and server side, into one reusable growable buffer: a sender encodes a
// whole batch of frames and hands the bytes to the socket (or the bus) in one call. Nothing is allocated per
// frame once the buffer has grown to the batch size.
import { BodyBytes, ClientFrame, FRAME_HEADER_BYTES, MAX_CLIENT_ORDER_ID_BYTES, MAX_API_KEY_BYTES, ServerFrame, SIGNATURE_BYTES } from './constants.ts';
import type { CanceledFrame, FillFrame, LoginFrame, NewOrderFrame, OrderAcceptedFrame, RejectedFrame, ReplacedFrame, ReplaceFrame } from './frames.ts';

const TWO_32 = 2 ** 32;
const encoder = new TextEncoder();

export class FrameWriter {
  bytes: Uint8Array;
  private view: DataView;
  /** Bytes written so far. */
  length = 0;
  private frameStart = 0;

  constructor(initialBytes = 64 * 1024) {
    this.bytes = new Uint8Array(initialBytes);
    this.view = new DataView(this.bytes.buffer);
  }

  /** Forgets what was written; keeps the buffer. */
  reset(): void {
    this.length = 0;
  }

  /** A copy of the bytes written so far (safe to hand to a socket), then reset. */
  take(): Buffer {
    const out = Buffer.from(this.bytes.subarray(0, this.length));
    this.length = 0;
    return out;
  }

  // Client frames ------------------------------------------------------------------------------------------

  login(frame: LoginFrame): void {
    const key = encoder.encode(frame.apiKey);
    if (key.length > MAX_API_KEY_BYTES) throw new RangeError(`apiKey is ${key.length} bytes, more than ${MAX_API_KEY_BYTES}`);
    if (frame.signature.length !== SIGNATURE_BYTES) throw new RangeError(`signature must be ${SIGNATURE_BYTES} bytes`);
    this.begin(ClientFrame.Login, BodyBytes.login + key.length);
    this.i64(frame.timestampMs);
    this.u8(key.length);
    this.raw(key);
    this.raw(frame.signature);
    this.end();
  }

  newOrder(frame: NewOrderFrame): void {
    const idLength = asciiLength(frame.clientOrderId, 'clientOrderId', MAX_CLIENT_ORDER_ID_BYTES);
    this.begin(ClientFrame.NewOrder, BodyBytes.newOrder + idLength);
    this.u32(frame.clientSeq);
    this.u32(frame.symbolId);
    this.u8(frame.side);
    this.u8(frame.orderType);
    this.u8(frame.timeInForce);
    this.u8(frame.flags);
    this.i64(frame.priceCents);
    this.i64(frame.quantity);
    this.ascii(frame.clientOrderId, idLength);
    this.end();
  }

  cancel(clientSeq: number, orderId: number): void {
    this.begin(ClientFrame.Cancel, BodyBytes.cancel);
    this.u32(clientSeq);
    this.i64(orderId);
    this.end();
  }

  replace(frame: ReplaceFrame): void {
    this.begin(ClientFrame.Replace, BodyBytes.replace);
    this.u32(frame.clientSeq);
    this.i64(frame.orderId);
    this.i64(frame.quantity);
    this.i64(frame.priceCents);
    this.end();
  }

  heartbeat(): void {
    this.begin(ClientFrame.Heartbeat, 0);
    this.end();
  }

  logout(): void {
    this.begin(ClientFrame.Logout, 0);
    this.end();
  }

  // Server frames ------------------------------------------------------------------------------------------

  loginAccepted(accountId: number, serverTimeMs: number): void {
    this.begin(ServerFrame.LoginAccepted, BodyBytes.loginAccepted);
    this.u32(accountId);
    this.i64(serverTimeMs);
    this.end();
  }

  rejected(frame: RejectedFrame): void {
    const message = encoder.encode(frame.message.length > 1000 ? frame.message.slice(0, 1000) : frame.message);
    this.begin(ServerFrame.Rejected, BodyBytes.rejected + message.length);
    this.u32(frame.clientSeq);
    this.u8(frame.requestType);
    this.u16(frame.errorCode);
    this.i64(frame.orderId);
    this.u16(message.length);
    this.raw(message);
    this.end();
  }

  orderAccepted(frame: OrderAcceptedFrame): void {
    const idLength = asciiLength(frame.clientOrderId, 'clientOrderId', MAX_CLIENT_ORDER_ID_BYTES);
    this.begin(ServerFrame.OrderAccepted, BodyBytes.orderAccepted + idLength);
    this.u32(frame.clientSeq);
    this.i64(frame.orderId);
    this.u32(frame.symbolId);
    this.u8(frame.side);
    this.u8(frame.orderType);
    this.u8(frame.timeInForce);
    this.u8(frame.flags);
    this.i64(frame.priceCents);
    this.i64(frame.quantity);
    this.i64(frame.filledQuantity);
    this.i64(frame.leavesQuantity);
    this.u8(frame.status);
    this.i64(frame.timestampMs);
    this.ascii(frame.clientOrderId, idLength);
    this.end();
  }

  fill(frame: FillFrame): void {
    this.begin(ServerFrame.Fill, BodyBytes.fill);
    this.u32(frame.clientSeq);
    this.i64(frame.orderId);
    this.i64(frame.tradeId);
    this.u32(frame.symbolId);
    this.u8(frame.side);
    this.u8(frame.liquidity);
    this.i64(frame.priceCents);
    this.i64(frame.quantity);
    this.i64(frame.leavesQuantity);
    this.i64(frame.feeCents);
    this.i64(frame.timestampMs);
    this.end();
  }

  canceled(frame: CanceledFrame): void {
    this.begin(ServerFrame.Canceled, BodyBytes.canceled);
    this.u32(frame.clientSeq);
    this.i64(frame.orderId);
    this.u32(frame.symbolId);
    this.u8(frame.reason);
    this.i64(frame.canceledQuantity);
    this.i64(frame.timestampMs);
    this.end();
  }

  replaced(frame: ReplacedFrame): void {
    this.begin(ServerFrame.Replaced, BodyBytes.replaced);
    this.u32(frame.clientSeq);
    this.i64(frame.orderId);
    this.i64(frame.priceCents);
    this.i64(frame.quantity);
    this.i64(frame.leavesQuantity);
    this.u8(frame.keptPriority ? 1 : 0);
    this.i64(frame.timestampMs);
    this.end();
  }

  serverHeartbeat(): void {
    this.begin(ServerFrame.Heartbeat, 0);
    this.end();
  }

  disconnect(code: number, reason: string): void {
    const text = encoder.encode(reason.length > 1000 ? reason.slice(0, 1000) : reason);
    this.begin(ServerFrame.Disconnect, BodyBytes.disconnect + text.length);
    this.u16(code);
    this.u16(text.length);
    this.raw(text);
    this.end();
  }

  // Primitives ----------------------------------------------------------------------------------------------

  private begin(type: number, bodyBytes: number): void {
    this.ensure(FRAME_HEADER_BYTES + bodyBytes);
    this.frameStart = this.length;
    this.view.setUint16(this.length, 1 + bodyBytes, true);
    this.bytes[this.length + 2] = type;
    this.length += FRAME_HEADER_BYTES;
  }

  /** Checks that the body written is exactly the size announced (a bug here would desynchronise the stream). */
  private end(): void {
    const announced = this.view.getUint16(this.frameStart, true) + 2;
    if (this.length - this.frameStart !== announced) {
      throw new Error(`frame 0x${this.bytes[this.frameStart + 2].toString(16)} wrote ${this.length - this.frameStart} bytes, announced ${announced}`);
    }
  }

  private ensure(extra: number): void {
    const needed = this.length + extra;
    if (needed <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < needed) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
    this.view = new DataView(next.buffer);
  }

  /** Undoes the frame being written and returns the error to throw: a refused value never leaves half a
   *  frame in the buffer (the next send would be a corrupt stream). */
  private refuse(message: string): RangeError {
    this.length = this.frameStart;
    return new RangeError(message);
  }

  private u8(v: number): void {
    if ((v & 0xff) !== v) throw this.refuse(`${v} is not a u8`);
    this.bytes[this.length++] = v;
  }

  private u16(v: number): void {
    if ((v & 0xffff) !== v) throw this.refuse(`${v} is not a u16`);
    this.view.setUint16(this.length, v, true);
    this.length += 2;
  }

  private u32(v: number): void {
    if (v >>> 0 !== v) throw this.refuse(`${v} is not a u32`);
    this.view.setUint32(this.length, v, true);
    this.length += 4;
  }

  private i64(v: number): void {
    if (!Number.isSafeInteger(v)) throw this.refuse(`${v} is not a safe integer`);
    const high = Math.floor(v / TWO_32);
    this.view.setUint32(this.length, v - high * TWO_32, true);
    this.view.setInt32(this.length + 4, high, true);
    this.length += 8;
  }

  private raw(bytes: Uint8Array): void {
    this.bytes.set(bytes, this.length);
    this.length += bytes.length;
  }

  private ascii(text: string, length: number): void {
    this.bytes[this.length++] = length;
    for (let i = 0; i < length; i++) this.bytes[this.length++] = text.charCodeAt(i);
  }
}

function asciiLength(text: string, field: string, max: number): number {
  if (text.length > max) throw new RangeError(`${field} is ${text.length} characters, more than ${max}`);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) throw new RangeError(`${field} must be printable ASCII`);
  }
  return text.length;
}
