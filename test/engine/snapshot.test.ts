// Snapshot and restore: a restored engine continues exactly like one that never stopped, and the state
// hash tells states apart.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CollectingSink, Engine, Side, stateHash, TimeInForce } from '../../src/engine/index.ts';
import { Desk } from './harness.ts';

/** A session with resting orders on both sides, partial fills, a replace and client order ids. */
function busyDesk(): { desk: Desk; traders: number[] } {
  const desk = new Desk();
  desk.open();
  const traders = [desk.account('a'), desk.account('b'), desk.account('c')];
  for (let i = 0; i < 60; i++) {
    const side = i % 2 === 0 ? Side.Buy : Side.Sell;
    const price = side === Side.Buy ? 9_990 - (i % 7) : 9_995 + (i % 5);
    desk.order(traders[i % 3], 0, side, price, 1 + (i % 4), { clientOrderId: `o-${i}`, timeInForce: i % 5 === 0 ? TimeInForce.DAY : TimeInForce.GTC });
  }
  desk.buy(traders[0], 9_998, 9);
  desk.deposit(traders[1], 0, 5_000, 'top-up');
  return { desk, traders };
}

/** The same continuation applied to any engine, from the desk's next sequence on. */
function continueTrading(engine: Engine, fromSequence: number, traders: number[]): void {
  let sequence = fromSequence;
  const at = (): { sequence: number; timestampMs: number } => ({ sequence: ++sequence, timestampMs: 1_800_000_000_000 + sequence });
  for (let i = 0; i < 40; i++) {
    engine.apply({ ...at(), kind: 1, accountId: traders[(i + 1) % 3], symbolId: 0, side: i % 2 === 0 ? Side.Sell : Side.Buy,
      orderType: 0, priceCents: i % 2 === 0 ? 9_985 : 10_002, quantity: 3, timeInForce: TimeInForce.GTC, postOnly: false, clientOrderId: '' });
  }
  engine.apply({ ...at(), kind: 10 });
}

describe('snapshot and restore', () => {
  it('continue identically after a JSON round trip of the dump', () => {
    const { desk, traders } = busyDesk();
    const dump = JSON.parse(JSON.stringify(desk.engine.dump()));
    const restoredSink = new CollectingSink();
    const restored = Engine.restore(desk.engine.config, dump, restoredSink);
    restored.checkInvariants();
    assert.equal(stateHash(restored.dump()), stateHash(desk.engine.dump()));

    continueTrading(desk.engine, desk.sequence, traders);
    continueTrading(restored, desk.sequence, traders);
    restored.checkInvariants();
    assert.deepEqual(restoredSink.events, desk.sink.take());
    assert.equal(stateHash(restored.dump()), stateHash(desk.engine.dump()));
  });

  it('hash differently when one cent moves', () => {
    const { desk } = busyDesk();
    const dump = desk.engine.dump();
    const altered = structuredClone(dump);
    altered.accounts[1].balances[0].available += 1;
    assert.notEqual(stateHash(altered), stateHash(dump));
    const reordered = structuredClone(dump);
    const bids = reordered.symbols[0].bids;
    const at = bids.findIndex((order, i) => i > 0 && order.priceCents === bids[i - 1].priceCents);
    [bids[at - 1], bids[at]] = [bids[at], bids[at - 1]];
    assert.notEqual(stateHash(reordered), stateHash(dump), 'time priority is part of the state');
  });
});
