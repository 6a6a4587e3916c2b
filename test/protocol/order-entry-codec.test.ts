// The binary order-entry codec (src/protocol/order-entry), no server: every client and server frame goes
// through FrameWriter, the byte stream is cut into random chunks (frames straddling chunks, many frames per
// chunk), FrameSplitter puts the frames back together and the decoders must give back exactly what was
// written. Also: i64 fields at the safe-integer extremes, the splitter's backpressure (a refused frame is
// kept and delivered again), length-0 frames, decoders facing wrong body lengths and non-safe integers,
// and the writer refusing values a field cannot hold.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  BodyBytes, type CanceledFrame, type CancelFrame, ClientFrame, decodeCancel, decodeLogin, decodeNewOrder, decodeReplace, decodeServerFrame,
  emptyCancel, emptyNewOrder, emptyReplace, ERROR_CODE_NUMBERS, errorCodeName, type FillFrame, FrameSplitter, FrameWriter, type LoginFrame,
  MAX_API_KEY_BYTES, MAX_CLIENT_ORDER_ID_BYTES, type NewOrderFrame, type OrderAcceptedFrame, type RejectedFrame, type ReplacedFrame,
  type ReplaceFrame, ServerFrame, type ServerMessage, SIGNATURE_BYTES,
} from '../../src/protocol/order-entry/index.ts';

const MAX = Number.MAX_SAFE_INTEGER;
const MIN = Number.MIN_SAFE_INTEGER;
const U32_MAX = 0xffff_ffff;
const TWO_32 = 2 ** 32;

// ---------------------------------------------------------------------------------------------------------
// Arbitraries

/** Safe integers, biased towards the edges an i64 split into two 32-bit halves can get wrong. */
const i64 = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom(MAX, MIN, 0, 1, -1, TWO_32, -TWO_32, TWO_32 - 1, -(TWO_32 - 1), TWO_32 + 1, 2 ** 31, -(2 ** 31), MAX - 1, MIN + 1) },
  { weight: 2, arbitrary: fc.integer({ min: MIN, max: MAX }) },
  { weight: 1, arbitrary: fc.integer({ min: -1_000_000, max: 1_000_000 }) },
);
const u32 = fc.oneof(fc.constantFrom(0, 1, U32_MAX, 2 ** 31, 2 ** 31 - 1), fc.integer({ min: 0, max: U32_MAX }));
const u16 = fc.integer({ min: 0, max: 0xffff });
const u8 = fc.integer({ min: 0, max: 0xff });
const printableAscii = (maxLength: number): fc.Arbitrary<string> =>
  fc.array(fc.integer({ min: 0x20, max: 0x7e }), { maxLength }).map((codes) => String.fromCharCode(...codes));
/** Unicode text whose UTF-8 stays within `maxBytes` and that has no lone surrogate (it survives UTF-8 as is). */
const utf8Text = (maxBytes: number): fc.Arbitrary<string> =>
  fc.string({ unit: 'grapheme', maxLength: 40 }).filter((s) => Buffer.byteLength(s, 'utf8') <= maxBytes);
/** Messages up to 1,000 UTF-16 units: the writer truncates longer ones (tested on its own). */
const message = fc.oneof(utf8Text(400), printableAscii(1000));

const loginFrame: fc.Arbitrary<LoginFrame> = fc.record({
  timestampMs: i64,
  apiKey: fc.oneof(printableAscii(MAX_API_KEY_BYTES), utf8Text(MAX_API_KEY_BYTES)),
  signature: fc.uint8Array({ minLength: SIGNATURE_BYTES, maxLength: SIGNATURE_BYTES }),
});
const newOrderFrame: fc.Arbitrary<NewOrderFrame> = fc.record({
  clientSeq: u32, symbolId: u32, side: u8, orderType: u8, timeInForce: u8, flags: u8, priceCents: i64, quantity: i64,
  clientOrderId: printableAscii(MAX_CLIENT_ORDER_ID_BYTES),
});
const cancelFrame: fc.Arbitrary<CancelFrame> = fc.record({ clientSeq: u32, orderId: i64 });
const replaceFrame: fc.Arbitrary<ReplaceFrame> = fc.record({ clientSeq: u32, orderId: i64, quantity: i64, priceCents: i64 });

type ClientCase =
  | { type: typeof ClientFrame.Login; frame: LoginFrame }
  | { type: typeof ClientFrame.NewOrder; frame: NewOrderFrame }
  | { type: typeof ClientFrame.Cancel; frame: CancelFrame }
  | { type: typeof ClientFrame.Replace; frame: ReplaceFrame }
  | { type: typeof ClientFrame.Heartbeat }
  | { type: typeof ClientFrame.Logout };

const clientCase: fc.Arbitrary<ClientCase> = fc.oneof(
  // (spread: fc.record makes objects without a prototype, the decoders fill plain ones)
  loginFrame.map((frame) => ({ type: ClientFrame.Login, frame: { ...frame } }) as const),
  newOrderFrame.map((frame) => ({ type: ClientFrame.NewOrder, frame: { ...frame } }) as const),
  cancelFrame.map((frame) => ({ type: ClientFrame.Cancel, frame: { ...frame } }) as const),
  replaceFrame.map((frame) => ({ type: ClientFrame.Replace, frame: { ...frame } }) as const),
  fc.constant({ type: ClientFrame.Heartbeat } as const),
  fc.constant({ type: ClientFrame.Logout } as const),
);

const serverMessage: fc.Arbitrary<ServerMessage> = fc.oneof(
  fc.record({ accountId: u32, serverTimeMs: i64 }).map((f) => ({ type: ServerFrame.LoginAccepted, ...f }) as const),
  fc.record<RejectedFrame>({ clientSeq: u32, requestType: u8, errorCode: u16, orderId: i64, message })
    .map((f) => ({ type: ServerFrame.Rejected, ...f }) as const),
  fc.record<OrderAcceptedFrame>({
    clientSeq: u32, orderId: i64, symbolId: u32, side: u8, orderType: u8, timeInForce: u8, flags: u8, priceCents: i64, quantity: i64,
    filledQuantity: i64, leavesQuantity: i64, status: u8, timestampMs: i64, clientOrderId: printableAscii(MAX_CLIENT_ORDER_ID_BYTES),
  }).map((f) => ({ type: ServerFrame.OrderAccepted, ...f }) as const),
  fc.record<FillFrame>({
    clientSeq: u32, orderId: i64, tradeId: i64, symbolId: u32, side: u8, liquidity: u8, priceCents: i64, quantity: i64, leavesQuantity: i64,
    feeCents: i64, timestampMs: i64,
  }).map((f) => ({ type: ServerFrame.Fill, ...f }) as const),
  fc.record<CanceledFrame>({ clientSeq: u32, orderId: i64, symbolId: u32, reason: u8, canceledQuantity: i64, timestampMs: i64 })
    .map((f) => ({ type: ServerFrame.Canceled, ...f }) as const),
  fc.record<ReplacedFrame>({
    clientSeq: u32, orderId: i64, priceCents: i64, quantity: i64, leavesQuantity: i64, keptPriority: fc.boolean(), timestampMs: i64,
  }).map((f) => ({ type: ServerFrame.Replaced, ...f }) as const),
  fc.constant({ type: ServerFrame.Heartbeat } as const),
  fc.record({ code: u16, reason: message }).map((f) => ({ type: ServerFrame.Disconnect, ...f }) as const),
);

/** `bytes` cut into chunks of the given sizes, cycling through them (empty chunks included). */
function chunksOf(bytes: Uint8Array, sizes: number[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let offset = 0;
  let i = 0;
  const progress = sizes.some((size) => size > 0);
  while (offset < bytes.length) {
    const size = progress ? sizes[i++ % sizes.length] : bytes.length;
    chunks.push(bytes.subarray(offset, offset + size));
    offset += size;
  }
  return chunks;
}
const chunkSizes = fc.array(fc.oneof(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 80 }), fc.integer({ min: 0, max: 4000 })), {
  maxLength: 40,
});

// ---------------------------------------------------------------------------------------------------------
// Encoding and decoding helpers

function writeClient(writer: FrameWriter, c: ClientCase): void {
  switch (c.type) {
    case ClientFrame.Login: return writer.login(c.frame);
    case ClientFrame.NewOrder: return writer.newOrder(c.frame);
    case ClientFrame.Cancel: return writer.cancel(c.frame.clientSeq, c.frame.orderId);
    case ClientFrame.Replace: return writer.replace(c.frame);
    case ClientFrame.Heartbeat: return writer.heartbeat();
    case ClientFrame.Logout: return writer.logout();
  }
}

function writeServer(writer: FrameWriter, m: ServerMessage): void {
  switch (m.type) {
    case ServerFrame.LoginAccepted: return writer.loginAccepted(m.accountId, m.serverTimeMs);
    case ServerFrame.Rejected: return writer.rejected(m);
    case ServerFrame.OrderAccepted: return writer.orderAccepted(m);
    case ServerFrame.Fill: return writer.fill(m);
    case ServerFrame.Canceled: return writer.canceled(m);
    case ServerFrame.Replaced: return writer.replaced(m);
    case ServerFrame.Heartbeat: return writer.serverHeartbeat();
    case ServerFrame.Disconnect: return writer.disconnect(m.code, m.reason);
  }
}

/** Decodes one client frame as the server does; fails the test on a malformed one. */
function decodeClient(type: number, bytes: Uint8Array, view: DataView, offset: number, length: number): ClientCase {
  const ok = (reason: string | null): void => assert.equal(reason, null, `decoder said malformed: ${reason}`);
  switch (type) {
    case ClientFrame.Login: {
      const out: LoginFrame = { timestampMs: 0, apiKey: '', signature: new Uint8Array(0) };
      ok(decodeLogin(bytes, view, offset, length, out));
      return { type, frame: out };
    }
    case ClientFrame.NewOrder: {
      const out = emptyNewOrder();
      ok(decodeNewOrder(bytes, view, offset, length, out));
      return { type, frame: out };
    }
    case ClientFrame.Cancel: {
      const out = emptyCancel();
      ok(decodeCancel(bytes, view, offset, length, out));
      return { type, frame: out };
    }
    case ClientFrame.Replace: {
      const out = emptyReplace();
      ok(decodeReplace(bytes, view, offset, length, out));
      return { type, frame: out };
    }
    case ClientFrame.Heartbeat:
    case ClientFrame.Logout:
      assert.equal(length, 0);
      return { type };
    default:
      assert.fail(`unexpected client frame type ${type}`);
  }
}

/** Signatures decode as a Uint8Array copy: compare as plain arrays. */
function comparable(c: ClientCase): unknown {
  return c.type === ClientFrame.Login ? { ...c, frame: { ...c.frame, signature: [...c.frame.signature] } } : c;
}

/** Feeds every chunk; returns what the handler produced, in order. */
function splitAll<T>(chunks: Uint8Array[], decode: (type: number, bytes: Uint8Array, view: DataView, offset: number, length: number) => T): T[] {
  const splitter = new FrameSplitter();
  const out: T[] = [];
  for (const chunk of chunks) {
    splitter.feed(chunk, (type, bytes, view, offset, length) => {
      out.push(decode(type, bytes, view, offset, length));
      return true;
    });
  }
  assert.equal(splitter.malformed, null);
  assert.equal(splitter.pendingBytes, 0, 'bytes left over after the last whole frame');
  return out;
}

/** A frame's bytes built by hand: u16 LE length of type + body, the type, the body. */
function rawFrame(type: number, body: Uint8Array | number[]): Uint8Array {
  const bytes = new Uint8Array(3 + body.length);
  new DataView(bytes.buffer).setUint16(0, 1 + body.length, true);
  bytes[2] = type;
  bytes.set(body, 3);
  return bytes;
}

function concat(parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

/** Runs `decode` over one hand-built frame (as a splitter would hand it over). */
function withFrame<T>(frame: Uint8Array, decode: (type: number, bytes: Uint8Array, view: DataView, offset: number, length: number) => T): T {
  const results = splitAll([frame], decode);
  assert.equal(results.length, 1);
  return results[0];
}

/** Writes the i64 bit pattern (high, low) at `offset`: lets a test put a non-safe integer on the wire. */
function setI64Bits(view: DataView, offset: number, high: number, low: number): void {
  view.setUint32(offset, low, true);
  view.setUint32(offset + 4, high, true);
}

// ---------------------------------------------------------------------------------------------------------

describe('order-entry codec: round trips through random chunking', () => {
  it('client frames: FrameWriter -> random chunks -> FrameSplitter -> decodeLogin/NewOrder/Cancel/Replace', () => {
    fc.assert(fc.property(fc.array(clientCase, { minLength: 1, maxLength: 60 }), chunkSizes, fc.integer({ min: 1, max: 256 }), (cases, sizes, initial) => {
      const writer = new FrameWriter(initial); // small: the buffer must grow mid-batch without corrupting earlier frames
      for (const c of cases) writeClient(writer, c);
      const bytes = writer.take();
      assert.equal(writer.length, 0, 'take() resets');
      const decoded = splitAll(chunksOf(bytes, sizes), decodeClient);
      assert.deepStrictEqual(decoded.map(comparable), cases.map(comparable));
    }), { numRuns: 300 });
  });

  it('server frames: FrameWriter -> random chunks -> FrameSplitter -> decodeServerFrame', () => {
    fc.assert(fc.property(fc.array(serverMessage, { minLength: 1, maxLength: 60 }), chunkSizes, fc.integer({ min: 1, max: 256 }), (messages, sizes, initial) => {
      const writer = new FrameWriter(initial);
      for (const m of messages) writeServer(writer, m);
      const decoded = splitAll(chunksOf(writer.take(), sizes), decodeServerFrame);
      assert.deepStrictEqual(decoded, messages);
    }), { numRuns: 300 });
  });

  it('one byte at a time, and everything in one chunk, give the same frames', () => {
    fc.assert(fc.property(fc.array(serverMessage, { minLength: 1, maxLength: 20 }), (messages) => {
      const writer = new FrameWriter(64);
      for (const m of messages) writeServer(writer, m);
      const bytes = writer.take();
      const single = splitAll([bytes], decodeServerFrame);
      const byByte = splitAll([...bytes].map((b) => Uint8Array.of(b)), decodeServerFrame);
      assert.deepStrictEqual(single, messages);
      assert.deepStrictEqual(byByte, messages);
    }), { numRuns: 100 });
  });

  it('i64 fields keep the safe-integer extremes exactly, in every i64 slot', () => {
    for (const v of [MAX, MIN, MAX - 1, MIN + 1, -1, 0, TWO_32, -TWO_32, TWO_32 - 1, -(TWO_32 + 1)]) {
      const writer = new FrameWriter(8);
      writer.fill({
        clientSeq: U32_MAX, orderId: v, tradeId: v, symbolId: U32_MAX, side: 255, liquidity: 255, priceCents: v, quantity: v,
        leavesQuantity: v, feeCents: v, timestampMs: v,
      });
      writer.replace({ clientSeq: 0, orderId: v, quantity: v, priceCents: v });
      writer.login({ timestampMs: v, apiKey: 'k', signature: new Uint8Array(SIGNATURE_BYTES).fill(0xab) });
      const bytes = writer.take();
      const splitter = new FrameSplitter();
      const seen: number[] = [];
      splitter.feed(bytes, (type, b, view, offset, length) => {
        seen.push(type);
        if (type === ServerFrame.Fill) {
          const fill = decodeServerFrame(type, b, view, offset, length);
          assert.ok(fill.type === ServerFrame.Fill);
          for (const field of ['orderId', 'tradeId', 'priceCents', 'quantity', 'leavesQuantity', 'feeCents', 'timestampMs'] as const) {
            assert.equal(fill[field], v, `Fill.${field} for ${v}`);
          }
          assert.equal(fill.clientSeq, U32_MAX);
          assert.equal(fill.symbolId, U32_MAX);
        } else if (type === ClientFrame.Replace) {
          const out = emptyReplace();
          assert.equal(decodeReplace(b, view, offset, length, out), null);
          assert.deepStrictEqual(out, { clientSeq: 0, orderId: v, quantity: v, priceCents: v });
        } else {
          const out: LoginFrame = { timestampMs: 0, apiKey: '', signature: new Uint8Array(0) };
          assert.equal(decodeLogin(b, view, offset, length, out), null);
          assert.equal(out.timestampMs, v);
        }
        return true;
      });
      assert.deepStrictEqual(seen, [ServerFrame.Fill, ClientFrame.Replace, ClientFrame.Login]);
    }
  });

  it('the wire layout is little-endian: length, type, then the body as documented', () => {
    const writer = new FrameWriter(4);
    writer.cancel(0x01020304, 0x0a0b0c0d0e0f);
    assert.deepStrictEqual([...writer.take()], [13, 0, ClientFrame.Cancel, 4, 3, 2, 1, 0x0f, 0x0e, 0x0d, 0x0c, 0x0b, 0x0a, 0, 0]);
    writer.heartbeat();
    writer.serverHeartbeat();
    writer.logout();
    assert.deepStrictEqual([...writer.take()], [1, 0, ClientFrame.Heartbeat, 1, 0, ServerFrame.Heartbeat, 1, 0, ClientFrame.Logout]);
    writer.cancel(1, -1);
    assert.deepStrictEqual([...writer.take()].slice(7), [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], '-1 is all ones (two\'s complement)');
  });

  it('long messages and reasons are cut to 1,000 characters, and the frame still decodes', () => {
    const writer = new FrameWriter();
    writer.rejected({ clientSeq: 7, requestType: ClientFrame.NewOrder, errorCode: ERROR_CODE_NUMBERS.RISK_LIMIT, orderId: 0, message: 'x'.repeat(5000) });
    writer.disconnect(1, 'y'.repeat(70_000));
    const [rejected, disconnect] = splitAll([writer.take()], decodeServerFrame);
    assert.ok(rejected.type === ServerFrame.Rejected && disconnect.type === ServerFrame.Disconnect);
    assert.equal(rejected.message, 'x'.repeat(1000));
    assert.equal(errorCodeName(rejected.errorCode), 'RISK_LIMIT');
    assert.equal(disconnect.reason, 'y'.repeat(1000));
  });
});

describe('order-entry codec: FrameSplitter', () => {
  it('backpressure: a refused frame is kept and delivered again, in order, by a later feed (empty or not)', () => {
    fc.assert(fc.property(
      fc.array(serverMessage, { minLength: 1, maxLength: 30 }), chunkSizes, fc.array(fc.boolean(), { minLength: 1, maxLength: 50 }),
      (messages, sizes, refusals) => {
        const writer = new FrameWriter(32);
        for (const m of messages) writeServer(writer, m);
        const bytes = writer.take();
        const splitter = new FrameSplitter();
        const accepted: ServerMessage[] = [];
        let calls = 0;
        let lastRefused: ServerMessage | null = null;
        const handler = (type: number, b: Uint8Array, view: DataView, offset: number, length: number): boolean => {
          const decoded = decodeServerFrame(type, b, view, offset, length);
          const retry = lastRefused !== null;
          if (retry) {
            assert.deepStrictEqual(decoded, lastRefused, 'the frame after a refusal must be the refused one again');
            lastRefused = null;
          }
          // Refuse per the pattern, but a frame only once in a row (a handler that always refuses never ends).
          if (refusals[calls++ % refusals.length] && !retry) {
            lastRefused = decoded;
            return false;
          }
          accepted.push(decoded);
          return true;
        };
        for (const chunk of chunksOf(bytes, sizes)) splitter.feed(chunk, handler);
        // Retry with empty chunks until everything is through (a retried frame is accepted, so this ends).
        for (let round = 0; round < 2 * messages.length + 2 && accepted.length < messages.length; round++) {
          splitter.feed(new Uint8Array(0), handler);
        }
        assert.deepStrictEqual(accepted, messages);
        assert.equal(splitter.pendingBytes, 0);
        assert.equal(splitter.malformed, null);
      },
    ), { numRuns: 300 });
  });

  it('a refused frame that sat in the caller\'s chunk survives the caller reusing that buffer', () => {
    const writer = new FrameWriter();
    writer.cancel(1, 11);
    writer.cancel(2, 22);
    const chunk = new Uint8Array(writer.take());
    const splitter = new FrameSplitter();
    const seen: number[] = [];
    const decodeSeq = (b: Uint8Array, view: DataView, offset: number, length: number): number => {
      const out = emptyCancel();
      assert.equal(decodeCancel(b, view, offset, length, out), null);
      return out.orderId;
    };
    let refuseSecond = true;
    splitter.feed(chunk, (_type, b, view, offset, length) => {
      const orderId = decodeSeq(b, view, offset, length);
      if (orderId === 22 && refuseSecond) return false;
      seen.push(orderId);
      return true;
    });
    assert.deepStrictEqual(seen, [11]);
    assert.equal(splitter.pendingBytes, 15, 'the refused frame is held');
    chunk.fill(0xee); // a socket reuses its buffer
    refuseSecond = false;
    splitter.feed(new Uint8Array(0), (_type, b, view, offset, length) => {
      seen.push(decodeSeq(b, view, offset, length));
      return true;
    });
    assert.deepStrictEqual(seen, [11, 22]);
    assert.equal(splitter.pendingBytes, 0);
  });

  it('a length-0 frame sets `malformed`; frames before it are delivered, nothing after it ever is', () => {
    fc.assert(fc.property(fc.array(serverMessage, { maxLength: 10 }), fc.array(serverMessage, { maxLength: 10 }), chunkSizes, (before, afterwards, sizes) => {
      const writer = new FrameWriter(64);
      for (const m of before) writeServer(writer, m);
      const head = new Uint8Array(writer.take());
      for (const m of afterwards) writeServer(writer, m);
      const tail = new Uint8Array(writer.take());
      const bytes = concat([head, Uint8Array.of(0, 0), tail]);
      const splitter = new FrameSplitter();
      const delivered: ServerMessage[] = [];
      const handler = (type: number, b: Uint8Array, view: DataView, offset: number, length: number): boolean => {
        delivered.push(decodeServerFrame(type, b, view, offset, length));
        return true;
      };
      for (const chunk of chunksOf(bytes, sizes)) splitter.feed(chunk, handler);
      splitter.feed(new Uint8Array(0), handler);
      const fresh = new FrameWriter();
      fresh.serverHeartbeat();
      splitter.feed(fresh.take(), handler);
      assert.ok(splitter.malformed !== null && splitter.malformed.length > 0, 'malformed names the problem');
      assert.deepStrictEqual(delivered, before);
    }), { numRuns: 200 });
  });

  it('a length of 1 is a frame with a type and no body', () => {
    const types: Array<[number, number]> = [];
    new FrameSplitter().feed(Uint8Array.of(1, 0, 0x42, 1, 0, 0x43), (type, _b, _v, _o, length) => {
      types.push([type, length]);
      return true;
    });
    assert.deepStrictEqual(types, [[0x42, 0], [0x43, 0]]);
  });

  it('holds an incomplete frame (pendingBytes) until its last byte arrives, even a 65,535-byte one', () => {
    const body = new Uint8Array(0xfffe).fill(7);
    const frame = rawFrame(0x99, body);
    const splitter = new FrameSplitter();
    let got = -1;
    const handler = (_type: number, _b: Uint8Array, _v: DataView, _o: number, length: number): boolean => {
      got = length;
      return true;
    };
    splitter.feed(frame.subarray(0, 1), handler);
    assert.equal(splitter.pendingBytes, 1);
    splitter.feed(frame.subarray(1, frame.length - 1), handler);
    assert.equal(got, -1);
    assert.equal(splitter.pendingBytes, frame.length - 1);
    splitter.feed(frame.subarray(frame.length - 1), handler);
    assert.equal(got, 0xfffe);
    assert.equal(splitter.pendingBytes, 0);
  });
});

describe('order-entry codec: decoders refuse malformed bodies', () => {
  const writer = new FrameWriter();
  const login = (): Uint8Array => {
    writer.login({ timestampMs: 1_700_000_000_000, apiKey: 'abc', signature: new Uint8Array(SIGNATURE_BYTES) });
    return new Uint8Array(writer.take());
  };
  const newOrder = (clientOrderId = 'id-1'): Uint8Array => {
    writer.newOrder({ clientSeq: 1, symbolId: 2, side: 0, orderType: 0, timeInForce: 0, flags: 0, priceCents: 100, quantity: 5, clientOrderId });
    return new Uint8Array(writer.take());
  };

  /** The body of `frame` made `delta` bytes longer (zero padded) or shorter, with the length field to match. */
  function resized(frame: Uint8Array, delta: number): Uint8Array {
    const body = frame.subarray(3);
    const next = new Uint8Array(Math.max(0, body.length + delta));
    next.set(body.subarray(0, Math.min(body.length, next.length)));
    return rawFrame(frame[2], next);
  }

  const clientDecoders: Array<[string, number, (b: Uint8Array, v: DataView, o: number, l: number) => string | null]> = [
    ['Login', ClientFrame.Login, (b, v, o, l) => decodeLogin(b, v, o, l, { timestampMs: 0, apiKey: '', signature: new Uint8Array(0) })],
    ['NewOrder', ClientFrame.NewOrder, (b, v, o, l) => decodeNewOrder(b, v, o, l, emptyNewOrder())],
    ['Cancel', ClientFrame.Cancel, (b, v, o, l) => decodeCancel(b, v, o, l, emptyCancel())],
    ['Replace', ClientFrame.Replace, (b, v, o, l) => decodeReplace(b, v, o, l, emptyReplace())],
  ];

  it('every client decoder names a wrong body length (shorter or longer by any amount, and empty)', () => {
    writer.cancel(1, 2);
    const cancel = new Uint8Array(writer.take());
    writer.replace({ clientSeq: 1, orderId: 2, quantity: 3, priceCents: 4 });
    const replace = new Uint8Array(writer.take());
    const valid: Record<string, Uint8Array> = { Login: login(), NewOrder: newOrder(), Cancel: cancel, Replace: replace };
    for (const [name, , decode] of clientDecoders) {
      const frame = valid[name];
      assert.equal(withFrame(frame, (_t, b, v, o, l) => decode(b, v, o, l)), null, `${name} as written decodes`);
      const bodyLength = frame.length - 3;
      for (const delta of [-bodyLength, -bodyLength + 1, -5, -1, 1, 2, 64, 300]) {
        if (bodyLength + delta < 0) continue;
        const reason = withFrame(resized(frame, delta), (_t, b, v, o, l) => decode(b, v, o, l));
        assert.equal(typeof reason, 'string', `${name} with ${bodyLength + delta} body bytes must be malformed`);
        assert.match(reason!, new RegExp(name), `the reason names the frame: ${reason}`);
        assert.match(reason!, new RegExp(String(bodyLength + delta)), `the reason says the length got: ${reason}`);
      }
    }
  });

  it('a Login or NewOrder whose string length byte disagrees with the body is malformed', () => {
    const l = login();
    l[3 + 8] = 4; // key length 4, body holds 3
    assert.match(withFrame(l, (_t, b, v, o, n) => decodeLogin(b, v, o, n, { timestampMs: 0, apiKey: '', signature: new Uint8Array(0) }))!, /Login/);
    const n = newOrder('abcd');
    n[3 + BodyBytes.newOrder - 1] = 3; // id length 3, body holds 4
    assert.match(withFrame(n, (_t, b, v, o, len) => decodeNewOrder(b, v, o, len, emptyNewOrder()))!, /NewOrder/);
    const n2 = newOrder('');
    n2[3 + BodyBytes.newOrder - 1] = 255;
    assert.match(withFrame(n2, (_t, b, v, o, len) => decodeNewOrder(b, v, o, len, emptyNewOrder()))!, /NewOrder/);
  });

  it('fuzz: client decoders never throw on arbitrary bodies, and answer null or a reason', () => {
    fc.assert(fc.property(fc.constantFrom(...clientDecoders), fc.uint8Array({ maxLength: 400 }), ([, type, decode], body) => {
      const result = withFrame(rawFrame(type, body), (_t, b, v, o, l) => decode(b, v, o, l));
      assert.ok(result === null || (typeof result === 'string' && result.length > 0));
    }), { numRuns: 1000 });
  });

  /** i64 bit patterns (high word, low word) just outside and far outside the safe range. */
  const UNSAFE: Array<[number, number]> = [[0x0020_0000, 0], [0x7fff_ffff, 0xffff_ffff], [0x8000_0000, 0], [0xffe0_0000, 0], [0xffdf_ffff, 0xffff_ffff]];

  it('a Login whose timestamp is not a safe integer is malformed', () => {
    for (const [high, low] of UNSAFE) {
      const l = login();
      setI64Bits(new DataView(l.buffer), 3, high, low);
      const out: LoginFrame = { timestampMs: 0, apiKey: '', signature: new Uint8Array(0) };
      const reason = withFrame(l, (_t, b, v, o, n) => decodeLogin(b, v, o, n, out));
      assert.match(reason ?? '', /timestampMs.*safe integer/, `Login with i64 bits ${high.toString(16)}:${low.toString(16)}`);
    }
  });

  it('NewOrder, Cancel and Replace never read a non-safe i64 as a (wrong) number: the field is NaN', () => {
    for (const [high, low] of UNSAFE) {
      const n = newOrder();
      setI64Bits(new DataView(n.buffer), 3 + 12, high, low); // priceCents
      setI64Bits(new DataView(n.buffer), 3 + 20, high, low); // quantity
      const order = emptyNewOrder();
      withFrame(n, (_t, b, v, o, len) => decodeNewOrder(b, v, o, len, order));
      assert.ok(Number.isNaN(order.priceCents) && Number.isNaN(order.quantity), 'NewOrder i64 fields read NaN');

      writer.cancel(9, 1);
      const c = new Uint8Array(writer.take());
      setI64Bits(new DataView(c.buffer), 3 + 4, high, low);
      const cancel = emptyCancel();
      withFrame(c, (_t, b, v, o, len) => decodeCancel(b, v, o, len, cancel));
      assert.ok(Number.isNaN(cancel.orderId));

      writer.replace({ clientSeq: 9, orderId: 1, quantity: 2, priceCents: 3 });
      const r = new Uint8Array(writer.take());
      for (const at of [4, 12, 20]) setI64Bits(new DataView(r.buffer), 3 + at, high, low);
      const replace = emptyReplace();
      withFrame(r, (_t, b, v, o, len) => decodeReplace(b, v, o, len, replace));
      assert.ok(Number.isNaN(replace.orderId) && Number.isNaN(replace.quantity) && Number.isNaN(replace.priceCents));
    }
  });

  it('NewOrder, Cancel and Replace with a non-safe i64 are malformed (docs/order-entry-protocol.md: Disconnect code 1), as Login is', () => {
    const [high, low] = UNSAFE[0];
    const cases: Array<[string, Uint8Array, number, (b: Uint8Array, v: DataView, o: number, l: number) => string | null]> = [];
    const n = newOrder();
    cases.push(['NewOrder quantity', n, 3 + 20, (b, v, o, l) => decodeNewOrder(b, v, o, l, emptyNewOrder())]);
    writer.cancel(9, 1);
    cases.push(['Cancel orderId', new Uint8Array(writer.take()), 3 + 4, (b, v, o, l) => decodeCancel(b, v, o, l, emptyCancel())]);
    writer.replace({ clientSeq: 9, orderId: 1, quantity: 2, priceCents: 3 });
    cases.push(['Replace priceCents', new Uint8Array(writer.take()), 3 + 20, (b, v, o, l) => decodeReplace(b, v, o, l, emptyReplace())]);
    for (const [what, frame, at, decode] of cases) {
      setI64Bits(new DataView(frame.buffer), at, high, low);
      const reason = withFrame(frame, (_t, b, v, o, l) => decode(b, v, o, l));
      assert.match(reason ?? 'null (well-formed)', /safe integer/, what);
    }
  });

  it('the safe extremes on the wire are not NaN; one past them is', () => {
    const c = (high: number, low: number): number => {
      writer.cancel(1, 1);
      const frame = new Uint8Array(writer.take());
      setI64Bits(new DataView(frame.buffer), 3 + 4, high, low);
      const out = emptyCancel();
      withFrame(frame, (_t, b, v, o, l) => decodeCancel(b, v, o, l, out));
      return out.orderId;
    };
    assert.equal(c(0x001f_ffff, 0xffff_ffff), MAX);
    assert.ok(Number.isNaN(c(0x0020_0000, 0)), '2^53');
    assert.equal(c(0xffe0_0000, 1), MIN);
    assert.ok(Number.isNaN(c(0xffe0_0000, 0)), '-2^53');
  });

  it('decodeServerFrame throws on a wrong body length for every type, and on an unknown type', () => {
    const w = new FrameWriter();
    const samples: ServerMessage[] = [
      { type: ServerFrame.LoginAccepted, accountId: 1, serverTimeMs: 2 },
      { type: ServerFrame.Rejected, clientSeq: 1, requestType: 2, errorCode: 3, orderId: 4, message: 'msg' },
      {
        type: ServerFrame.OrderAccepted, clientSeq: 1, orderId: 2, symbolId: 3, side: 0, orderType: 0, timeInForce: 0, flags: 0, priceCents: 5,
        quantity: 6, filledQuantity: 0, leavesQuantity: 6, status: 0, timestampMs: 7, clientOrderId: 'c-1',
      },
      {
        type: ServerFrame.Fill, clientSeq: 1, orderId: 2, tradeId: 3, symbolId: 4, side: 0, liquidity: 1, priceCents: 5, quantity: 6,
        leavesQuantity: 7, feeCents: 8, timestampMs: 9,
      },
      { type: ServerFrame.Canceled, clientSeq: 1, orderId: 2, symbolId: 3, reason: 0, canceledQuantity: 4, timestampMs: 5 },
      { type: ServerFrame.Replaced, clientSeq: 1, orderId: 2, priceCents: 3, quantity: 4, leavesQuantity: 5, keptPriority: true, timestampMs: 6 },
      { type: ServerFrame.Heartbeat },
      { type: ServerFrame.Disconnect, code: 1, reason: 'bye' },
    ];
    for (const sample of samples) {
      writeServer(w, sample);
      const frame = new Uint8Array(w.take());
      assert.deepStrictEqual(withFrame(frame, decodeServerFrame), sample);
      for (const delta of [-1, 1, 7]) {
        const body = frame.subarray(3);
        // Keep the string length fields intact: grow with padding, shrink from the end.
        const next = new Uint8Array(Math.max(0, body.length + delta));
        next.set(body.subarray(0, Math.min(body.length, next.length)));
        if (next.length === body.length) continue;
        assert.throws(() => withFrame(rawFrame(sample.type, next), decodeServerFrame), /body must be|out of bounds|Offset/i,
          `type 0x${sample.type.toString(16)} with ${next.length} body bytes`);
      }
    }
    for (const type of [0x00, 0x01, 0x80, 0x89, 0xff]) {
      assert.throws(() => withFrame(rawFrame(type, []), decodeServerFrame), /unknown server frame type/);
    }
  });

  it('decodeServerFrame reads non-safe i64 fields as NaN instead of a wrong number', () => {
    const w = new FrameWriter();
    w.fill({
      clientSeq: 1, orderId: 2, tradeId: 3, symbolId: 4, side: 0, liquidity: 1, priceCents: 5, quantity: 6, leavesQuantity: 7, feeCents: 8,
      timestampMs: 9,
    });
    const frame = new Uint8Array(w.take());
    setI64Bits(new DataView(frame.buffer), 3 + 34, 0x0040_0000, 0); // quantity = 2^54
    const fill = withFrame(frame, decodeServerFrame);
    assert.ok(fill.type === ServerFrame.Fill);
    assert.ok(Number.isNaN(fill.quantity));
    assert.equal(fill.priceCents, 5);
  });
});

describe('order-entry codec: FrameWriter refuses what a field cannot hold', () => {
  const order = (change: Partial<NewOrderFrame>): NewOrderFrame => ({
    clientSeq: 1, symbolId: 0, side: 0, orderType: 0, timeInForce: 0, flags: 0, priceCents: 100, quantity: 1, clientOrderId: '', ...change,
  });
  const refusals: Array<[string, (w: FrameWriter) => void]> = [
    ['u32 non-integer clientSeq', (w) => w.cancel(1.5, 1)],
    ['u32 negative', (w) => w.cancel(-1, 1)],
    ['u32 2^32', (w) => w.cancel(2 ** 32, 1)],
    ['u32 NaN', (w) => w.newOrder(order({ symbolId: NaN }))],
    ['u8 256', (w) => w.newOrder(order({ side: 256 }))],
    ['u8 -1', (w) => w.newOrder(order({ flags: -1 }))],
    ['u8 non-integer', (w) => w.newOrder(order({ timeInForce: 0.5 }))],
    ['u16 65536', (w) => w.rejected({ clientSeq: 1, requestType: 2, errorCode: 0x1_0000, orderId: 0, message: '' })],
    ['u16 for disconnect code', (w) => w.disconnect(-1, 'x')],
    ['i64 2^53', (w) => w.cancel(1, 2 ** 53)],
    ['i64 -2^53', (w) => w.newOrder(order({ priceCents: -(2 ** 53) }))],
    ['i64 non-integer', (w) => w.newOrder(order({ quantity: 1.5 }))],
    ['i64 NaN', (w) => w.replace({ clientSeq: 1, orderId: NaN, quantity: 1, priceCents: 1 })],
    ['i64 Infinity', (w) => w.loginAccepted(1, Infinity)],
    ['i64 in the last field', (w) => w.fill({
      clientSeq: 1, orderId: 2, tradeId: 3, symbolId: 4, side: 0, liquidity: 1, priceCents: 5, quantity: 6, leavesQuantity: 7, feeCents: 8,
      timestampMs: 0.25,
    })],
    ['clientOrderId of 65 characters', (w) => w.newOrder(order({ clientOrderId: 'a'.repeat(MAX_CLIENT_ORDER_ID_BYTES + 1) }))],
    ['clientOrderId not printable ASCII', (w) => w.newOrder(order({ clientOrderId: 'tab\there' }))],
    ['clientOrderId non-ASCII', (w) => w.newOrder(order({ clientOrderId: 'é' }))],
    ['apiKey over 255 bytes', (w) => w.login({ timestampMs: 1, apiKey: 'é'.repeat(128), signature: new Uint8Array(SIGNATURE_BYTES) })],
    ['signature of 31 bytes', (w) => w.login({ timestampMs: 1, apiKey: 'k', signature: new Uint8Array(SIGNATURE_BYTES - 1) })],
  ];

  it('throws a RangeError for each', () => {
    for (const [what, write] of refusals) {
      assert.throws(() => write(new FrameWriter()), RangeError, what);
    }
  });

  it('the limits themselves are accepted', () => {
    const w = new FrameWriter(1);
    w.newOrder(order({ clientSeq: U32_MAX, symbolId: U32_MAX, side: 255, flags: 255, priceCents: MIN, quantity: MAX, clientOrderId: '~'.repeat(64) }));
    w.login({ timestampMs: MAX, apiKey: 'k'.repeat(MAX_API_KEY_BYTES), signature: new Uint8Array(SIGNATURE_BYTES) });
    w.rejected({ clientSeq: 0, requestType: 0, errorCode: 0xffff, orderId: MIN, message: '' });
    const decoded = splitAll([w.take()], (type) => type);
    assert.deepStrictEqual(decoded, [ClientFrame.NewOrder, ClientFrame.Login, ServerFrame.Rejected]);
  });

  it('a refused frame leaves nothing behind: the frames written before and after it decode', () => {
    for (const [what, write] of refusals) {
      const w = new FrameWriter(16);
      w.heartbeat();
      const before = w.length;
      assert.throws(() => write(w), RangeError);
      assert.equal(w.length, before, `${what}: the refused frame left ${w.length - before} bytes in the writer`);
      w.cancel(5, 6);
      const frames = splitAll([w.take()], (type, b, v, o, l) => [type, l]);
      assert.deepStrictEqual(frames, [[ClientFrame.Heartbeat, 0], [ClientFrame.Cancel, BodyBytes.cancel]], what);
    }
  });
});

describe('order-entry codec: error code numbers', () => {
  it('errorCodeName inverts ERROR_CODE_NUMBERS and knows nothing else', () => {
    for (const [name, n] of Object.entries(ERROR_CODE_NUMBERS)) assert.equal(errorCodeName(n), name);
    assert.equal(new Set(Object.values(ERROR_CODE_NUMBERS)).size, Object.keys(ERROR_CODE_NUMBERS).length, 'numbers are unique');
    for (const n of [0, 20, 999, 0xffff]) assert.equal(errorCodeName(n), undefined);
  });
});
