// The JSON WebSocket ceiling: a `ws` server (no compression, as the exchange's) that parses each text
// message and answers it at once with a small JSON answer carrying its requestId: `authenticated` for auth,
// for an order the shape of the exchange's answer (an order object with a new id, status "new" or
// "canceled"), a connection's answers of one turn in one corked write. No engine, no disk, no checks.
// Started as a child process by main.ts; prints "echo listening on ws://127.0.0.1:<port>/v1/ws".
import type { Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

const order = {
  id: '1', clientOrderId: null, symbol: 'AAPL', side: 'buy', orderType: 'limit', price: '210.00', quantity: 1, timeInForce: 'GTC',
  postOnly: false, creationTime: 0, filledQuantity: 0, remainingQuantity: 1, status: 'new', averagePrice: null,
};
let nextOrderId = 1;

const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });

server.on('connection', (ws: WebSocket) => {
  const socket = (ws as unknown as { _socket: Socket })._socket;
  let corked = false;
  const uncork = (): void => {
    corked = false;
    socket.uncork();
  };
  ws.on('message', (data: Buffer) => {
    let message: { op?: string; requestId?: unknown };
    try {
      message = JSON.parse(data.toString()) as typeof message;
    } catch {
      return;
    }
    if (!corked) {
      corked = true;
      socket.cork();
      setImmediate(uncork);
    }
    if (message.op === 'auth') {
      ws.send('{"op":"authenticated","accountId":"1"}');
      return;
    }
    order.id = String(nextOrderId++);
    order.status = message.op === 'order.cancel' ? 'canceled' : 'new';
    ws.send(JSON.stringify({ op: message.op, requestId: message.requestId, order }));
  });
  ws.on('error', () => ws.terminate());
});

server.on('listening', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  console.log(`echo listening on ws://127.0.0.1:${address.port}/v1/ws`);
});
process.on('SIGTERM', () => process.exit(0));
