// Exact conversions between the API's decimal strings and the core's integer units, done on the text,
// never through floating point.
//
// Grammar of a decimal (prices and cash amounts), the digits of a JSON number without sign or exponent:
// an integer part that is "0" or starts with 1-9, then optionally "." and one or two digits. Accepted:
// "189", "189.5", "189.50", "0.01". Refused: "007.10" and "01" (leading zeros, refused as JSON refuses 007),
// "189." and ".5", "1.234", "1e3", "-1", "+1", " 1", "1,5", "". More than 15 integer digits, or a value
// above Number.MAX_SAFE_INTEGER cents (90071992547409.91), is refused as too large. Only strings are
// accepted: a JSON number such as 1.5 is refused, because a binary float cannot carry a decimal exactly.
//
// Quantities (shares) are JSON integers >= 1 (safe integers), or strings of decimal digits without sign
// or leading zeros ("100"), as API.md's deposit example writes share amounts.
//
// Every refusal is a 400 INVALID_ARGUMENT ApiError whose message starts with the field's name.

import { invalidArgument } from './errors.ts';
import type { ApiError } from './errors.ts';

const DECIMAL = /^(0|[1-9][0-9]*)(?:\.([0-9]{1,2}))?$/;
const DIGITS = /^[1-9][0-9]*$/;
const MAX_INTEGER_DIGITS = 15;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function decimalError(field: string): ApiError {
  return invalidArgument(`${field} must be a decimal string with at most 2 decimals, like "189.50"`);
}

/**
 * A non-negative decimal string as integer cents ("189.5" → 18950, "0" → 0). Throws 400 INVALID_ARGUMENT
 * naming `field` for anything else, including a non-string.
 */
export function parseDecimalCents(text: unknown, field: string): number {
  if (typeof text !== 'string') throw decimalError(field);
  const match = DECIMAL.exec(text);
  if (match === null) throw decimalError(field);
  if (match[1].length > MAX_INTEGER_DIGITS) throw invalidArgument(`${field} is too large`);
  const cents = BigInt(match[1]) * 100n + BigInt((match[2] ?? '').padEnd(2, '0'));
  if (cents > MAX_SAFE) throw invalidArgument(`${field} is too large`);
  return Number(cents);
}

/** A price (or cash amount): a decimal string greater than zero, as integer cents. */
export function parsePriceCents(text: unknown, field: string): number {
  const cents = parseDecimalCents(text, field);
  if (cents <= 0) throw invalidArgument(`${field} must be greater than 0`);
  return cents;
}

/** Integer cents as a decimal string with exactly two decimals: 18950 → "189.50", -5 → "-0.05". */
export function formatCents(cents: number): string {
  if (!Number.isSafeInteger(cents)) throw new RangeError(`formatCents: ${String(cents)} is not a safe integer`);
  const negative = cents < 0;
  const abs = negative ? -cents : cents;
  const whole = Math.floor(abs / 100);
  const fraction = abs - whole * 100;
  return `${negative ? '-' : ''}${whole}.${fraction < 10 ? '0' : ''}${fraction}`;
}

/**
 * A quantity: a JSON integer >= 1 that is a safe integer, or a string of digits without sign or leading
 * zeros ("100"). Throws 400 INVALID_ARGUMENT naming `field` otherwise (1.5, 0, -1, "1e3", "1.0", true, ...).
 */
export function parseQuantity(value: unknown, field: string): number {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value) && value >= 1) return value;
  } else if (typeof value === 'string' && DIGITS.test(value)) {
    const n = value.length <= 16 ? Number(value) : Infinity;
    if (Number.isSafeInteger(n)) return n;
    throw invalidArgument(`${field} is too large`);
  }
  if (typeof value === 'number' && Number.isInteger(value) && value > Number.MAX_SAFE_INTEGER) {
    throw invalidArgument(`${field} is too large`);
  }
  throw invalidArgument(`${field} must be a whole number of shares of at least 1, like 100`);
}

export type AmountAsset = 'cash' | 'shares';

/**
 * A deposit or withdrawal amount: cash as a decimal string > 0 (→ cents), shares as a quantity (integer or
 * digit string) > 0 (→ shares).
 */
export function parseAmount(asset: AmountAsset, text: unknown, field: string): number {
  return asset === 'cash' ? parsePriceCents(text, field) : parseQuantity(text, field);
}
