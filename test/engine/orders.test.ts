// Order types, time in force, matching priority, cancel-replace and self-trade prevention.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CancelReason, EventKind, OrderType, RejectCode, SelfTradePrevention, Side, TimeInForce } from '../../src/engine/index.ts';
import { Desk, kinds, only, TEST } from './harness.ts';

function market(): { desk: Desk; alice: number; bob: number; carol: number } {
  const desk = new Desk();
  desk.open();
  return { desk, alice: desk.account('alice'), bob: desk.account('bob'), carol: desk.account('carol') };
}

describe('limit orders', () => {
  it('rest without trading when they do not cross', () => {
    const { desk, alice, bob } = market();
    assert.deepEqual(kinds(desk.buy(alice, 9_990, 10)), ['OrderAccepted']);
    assert.deepEqual(kinds(desk.sell(bob, 10_010, 5)), ['OrderAccepted']);
    assert.deepEqual(desk.book(), { bids: [[9_990, 10]], asks: [[10_010, 5]] });
  });

  it('trade at the resting price, one execution per side sharing a trade id, taker first', () => {
    const { desk, alice, bob } = market();
    const makerId = desk.rest(bob, Side.Sell, 10_000, 10);
    const events = desk.buy(alice, 10_050, 4);
    assert.deepEqual(kinds(events), ['OrderAccepted', 'Execution', 'Execution']);
    const [taker, maker] = only(events, EventKind.Execution);
    assert.equal(taker.tradeId, maker.tradeId);
    assert.deepEqual([taker.accountId, taker.isMaker, taker.priceCents, taker.quantity, taker.remainingQuantity], [alice, false, 10_000, 4, 0]);
    assert.deepEqual([maker.orderId, maker.isMaker, maker.priceCents, maker.quantity, maker.remainingQuantity], [makerId, true, 10_000, 4, 6]);
    // 40,000 cents notional: taker pays 20 bps, maker 10 bps.
    assert.equal(taker.feeCents, 80);
    assert.equal(maker.feeCents, 40);
    assert.deepEqual(desk.book(), { bids: [], asks: [[10_000, 6]] });
  });

  it('sweep levels in price order and orders in time order within a level', () => {
    const { desk, alice, bob, carol } = market();
    const first = desk.rest(bob, Side.Sell, 10_001, 5);
    const second = desk.rest(carol, Side.Sell, 10_001, 5);
    const better = desk.rest(carol, Side.Sell, 10_000, 3);
    const events = desk.buy(alice, 10_001, 10);
    const makers = only(events, EventKind.Execution).filter((e) => e.isMaker);
    assert.deepEqual(makers.map((e) => [e.orderId, e.priceCents, e.quantity]), [[better, 10_000, 3], [first, 10_001, 5], [second, 10_001, 2]]);
    assert.deepEqual(desk.book().asks, [[10_001, 3]]);
    assert.deepEqual(desk.queue(Side.Sell), [second]);
  });

  it('rest the remainder of a partly filled GTC order', () => {
    const { desk, alice, bob } = market();
    desk.rest(bob, Side.Sell, 10_000, 3);
    const events = desk.buy(alice, 10_000, 10);
    assert.deepEqual(kinds(events), ['OrderAccepted', 'Execution', 'Execution']);
    assert.deepEqual(desk.book(), { bids: [[10_000, 7]], asks: [] });
  });
});

describe('time in force', () => {
  it('IOC cancels what it cannot fill at once', () => {
    const { desk, alice, bob } = market();
    desk.rest(bob, Side.Sell, 10_000, 3);
    const events = desk.buy(alice, 10_000, 10, { timeInForce: TimeInForce.IOC });
    assert.deepEqual(kinds(events), ['OrderAccepted', 'Execution', 'Execution', 'OrderCanceled']);
    const [canceled] = only(events, EventKind.OrderCanceled);
    assert.deepEqual([canceled.canceledQuantity, canceled.reason], [7, CancelReason.ImmediateOrCancel]);
    assert.deepEqual(desk.book(), { bids: [], asks: [] });
    assert.deepEqual(desk.balance(alice, 0).held, 0);
  });

  it('FOK that cannot fill whole trades nothing and leaves the book alone', () => {
    const { desk, alice, bob, carol } = market();
    desk.rest(bob, Side.Sell, 10_000, 3);
    desk.rest(carol, Side.Sell, 10_001, 3);
    const events = desk.buy(alice, 10_001, 7, { timeInForce: TimeInForce.FOK });
    assert.deepEqual(kinds(events), ['OrderAccepted', 'OrderCanceled']);
    assert.equal(only(events, EventKind.OrderCanceled)[0].reason, CancelReason.FillOrKill);
    assert.deepEqual(desk.book().asks, [[10_000, 3], [10_001, 3]]);
  });

  it('FOK that can fill whole fills across levels', () => {
    const { desk, alice, bob, carol } = market();
    desk.rest(bob, Side.Sell, 10_000, 3);
    desk.rest(carol, Side.Sell, 10_001, 3);
    const events = desk.buy(alice, 10_001, 6, { timeInForce: TimeInForce.FOK });
    assert.deepEqual(kinds(events), ['OrderAccepted', 'Execution', 'Execution', 'Execution', 'Execution']);
    assert.deepEqual(desk.book().asks, []);
  });

  it('DAY orders expire at session close in order id order; GTC orders stay', () => {
    const { desk, alice, bob } = market();
    const day2 = desk.rest(bob, Side.Sell, 10_100, 1, { timeInForce: TimeInForce.DAY });
    const gtc = desk.rest(alice, Side.Buy, 9_900, 1);
    const day1 = desk.rest(alice, Side.Buy, 9_800, 1, { timeInForce: TimeInForce.DAY });
    const events = desk.close();
    assert.deepEqual(kinds(events), ['OrderCanceled', 'OrderCanceled', 'SessionChanged']);
    assert.deepEqual(only(events, EventKind.OrderCanceled).map((e) => [e.orderId, e.reason]), [[day2, CancelReason.Expired], [day1, CancelReason.Expired]]);
    assert.deepEqual(desk.queue(Side.Buy), [gtc]);
    assert.equal(only(desk.buy(alice, 9_900, 1), EventKind.OrderRejected)[0].code, RejectCode.MarketClosed);
    assert.deepEqual(kinds(desk.cancel(alice, gtc)), ['OrderCanceled']);
  });
});

describe('market orders', () => {
  it('sweep only inside the price band and cancel the rest', () => {
    const { desk, alice, bob, carol } = market();
    desk.rest(bob, Side.Sell, 10_900, 5); // inside the band around the reference price, 9,000..11,000
    // A trade at 9,100 moves the band's center: the band becomes 8,190..10,010.
    desk.rest(bob, Side.Sell, 9_100, 1);
    desk.buy(carol, 9_100, 1);
    desk.rest(bob, Side.Sell, 10_000, 2);
    const events = desk.buy(alice, 0, 5, { orderType: OrderType.Market });
    assert.deepEqual(kinds(events), ['OrderAccepted', 'Execution', 'Execution', 'OrderCanceled']);
    const [canceled] = only(events, EventKind.OrderCanceled);
    assert.deepEqual([canceled.canceledQuantity, canceled.reason, canceled.priceCents], [3, CancelReason.ImmediateOrCancel, 0]);
    assert.deepEqual(desk.book().asks, [[10_900, 5]]);
    assert.equal(desk.balance(alice, 0).held, 0);
  });

  it('a market sell with no bids is canceled whole', () => {
    const { desk, alice } = market();
    assert.deepEqual(kinds(desk.sell(alice, 0, 5, { orderType: OrderType.Market })), ['OrderAccepted', 'OrderCanceled']);
  });
});

describe('post-only', () => {
  it('is rejected when it would trade and rests when it would not', () => {
    const { desk, alice, bob } = market();
    desk.rest(bob, Side.Sell, 10_000, 5);
    assert.equal(only(desk.buy(alice, 10_000, 1, { postOnly: true }), EventKind.OrderRejected)[0].code, RejectCode.PostOnlyWouldTrade);
    assert.deepEqual(kinds(desk.buy(alice, 9_999, 1, { postOnly: true })), ['OrderAccepted']);
  });
});

describe('cancel', () => {
  it('releases the hold and only works on the owner\'s open orders', () => {
    const { desk, alice, bob } = market();
    const id = desk.rest(alice, Side.Buy, 10_000, 10);
    assert.equal(desk.balance(alice, 0).held, 100_200); // 100,000 + 20 bps of it
    assert.equal(only(desk.cancel(bob, id), EventKind.CommandRejected)[0].code, RejectCode.NotFound);
    const [canceled] = only(desk.cancel(alice, id), EventKind.OrderCanceled);
    assert.deepEqual([canceled.reason, canceled.canceledQuantity], [CancelReason.User, 10]);
    assert.equal(desk.balance(alice, 0).held, 0);
    assert.equal(only(desk.cancel(alice, id), EventKind.CommandRejected)[0].code, RejectCode.NotFound);
  });
});

describe('cancel-replace', () => {
  it('keeps time priority when only the quantity goes down', () => {
    const { desk, alice, bob, carol } = market();
    const first = desk.rest(alice, Side.Buy, 10_000, 10);
    const second = desk.rest(bob, Side.Buy, 10_000, 10);
    const [replaced] = only(desk.replace(alice, first, 4), EventKind.OrderReplaced);
    assert.deepEqual([replaced.quantity, replaced.remainingQuantity, replaced.keptPriority], [4, 4, true]);
    assert.deepEqual(desk.queue(Side.Buy), [first, second]);
    assert.equal(desk.balance(alice, 0).held, 40_080);
    const makers = only(desk.sell(carol, 10_000, 5), EventKind.Execution).filter((e) => e.isMaker);
    assert.deepEqual(makers.map((e) => [e.orderId, e.quantity]), [[first, 4], [second, 1]]);
  });

  it('loses time priority when the quantity goes up', () => {
    const { desk, alice, bob } = market();
    const first = desk.rest(alice, Side.Buy, 10_000, 10);
    const second = desk.rest(bob, Side.Buy, 10_000, 10);
    assert.equal(only(desk.replace(alice, first, 12), EventKind.OrderReplaced)[0].keptPriority, false);
    assert.deepEqual(desk.queue(Side.Buy), [second, first]);
  });

  it('loses time priority on a new price and may trade at once', () => {
    const { desk, alice, bob } = market();
    const bid = desk.rest(alice, Side.Buy, 9_990, 10);
    desk.rest(bob, Side.Sell, 10_000, 4);
    const events = desk.replace(alice, bid, 0, 10_000);
    assert.deepEqual(kinds(events), ['OrderReplaced', 'Execution', 'Execution']);
    assert.deepEqual(desk.book(), { bids: [[10_000, 6]], asks: [] });
  });

  it('counts the new quantity as the total, filled part included', () => {
    const { desk, alice, bob } = market();
    const bid = desk.rest(alice, Side.Buy, 10_000, 10);
    desk.sell(bob, 10_000, 6);
    assert.equal(only(desk.replace(alice, bid, 6), EventKind.CommandRejected)[0].code, RejectCode.InvalidArgument);
    const [replaced] = only(desk.replace(alice, bid, 8), EventKind.OrderReplaced);
    assert.deepEqual([replaced.quantity, replaced.remainingQuantity], [8, 2]);
  });
});

describe('self-trade prevention', () => {
  it('cancel resting: the own resting order goes and matching continues', () => {
    const desk = new Desk({ selfTradePrevention: SelfTradePrevention.CancelResting });
    desk.open();
    const alice = desk.account('alice');
    const bob = desk.account('bob');
    const own = desk.rest(alice, Side.Sell, 10_000, 5);
    desk.rest(bob, Side.Sell, 10_000, 5);
    const events = desk.buy(alice, 10_000, 5);
    assert.deepEqual(kinds(events), ['OrderAccepted', 'OrderCanceled', 'Execution', 'Execution']);
    assert.deepEqual([only(events, EventKind.OrderCanceled)[0].orderId, only(events, EventKind.OrderCanceled)[0].reason], [own, CancelReason.SelfTrade]);
  });

  it('cancel incoming: the incoming remainder goes, the resting order stays', () => {
    const desk = new Desk({ selfTradePrevention: SelfTradePrevention.CancelIncoming });
    desk.open();
    const alice = desk.account('alice');
    const bob = desk.account('bob');
    desk.rest(bob, Side.Sell, 10_000, 2);
    const own = desk.rest(alice, Side.Sell, 10_000, 5);
    const events = desk.buy(alice, 10_000, 5, { timeInForce: TimeInForce.GTC });
    assert.deepEqual(kinds(events), ['OrderAccepted', 'Execution', 'Execution', 'OrderCanceled']);
    const [canceled] = only(events, EventKind.OrderCanceled);
    assert.deepEqual([canceled.canceledQuantity, canceled.reason], [3, CancelReason.SelfTrade]);
    assert.deepEqual(desk.queue(Side.Sell), [own]);
  });

  it('cancel both: both go', () => {
    const desk = new Desk({ selfTradePrevention: SelfTradePrevention.CancelBoth });
    desk.open();
    const alice = desk.account('alice');
    desk.rest(alice, Side.Sell, 10_000, 5);
    const events = desk.buy(alice, 10_000, 5);
    assert.deepEqual(kinds(events), ['OrderAccepted', 'OrderCanceled', 'OrderCanceled']);
    assert.deepEqual(desk.book(TEST), { bids: [], asks: [] });
  });
});

describe('client order ids', () => {
  it('return the first order on an identical repeat and refuse a different one', () => {
    const { desk, alice } = market();
    const id = desk.rest(alice, Side.Buy, 9_000, 1, { clientOrderId: 'c-1' });
    const [duplicate] = only(desk.buy(alice, 9_000, 1, { clientOrderId: 'c-1' }), EventKind.DuplicateOrder);
    assert.equal(duplicate.orderId, id);
    assert.equal(only(desk.buy(alice, 9_000, 2, { clientOrderId: 'c-1' }), EventKind.OrderRejected)[0].code, RejectCode.DuplicateClientOrderId);
    assert.deepEqual(desk.book().bids, [[9_000, 1]]);
  });

  it('can be reused after a rejection', () => {
    const { desk, alice } = market();
    assert.equal(only(desk.buy(alice, 20_000, 1, { clientOrderId: 'c-2' }), EventKind.OrderRejected)[0].code, RejectCode.PriceBand);
    assert.deepEqual(kinds(desk.buy(alice, 10_000, 1, { clientOrderId: 'c-2' })), ['OrderAccepted']);
  });
});
