// Splits a byte stream into order-entry frames and decodes their bodies. The splitter keeps no copy of a
// chunk unless a frame straddles two chunks; decoders read into caller-owned objects. A decoder returns
// null when the body is well-formed, else the reason it is malformed (wrong length for its type, an integer
// that is not a safe integer): the server answers that with a Disconnect, never with a guess.
import { BodyBytes, FRAME_HEADER_BYTES, ServerFrame, SIGNATURE_BYTES } from './constants.ts';
import type {
  CanceledFrame, CancelFrame, DisconnectFrame, FillFrame, LoginAcceptedFrame, LoginFrame, NewOrderFrame, OrderAcceptedFrame,
  RejectedFrame, ReplacedFrame, ReplaceFrame,
} from './frames.ts';

const TWO_32 = 2 ** 32;
const utf8 = new TextDecoder('utf-8', { fatal: false });

/** Called per complete frame: the body is bytes[bodyOffset, bodyOffset + bodyLength). Return false to stop
 *  and keep this frame for the next feed. */
export type FrameHandler = (type: number, bytes: Uint8Array, view: DataView, bodyOffset: number, bodyLength: number) => boolean;

export class FrameSplitter {
  private carry: Uint8Array = new Uint8Array(0);
  private carryView = new DataView(this.carry.buffer);
  private carryLength = 0;
  /** Set when a frame had length 0 (no type byte): the stream cannot be trusted after it. */
  malformed: string | null = null;

  /** Bytes held back waiting for the rest of a frame. */
  get pendingBytes(): number {
    return this.carryLength;
  }

  /** Feeds a chunk; calls onFrame for every complete frame in order. Stops early when onFrame returns false,
   *  keeping the refused frame and the rest; feed an empty chunk to retry. */
  feed(chunk: Uint8Array, onFrame: FrameHandler): void {
    if (this.malformed !== null) return;
    let bytes = chunk;
    if (this.carryLength > 0) {
      this.appendCarry(chunk);
      bytes = this.carry.subarray(0, this.carryLength);
    }
    const view = bytes === chunk ? new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength) : this.carryView;
    let offset = 0;
    const end = bytes.length;
    while (end - offset >= 2) {
      const length = view.getUint16(offset, true);
      if (length === 0) {
        this.malformed = `frame at stream offset ${offset} has length 0 (no type byte)`;
        return;
      }
      if (end - offset < 2 + length) break;
      // false: the handler could not take this frame now (backpressure); it stays, with what follows it,
      // for the next feed (an empty chunk retries).
      if (!onFrame(bytes[offset + 2], bytes, view, offset + FRAME_HEADER_BYTES, length - 1)) break;
      offset += 2 + length;
    }
    const rest = end - offset;
    if (bytes === chunk) {
      this.carryLength = 0;
      if (rest > 0) this.appendCarry(chunk.subarray(offset));
    } else if (rest > 0) {
      this.carry.copyWithin(0, offset, end);
      this.carryLength = rest;
    } else {
      this.carryLength = 0;
    }
  }

  private appendCarry(bytes: Uint8Array): void {
    const needed = this.carryLength + bytes.length;
    if (needed > this.carry.length) {
      const next = new Uint8Array(Math.max(needed, this.carry.length * 2, 4096));
      next.set(this.carry.subarray(0, this.carryLength));
      this.carry = next;
      this.carryView = new DataView(next.buffer);
    }
    this.carry.set(bytes, this.carryLength);
    this.carryLength = needed;
  }
}

/** An i64 field, or NaN when it is outside the safe integer range. */
function i64(view: DataView, offset: number): number {
  const v = view.getInt32(offset + 4, true) * TWO_32 + view.getUint32(offset, true);
  return Number.isSafeInteger(v) ? v : NaN;
}

function ascii(bytes: Uint8Array, offset: number, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += String.fromCharCode(bytes[offset + i]);
  return s;
}

function wrongLength(what: string, expected: number | string, got: number): string {
  return `${what} frame body must be ${expected} bytes, got ${got}`;
}

// Client frames (what the server decodes) -----------------------------------------------------------------

export function decodeLogin(bytes: Uint8Array, view: DataView, offset: number, length: number, out: LoginFrame): string | null {
  if (length < BodyBytes.login) return wrongLength('Login', `at least ${BodyBytes.login}`, length);
  const keyLength = bytes[offset + 8];
  if (length !== BodyBytes.login + keyLength) return wrongLength('Login', BodyBytes.login + keyLength, length);
  out.timestampMs = i64(view, offset);
  if (Number.isNaN(out.timestampMs)) return 'Login timestampMs is not a safe integer';
  out.apiKey = utf8.decode(bytes.subarray(offset + 9, offset + 9 + keyLength));
  out.signature = bytes.slice(offset + 9 + keyLength, offset + 9 + keyLength + SIGNATURE_BYTES);
  return null;
}

export function decodeNewOrder(bytes: Uint8Array, view: DataView, offset: number, length: number, out: NewOrderFrame): string | null {
  if (length < BodyBytes.newOrder) return wrongLength('NewOrder', `at least ${BodyBytes.newOrder}`, length);
  const idLength = bytes[offset + BodyBytes.newOrder - 1];
  if (length !== BodyBytes.newOrder + idLength) return wrongLength('NewOrder', BodyBytes.newOrder + idLength, length);
  out.clientSeq = view.getUint32(offset, true);
  out.symbolId = view.getUint32(offset + 4, true);
  out.side = bytes[offset + 8];
  out.orderType = bytes[offset + 9];
  out.timeInForce = bytes[offset + 10];
  out.flags = bytes[offset + 11];
  out.priceCents = i64(view, offset + 12);
  out.quantity = i64(view, offset + 20);
  out.clientOrderId = idLength === 0 ? '' : ascii(bytes, offset + BodyBytes.newOrder, idLength);
  if (Number.isNaN(out.priceCents) || Number.isNaN(out.quantity)) return 'NewOrder priceCents or quantity is not a safe integer';
  return null;
}

export function decodeCancel(_bytes: Uint8Array, view: DataView, offset: number, length: number, out: CancelFrame): string | null {
  if (length !== BodyBytes.cancel) return wrongLength('Cancel', BodyBytes.cancel, length);
  out.clientSeq = view.getUint32(offset, true);
  out.orderId = i64(view, offset + 4);
  if (Number.isNaN(out.orderId)) return 'Cancel orderId is not a safe integer';
  return null;
}

export function decodeReplace(_bytes: Uint8Array, view: DataView, offset: number, length: number, out: ReplaceFrame): string | null {
  if (length !== BodyBytes.replace) return wrongLength('Replace', BodyBytes.replace, length);
  out.clientSeq = view.getUint32(offset, true);
  out.orderId = i64(view, offset + 4);
  out.quantity = i64(view, offset + 12);
  out.priceCents = i64(view, offset + 20);
  if (Number.isNaN(out.orderId) || Number.isNaN(out.quantity) || Number.isNaN(out.priceCents)) return 'Replace orderId, quantity or priceCents is not a safe integer';
  return null;
}

// Server frames (what a client decodes) --------------------------------------------------------------------

export type ServerMessage =
  | ({ type: typeof ServerFrame.LoginAccepted } & LoginAcceptedFrame)
  | ({ type: typeof ServerFrame.Rejected } & RejectedFrame)
  | ({ type: typeof ServerFrame.OrderAccepted } & OrderAcceptedFrame)
  | ({ type: typeof ServerFrame.Fill } & FillFrame)
  | ({ type: typeof ServerFrame.Canceled } & CanceledFrame)
  | ({ type: typeof ServerFrame.Replaced } & ReplacedFrame)
  | { type: typeof ServerFrame.Heartbeat }
  | ({ type: typeof ServerFrame.Disconnect } & DisconnectFrame);

/** Decodes one server frame into a new object; throws on a malformed or unknown frame (a server bug). */
export function decodeServerFrame(type: number, bytes: Uint8Array, view: DataView, o: number, length: number): ServerMessage {
  const expect = (n: number, what: string): void => {
    if (length !== n) throw new Error(wrongLength(what, n, length));
  };
  switch (type) {
    case ServerFrame.LoginAccepted:
      expect(BodyBytes.loginAccepted, 'LoginAccepted');
      return { type, accountId: view.getUint32(o, true), serverTimeMs: i64(view, o + 4) };
    case ServerFrame.Rejected: {
      const messageLength = view.getUint16(o + BodyBytes.rejected - 2, true);
      expect(BodyBytes.rejected + messageLength, 'Rejected');
      return {
        type, clientSeq: view.getUint32(o, true), requestType: bytes[o + 4], errorCode: view.getUint16(o + 5, true), orderId: i64(view, o + 7),
        message: utf8.decode(bytes.subarray(o + BodyBytes.rejected, o + BodyBytes.rejected + messageLength)),
      };
    }
    case ServerFrame.OrderAccepted: {
      const idLength = bytes[o + BodyBytes.orderAccepted - 1];
      expect(BodyBytes.orderAccepted + idLength, 'OrderAccepted');
      return {
        type, clientSeq: view.getUint32(o, true), orderId: i64(view, o + 4), symbolId: view.getUint32(o + 12, true), side: bytes[o + 16],
        orderType: bytes[o + 17], timeInForce: bytes[o + 18], flags: bytes[o + 19], priceCents: i64(view, o + 20), quantity: i64(view, o + 28),
        filledQuantity: i64(view, o + 36), leavesQuantity: i64(view, o + 44), status: bytes[o + 52], timestampMs: i64(view, o + 53),
        clientOrderId: ascii(bytes, o + BodyBytes.orderAccepted, idLength),
      };
    }
    case ServerFrame.Fill:
      expect(BodyBytes.fill, 'Fill');
      return {
        type, clientSeq: view.getUint32(o, true), orderId: i64(view, o + 4), tradeId: i64(view, o + 12), symbolId: view.getUint32(o + 20, true),
        side: bytes[o + 24], liquidity: bytes[o + 25], priceCents: i64(view, o + 26), quantity: i64(view, o + 34),
        leavesQuantity: i64(view, o + 42), feeCents: i64(view, o + 50), timestampMs: i64(view, o + 58),
      };
    case ServerFrame.Canceled:
      expect(BodyBytes.canceled, 'Canceled');
      return {
        type, clientSeq: view.getUint32(o, true), orderId: i64(view, o + 4), symbolId: view.getUint32(o + 12, true), reason: bytes[o + 16],
        canceledQuantity: i64(view, o + 17), timestampMs: i64(view, o + 25),
      };
    case ServerFrame.Replaced:
      expect(BodyBytes.replaced, 'Replaced');
      return {
        type, clientSeq: view.getUint32(o, true), orderId: i64(view, o + 4), priceCents: i64(view, o + 12), quantity: i64(view, o + 20),
        leavesQuantity: i64(view, o + 28), keptPriority: bytes[o + 36] === 1, timestampMs: i64(view, o + 37),
      };
    case ServerFrame.Heartbeat:
      expect(0, 'Heartbeat');
      return { type };
    case ServerFrame.Disconnect: {
      const reasonLength = view.getUint16(o + 2, true);
      expect(BodyBytes.disconnect + reasonLength, 'Disconnect');
      return { type, code: view.getUint16(o, true), reason: utf8.decode(bytes.subarray(o + 4, o + 4 + reasonLength)) };
    }
    default:
      throw new Error(`unknown server frame type 0x${type.toString(16)}`);
  }
}
