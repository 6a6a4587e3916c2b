// The binary order-entry protocol's numbers: frame types, error codes, disconnect reasons and field sizes.
// docs/order-entry-protocol.md is the spec; this file and that document must say the same thing.

/** Every frame starts with a u16 length (of what follows it) and a u8 type. */
export const FRAME_HEADER_BYTES = 3;
/** Bytes counted by the u16 length field: the type byte and the body. */
export const MAX_FRAME_BODY_BYTES = 0xffff - 1;

/** Client to server. */
export const ClientFrame = {
  Login: 0x01,
  NewOrder: 0x02,
  Cancel: 0x03,
  Replace: 0x04,
  Heartbeat: 0x05,
  Logout: 0x06,
} as const;
export type ClientFrame = (typeof ClientFrame)[keyof typeof ClientFrame];

/** Server to client. */
export const ServerFrame = {
  LoginAccepted: 0x81,
  Rejected: 0x82,
  OrderAccepted: 0x83,
  Fill: 0x84,
  Canceled: 0x85,
  Replaced: 0x86,
  Heartbeat: 0x87,
  Disconnect: 0x88,
} as const;
export type ServerFrame = (typeof ServerFrame)[keyof typeof ServerFrame];

/** Body sizes of the fixed-size frames (variable ones: the fixed part before their strings). */
export const BodyBytes = {
  login: 8 + 1 + 32, // timestampMs, apiKey length, signature (plus the key)
  newOrder: 4 + 4 + 1 + 1 + 1 + 1 + 8 + 8 + 1, // ..., clientOrderId length (plus the id)
  cancel: 4 + 8,
  replace: 4 + 8 + 8 + 8,
  loginAccepted: 4 + 8,
  rejected: 4 + 1 + 2 + 8 + 2, // ..., message length (plus the message)
  orderAccepted: 4 + 8 + 4 + 1 + 1 + 1 + 1 + 8 + 8 + 8 + 8 + 1 + 8 + 1, // ..., clientOrderId length (plus the id)
  fill: 4 + 8 + 8 + 4 + 1 + 1 + 8 + 8 + 8 + 8 + 8,
  canceled: 4 + 8 + 4 + 1 + 8 + 8,
  replaced: 4 + 8 + 8 + 8 + 8 + 1 + 8,
  disconnect: 2 + 2, // code, reason length (plus the reason)
} as const;

export const SIGNATURE_BYTES = 32;
export const MAX_API_KEY_BYTES = 255;
/** Longest clientOrderId (ASCII printable), as in the REST schema. */
export const MAX_CLIENT_ORDER_ID_BYTES = 64;

/** Order flags in NewOrder and OrderAccepted. */
export const OrderFlag = {
  PostOnly: 0x01,
  /** OrderAccepted only: a repeat of an accepted clientOrderId; the frame describes the first order. */
  Duplicate: 0x02,
} as const;

/** Order status after the command, in OrderAccepted (as REST's `status`). */
export const OrderStatusCode = { New: 0, PartiallyFilled: 1, Filled: 2, Canceled: 3 } as const;
export type OrderStatusCode = (typeof OrderStatusCode)[keyof typeof OrderStatusCode];

/** API.md's error codes as u16 numbers (the order of its catalogue; never renumbered, only appended). */
export const ERROR_CODE_NUMBERS = {
  INVALID_ARGUMENT: 1,
  UNAUTHENTICATED: 2,
  PERMISSION_DENIED: 3,
  IP_DENIED: 4,
  NOT_FOUND: 5,
  ORDER_NOT_OPEN: 6,
  DUPLICATE_CLIENT_ORDER_ID: 7,
  PAYLOAD_TOO_LARGE: 8,
  INSUFFICIENT_FUNDS: 9,
  RISK_LIMIT: 10,
  PRICE_BAND: 11,
  SYMBOL_HALTED: 12,
  MARKET_CLOSED: 13,
  UNKNOWN_SYMBOL: 14,
  ACCOUNT_BLOCKED: 15,
  POST_ONLY_WOULD_TRADE: 16,
  RATE_LIMITED: 17,
  INTERNAL: 18,
  UNAVAILABLE: 19,
} as const;
export type ErrorCodeName = keyof typeof ERROR_CODE_NUMBERS;

const NAMES_BY_NUMBER: ReadonlyMap<number, ErrorCodeName> = new Map(
  (Object.entries(ERROR_CODE_NUMBERS) as Array<[ErrorCodeName, number]>).map(([name, n]) => [n, name]),
);

/** The API.md name of a numeric error code, or undefined for a number the protocol does not define. */
export function errorCodeName(code: number): ErrorCodeName | undefined {
  return NAMES_BY_NUMBER.get(code);
}

/** Why the server closes a connection (Disconnect frame), then closes it. */
export const DisconnectCode = {
  Logout: 0,
  MalformedFrame: 1,
  NotLoggedIn: 2,
  LoginFailed: 3,
  SlowConsumer: 4,
  ShuttingDown: 5,
  HeartbeatTimeout: 6,
} as const;
export type DisconnectCode = (typeof DisconnectCode)[keyof typeof DisconnectCode];

/** What the Login signature signs: the REST canonical string for `GET /v1/order-entry` with no body. */
export const LOGIN_SIGNED_PATH = '/v1/order-entry';
