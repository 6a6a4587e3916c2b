// The shared-memory rings at their smallest (EXCHANGE_BUS_RING_BYTES=65536) against the REAL server: two
// sessions each pipeline 10,000 orders, about 600 KiB of requests and 1 MiB of answers apiece, through a
// 64 KiB ring each way. The gateway must stop reading its sockets while the inbound ring is full and resume
// them as the engine thread makes room; the engine thread must hold the answers that find the outbound ring
// full and send them, in order, as the gateway reads. Every order gets exactly one answer, in the order sent,
// and the stage latencies of all of them reach /metrics.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ServerFrame } from '../../src/protocol/order-entry/index.ts';
import { listSymbols, orderEntryPort, Session, sleep, type SymbolInfo } from './order-entry-helpers.ts';
import { ServerProcess } from './server-process.ts';

const ORDERS_PER_SESSION = 10_000;

let server: ServerProcess;
let symbols: SymbolInfo[];
let port: number;
const sessions: Session[] = [];

before(async () => {
  server = await ServerProcess.start({
    env: { EXCHANGE_BUS_RING_BYTES: '65536', EXCHANGE_GATEWAY_THREADS: '1', EXCHANGE_RATE_PER_KEY: '10000000', EXCHANGE_RATE_PER_IP: '10000000' },
  });
  symbols = (await listSymbols(server.client)).filter((s) => s.bandPercent === 10 && s.refCents >= 5_000 && s.tickCents === 1);
  port = await orderEntryPort(server.client);
});

after(async () => {
  for (const session of sessions) session.close();
  await server.stop();
});

describe('order entry through full rings', () => {
  it('two sessions pipelining 10,000 orders each through 64 KiB rings: every order answered once, in order', { timeout: 120_000 }, async () => {
    const runs = await Promise.all([0, 1].map(async (index) => {
      const s = symbols[index];
      const account = await server.client.createAccount(`full-rings-${index}`);
      await server.client.deposit(account, 'USD', '100000000.00');
      const session = await Session.loggedIn(port, account);
      sessions.push(session);
      const sent: number[] = [];
      const answered: number[] = [];
      const orderIds: number[] = [];
      session.client.onRawFrame = (type, _bytes, view, offset) => {
        if (type === ServerFrame.OrderAccepted || type === ServerFrame.Rejected) answered.push(view.getUint32(offset, true));
        if (type === ServerFrame.OrderAccepted) orderIds.push(Number(view.getBigInt64(offset + 4, true)));
        return true;
      };
      const reference = s.refCents;
      for (let i = 0; i < ORDERS_PER_SESSION; i++) {
        sent.push(session.client.sendNewOrder({ symbolId: s.symbolId, side: 'buy', priceCents: Math.round(reference * 0.99) - (i % 200), quantity: 1 + (i % 3) }));
      }
      return { session, sent, answered, orderIds, account, symbol: s.symbol };
    }));
    const deadline = Date.now() + 90_000;
    while (runs.some((r) => r.answered.length < r.sent.length && !r.session.client.isClosed) && Date.now() < deadline) await sleep(20);
    for (const run of runs) {
      assert.equal(run.answered.length, run.sent.length, `answers: ${run.answered.length} of ${run.sent.length}; ${run.session.describe()}`);
      assert.deepStrictEqual(run.answered, run.sent, 'one answer per order, in the order sent');
      assert.equal(run.orderIds.length, ORDERS_PER_SESSION, 'every order accepted');
      // The engine holds them all: the last one answered is resting with its quantity.
      const last = await server.client.signed(run.account, 'GET', `/v1/order/${run.orderIds[run.orderIds.length - 1]}`);
      assert.equal(last.status, 200, last.text);
      assert.equal(last.body.status, 'new');
      assert.equal(last.body.symbol, run.symbol);
    }
  });

  it('the stages of those orders reach the metrics: inbound and durable from the engine thread, answer from the gateway by way of it', async () => {
    const orders = 2 * ORDERS_PER_SESSION;
    const counts = async (): Promise<Record<string, number>> => {
      const text = (await server.client.request('GET', '/metrics')).text;
      return Object.fromEntries(['inbound', 'durable', 'answer', 'stream'].map((stage) => {
        const line = text.split('\n').find((l) => l.startsWith(`exchange_stage_seconds_count{stage="${stage}"} `));
        return [stage, line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1))];
      }));
    };
    // Sent once a second by each thread.
    const deadline = Date.now() + 10_000;
    let seen = await counts();
    while (Object.values(seen).some((count) => count < orders) && Date.now() < deadline) {
      await sleep(200);
      seen = await counts();
    }
    for (const stage of ['inbound', 'durable', 'answer', 'stream']) assert.ok(seen[stage] >= orders, `${stage}: ${seen[stage]} observations, ${orders} orders: ${JSON.stringify(seen)}`);
    // Each order's answer once (and the few logins' answers): not once per frame or per byte.
    assert.ok(seen.answer < orders + 100, JSON.stringify(seen));
  });
});
