// JSON Schemas of the request bodies and queries: fastify validates with them (a failure is a 400
// INVALID_ARGUMENT naming the field) and the OpenAPI document reuses them.
const decimal = { type: 'string', pattern: '^[0-9]{1,15}(\\.[0-9]{1,2})?$', description: 'decimal string, at most 2 decimals, e.g. "189.50"' };
const id = { type: 'string', pattern: '^[0-9]{1,15}$', description: 'numeric id as a string' };

/**
 * A time in ms for a query string. ajv's type coercion turns "1e400" into Infinity and lets it through
 * `maximum`, so times are digit strings (at most 15 digits: always a safe integer) converted by `msOf`.
 */
const timeMs = { type: 'string', pattern: '^[0-9]{1,15}$', description: 'ms since the Unix epoch' };

export function msOf(text: string | undefined, fallback: number): number {
  return text === undefined ? fallback : Number(text);
}

export const schemas = {
  createAccountBody: {
    type: 'object', required: ['name'], additionalProperties: false,
    properties: { name: { type: 'string', minLength: 1, maxLength: 64 } },
  },
  balanceBody: {
    type: 'object', required: ['asset', 'amount'], additionalProperties: false,
    properties: {
      asset: { type: 'string', minLength: 1, maxLength: 16, description: '"USD" or a symbol' },
      amount: { anyOf: [decimal, { type: 'integer', minimum: 1 }], description: 'cash as a decimal string, shares as an integer or digit string' },
      idempotencyKey: { type: 'string', minLength: 1, maxLength: 64 },
    },
  },
  accountParams: { type: 'object', required: ['accountId'], properties: { accountId: id } },
  symbolParams: { type: 'object', required: ['symbol'], properties: { symbol: { type: 'string', minLength: 1, maxLength: 16 } } },
  newOrderBody: {
    type: 'object', required: ['symbol', 'side', 'orderType', 'quantity'], additionalProperties: false,
    properties: {
      symbol: { type: 'string', minLength: 1, maxLength: 16 },
      side: { type: 'string', enum: ['buy', 'sell'] },
      orderType: { type: 'string', enum: ['limit', 'market'] },
      price: decimal,
      quantity: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
      timeInForce: { type: 'string', enum: ['GTC', 'DAY', 'IOC', 'FOK'], default: 'GTC' },
      clientOrderId: { type: 'string', minLength: 1, maxLength: 64 },
      postOnly: { type: 'boolean', default: false },
    },
  },
  orderParams: { type: 'object', required: ['id'], properties: { id } },
  replaceBody: {
    type: 'object', additionalProperties: false, minProperties: 1,
    properties: { quantity: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER }, price: decimal },
  },
  ordersQuery: {
    type: 'object', additionalProperties: false,
    properties: {
      symbol: { type: 'string', minLength: 1, maxLength: 16 },
      status: { type: 'string', enum: ['open', 'filled', 'canceled'] },
      limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
    },
  },
  executionsQuery: {
    type: 'object', additionalProperties: false,
    properties: {
      symbol: { type: 'string', minLength: 1, maxLength: 16 },
      orderId: id,
      startTime: timeMs,
      endTime: timeMs,
      limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
      before: { ...id, description: 'pagination: only executions with an id below this (the previous page\'s `next`)' },
    },
  },
  tradesReportQuery: {
    type: 'object', additionalProperties: false,
    properties: {
      startTime: timeMs,
      endTime: timeMs,
      format: { type: 'string', enum: ['json', 'csv'], default: 'json' },
    },
  },
  dateQuery: {
    type: 'object', required: ['date'], additionalProperties: false,
    properties: { date: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'UTC day, YYYY-MM-DD' } },
  },
  l2Query: {
    type: 'object', required: ['symbol'], additionalProperties: false,
    properties: { symbol: { type: 'string', minLength: 1, maxLength: 16 }, depth: { type: 'integer', minimum: 1, maximum: 1000, default: 10 } },
  },
  symbolQuery: {
    type: 'object', required: ['symbol'], additionalProperties: false,
    properties: { symbol: { type: 'string', minLength: 1, maxLength: 16 } },
  },
  tradesQuery: {
    type: 'object', required: ['symbol'], additionalProperties: false,
    properties: { symbol: { type: 'string', minLength: 1, maxLength: 16 }, limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
  },
  candlesQuery: {
    type: 'object', required: ['symbol', 'resolution'], additionalProperties: false,
    properties: {
      symbol: { type: 'string', minLength: 1, maxLength: 16 },
      resolution: { type: 'string', enum: ['1m', '5m', '15m', '1h', '1d'] },
      startTime: timeMs,
      endTime: timeMs,
    },
  },
} as const;

