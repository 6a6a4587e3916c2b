// The wire layout of every command and event, defined once: encode and decode are both driven by these tables.
//
// A record is: u8 kind, then the header, then the kind's body fields, all little-endian:
//   command header: sequence i64, timestampMs i64
//   event header:   eventSequence i64, commandSequence i64, timestampMs i64
// The body fields follow IN THE ORDER THEY ARE LISTED in the object literals below (JS keeps the insertion
// order of string keys). Reordering, adding or retyping a field changes the format: bump CODEC_VERSION.
//
// Wire types (see binary.ts): enums and other small codes are u8 and round-trip any value 0..255 as-is, so a
// command carrying an invalid enum reaches the engine (which rejects it) unchanged; booleans are bool; account
// ids, symbol ids and assets are u32; every other number (ids, prices, quantities, amounts, limits) is i64,
// which takes any safe integer including negatives.
// Encoding throws a CodecError for a value its wire type cannot hold exactly: a non-integer (a quantity of 1.5),
// an unsafe integer (2**53 + 2), a negative or > 2**32 - 1 account id, an enum outside 0..255. Gateways
// validate the shape of what clients send, so such a command never reaches the journal; if one does, refusing
// it beats recording a different value than the engine saw, which would make replay diverge.
//
// The types below make the compiler check each table against its TS interface: every field listed exactly
// once, booleans as bool, strings as str, numbers as one of the number types.
import { CommandKind, EventKind } from '../engine/index.ts';
import type { Command, EngineEvent } from '../engine/index.ts';

/** Version of the layout below; a journal or bus header should record it. */
export const CODEC_VERSION = 1;

export type FieldType = 'u8' | 'bool' | 'u32' | 'i64' | 'str';
type NumberFieldType = 'u8' | 'u32' | 'i64';

type CommandHeaderField = 'sequence' | 'timestampMs';
type EventHeaderField = 'eventSequence' | 'commandSequence' | 'timestampMs';

/** The record types of a union whose `kind` can be K (BalanceCommand for both Deposit and Withdraw). */
type OfKind<U extends { kind: number }, K extends number> = U extends unknown ? (K extends U['kind'] ? U : never) : never;

/** Every body field of T, each with a wire type that fits its TS type. */
type BodyLayout<T, Header extends PropertyKey> = {
  readonly [F in Exclude<keyof T, 'kind' | Header>]: T[F] extends boolean ? 'bool' : T[F] extends string ? 'str' : NumberFieldType;
};

type CommandBodies = { readonly [K in CommandKind]: BodyLayout<OfKind<Command, K>, CommandHeaderField> };
type EventBodies = { readonly [K in EventKind]: BodyLayout<OfKind<EngineEvent, K>, EventHeaderField> };

export const COMMAND_HEADER = { sequence: 'i64', timestampMs: 'i64' } as const satisfies Record<CommandHeaderField, FieldType>;
export const EVENT_HEADER = { eventSequence: 'i64', commandSequence: 'i64', timestampMs: 'i64' } as const satisfies Record<EventHeaderField, FieldType>;

const balanceCommand = { accountId: 'u32', asset: 'u32', amount: 'i64', idempotencyKey: 'str' } as const;

export const COMMAND_BODIES = {
  [CommandKind.NewOrder]: {
    accountId: 'u32', symbolId: 'u32', side: 'u8', orderType: 'u8', priceCents: 'i64', quantity: 'i64',
    timeInForce: 'u8', postOnly: 'bool', clientOrderId: 'str',
  },
  [CommandKind.CancelOrder]: { accountId: 'u32', orderId: 'i64' },
  [CommandKind.ReplaceOrder]: { accountId: 'u32', orderId: 'i64', quantity: 'i64', priceCents: 'i64' },
  [CommandKind.Deposit]: balanceCommand,
  [CommandKind.Withdraw]: balanceCommand,
  [CommandKind.CreateAccount]: { name: 'str', apiKey: 'str', apiSecret: 'str' },
  [CommandKind.SetAccountStatus]: { accountId: 'u32', status: 'u8' },
  [CommandKind.SetSymbolStatus]: { symbolId: 'u32', status: 'u8' },
  [CommandKind.OpenSession]: {},
  [CommandKind.CloseSession]: {},
  [CommandKind.SetAccountLimits]: { accountId: 'u32', maxOpenOrders: 'i64', maxOpenNotionalCents: 'i64' },
} as const satisfies CommandBodies;

export const EVENT_BODIES = {
  [EventKind.OrderAccepted]: {
    orderId: 'i64', accountId: 'u32', symbolId: 'u32', side: 'u8', orderType: 'u8', priceCents: 'i64', quantity: 'i64',
    timeInForce: 'u8', postOnly: 'bool', clientOrderId: 'str',
  },
  [EventKind.OrderRejected]: { accountId: 'u32', symbolId: 'u32', code: 'u8', clientOrderId: 'str' },
  [EventKind.Execution]: {
    tradeId: 'i64', orderId: 'i64', accountId: 'u32', symbolId: 'u32', side: 'u8', priceCents: 'i64', quantity: 'i64',
    feeCents: 'i64', isMaker: 'bool', remainingQuantity: 'i64',
  },
  [EventKind.OrderCanceled]: {
    orderId: 'i64', accountId: 'u32', symbolId: 'u32', side: 'u8', priceCents: 'i64', canceledQuantity: 'i64', reason: 'u8',
  },
  [EventKind.OrderReplaced]: {
    orderId: 'i64', accountId: 'u32', symbolId: 'u32', side: 'u8', priceCents: 'i64', quantity: 'i64',
    remainingQuantity: 'i64', keptPriority: 'bool',
  },
  [EventKind.BalanceChanged]: { accountId: 'u32', asset: 'u32', amount: 'i64', availableAfter: 'i64', idempotencyKey: 'str' },
  [EventKind.AccountCreated]: { accountId: 'u32', name: 'str' },
  [EventKind.AccountStatusChanged]: { accountId: 'u32', status: 'u8' },
  [EventKind.SymbolStatusChanged]: { symbolId: 'u32', status: 'u8' },
  [EventKind.SessionChanged]: { open: 'bool' },
  [EventKind.CommandRejected]: { commandKind: 'u8', accountId: 'u32', orderId: 'i64', code: 'u8' },
  [EventKind.DuplicateOrder]: { accountId: 'u32', orderId: 'i64', clientOrderId: 'str' },
  [EventKind.DuplicateRequest]: { accountId: 'u32', idempotencyKey: 'str' },
  [EventKind.AccountLimitsChanged]: { accountId: 'u32', maxOpenOrders: 'i64', maxOpenNotionalCents: 'i64' },
} as const satisfies EventBodies;

export interface FieldLayout {
  readonly name: string;
  readonly type: FieldType;
}

/** The full layout of one record kind, after the u8 kind byte: header fields, then body fields. */
export interface RecordLayout {
  readonly kind: number;
  /** The kind's key in CommandKind / EventKind, e.g. 'NewOrder'. */
  readonly name: string;
  readonly fields: readonly FieldLayout[];
}

function buildLayouts(kinds: Readonly<Record<string, number>>, header: Readonly<Record<string, FieldType>>, bodies: Readonly<Record<number, Readonly<Record<string, FieldType>>>>): readonly RecordLayout[] {
  const toFields = (spec: Readonly<Record<string, FieldType>>): FieldLayout[] => Object.entries(spec).map(([name, type]) => Object.freeze({ name, type }));
  return Object.freeze(
    Object.entries(kinds)
      .map(([name, kind]) => Object.freeze({ kind, name, fields: Object.freeze([...toFields(header), ...toFields(bodies[kind])]) }))
      .sort((a, b) => a.kind - b.kind),
  );
}

/** Every command kind with its layout, ordered by kind. */
export const commandLayouts: readonly RecordLayout[] = buildLayouts(CommandKind, COMMAND_HEADER, COMMAND_BODIES);
/** Every event kind with its layout, ordered by kind. */
export const eventLayouts: readonly RecordLayout[] = buildLayouts(EventKind, EVENT_HEADER, EVENT_BODIES);
