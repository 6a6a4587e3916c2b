// Every rejection code the core emits, each from the check that owns it, and that a rejection changes
// nothing but the event counter.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommandKind, EventKind, type EngineEvent, OrderType, RejectCode, Side, SymbolStatus, TimeInForce, AccountStatus, stateHash } from '../../src/engine/index.ts';
import { CASH, Desk, FIVE, only, sharesOf, TEST } from './harness.ts';

function rejectCode(events: EngineEvent[]): number {
  assert.equal(events.length, 1, `one event expected, got ${JSON.stringify(events)}`);
  const [event] = events;
  assert.ok(event.kind === EventKind.OrderRejected || event.kind === EventKind.CommandRejected, `a rejection expected, got ${JSON.stringify(event)}`);
  return event.code;
}

function setup(): { desk: Desk; alice: number; bob: number } {
  const desk = new Desk();
  desk.open();
  return { desk, alice: desk.account('alice', 10_000_000, 100), bob: desk.account('bob') };
}

/** Asserts the rejection leaves the state as it was, apart from the counters it must move. */
function rejectsWithoutEffect(desk: Desk, act: () => EngineEvent[]): number {
  const before = desk.engine.dump();
  const code = rejectCode(act());
  const after = desk.engine.dump();
  assert.equal(stateHash({ ...after, lastSequence: 0, lastEventSequence: 0 }), stateHash({ ...before, lastSequence: 0, lastEventSequence: 0 }));
  return code;
}

describe('new order rejections', () => {
  it('INVALID_ARGUMENT for a bad shape or an off-tick price', () => {
    const { desk, alice } = setup();
    for (const act of [
      () => desk.buy(alice, 10_000, 0),
      () => desk.buy(alice, 10_000, 1.5),
      () => desk.buy(alice, 0, 1),
      () => desk.buy(alice, 10_000, 1, { postOnly: true, timeInForce: TimeInForce.IOC }),
      () => desk.buy(alice, 0, 1, { postOnly: true, orderType: OrderType.Market }),
      () => desk.buy(alice, 5_001, 1, {}, FIVE),
      () => desk.buy(alice, 10_000, 1, { clientOrderId: 'x'.repeat(65) }),
    ]) {
      assert.equal(rejectsWithoutEffect(desk, act), RejectCode.InvalidArgument);
    }
  });

  it('NOT_FOUND for an unknown account, ACCOUNT_BLOCKED for a blocked one or the fee account', () => {
    const { desk, alice } = setup();
    assert.equal(rejectsWithoutEffect(desk, () => desk.buy(99, 10_000, 1)), RejectCode.NotFound);
    desk.apply({ kind: CommandKind.SetAccountStatus, accountId: alice, status: AccountStatus.Blocked });
    assert.equal(rejectsWithoutEffect(desk, () => desk.buy(alice, 10_000, 1)), RejectCode.AccountBlocked);
    assert.equal(rejectsWithoutEffect(desk, () => desk.buy(0, 10_000, 1)), RejectCode.AccountBlocked);
  });

  it('UNKNOWN_SYMBOL, MARKET_CLOSED and SYMBOL_HALTED', () => {
    const { desk, alice } = setup();
    assert.equal(rejectsWithoutEffect(desk, () => desk.order(alice, 7, Side.Buy, 10_000, 1)), RejectCode.UnknownSymbol);
    desk.apply({ kind: CommandKind.SetSymbolStatus, symbolId: TEST, status: SymbolStatus.Halted });
    assert.equal(rejectsWithoutEffect(desk, () => desk.buy(alice, 10_000, 1)), RejectCode.SymbolHalted);
    desk.close();
    assert.equal(rejectsWithoutEffect(desk, () => desk.buy(alice, 10_000, 1)), RejectCode.MarketClosed);
  });

  it('RISK_LIMIT for the instrument maximum, the open order count and the open notional', () => {
    const { desk, alice } = setup();
    assert.equal(rejectsWithoutEffect(desk, () => desk.buy(alice, 10_000, 1_001)), RejectCode.RiskLimit);
    desk.apply({ kind: CommandKind.SetAccountLimits, accountId: alice, maxOpenOrders: 1, maxOpenNotionalCents: 50_000 });
    assert.equal(rejectsWithoutEffect(desk, () => desk.buy(alice, 10_000, 6)), RejectCode.RiskLimit);
    desk.rest(alice, Side.Buy, 10_000, 5);
    assert.equal(rejectsWithoutEffect(desk, () => desk.buy(alice, 9_000, 1)), RejectCode.RiskLimit);
  });

  it('PRICE_BAND outside the band around the reference price, then around the last trade', () => {
    const { desk, alice, bob } = setup();
    assert.equal(rejectsWithoutEffect(desk, () => desk.buy(alice, 11_001, 1)), RejectCode.PriceBand);
    assert.equal(rejectsWithoutEffect(desk, () => desk.sell(alice, 8_999, 1)), RejectCode.PriceBand);
    desk.rest(bob, Side.Sell, 10_800, 1);
    desk.buy(alice, 10_800, 1);
    // Center 10,800: the band is 9,720..11,880.
    assert.deepEqual(only(desk.buy(alice, 11_001, 1), EventKind.OrderAccepted).length, 1);
    assert.equal(rejectsWithoutEffect(desk, () => desk.sell(alice, 9_719, 1)), RejectCode.PriceBand);
  });

  it('POST_ONLY_WOULD_TRADE and INSUFFICIENT_FUNDS', () => {
    const { desk, alice, bob } = setup();
    desk.rest(bob, Side.Sell, 10_000, 1);
    assert.equal(rejectsWithoutEffect(desk, () => desk.buy(alice, 10_000, 1, { postOnly: true })), RejectCode.PostOnlyWouldTrade);
    // 10,000,000 cents buys 997 shares at 10,000 with the 20 bps fee hold, not 1,000.
    assert.equal(rejectsWithoutEffect(desk, () => desk.buy(alice, 10_000, 1_000)), RejectCode.InsufficientFunds);
    assert.equal(rejectsWithoutEffect(desk, () => desk.sell(alice, 10_000, 101)), RejectCode.InsufficientFunds);
  });

  it('DUPLICATE_CLIENT_ORDER_ID when a repeat differs', () => {
    const { desk, alice } = setup();
    desk.rest(alice, Side.Buy, 9_000, 1, { clientOrderId: 'a' });
    assert.equal(rejectsWithoutEffect(desk, () => desk.buy(alice, 9_001, 1, { clientOrderId: 'a' })), RejectCode.DuplicateClientOrderId);
  });
});

describe('replace rejections', () => {
  it('NOT_FOUND, INVALID_ARGUMENT, PRICE_BAND, RISK_LIMIT, POST_ONLY_WOULD_TRADE, INSUFFICIENT_FUNDS, halts', () => {
    const { desk, alice, bob } = setup();
    const bid = desk.rest(alice, Side.Buy, 9_900, 10, { postOnly: true });
    desk.rest(bob, Side.Sell, 10_000, 10);
    assert.equal(rejectsWithoutEffect(desk, () => desk.replace(bob, bid, 5)), RejectCode.NotFound);
    assert.equal(rejectsWithoutEffect(desk, () => desk.replace(alice, bid, 0, 0)), RejectCode.InvalidArgument);
    assert.equal(rejectsWithoutEffect(desk, () => desk.replace(alice, bid, 0, 9_900.5)), RejectCode.InvalidArgument);
    assert.equal(rejectsWithoutEffect(desk, () => desk.replace(alice, bid, 0, 8_000)), RejectCode.PriceBand);
    assert.equal(rejectsWithoutEffect(desk, () => desk.replace(alice, bid, 1_001)), RejectCode.RiskLimit);
    assert.equal(rejectsWithoutEffect(desk, () => desk.replace(alice, bid, 0, 10_000)), RejectCode.PostOnlyWouldTrade);
    assert.equal(rejectsWithoutEffect(desk, () => desk.replace(alice, bid, 1_000, 9_990)), RejectCode.InsufficientFunds);
    desk.apply({ kind: CommandKind.SetSymbolStatus, symbolId: TEST, status: SymbolStatus.Halted });
    assert.equal(rejectsWithoutEffect(desk, () => desk.replace(alice, bid, 5)), RejectCode.SymbolHalted);
    assert.equal(only(desk.cancel(alice, bid), EventKind.OrderCanceled).length, 1, 'cancels pass while halted');
  });
});

describe('wallet and admin rejections', () => {
  it('withdrawals beyond available, unknown assets, bad amounts, bad admin input', () => {
    const { desk, alice } = setup();
    desk.rest(alice, Side.Sell, 10_000, 60);
    assert.equal(rejectsWithoutEffect(desk, () => desk.withdraw(alice, sharesOf(TEST), 41)), RejectCode.InsufficientFunds);
    assert.equal(rejectsWithoutEffect(desk, () => desk.withdraw(alice, CASH, 10_000_001)), RejectCode.InsufficientFunds);
    assert.equal(rejectsWithoutEffect(desk, () => desk.deposit(alice, 9, 1)), RejectCode.UnknownSymbol);
    assert.equal(rejectsWithoutEffect(desk, () => desk.deposit(alice, CASH, -5)), RejectCode.InvalidArgument);
    assert.equal(rejectsWithoutEffect(desk, () => desk.deposit(alice, CASH, Number.MAX_SAFE_INTEGER)), RejectCode.InvalidArgument);
    assert.equal(rejectsWithoutEffect(desk, () => desk.deposit(42, CASH, 1)), RejectCode.NotFound);
    assert.equal(rejectsWithoutEffect(desk, () => desk.apply({ kind: CommandKind.CreateAccount, name: '', apiKey: '', apiSecret: '' })), RejectCode.InvalidArgument);
    assert.equal(rejectsWithoutEffect(desk, () => desk.apply({ kind: CommandKind.SetAccountStatus, accountId: 0, status: AccountStatus.Active })), RejectCode.InvalidArgument);
    assert.equal(rejectsWithoutEffect(desk, () => desk.apply({ kind: CommandKind.SetSymbolStatus, symbolId: 5, status: SymbolStatus.Halted })), RejectCode.UnknownSymbol);
    assert.equal(rejectsWithoutEffect(desk, () => desk.apply({ kind: CommandKind.SetAccountLimits, accountId: alice, maxOpenOrders: -1, maxOpenNotionalCents: 0 })), RejectCode.InvalidArgument);
  });

  it('a command out of sequence is a programmer error, not a business outcome', () => {
    const { desk } = setup();
    assert.throws(() => desk.engine.apply({ kind: CommandKind.OpenSession, sequence: desk.sequence + 2, timestampMs: 0 }), /does not follow/);
  });
});
