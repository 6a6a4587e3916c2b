// The binary codec of commands and events: exact round trips for every kind (hand-written and generated),
// the pinned wire layout, records back to back, and malformed input that must fail with a CodecError only.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CommandKind, EventKind } from '../../src/engine/index.ts';
import type {
  AccountStatus, BalanceCommand, CancelReason, Command, NewOrderCommand, SessionCommand, SetAccountLimitsCommand, CommandKind as CommandKindType, EngineEvent, OrderType, RejectCode, Side, SymbolStatus, TimeInForce,
} from '../../src/engine/index.ts';
import {
  BinaryReader, BinaryWriter, CodecError, commandLayouts, decodeCommand, decodeCommandFromBytes, decodeEvent, decodeEventFromBytes,
  encodeCommand, encodeCommandToBytes, encodeEvent, encodeEventToBytes, eventLayouts,
} from '../../src/codec/index.ts';

const MAX = Number.MAX_SAFE_INTEGER;
const MIN = Number.MIN_SAFE_INTEGER;
const U32_MAX = 2 ** 32 - 1;

/** Runs fn; returns false if it succeeded, true if it threw a CodecError, and fails the test on any other throw. */
function throwsCodecError(fn: () => unknown): boolean {
  try {
    fn();
    return false;
  } catch (error) {
    if (!(error instanceof CodecError)) assert.fail(`expected a CodecError, got ${String(error)}`);
    return true;
  }
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

function roundTripCommand(cmd: Command): void {
  const bytes = encodeCommandToBytes(cmd);
  assert.deepStrictEqual(decodeCommandFromBytes(bytes), cmd);
}

function roundTripEvent(e: EngineEvent): void {
  const bytes = encodeEventToBytes(e);
  assert.deepStrictEqual(decodeEventFromBytes(bytes), e);
}

// ---------------------------------------------------------------- hand-written examples

const COMMAND_EXAMPLES: Command[] = [
  {
    kind: CommandKind.NewOrder, sequence: 1, timestampMs: 1_700_000_000_000, accountId: 12, symbolId: 3, side: 1, orderType: 0,
    priceCents: 10_050, quantity: 100, timeInForce: 3, postOnly: true, clientOrderId: 'ордер-注文-🚀',
  },
  {
    kind: CommandKind.NewOrder, sequence: MAX, timestampMs: 0, accountId: U32_MAX, symbolId: 0, side: 7 as Side, orderType: 255 as OrderType,
    priceCents: -5, quantity: MIN, timeInForce: 9 as TimeInForce, postOnly: false, clientOrderId: '',
  },
  { kind: CommandKind.CancelOrder, sequence: 2, timestampMs: 5, accountId: 1, orderId: MAX },
  { kind: CommandKind.ReplaceOrder, sequence: 3, timestampMs: 6, accountId: 2, orderId: 41, quantity: 0, priceCents: -100 },
  { kind: CommandKind.Deposit, sequence: 4, timestampMs: 7, accountId: 3, asset: 0, amount: 2 ** 53 - 1, idempotencyKey: 'dép-☃' },
  { kind: CommandKind.Withdraw, sequence: 5, timestampMs: 8, accountId: 3, asset: 2, amount: -250, idempotencyKey: '\uFEFFbom-first' },
  { kind: CommandKind.CreateAccount, sequence: 6, timestampMs: 9, name: 'Zoë Ünïcode 株式会社 😀', apiKey: 'ak_0123', apiSecret: 's3cr3t/+=' },
  { kind: CommandKind.SetAccountStatus, sequence: 7, timestampMs: 10, accountId: 4, status: 1 },
  { kind: CommandKind.SetAccountStatus, sequence: 8, timestampMs: 10, accountId: 4, status: 255 as AccountStatus },
  { kind: CommandKind.SetSymbolStatus, sequence: 9, timestampMs: 11, symbolId: 2, status: 1 as SymbolStatus },
  { kind: CommandKind.OpenSession, sequence: 10, timestampMs: 12 },
  { kind: CommandKind.CloseSession, sequence: 11, timestampMs: -12 },
  { kind: CommandKind.SetAccountLimits, sequence: 12, timestampMs: 13, accountId: 5, maxOpenOrders: -1, maxOpenNotionalCents: 10_000_000_000 },
];

const EVENT_EXAMPLES: EngineEvent[] = [
  {
    kind: EventKind.OrderAccepted, eventSequence: 1, commandSequence: 1, timestampMs: 1_700_000_000_000, orderId: 1, accountId: 12, symbolId: 3,
    side: 0, orderType: 1, priceCents: 0, quantity: 100, timeInForce: 2, postOnly: false, clientOrderId: 'c-ü-𝄞',
  },
  { kind: EventKind.OrderRejected, eventSequence: 2, commandSequence: 2, timestampMs: 3, accountId: 900, symbolId: 77, code: 10, clientOrderId: 'x'.repeat(65) },
  {
    kind: EventKind.Execution, eventSequence: MAX, commandSequence: MAX - 1, timestampMs: 4, tradeId: 2 ** 40 + 3, orderId: 5, accountId: 6, symbolId: 1,
    side: 1, priceCents: 999_999, quantity: 3, feeCents: -2, isMaker: true, remainingQuantity: 0,
  },
  {
    kind: EventKind.OrderCanceled, eventSequence: 4, commandSequence: 4, timestampMs: 5, orderId: 9, accountId: 1, symbolId: 0, side: 0,
    priceCents: 100, canceledQuantity: 50, reason: 3 as CancelReason,
  },
  {
    kind: EventKind.OrderReplaced, eventSequence: 5, commandSequence: 5, timestampMs: 6, orderId: 9, accountId: 1, symbolId: 0, side: 1,
    priceCents: 105, quantity: 60, remainingQuantity: 10, keptPriority: true,
  },
  { kind: EventKind.BalanceChanged, eventSequence: 6, commandSequence: 6, timestampMs: 7, accountId: 2, asset: 3, amount: -12_345, availableAfter: MIN, idempotencyKey: 'w-ключ' },
  { kind: EventKind.AccountCreated, eventSequence: 7, commandSequence: 7, timestampMs: 8, accountId: 101, name: 'Ελληνικά 🇬🇷' },
  { kind: EventKind.AccountStatusChanged, eventSequence: 8, commandSequence: 8, timestampMs: 9, accountId: 101, status: 1 },
  { kind: EventKind.SymbolStatusChanged, eventSequence: 9, commandSequence: 9, timestampMs: 10, symbolId: 4, status: 0 },
  { kind: EventKind.SessionChanged, eventSequence: 10, commandSequence: 10, timestampMs: 11, open: true },
  { kind: EventKind.SessionChanged, eventSequence: 11, commandSequence: 10, timestampMs: 11, open: false },
  {
    kind: EventKind.CommandRejected, eventSequence: 12, commandSequence: 12, timestampMs: 12, commandKind: 200 as CommandKindType, accountId: 0,
    orderId: -3, code: 1 as RejectCode,
  },
  { kind: EventKind.DuplicateOrder, eventSequence: 13, commandSequence: 13, timestampMs: 13, accountId: 7, orderId: 2, clientOrderId: 'dup-✓' },
  { kind: EventKind.DuplicateRequest, eventSequence: 14, commandSequence: 14, timestampMs: 14, accountId: 7, idempotencyKey: '' },
  { kind: EventKind.AccountLimitsChanged, eventSequence: 15, commandSequence: 15, timestampMs: 15, accountId: 7, maxOpenOrders: 0, maxOpenNotionalCents: MAX },
];

describe('codec: hand-written round trips', () => {
  it('the examples cover every command kind and every event kind', () => {
    assert.deepStrictEqual(new Set(COMMAND_EXAMPLES.map((c) => c.kind)), new Set(Object.values(CommandKind)));
    assert.deepStrictEqual(new Set(EVENT_EXAMPLES.map((e) => e.kind)), new Set(Object.values(EventKind)));
  });

  it('the layouts list every kind, and exactly the fields of each example', () => {
    assert.deepStrictEqual(commandLayouts.map((l) => l.kind), Object.values(CommandKind).sort((a, b) => a - b));
    assert.deepStrictEqual(eventLayouts.map((l) => l.kind), Object.values(EventKind).sort((a, b) => a - b));
    for (const example of [...COMMAND_EXAMPLES, ...EVENT_EXAMPLES]) {
      const layouts = 'sequence' in example ? commandLayouts : eventLayouts;
      const layout = layouts.find((l) => l.kind === example.kind)!;
      assert.deepStrictEqual(['kind', ...layout.fields.map((f) => f.name)].sort(), Object.keys(example).sort(), layout.name);
    }
  });

  for (const cmd of COMMAND_EXAMPLES) {
    it(`command ${commandLayouts.find((l) => l.kind === cmd.kind)!.name} #${cmd.sequence}`, () => roundTripCommand(cmd));
  }
  for (const e of EVENT_EXAMPLES) {
    it(`event ${eventLayouts.find((l) => l.kind === e.kind)!.name} #${e.eventSequence}`, () => roundTripEvent(e));
  }

  it('strings of exactly 65535 UTF-8 bytes round-trip; one byte more is refused', () => {
    const base = { kind: CommandKind.CreateAccount, sequence: 1, timestampMs: 1, apiKey: '', apiSecret: '' } as const;
    for (const name of ['a'.repeat(65_535), '€'.repeat(21_845), `${'😀'.repeat(16_383)}abc`]) roundTripCommand({ ...base, name });
    for (const name of ['a'.repeat(65_536), '€'.repeat(21_846), `${'😀'.repeat(16_383)}abcd`]) {
      assert.throws(() => encodeCommandToBytes({ ...base, name }), CodecError);
    }
  });

  it('decoded records are fresh objects with no extra fields', () => {
    const event = EVENT_EXAMPLES[2];
    const decoded = decodeEventFromBytes(encodeEventToBytes(event));
    assert.notStrictEqual(decoded, event);
    assert.deepStrictEqual(Object.keys(decoded).sort(), Object.keys(event).sort());
  });
});

// ---------------------------------------------------------------- pinned wire layout

describe('codec: wire layout', () => {
  it('a NewOrder command is laid out byte for byte', () => {
    const bytes = encodeCommandToBytes({
      kind: CommandKind.NewOrder, sequence: 1, timestampMs: 2, accountId: 3, symbolId: 4, side: 1, orderType: 0, priceCents: 10_050,
      quantity: 7, timeInForce: 2, postOnly: true, clientOrderId: 'ab',
    });
    const expected = [
      '01', // kind
      '0100000000000000', // sequence
      '0200000000000000', // timestampMs
      '03000000', // accountId u32
      '04000000', // symbolId u32
      '01', // side
      '00', // orderType
      '4227000000000000', // priceCents 10050
      '0700000000000000', // quantity
      '02', // timeInForce
      '01', // postOnly
      '02006162', // clientOrderId: u16 length + UTF-8
    ].join('');
    assert.equal(hex(bytes), expected);
  });

  it('a BalanceChanged event is laid out byte for byte, negatives in two\'s complement', () => {
    const bytes = encodeEventToBytes({
      kind: EventKind.BalanceChanged, eventSequence: 9, commandSequence: 8, timestampMs: 2 ** 32, accountId: 1, asset: 2, amount: -1,
      availableAfter: MIN, idempotencyKey: 'é',
    });
    const expected = [
      '06', // kind
      '0900000000000000', // eventSequence
      '0800000000000000', // commandSequence
      '0000000001000000', // timestampMs 2**32: low word 0, high word 1
      '01000000', // accountId
      '02000000', // asset
      'ffffffffffffffff', // amount -1
      '010000000000e0ff', // availableAfter -(2**53 - 1)
      '0200c3a9', // idempotencyKey 'é'
    ].join('');
    assert.equal(hex(bytes), expected);
  });
});

// ---------------------------------------------------------------- primitives

describe('codec: BinaryWriter and BinaryReader', () => {
  it('i64 round-trips the edges of the safe range', () => {
    const values = [0, 1, -1, 255, 2 ** 31 - 1, -(2 ** 31), 2 ** 32 - 1, 2 ** 32, -(2 ** 32), 2 ** 32 + 1, -(2 ** 32) - 1, MAX, MIN, MAX - 1, MIN + 1];
    const w = new BinaryWriter(1);
    for (const v of values) w.i64(v);
    const r = new BinaryReader(w.bytes());
    assert.deepStrictEqual(values.map(() => r.i64()), values);
    assert.equal(r.remaining, 0);
  });

  it('grows by doubling from a tiny buffer; bytes() is a view of what was written', () => {
    const w = new BinaryWriter(1);
    for (let i = 0; i < 1000; i++) {
      w.u8(i & 0xff);
      w.u16(i);
      w.u32(i * 65_537);
      w.bool(i % 3 === 0);
      w.str(`s${i}`);
    }
    const first = w.bytes();
    const second = w.bytes();
    assert.equal(first.buffer, second.buffer, 'no copy');
    assert.equal(first.byteLength, w.length);
    const r = new BinaryReader(first);
    for (let i = 0; i < 1000; i++) {
      assert.equal(r.u8(), i & 0xff);
      assert.equal(r.u16(), i);
      assert.equal(r.u32(), i * 65_537);
      assert.equal(r.bool(), i % 3 === 0);
      assert.equal(r.str(), `s${i}`);
    }
    assert.equal(r.remaining, 0);
    w.reset();
    assert.equal(w.length, 0);
    assert.equal(w.bytes().byteLength, 0);
  });

  it('refuses values its wire type cannot hold exactly', () => {
    const w = new BinaryWriter();
    const bad: Array<[string, () => void]> = [
      ['u8 256', () => w.u8(256)], ['u8 -1', () => w.u8(-1)], ['u8 1.5', () => w.u8(1.5)], ['u8 NaN', () => w.u8(NaN)],
      ['u16 65536', () => w.u16(65_536)], ['u32 -1', () => w.u32(-1)], ['u32 2**32', () => w.u32(2 ** 32)], ['u32 0.5', () => w.u32(0.5)],
      ['i64 2**53', () => w.i64(2 ** 53)], ['i64 -(2**53)', () => w.i64(-(2 ** 53))], ['i64 1.5', () => w.i64(1.5)],
      ['i64 NaN', () => w.i64(NaN)], ['i64 Infinity', () => w.i64(Infinity)], ['i64 string', () => w.i64('1' as unknown as number)],
      ['bool 1', () => w.bool(1 as unknown as boolean)], ['str number', () => w.str(5 as unknown as string)],
      ['str lone high surrogate', () => w.str('a\uD800b')], ['str lone low surrogate', () => w.str('\uDC00')],
    ];
    for (const [name, fn] of bad) assert.throws(fn, CodecError, name);
    assert.equal(w.length, 0, 'nothing written by refused values');
  });

  it('reserve and skip: raw access for generated code, refusing bad counts', () => {
    const w = new BinaryWriter(1);
    w.u8(7);
    const at = w.reserve(4);
    assert.equal(at, 1);
    w.targetView.setUint32(at, 0xdeadbeef, true);
    w.target[w.reserve(1)] = 9;
    assert.equal(hex(w.bytes()), '07efbeadde09');
    for (const n of [-1, 0.5, NaN]) assert.throws(() => w.reserve(n), CodecError);
    assert.equal(w.length, 6);
    const r = new BinaryReader(w.bytes().subarray(1));
    assert.equal(r.sourceView.getUint32(r.offset, true), 0xdeadbeef);
    r.skip(4);
    assert.equal(r.source[r.offset], 9);
    for (const n of [-1, 0.5, NaN, 2]) assert.throws(() => r.skip(n), CodecError);
    assert.equal(r.offset, 4);
  });

  it('reads from a subarray at a non-zero byte offset and from shared memory', () => {
    const w = new BinaryWriter();
    w.i64(-42);
    w.str('héllo');
    const padded = new Uint8Array(w.length + 10);
    padded.set(w.bytes(), 7);
    const r = new BinaryReader(padded.subarray(7, 7 + w.length));
    assert.equal(r.i64(), -42);
    assert.equal(r.str(), 'héllo');
    assert.equal(r.remaining, 0);
    const shared = new Uint8Array(new SharedArrayBuffer(w.length));
    shared.set(w.bytes());
    const rs = new BinaryReader(shared);
    assert.equal(rs.i64(), -42);
    assert.equal(rs.str(), 'héllo');
  });

  it('reports reading past the end with what and where', () => {
    const r = new BinaryReader(new Uint8Array([1, 2, 3]));
    r.u8();
    assert.throws(() => r.u32(), (e: unknown) => e instanceof CodecError && /u32/.test(e.message) && /offset 1/.test(e.message) && e.offset === 1);
    assert.equal(r.offset, 1, 'a failed read does not move the reader');
    assert.throws(() => r.i64(), CodecError);
    assert.throws(() => new BinaryReader(new Uint8Array([5, 0, 97, 98])).str(), /str of 5 bytes/);
    assert.throws(() => new BinaryReader(new Uint8Array([5])).str(), /str length/);
    assert.throws(() => new BinaryReader(new Uint8Array()).bool(), CodecError);
    assert.throws(() => { r.offset = 4; }, CodecError);
  });

  it('refuses bytes the writer never produces', () => {
    const cases: Array<[string, number[], (r: BinaryReader) => unknown]> = [
      ['bool 2', [2], (r) => r.bool()],
      ['bool 255', [255], (r) => r.bool()],
      ['i64 high word too big', [0, 0, 0, 0, 0, 0, 0x20, 0], (r) => r.i64()],
      ['i64 -(2**53)', [0, 0, 0, 0, 0, 0, 0xe0, 0xff], (r) => r.i64()],
      ['i64 most negative', [0, 0, 0, 0, 0, 0, 0, 0x80], (r) => r.i64()],
      ['overlong UTF-8', [2, 0, 0xc0, 0x80], (r) => r.str()],
      ['stray continuation byte', [1, 0, 0x80], (r) => r.str()],
      ['truncated sequence', [2, 0, 0xe2, 0x82], (r) => r.str()],
      ['encoded surrogate', [3, 0, 0xed, 0xa0, 0x80], (r) => r.str()],
      ['0xff', [1, 0, 0xff], (r) => r.str()],
      ['invalid UTF-8 in a long string', [100, 0, ...new Array<number>(99).fill(0x61), 0xff], (r) => r.str()],
    ];
    for (const [name, bytes, read] of cases) {
      const r = new BinaryReader(new Uint8Array(bytes));
      assert.throws(() => read(r), CodecError, name);
      assert.equal(r.offset, 0, `${name}: reader not moved`);
    }
    const edge = new BinaryReader(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0, 1, 0, 0, 0, 0, 0, 0xe0, 0xff]));
    assert.equal(edge.i64(), MAX);
    assert.equal(edge.i64(), MIN);
  });
});

// ---------------------------------------------------------------- record-level errors

describe('codec: record errors', () => {
  it('encode refuses an unrepresentable field, names it, and leaves the writer as it was', () => {
    const w = new BinaryWriter(8);
    encodeCommand(COMMAND_EXAMPLES[0], w);
    const before = hex(w.bytes());
    const bad: Array<[Command, RegExp]> = [
      [{ ...(COMMAND_EXAMPLES[0] as NewOrderCommand), quantity: 1.5 }, /NewOrder\.quantity.*1\.5/],
      [{ ...(COMMAND_EXAMPLES[0] as NewOrderCommand), priceCents: 10.5 }, /NewOrder\.priceCents/],
      [{ ...(COMMAND_EXAMPLES[0] as NewOrderCommand), side: 256 as Side }, /NewOrder\.side/],
      [{ ...(COMMAND_EXAMPLES[0] as NewOrderCommand), accountId: -1 }, /NewOrder\.accountId/],
      [{ ...(COMMAND_EXAMPLES[0] as NewOrderCommand), clientOrderId: 'x\uD83D' }, /NewOrder\.clientOrderId.*surrogate/],
      [{ ...(COMMAND_EXAMPLES[4] as BalanceCommand), amount: 2 ** 53 + 2 }, /Deposit\.amount/],
      [{ ...(COMMAND_EXAMPLES[12] as SetAccountLimitsCommand), maxOpenOrders: 1.5 }, /SetAccountLimits\.maxOpenOrders/],
      [{ ...(COMMAND_EXAMPLES[10] as SessionCommand), sequence: -0.5 }, /OpenSession\.sequence/],
      [{ kind: CommandKind.CancelOrder, sequence: 1, timestampMs: 1, accountId: 1 } as Command, /CancelOrder\.orderId.*undefined/],
      [{ ...COMMAND_EXAMPLES[10], kind: 99 } as unknown as Command, /unknown kind 99/],
      [{ ...COMMAND_EXAMPLES[10], kind: 'length' } as unknown as Command, /unknown kind length/],
    ];
    for (const [cmd, message] of bad) {
      assert.throws(() => encodeCommand(cmd, w), (e: unknown) => e instanceof CodecError && message.test(e.message), String(message));
      assert.equal(hex(w.bytes()), before);
    }
    assert.throws(() => encodeEvent({ ...EVENT_EXAMPLES[9], kind: 0 } as unknown as EngineEvent, w), /unknown kind 0/);
  });

  it('decode refuses an unknown kind and trailing bytes', () => {
    for (const kind of [0, 12, 255]) assert.throws(() => decodeCommandFromBytes(new Uint8Array([kind, ...new Array<number>(16).fill(0)])), /unknown command kind/);
    for (const kind of [0, 15, 255]) assert.throws(() => decodeEventFromBytes(new Uint8Array([kind, ...new Array<number>(24).fill(0)])), /unknown event kind/);
    const bytes = encodeCommandToBytes(COMMAND_EXAMPLES[10]);
    assert.throws(() => decodeCommandFromBytes(new Uint8Array([...bytes, 0])), /1 trailing bytes/);
  });

  it('a decode error names the field and leaves the reader at the start of the record', () => {
    const w = new BinaryWriter();
    encodeEvent(EVENT_EXAMPLES[9], w); // SessionChanged
    encodeEvent(EVENT_EXAMPLES[10], w);
    const bytes = w.bytes().slice();
    bytes[bytes.length - 1] = 2; // second record's bool
    const r = new BinaryReader(bytes);
    decodeEvent(r);
    const secondStart = r.offset;
    assert.throws(() => decodeEvent(r), (e: unknown) => e instanceof CodecError && /SessionChanged\.open/.test(e.message) && /bool/.test(e.message));
    assert.equal(r.offset, secondStart);
  });

  it('encodeCommandToBytes returns a copy that later encodes do not touch', () => {
    const a = encodeCommandToBytes(COMMAND_EXAMPLES[0]);
    const copy = hex(a);
    encodeCommandToBytes(COMMAND_EXAMPLES[6]);
    encodeEventToBytes(EVENT_EXAMPLES[0]);
    assert.equal(hex(a), copy);
    assert.equal(a.byteOffset, 0);
    assert.equal(a.buffer.byteLength, a.byteLength);
  });
});

// ---------------------------------------------------------------- generated records

const i64Arb = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }),
  fc.maxSafeInteger(),
  fc.constantFrom(0, MAX, MIN, 2 ** 32, -(2 ** 32), 2 ** 32 - 1, 2 ** 31, -(2 ** 31) - 1),
);
const u32Arb = fc.oneof(fc.nat(1000), fc.integer({ min: 0, max: U32_MAX }), fc.constant(U32_MAX));
/** An enum field: usually a valid value, sometimes any byte (the engine rejects those; the codec keeps them). */
function enumArb<T extends number>(...valid: T[]): fc.Arbitrary<T> {
  return fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...valid) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) as fc.Arbitrary<T> });
}
const sideArb = enumArb<Side>(0, 1);
const strArb = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.constantFrom('', '\uFEFF', '\u0000', 'é', '😀'),
);
/** fc.record may build null-prototype objects; the codec decodes plain ones, and deepStrictEqual compares prototypes. */
function rec<T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> {
  return fc.record(model).map((o) => ({ ...o }) as T);
}
const commandHeader = { sequence: i64Arb, timestampMs: i64Arb };
const eventHeader = { eventSequence: i64Arb, commandSequence: i64Arb, timestampMs: i64Arb };

const commandArbs: Record<CommandKindType, fc.Arbitrary<Command>> = {
  [CommandKind.NewOrder]: rec({
    kind: fc.constant(CommandKind.NewOrder), ...commandHeader, accountId: u32Arb, symbolId: u32Arb, side: sideArb, orderType: enumArb<OrderType>(0, 1),
    priceCents: i64Arb, quantity: i64Arb, timeInForce: enumArb<TimeInForce>(0, 1, 2, 3), postOnly: fc.boolean(), clientOrderId: strArb,
  }),
  [CommandKind.CancelOrder]: rec({ kind: fc.constant(CommandKind.CancelOrder), ...commandHeader, accountId: u32Arb, orderId: i64Arb }),
  [CommandKind.ReplaceOrder]: rec({
    kind: fc.constant(CommandKind.ReplaceOrder), ...commandHeader, accountId: u32Arb, orderId: i64Arb, quantity: i64Arb, priceCents: i64Arb,
  }),
  [CommandKind.Deposit]: rec({
    kind: fc.constant(CommandKind.Deposit), ...commandHeader, accountId: u32Arb, asset: u32Arb, amount: i64Arb, idempotencyKey: strArb,
  }),
  [CommandKind.Withdraw]: rec({
    kind: fc.constant(CommandKind.Withdraw), ...commandHeader, accountId: u32Arb, asset: u32Arb, amount: i64Arb, idempotencyKey: strArb,
  }),
  [CommandKind.CreateAccount]: rec({ kind: fc.constant(CommandKind.CreateAccount), ...commandHeader, name: strArb, apiKey: strArb, apiSecret: strArb }),
  [CommandKind.SetAccountStatus]: rec({
    kind: fc.constant(CommandKind.SetAccountStatus), ...commandHeader, accountId: u32Arb, status: enumArb<AccountStatus>(0, 1),
  }),
  [CommandKind.SetSymbolStatus]: rec({
    kind: fc.constant(CommandKind.SetSymbolStatus), ...commandHeader, symbolId: u32Arb, status: enumArb<SymbolStatus>(0, 1),
  }),
  [CommandKind.OpenSession]: rec({ kind: fc.constant(CommandKind.OpenSession), ...commandHeader }),
  [CommandKind.CloseSession]: rec({ kind: fc.constant(CommandKind.CloseSession), ...commandHeader }),
  [CommandKind.SetAccountLimits]: rec({
    kind: fc.constant(CommandKind.SetAccountLimits), ...commandHeader, accountId: u32Arb, maxOpenOrders: i64Arb, maxOpenNotionalCents: i64Arb,
  }),
};

const eventArbs: Record<EventKind, fc.Arbitrary<EngineEvent>> = {
  [EventKind.OrderAccepted]: rec({
    kind: fc.constant(EventKind.OrderAccepted), ...eventHeader, orderId: i64Arb, accountId: u32Arb, symbolId: u32Arb, side: sideArb,
    orderType: enumArb<OrderType>(0, 1), priceCents: i64Arb, quantity: i64Arb, timeInForce: enumArb<TimeInForce>(0, 1, 2, 3), postOnly: fc.boolean(),
    clientOrderId: strArb,
  }),
  [EventKind.OrderRejected]: rec({
    kind: fc.constant(EventKind.OrderRejected), ...eventHeader, accountId: u32Arb, symbolId: u32Arb, code: enumArb<RejectCode>(1, 5, 12), clientOrderId: strArb,
  }),
  [EventKind.Execution]: rec({
    kind: fc.constant(EventKind.Execution), ...eventHeader, tradeId: i64Arb, orderId: i64Arb, accountId: u32Arb, symbolId: u32Arb, side: sideArb,
    priceCents: i64Arb, quantity: i64Arb, feeCents: i64Arb, isMaker: fc.boolean(), remainingQuantity: i64Arb,
  }),
  [EventKind.OrderCanceled]: rec({
    kind: fc.constant(EventKind.OrderCanceled), ...eventHeader, orderId: i64Arb, accountId: u32Arb, symbolId: u32Arb, side: sideArb, priceCents: i64Arb,
    canceledQuantity: i64Arb, reason: enumArb<CancelReason>(0, 1, 2, 3, 4),
  }),
  [EventKind.OrderReplaced]: rec({
    kind: fc.constant(EventKind.OrderReplaced), ...eventHeader, orderId: i64Arb, accountId: u32Arb, symbolId: u32Arb, side: sideArb, priceCents: i64Arb,
    quantity: i64Arb, remainingQuantity: i64Arb, keptPriority: fc.boolean(),
  }),
  [EventKind.BalanceChanged]: rec({
    kind: fc.constant(EventKind.BalanceChanged), ...eventHeader, accountId: u32Arb, asset: u32Arb, amount: i64Arb, availableAfter: i64Arb,
    idempotencyKey: strArb,
  }),
  [EventKind.AccountCreated]: rec({ kind: fc.constant(EventKind.AccountCreated), ...eventHeader, accountId: u32Arb, name: strArb }),
  [EventKind.AccountStatusChanged]: rec({
    kind: fc.constant(EventKind.AccountStatusChanged), ...eventHeader, accountId: u32Arb, status: enumArb<AccountStatus>(0, 1),
  }),
  [EventKind.SymbolStatusChanged]: rec({
    kind: fc.constant(EventKind.SymbolStatusChanged), ...eventHeader, symbolId: u32Arb, status: enumArb<SymbolStatus>(0, 1),
  }),
  [EventKind.SessionChanged]: rec({ kind: fc.constant(EventKind.SessionChanged), ...eventHeader, open: fc.boolean() }),
  [EventKind.CommandRejected]: rec({
    kind: fc.constant(EventKind.CommandRejected), ...eventHeader, commandKind: enumArb<CommandKindType>(2, 3, 4, 11), accountId: u32Arb, orderId: i64Arb,
    code: enumArb<RejectCode>(1, 2, 3),
  }),
  [EventKind.DuplicateOrder]: rec({ kind: fc.constant(EventKind.DuplicateOrder), ...eventHeader, accountId: u32Arb, orderId: i64Arb, clientOrderId: strArb }),
  [EventKind.DuplicateRequest]: rec({ kind: fc.constant(EventKind.DuplicateRequest), ...eventHeader, accountId: u32Arb, idempotencyKey: strArb }),
  [EventKind.AccountLimitsChanged]: rec({
    kind: fc.constant(EventKind.AccountLimitsChanged), ...eventHeader, accountId: u32Arb, maxOpenOrders: i64Arb, maxOpenNotionalCents: i64Arb,
  }),
};

const commandArb = fc.oneof(...Object.values(commandArbs));
const eventArb = fc.oneof(...Object.values(eventArbs));
const COMMAND_KIND_BYTES = Object.values(CommandKind);
const EVENT_KIND_BYTES = Object.values(EventKind);

describe('codec: generated round trips', () => {
  it('generators exist for every kind', () => {
    assert.deepStrictEqual(Object.keys(commandArbs).map(Number).sort((a, b) => a - b), commandLayouts.map((l) => l.kind));
    assert.deepStrictEqual(Object.keys(eventArbs).map(Number).sort((a, b) => a - b), eventLayouts.map((l) => l.kind));
  });

  for (const [kind, arb] of Object.entries(commandArbs)) {
    it(`command kind ${kind}: decode(encode(x)) equals x`, () => {
      fc.assert(fc.property(arb, (cmd) => roundTripCommand(cmd)), { numRuns: 300 });
    });
  }
  for (const [kind, arb] of Object.entries(eventArbs)) {
    it(`event kind ${kind}: decode(encode(x)) equals x`, () => {
      fc.assert(fc.property(arb, (e) => roundTripEvent(e)), { numRuns: 300 });
    });
  }

  it('many commands back to back in one writer decode in order', () => {
    fc.assert(
      fc.property(fc.array(commandArb, { maxLength: 60 }), (cmds) => {
        const w = new BinaryWriter(1);
        for (const cmd of cmds) encodeCommand(cmd, w);
        const r = new BinaryReader(w.bytes());
        const decoded: Command[] = [];
        while (r.remaining > 0) decoded.push(decodeCommand(r));
        assert.deepStrictEqual(decoded, cmds);
      }),
      { numRuns: 200 },
    );
  });

  it('one reader windowed over record after record of a larger buffer decodes each as a reader of its own would, and stops at the window', () => {
    const reader = new BinaryReader(new Uint8Array(0));
    fc.assert(
      fc.property(fc.array(commandArb, { minLength: 1, maxLength: 30 }), fc.nat(7), (cmds, gap) => {
        // The records back to back with `gap` bytes of 0xff between them, as messages lie in a ring.
        const w = new BinaryWriter(1);
        const bounds: Array<[number, number]> = [];
        for (const cmd of cmds) {
          for (let i = 0; i < gap; i++) w.u8(0xff);
          const start = w.length;
          encodeCommand(cmd, w);
          bounds.push([start, w.length]);
        }
        const bytes = w.bytes();
        for (let i = 0; i < cmds.length; i++) {
          const [start, end] = bounds[i];
          reader.window(bytes, start, end);
          assert.equal(reader.offset, start);
          assert.deepStrictEqual(decodeCommand(reader), cmds[i]);
          assert.equal(reader.offset, end);
          assert.equal(reader.remaining, 0);
          // The window's end is an end: the next record's bytes are not read.
          reader.window(bytes, start, end - 1);
          assert.ok(throwsCodecError(() => decodeCommand(reader)), 'a record cut by its window is refused');
        }
      }),
      { numRuns: 200 },
    );
    assert.throws(() => reader.window(new Uint8Array(4), 3, 5), CodecError);
    assert.throws(() => reader.window(new Uint8Array(4), 3, 2), CodecError);
  });

  it('many events back to back in one reused writer decode in order', () => {
    const w = new BinaryWriter(16);
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 60 }), (events) => {
        w.reset();
        for (const e of events) encodeEvent(e, w);
        const r = new BinaryReader(w.bytes());
        const decoded: EngineEvent[] = [];
        while (r.remaining > 0) decoded.push(decodeEvent(r));
        assert.deepStrictEqual(decoded, events);
      }),
      { numRuns: 200 },
    );
  });

  it('the encoding is canonical: re-encoding a decoded record gives the same bytes', () => {
    fc.assert(
      fc.property(commandArb, eventArb, (cmd, e) => {
        const c = encodeCommandToBytes(cmd);
        assert.equal(hex(encodeCommandToBytes(decodeCommandFromBytes(c))), hex(c));
        const b = encodeEventToBytes(e);
        assert.equal(hex(encodeEventToBytes(decodeEventFromBytes(b))), hex(b));
      }),
      { numRuns: 300 },
    );
  });
});

// ---------------------------------------------------------------- malformed input

/** Decoding must either succeed (and then re-encode to the very same bytes) or throw a CodecError. */
function checkCommandBytes(bytes: Uint8Array): void {
  let cmd: Command | undefined;
  if (throwsCodecError(() => (cmd = decodeCommandFromBytes(bytes)))) return;
  assert.equal(hex(encodeCommandToBytes(cmd!)), hex(bytes));
}

function checkEventBytes(bytes: Uint8Array): void {
  let e: EngineEvent | undefined;
  if (throwsCodecError(() => (e = decodeEventFromBytes(bytes)))) return;
  assert.equal(hex(encodeEventToBytes(e!)), hex(bytes));
}

describe('codec: malformed input', { timeout: 60_000 }, () => {
  it('random bytes decode as a record or throw a CodecError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        checkCommandBytes(bytes);
        checkEventBytes(bytes);
      }),
      { numRuns: 2000 },
    );
  });

  it('random bytes after a valid kind byte decode as a record or throw a CodecError', () => {
    fc.assert(
      fc.property(fc.constantFrom(...COMMAND_KIND_BYTES), fc.constantFrom(...EVENT_KIND_BYTES), fc.uint8Array({ maxLength: 120 }), (ck, ek, tail) => {
        checkCommandBytes(new Uint8Array([ck, ...tail]));
        checkEventBytes(new Uint8Array([ek, ...tail]));
      }),
      { numRuns: 3000 },
    );
  });

  it('every truncation of a valid encoding throws a CodecError and leaves the reader at the start', () => {
    fc.assert(
      fc.property(commandArb, eventArb, (cmd, e) => {
        for (const [bytes, decode] of [
          [encodeCommandToBytes(cmd), decodeCommand],
          [encodeEventToBytes(e), decodeEvent],
        ] as const) {
          for (let n = 0; n < bytes.length; n++) {
            const r = new BinaryReader(bytes.subarray(0, n));
            assert.ok(throwsCodecError(() => decode(r)), `prefix of ${n}/${bytes.length} bytes decoded`);
            assert.equal(r.offset, 0);
          }
        }
      }),
      { numRuns: 100 },
    );
  });

  it('corrupted valid encodings decode as a record or throw a CodecError', () => {
    const corruption = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 });
    fc.assert(
      fc.property(commandArb, eventArb, corruption, (cmd, e, flips) => {
        for (const [bytes, check] of [
          [encodeCommandToBytes(cmd), checkCommandBytes],
          [encodeEventToBytes(e), checkEventBytes],
        ] as const) {
          for (const [at, value] of flips) bytes[at % bytes.length] = value;
          check(bytes);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('a stream with a torn last record yields every whole record, then a CodecError at the tear', () => {
    fc.assert(
      fc.property(fc.array(commandArb, { minLength: 1, maxLength: 20 }), fc.nat(), (cmds, cut) => {
        const w = new BinaryWriter();
        const ends: number[] = [];
        for (const cmd of cmds) {
          encodeCommand(cmd, w);
          ends.push(w.length);
        }
        const lastStart = ends.length > 1 ? ends[ends.length - 2] : 0;
        const tornLength = lastStart + (cut % (w.length - lastStart));
        const r = new BinaryReader(w.bytes().subarray(0, tornLength));
        for (let i = 0; i < cmds.length - 1; i++) assert.deepStrictEqual(decodeCommand(r), cmds[i]);
        if (r.remaining === 0) return;
        assert.ok(throwsCodecError(() => decodeCommand(r)));
        assert.equal(r.offset, lastStart);
      }),
      { numRuns: 200 },
    );
  });
});
