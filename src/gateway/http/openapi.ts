// The OpenAPI 3.1 description of the REST API, assembled from the same schemas the server validates with.
import { ERROR_CATALOGUE } from '../common/index.ts';
import { schemas } from './schemas.ts';

type Auth = 'public' | 'signed' | 'admin';

interface Endpoint {
  method: 'get' | 'post' | 'put' | 'delete';
  path: string;
  summary: string;
  auth: Auth;
  body?: object;
  query?: { properties: Record<string, object>; required?: readonly string[] };
  success: number;
}

const endpoints: Endpoint[] = [
  { method: 'post', path: '/v1/admin/accounts', summary: 'Create an account; returns its API key and secret', auth: 'admin', body: schemas.createAccountBody, success: 201 },
  { method: 'get', path: '/v1/admin/accounts/{accountId}', summary: 'An account, its status and wallet', auth: 'admin', success: 200 },
  { method: 'post', path: '/v1/admin/accounts/{accountId}/deposit', summary: 'Deposit cash ("USD") or shares; returns the wallet', auth: 'admin', body: schemas.balanceBody, success: 200 },
  { method: 'post', path: '/v1/admin/accounts/{accountId}/withdraw', summary: 'Withdraw cash or shares; returns the wallet', auth: 'admin', body: schemas.balanceBody, success: 200 },
  { method: 'post', path: '/v1/admin/accounts/{accountId}/block', summary: 'Block an account (no new orders)', auth: 'admin', success: 200 },
  { method: 'post', path: '/v1/admin/accounts/{accountId}/unblock', summary: 'Unblock an account', auth: 'admin', success: 200 },
  { method: 'post', path: '/v1/admin/symbols/{symbol}/halt', summary: 'Halt trading in a symbol', auth: 'admin', success: 200 },
  { method: 'post', path: '/v1/admin/symbols/{symbol}/resume', summary: 'Resume trading in a symbol', auth: 'admin', success: 200 },
  { method: 'post', path: '/v1/admin/session/open', summary: 'Open the trading session', auth: 'admin', success: 200 },
  { method: 'post', path: '/v1/admin/session/close', summary: 'Close the session; DAY orders expire', auth: 'admin', success: 200 },
  { method: 'get', path: '/v1/admin/state-hash', summary: 'Sequence and canonical state hash (compare with `replay --verify`)', auth: 'admin', success: 200 },
  { method: 'post', path: '/v1/admin/snapshot', summary: 'Write a snapshot now', auth: 'admin', success: 200 },
  { method: 'post', path: '/v1/order', summary: 'Place an order; the response reflects matching done on arrival', auth: 'signed', body: schemas.newOrderBody, success: 201 },
  { method: 'get', path: '/v1/order/{id}', summary: 'One of the account\'s orders', auth: 'signed', success: 200 },
  { method: 'delete', path: '/v1/order/{id}', summary: 'Cancel an open order', auth: 'signed', success: 200 },
  { method: 'put', path: '/v1/order/{id}', summary: 'Cancel-replace: new total quantity and/or price', auth: 'signed', body: schemas.replaceBody, success: 200 },
  { method: 'get', path: '/v1/orders', summary: 'The account\'s orders, newest first', auth: 'signed', query: schemas.ordersQuery, success: 200 },
  { method: 'get', path: '/v1/execution', summary: 'The account\'s executions, newest first, from the reporting store (`before` = the previous page\'s `next`)', auth: 'signed', query: schemas.executionsQuery, success: 200 },
  { method: 'get', path: '/v1/reports/trades', summary: 'The account\'s trade history (format=json or csv)', auth: 'signed', query: schemas.tradesReportQuery, success: 200 },
  { method: 'get', path: '/v1/reports/statement', summary: 'The account\'s daily statement: balances, trades, fees, deposits, withdrawals, and the check', auth: 'signed', query: schemas.dateQuery, success: 200 },
  { method: 'get', path: '/v1/admin/reports/daily', summary: 'Per symbol OHLC, volume, VWAP and trade count for a UTC day', auth: 'admin', query: schemas.dateQuery, success: 200 },
  { method: 'get', path: '/v1/admin/orders/{id}/audit', summary: 'Every event of an order, in sequence', auth: 'admin', success: 200 },
  { method: 'get', path: '/v1/admin/reconcile', summary: 'Compare the reporting ledger with the engine\'s wallets at one sequence', auth: 'admin', success: 200 },
  { method: 'get', path: '/v1/wallet', summary: 'Cash and shares, available and held', auth: 'signed', success: 200 },
  { method: 'get', path: '/v1/symbols', summary: 'Listed instruments', auth: 'public', success: 200 },
  { method: 'get', path: '/v1/marketdata/orderBook/L2', summary: 'Depth by price level, best first', auth: 'public', query: schemas.l2Query, success: 200 },
  { method: 'get', path: '/v1/marketdata/orderBook/L3', summary: 'Every resting order in priority order', auth: 'public', query: schemas.symbolQuery, success: 200 },
  { method: 'get', path: '/v1/marketdata/trades', summary: 'Recent trades, newest first', auth: 'public', query: schemas.tradesQuery, success: 200 },
  { method: 'get', path: '/v1/marketdata/ticker', summary: 'Best bid and offer, last price, day volume', auth: 'public', query: schemas.symbolQuery, success: 200 },
  { method: 'get', path: '/v1/marketdata/candles', summary: 'Candlesticks (1m 5m 15m 1h 1d)', auth: 'public', query: schemas.candlesQuery, success: 200 },
  { method: 'get', path: '/healthz', summary: 'The process is up', auth: 'public', success: 200 },
  { method: 'get', path: '/readyz', summary: 'Recovered and accepting orders (503 otherwise)', auth: 'public', success: 200 },
  { method: 'get', path: '/metrics', summary: 'Prometheus metrics', auth: 'public', success: 200 },
];

function operation(endpoint: Endpoint): Record<string, unknown> {
  const pathParams = [...endpoint.path.matchAll(/\{(\w+)\}/g)].map((match) => ({
    name: match[1], in: 'path', required: true, schema: { type: 'string' },
  }));
  const queryParams = Object.entries(endpoint.query?.properties ?? {}).map(([name, schema]) => ({
    name, in: 'query', required: endpoint.query?.required?.includes(name) ?? false, schema,
  }));
  const security = endpoint.auth === 'admin' ? [{ adminToken: [] }] : endpoint.auth === 'signed' ? [{ apiKey: [], timestamp: [], signature: [] }] : [];
  return {
    summary: endpoint.summary,
    security,
    parameters: [...pathParams, ...queryParams],
    ...(endpoint.body ? { requestBody: { required: true, content: { 'application/json': { schema: endpoint.body } } } } : {}),
    responses: {
      [endpoint.success]: { description: 'success' },
      default: { description: 'error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
    },
  };
}

export function openApiDocument(): { openapi: string; info: { title: string; version: string }; paths: Record<string, object> } & Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const endpoint of endpoints) (paths[endpoint.path] ??= {})[endpoint.method] = operation(endpoint);
  return {
    openapi: '3.1.0',
    info: { title: 'Exchange API', version: '1' },
    paths,
    components: {
      securitySchemes: {
        adminToken: { type: 'http', scheme: 'bearer' },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        timestamp: { type: 'apiKey', in: 'header', name: 'X-Timestamp', description: 'ms since the epoch, within 5,000 ms of the server clock' },
        signature: { type: 'apiKey', in: 'header', name: 'X-Signature', description: 'hex HMAC-SHA256(secret, timestamp + METHOD + pathWithQuery + body)' },
      },
      schemas: {
        Error: {
          type: 'object', required: ['error'],
          properties: { error: { type: 'object', properties: { code: { type: 'string', enum: Object.keys(ERROR_CATALOGUE) }, message: { type: 'string' } } } },
        },
      },
    },
  };
}
