// The plain node:http ceiling: a server that reads the request body and answers 200 with a small JSON body
// (about the size of an order acknowledgement), nothing else. Started as a child process by bench/http and
// bench/e2e. With ECHO_ORDER_IDS=1 (bench/e2e) each answer carries a new order id and the status a resting
// order would have ("new"; "canceled" for a DELETE), so that a client learns order ids and sends cancels
// as it does against the exchange.
import http from 'node:http';

const order = {
  id: '1', clientOrderId: null, symbol: 'AAPL', side: 'buy', orderType: 'limit', price: '210.00', quantity: 1,
  timeInForce: 'GTC', postOnly: false, creationTime: 0, filledQuantity: 0, remainingQuantity: 1, status: 'ok', averagePrice: null,
};
const fixedReply = JSON.stringify(order);
const withIds = process.env.ECHO_ORDER_IDS === '1';
let nextId = 1;

const replyTo = (method: string | undefined): string =>
  withIds ? JSON.stringify({ ...order, id: String(nextId++), status: method === 'DELETE' ? 'canceled' : 'new' }) : fixedReply;

const server = http.createServer((request, response) => {
  let bytes = 0;
  request.on('data', (chunk: Buffer) => (bytes += chunk.length));
  request.on('end', () => {
    const reply = replyTo(request.method);
    response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(reply) });
    response.end(reply);
  });
});
server.keepAliveTimeout = 120_000;
server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  console.log(`echo listening on http://127.0.0.1:${address.port}`);
});
process.on('SIGTERM', () => process.exit(0));
