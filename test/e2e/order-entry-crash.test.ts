// kill -9 of the REAL server process while binary order-entry clients pipeline orders (API.md: "a successful
// response to a command means the command is durable"; the binary answer of an order is its OrderAccepted).
// Two accounts send crossing limit orders without waiting, so the server is mid-batch, with fills, when it
// dies. After a restart on the same data directory, every order that got an OrderAccepted must exist with the
// same fields, at least as filled as any frame said; order ids are never reused; binary logins and trading
// work again.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ServerFrame, type ServerMessage } from '../../src/protocol/order-entry/index.ts';
import { listSymbols, money, orderEntryPort, Session, sleep, within } from './order-entry-helpers.ts';
import { type Account, ServerProcess } from './server-process.ts';

const ENV = { EXCHANGE_RATE_PER_KEY: '10000000', EXCHANGE_RATE_PER_IP: '10000000', EXCHANGE_GATEWAY_THREADS: '1' };
/** Kill once this many orders are acknowledged (the clients keep sending up to the kill). */
const KILL_AFTER_ACCEPTED = 2_000;
/** At most this many orders unanswered per client: the kill lands with plenty in flight, the checks stay bounded. */
const MAX_IN_FLIGHT = 600;

interface Acked {
  account: Account;
  side: number;
  priceCents: number;
  quantity: number;
  /** Most filled any frame said (OrderAccepted.filledQuantity, or quantity - Fill.leavesQuantity). */
  filled: number;
}

/** Runs `check` over `items` with `concurrency` at a time. */
async function forEachLimited<T>(items: T[], concurrency: number, check: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) await check(items[next++]);
  }));
}

describe('order entry: crash recovery', () => {
  it('kill -9 while binary clients pipeline orders: every acknowledged order survives the restart; logins work again', async () => {
    const first = await ServerProcess.start({ env: ENV });
    const symbol = (await listSymbols(first.client)).find((s) => s.bandPercent === 10 && s.refCents >= 5_000)!;
    const buyer = await first.client.createAccount('crash-buyer');
    const seller = await first.client.createAccount('crash-seller');
    await first.client.deposit(buyer, 'USD', '50000000.00');
    await first.client.deposit(seller, symbol.symbol, '1000000');
    const port = await orderEntryPort(first.client);

    const acked = new Map<number, Acked>();
    const sentBy = new Map<Account, Map<number, { side: number; priceCents: number; quantity: number }>>();
    let answered = 0;
    const problems: string[] = [];
    const clients: Array<{ account: Account; session: Session; side: 'buy' | 'sell'; unanswered: number }> = [];
    for (const [account, side] of [[buyer, 'buy'], [seller, 'sell']] as const) {
      const session = await Session.loggedIn(port, account, side === 'buy' ? 'tcp' : 'ws');
      const client = { account, session, side, unanswered: 0 };
      const sent = new Map<number, { side: number; priceCents: number; quantity: number }>();
      sentBy.set(account, sent);
      const keep = session.client.onMessage;
      session.client.onMessage = (m: ServerMessage) => {
        keep(m);
        if (m.type === ServerFrame.OrderAccepted) {
          const request = sent.get(m.clientSeq);
          if (!request || request.side !== m.side || request.priceCents !== m.priceCents || request.quantity !== m.quantity) {
            problems.push(`OrderAccepted ${JSON.stringify(m)} does not describe its request ${JSON.stringify(request)}`);
          }
          acked.set(m.orderId, { account, side: m.side, priceCents: m.priceCents, quantity: m.quantity, filled: m.filledQuantity });
          client.unanswered--;
          answered++;
        } else if (m.type === ServerFrame.Rejected) {
          client.unanswered--;
          problems.push(`order refused: ${JSON.stringify(m)}`);
        } else if (m.type === ServerFrame.Fill) {
          const known = acked.get(m.orderId);
          if (known) known.filled = Math.max(known.filled, known.quantity - m.leavesQuantity);
        }
      };
      clients.push(client);
    }

    // Pipeline until the kill: crossing prices around the reference, so orders trade while others rest.
    let killed = false;
    let sentCount = 0;
    const pump = (async () => {
      let i = 0;
      while (!killed) {
        for (const client of clients) {
          while (client.unanswered < MAX_IN_FLIGHT && !client.session.client.isClosed) {
            i++;
            const priceCents = symbol.refCents + (i % 21) - 10;
            const quantity = 1 + (i % 5);
            const clientSeq = client.session.client.sendNewOrder({ symbolId: symbol.symbolId, side: client.side, priceCents, quantity });
            sentBy.get(client.account)!.set(clientSeq, { side: client.side === 'buy' ? 0 : 1, priceCents, quantity });
            client.unanswered++;
            sentCount++;
          }
        }
        await sleep(1);
      }
    })();
    const deadline = Date.now() + 60_000;
    while (answered < KILL_AFTER_ACCEPTED && Date.now() < deadline) await sleep(5);
    assert.ok(answered >= KILL_AFTER_ACCEPTED, `only ${answered} orders acknowledged in 60 s`);
    await first.kill9();
    killed = true;
    await pump;
    await Promise.all(clients.map((c) => within(10_000, 'client sees the connection close', c.session.closed)));
    const inFlight = clients.reduce((n, c) => n + c.unanswered, 0);
    console.log(`order-entry crash: ${sentCount} orders sent, ${acked.size} acknowledged before the kill, ${inFlight} unanswered`);
    assert.equal(acked.size, answered);
    assert.deepStrictEqual(problems.slice(0, 5), [], 'answers before the kill');

    const second = await first.restart();
    try {
      await forEachLimited([...acked], 16, async ([orderId, known]) => {
        const reply = await second.client.signed(known.account, 'GET', `/v1/order/${orderId}`);
        assert.equal(reply.status, 200, `acknowledged order ${orderId} lost in the crash: ${reply.status} ${reply.text}`);
        const order = reply.body;
        assert.equal(order.quantity, known.quantity, `order ${orderId} quantity`);
        assert.equal(order.side, known.side === 0 ? 'buy' : 'sell', `order ${orderId} side`);
        assert.equal(order.price, money(known.priceCents), `order ${orderId} price`);
        assert.equal(order.symbol, symbol.symbol);
        assert.ok(order.filledQuantity >= known.filled, `order ${orderId}: filled ${order.filledQuantity} after the restart, a frame said ${known.filled}`);
      });

      // The restarted server takes binary logins and orders again, and never reuses an acknowledged id.
      const fresh = (await listSymbols(second.client)).find((s) => s.bandPercent === 10 && s.refCents >= 5_000 && s.symbol !== symbol.symbol)!;
      await second.client.deposit(seller, fresh.symbol, '10');
      const newPort = await orderEntryPort(second.client);
      const buyerSession = await Session.loggedIn(newPort, buyer);
      const sellerSession = await Session.loggedIn(newPort, seller, 'ws');
      try {
        const bid = await buyerSession.accepted({ symbolId: fresh.symbolId, side: 'buy', priceCents: fresh.refCents, quantity: 3 });
        assert.equal(acked.has(bid.orderId), false, `order id ${bid.orderId} reused after the restart`);
        assert.ok(bid.orderId > Math.max(...acked.keys()), 'order ids keep growing across the restart');
        const ask = await sellerSession.accepted({ symbolId: fresh.symbolId, side: 'sell', priceCents: fresh.refCents, quantity: 3 });
        assert.equal(ask.filledQuantity, 3, `the restarted exchange trades: ${JSON.stringify(ask)}`);
        const fill = await buyerSession.waitFor('the buyer\'s Fill after the restart', (m) => m.type === ServerFrame.Fill && m.orderId === bid.orderId);
        assert.equal((fill as Extract<ServerMessage, { type: typeof ServerFrame.Fill }>).clientSeq, 0);
      } finally {
        buyerSession.close();
        sellerSession.close();
      }
    } finally {
      await second.stop();
    }
  });
});
