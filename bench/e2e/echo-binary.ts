// The binary order-entry ceiling: a TCP server speaking the protocol's framing and nothing else. It splits
// frames with the repository's FrameSplitter and answers each Login with LoginAccepted, each NewOrder with
// an OrderAccepted (a new order id; status new, or canceled for IOC/FOK) and each Cancel with a Canceled,
// through one FrameWriter per connection, one write per chunk read. No engine, no disk, no checks.
// Started as a child process by main.ts; prints "echo listening on tcp://127.0.0.1:<port>".
import net from 'node:net';
import {
  type CanceledFrame, type CancelFrame, ClientFrame, decodeCancel, decodeNewOrder, FrameSplitter, FrameWriter, type NewOrderFrame, type OrderAcceptedFrame,
  OrderStatusCode,
} from '../../src/protocol/order-entry/index.ts';

let nextOrderId = 1;

const server = net.createServer((socket) => {
  socket.setNoDelay(true);
  const splitter = new FrameSplitter();
  const writer = new FrameWriter(64 * 1024);
  const order: NewOrderFrame = { clientSeq: 0, symbolId: 0, side: 0, orderType: 0, timeInForce: 0, flags: 0, priceCents: 0, quantity: 0, clientOrderId: '' };
  const cancel: CancelFrame = { clientSeq: 0, orderId: 0 };
  const canceled: CanceledFrame = { clientSeq: 0, orderId: 0, symbolId: 0, reason: 0, canceledQuantity: 0, timestampMs: 0 };
  const accepted: OrderAcceptedFrame = {
    clientSeq: 0, orderId: 0, symbolId: 0, side: 0, orderType: 0, timeInForce: 0, flags: 0, priceCents: 0, quantity: 0, filledQuantity: 0,
    leavesQuantity: 0, status: OrderStatusCode.New, timestampMs: 0, clientOrderId: '',
  };
  const onFrame = (type: number, bytes: Uint8Array, view: DataView, offset: number, length: number): boolean => {
    switch (type) {
      case ClientFrame.Login:
        writer.loginAccepted(1, Date.now());
        break;
      case ClientFrame.NewOrder: {
        if (decodeNewOrder(bytes, view, offset, length, order) !== null) break;
        const resting = order.timeInForce === 0 || order.timeInForce === 1;
        accepted.clientSeq = order.clientSeq;
        accepted.orderId = nextOrderId++;
        accepted.symbolId = order.symbolId;
        accepted.side = order.side;
        accepted.orderType = order.orderType;
        accepted.timeInForce = order.timeInForce;
        accepted.priceCents = order.priceCents;
        accepted.quantity = order.quantity;
        accepted.leavesQuantity = resting ? order.quantity : 0;
        accepted.status = resting ? OrderStatusCode.New : OrderStatusCode.Canceled;
        accepted.timestampMs = Date.now();
        writer.orderAccepted(accepted);
        break;
      }
      case ClientFrame.Cancel:
        if (decodeCancel(bytes, view, offset, length, cancel) !== null) break;
        canceled.clientSeq = cancel.clientSeq;
        canceled.orderId = cancel.orderId;
        canceled.timestampMs = Date.now();
        writer.canceled(canceled);
        break;
      case ClientFrame.Logout:
        socket.end();
        break;
      default: // Heartbeat, Replace: nothing
    }
    return true;
  };
  socket.on('data', (chunk: Buffer) => {
    splitter.feed(chunk, onFrame);
    if (writer.length > 0) socket.write(writer.take());
  });
  socket.on('error', () => socket.destroy());
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  console.log(`echo listening on tcp://127.0.0.1:${address.port}`);
});
process.on('SIGTERM', () => process.exit(0));
