import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError, formatCents, parseAmount, parseDecimalCents, parsePriceCents, parseQuantity } from '../../../src/gateway/common/index.ts';

function rejects(fn: () => unknown, field: string, pattern?: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ApiError, String(error));
    assert.equal(error.code, 'INVALID_ARGUMENT');
    assert.equal(error.status, 400);
    assert.ok(error.message.startsWith(field), error.message);
    if (pattern !== undefined) assert.match(error.message, pattern);
    return true;
  });
}

describe('parsePriceCents', () => {
  const accepted: Array<[string, number]> = [
    ['189.50', 18950],
    ['189.5', 18950],
    ['189', 18900],
    ['0.01', 1],
    ['0.1', 10],
    ['1.05', 105],
    ['10.00', 1000],
    ['0.29', 29], // 0.29 * 100 is 28.999999999999996 in floating point
    ['1.13', 113],
    ['90071992547409.91', 9_007_199_254_740_991], // Number.MAX_SAFE_INTEGER cents
  ];
  for (const [text, cents] of accepted) {
    it(`accepts ${JSON.stringify(text)} as ${cents}`, () => assert.equal(parsePriceCents(text, 'price'), cents));
  }

  const refused: unknown[] = [
    '', ' 1', '1 ', '1e3', '1E3', '-1', '+1', '1.234', '1.', '.5', '007.10', '00', '01', '1,5', '1.2.3', '0x10',
    'NaN', 'Infinity', '١٢', '1_000', '\u00a01', '1\n', 1.5, 189, null, undefined, true, {}, ['1'],
  ];
  for (const value of refused) {
    it(`refuses ${JSON.stringify(value) ?? String(value)}`, () =>
      rejects(() => parsePriceCents(value, 'price'), 'price', /^price must be a decimal string with at most 2 decimals, like "189\.50"$/));
  }

  it('refuses zero and values too large', () => {
    rejects(() => parsePriceCents('0', 'price'), 'price', /greater than 0/);
    rejects(() => parsePriceCents('0.00', 'price'), 'price', /greater than 0/);
    rejects(() => parsePriceCents('90071992547409.92', 'price'), 'price', /too large/);
    rejects(() => parsePriceCents('999999999999999', 'price'), 'price', /too large/); // 15 digits, unsafe in cents
    rejects(() => parsePriceCents('1000000000000000', 'price'), 'price', /too large/); // 16 digits
    rejects(() => parsePriceCents('9'.repeat(100_000), 'price'), 'price', /too large/);
  });

  it('names the field it is given', () => {
    rejects(() => parsePriceCents('abc', 'orders[3].price'), 'orders[3].price');
  });

  it('parseDecimalCents allows zero', () => {
    assert.equal(parseDecimalCents('0', 'fee'), 0);
    assert.equal(parseDecimalCents('0.00', 'fee'), 0);
  });
});

describe('formatCents', () => {
  const table: Array<[number, string]> = [
    [18950, '189.50'],
    [1, '0.01'],
    [10, '0.10'],
    [0, '0.00'],
    [100, '1.00'],
    [-5, '-0.05'],
    [-18950, '-189.50'],
    [Number.MAX_SAFE_INTEGER, '90071992547409.91'],
    [-Number.MAX_SAFE_INTEGER, '-90071992547409.91'],
  ];
  for (const [cents, text] of table) {
    it(`${cents} → ${text}`, () => assert.equal(formatCents(cents), text));
  }
  it('round-trips with parsePriceCents', () => {
    for (let cents = 1; cents < 100_000; cents += 7) assert.equal(parsePriceCents(formatCents(cents), 'p'), cents);
  });
  it('refuses non-integers', () => {
    assert.throws(() => formatCents(1.5), RangeError);
    assert.throws(() => formatCents(Number.NaN), RangeError);
    assert.throws(() => formatCents(2 ** 53), RangeError);
  });
});

describe('parseQuantity', () => {
  const accepted: Array<[unknown, number]> = [
    [1, 1],
    [100, 100],
    [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
    ['1', 1],
    ['100', 100],
    ['9007199254740991', Number.MAX_SAFE_INTEGER],
    [1.0, 1], // JSON "1.0" parses to the integer 1
  ];
  for (const [value, n] of accepted) {
    it(`accepts ${JSON.stringify(value)}`, () => assert.equal(parseQuantity(value, 'quantity'), n));
  }
  const refused: unknown[] = [0, -1, 1.5, Number.NaN, Infinity, '0', '-1', '+1', '1.0', '1e3', '', ' 1', '01', 'abc', null, undefined, true, [1], {}];
  for (const value of refused) {
    it(`refuses ${JSON.stringify(value) ?? String(value)}`, () =>
      rejects(() => parseQuantity(value, 'quantity'), 'quantity', /whole number of shares/));
  }
  it('says too large beyond safe integers', () => {
    rejects(() => parseQuantity(2 ** 53, 'quantity'), 'quantity', /too large/);
    rejects(() => parseQuantity(1e300, 'quantity'), 'quantity', /too large/);
    rejects(() => parseQuantity('9007199254740992', 'quantity'), 'quantity', /too large/);
    rejects(() => parseQuantity('1'.repeat(400), 'quantity'), 'quantity', /too large/);
  });
});

describe('parseAmount', () => {
  it('cash: decimal string > 0 in cents', () => {
    assert.equal(parseAmount('cash', '1000.00', 'amount'), 100_000);
    assert.equal(parseAmount('cash', '0.01', 'amount'), 1);
    rejects(() => parseAmount('cash', '0', 'amount'), 'amount', /greater than 0/);
    rejects(() => parseAmount('cash', 1000, 'amount'), 'amount', /decimal string/);
    rejects(() => parseAmount('cash', '-5', 'amount'), 'amount');
  });
  it('shares: integer string or number > 0', () => {
    assert.equal(parseAmount('shares', '100', 'amount'), 100);
    assert.equal(parseAmount('shares', 100, 'amount'), 100);
    rejects(() => parseAmount('shares', '100.5', 'amount'), 'amount');
    rejects(() => parseAmount('shares', '0', 'amount'), 'amount');
    rejects(() => parseAmount('shares', 0, 'amount'), 'amount');
  });
});
