// The order history is built from released events only; here it is checked against a naive model (every
// order and execution an object, updated in place) over seeded random streams, including a restore from
// its dump part-way.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Engine, EventKind } from '../../src/engine/index.ts';
import { CommandEventSink, type Released } from '../../src/sequencer/index.ts';
import { type ExecutionRecord, isOpen, type OrderRecord, OrderStore } from '../../src/views/index.ts';
import { decodeSnapshotBody, encodeSnapshotBody } from '../../src/node/snapshot-body.ts';
import { streamArbitrary } from '../reference/command-generator.ts';

function releasedOf(engine: Engine, sink: CommandEventSink, command: Released['command']): Released {
  sink.current = [];
  engine.apply(command);
  return { command, events: sink.current, balances: new Float64Array(0), balanceCount: 0 };
}

/** The model: plain objects, never compacted. */
class NaiveOrders {
  readonly orders = new Map<number, OrderRecord>();
  readonly executions: ExecutionRecord[] = [];

  apply({ events }: Released): void {
    for (const e of events) {
      if (e.kind === EventKind.OrderAccepted) {
        this.orders.set(e.orderId, {
          orderId: e.orderId, accountId: e.accountId, symbolId: e.symbolId, side: e.side, orderType: e.orderType, priceCents: e.priceCents,
          quantity: e.quantity, timeInForce: e.timeInForce, postOnly: e.postOnly, clientOrderId: e.clientOrderId, creationTimeMs: e.timestampMs,
          filledQuantity: 0, filledNotionalCents: 0, canceled: false,
        });
      } else if (e.kind === EventKind.Execution) {
        const order = this.orders.get(e.orderId)!;
        order.filledQuantity += e.quantity;
        order.filledNotionalCents += e.priceCents * e.quantity;
        this.executions.push({
          executionId: e.tradeId * 2 + (e.isMaker ? 1 : 0), tradeId: e.tradeId, orderId: e.orderId, accountId: e.accountId, symbolId: e.symbolId,
          side: e.side, orderType: order.orderType, priceCents: e.priceCents, quantity: e.quantity, feeCents: e.feeCents, isMaker: e.isMaker,
          timeMs: e.timestampMs,
        });
      } else if (e.kind === EventKind.OrderCanceled) {
        this.orders.get(e.orderId)!.canceled = true;
      } else if (e.kind === EventKind.OrderReplaced) {
        const order = this.orders.get(e.orderId)!;
        order.priceCents = e.priceCents;
        order.quantity = e.quantity;
      }
    }
  }
}

function throughBytes<T>(dump: T): T {
  return decodeSnapshotBody(Buffer.concat(encodeSnapshotBody(dump))) as T;
}

function check(store: OrderStore, model: NaiveOrders, where: string): void {
  for (const [orderId, order] of model.orders) assert.deepEqual(store.get(orderId), order, `order ${orderId} ${where}`);
  const accounts = new Set([...model.orders.values()].map((o) => o.accountId));
  for (const accountId of accounts) {
    const expected = [...model.orders.values()].filter((o) => o.accountId === accountId).sort((a, b) => b.orderId - a.orderId);
    assert.deepEqual(store.list(accountId, () => true, 1_000_000), expected, `orders of account ${accountId} ${where}`);
    assert.deepEqual(store.list(accountId, isOpen, 3), expected.filter(isOpen).slice(0, 3), `open orders of ${accountId} ${where}`);
    const executions = model.executions.filter((x) => x.accountId === accountId).reverse();
    assert.deepEqual(store.executions(accountId, () => true, 1_000_000), executions, `executions of ${accountId} ${where}`);
  }
  assert.deepEqual(store.all(), [...model.orders.values()].sort((a, b) => a.orderId - b.orderId), `all orders ${where}`);
  assert.deepEqual(store.allExecutions(), model.executions, `all executions ${where}`);
}

describe('order store', () => {
  it('matches a naive model of objects over random streams, also after a restore from its dump', () => {
    fc.assert(fc.property(streamArbitrary(150, 250), fc.nat(149), fc.boolean(), (stream, cut, legacy) => {
      const sink = new CommandEventSink();
      const engine = new Engine(stream.config, sink);
      const model = new NaiveOrders();
      let store = new OrderStore();
      stream.commands.forEach((command, index) => {
        const released = releasedOf(engine, sink, command);
        model.apply(released);
        store.apply(released);
        if (index === cut) {
          // Through a snapshot body's bytes (columns as raw arrays), or the older records form.
          const restored = new OrderStore();
          restored.restore(legacy ? { orders: store.all(), executions: store.allExecutions() } : throughBytes(store.dump()));
          store = restored;
        }
        if (index % 25 === 0) check(store, model, `after command ${index}`);
      });
      check(store, model, 'at the end');
    }), { numRuns: 30 });
  });

  it('get() gives a record as of the last command: one held across a cancel stays as it was', () => {
    const store = new OrderStore();
    const accepted = {
      kind: EventKind.OrderAccepted, eventSequence: 1, commandSequence: 5, timestampMs: 1, orderId: 5, accountId: 1, symbolId: 0, side: 0,
      orderType: 0, priceCents: 100, quantity: 10, timeInForce: 0, postOnly: false, clientOrderId: 'a',
    } as const;
    store.apply({ command: { kind: 1 } as unknown as Released['command'], events: [accepted], balances: new Float64Array(0), balanceCount: 0 });
    const held = store.get(5)!;
    store.apply({
      command: { kind: 2 } as unknown as Released['command'],
      events: [{ kind: EventKind.OrderCanceled, eventSequence: 2, commandSequence: 6, timestampMs: 2, orderId: 5, accountId: 1, symbolId: 0, side: 0, priceCents: 100, canceledQuantity: 10, reason: 0 }],
      balances: new Float64Array(0), balanceCount: 0,
    });
    assert.equal(held.canceled, false);
    assert.deepEqual(store.get(5), { ...held, canceled: true });
  });
});
