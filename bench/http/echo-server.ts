// The plain node:http ceiling: a server that reads the request body and answers 200 with a small JSON body
// (about the size of an order acknowledgement), nothing else. Started as a child process by main.ts.
import http from 'node:http';

const reply = JSON.stringify({
  id: '1', clientOrderId: null, symbol: 'AAPL', side: 'buy', orderType: 'limit', price: '210.00', quantity: 1,
  timeInForce: 'GTC', postOnly: false, creationTime: 0, filledQuantity: 0, remainingQuantity: 1, status: 'ok', averagePrice: null,
});

const server = http.createServer((request, response) => {
  let bytes = 0;
  request.on('data', (chunk: Buffer) => (bytes += chunk.length));
  request.on('end', () => {
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
