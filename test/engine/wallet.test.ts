// Holds, settlement, fees, idempotent deposits and withdrawals, and conservation of cash and shares.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventKind, Side } from '../../src/engine/index.ts';
import { CASH, Desk, only, sharesOf, TEST } from './harness.ts';

function totals(desk: Desk): number[] {
  const sums = [0, 0, 0];
  for (const account of desk.engine.dump().accounts) {
    for (const balance of account.balances) sums[balance.asset] += balance.available + balance.held;
  }
  return sums;
}

describe('wallet', () => {
  it('holds price x quantity plus the maximum fee for a buy, and the shares for a sell', () => {
    const desk = new Desk();
    desk.open();
    const alice = desk.account('alice', 1_000_000, 50);
    desk.rest(alice, Side.Buy, 9_999, 7);
    assert.deepEqual(desk.balance(alice, CASH), { available: 1_000_000 - 69_993 - 139, held: 69_993 + 139 });
    desk.rest(alice, Side.Sell, 10_500, 20);
    assert.deepEqual(desk.balance(alice, sharesOf(TEST)), { available: 30, held: 20 });
  });

  it('settles a trade exactly: buyer pays price and fee, seller receives proceeds less fee, fees to account 0', () => {
    const desk = new Desk();
    desk.open();
    const buyer = desk.account('buyer', 1_000_000, 0);
    const seller = desk.account('seller', 0, 100);
    desk.rest(seller, Side.Sell, 9_950, 30);
    // Buyer limit 10,000: the hold is made at 10,000 and the price improvement comes back.
    desk.buy(buyer, 10_000, 30);
    const notional = 9_950 * 30;
    assert.deepEqual(desk.balance(buyer, CASH), { available: 1_000_000 - notional - Math.floor((notional * 20) / 10_000), held: 0 });
    assert.deepEqual(desk.balance(buyer, sharesOf(TEST)), { available: 30, held: 0 });
    assert.deepEqual(desk.balance(seller, CASH), { available: notional - Math.floor((notional * 10) / 10_000), held: 0 });
    assert.deepEqual(desk.balance(seller, sharesOf(TEST)), { available: 70, held: 0 });
    assert.deepEqual(desk.balance(0, CASH), { available: Math.floor((notional * 30) / 10_000), held: 0 });
  });

  it('conserves cash and shares over many trades, cancels and replaces', () => {
    const desk = new Desk();
    desk.open();
    const traders = [desk.account('a'), desk.account('b'), desk.account('c')];
    const before = totals(desk);
    let step = 0;
    for (let round = 0; round < 200; round++) {
      const who = traders[round % 3];
      const price = 9_950 + ((round * 37) % 100);
      const events = desk.order(who, TEST, round % 2 === 0 ? Side.Buy : Side.Sell, price, 1 + ((round * 13) % 9));
      const accepted = only(events, EventKind.OrderAccepted)[0];
      if (accepted && round % 5 === 0) desk.cancel(who, accepted.orderId);
      if (accepted && round % 7 === 0) desk.replace(who, accepted.orderId, 3, price - 1);
      step++;
    }
    assert.equal(step, 200);
    assert.deepEqual(totals(desk), before);
  });

  it('applies a deposit or withdrawal once per idempotency key', () => {
    const desk = new Desk();
    const alice = desk.account('alice', 0, 0);
    assert.equal(only(desk.deposit(alice, CASH, 500, 'dep-1'), EventKind.BalanceChanged)[0].availableAfter, 500);
    assert.equal(only(desk.deposit(alice, CASH, 500, 'dep-1'), EventKind.DuplicateRequest).length, 1);
    assert.equal(only(desk.withdraw(alice, CASH, 200, 'dep-1'), EventKind.DuplicateRequest).length, 1);
    const [withdrawn] = only(desk.withdraw(alice, CASH, 200, 'wd-1'), EventKind.BalanceChanged);
    assert.deepEqual([withdrawn.amount, withdrawn.availableAfter], [-200, 300]);
    assert.deepEqual(desk.balance(alice, CASH), { available: 300, held: 0 });
  });
});
