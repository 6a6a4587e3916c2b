// The reference model's state as a StateDump. Every object literal lists its keys in the order of the
// interfaces in src/engine/dump.ts, because the state hash walks keys in insertion order.
import type { AccountDump, BalanceDump, ClientOrderDump, IdempotencyKeyDump, OrderDump, StateDump, SymbolDump } from '../../src/engine/dump.ts';
import { Side } from '../../src/engine/types.ts';
import { sideOf } from './reference-book.ts';
import type { RefAccount, RefOrder, RefState } from './reference-state.ts';

/** Code unit order, as the dump asks (not locale order). */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function dumpOrder(order: RefOrder): OrderDump {
  return {
    orderId: order.orderId,
    accountId: order.accountId,
    side: order.side,
    priceCents: order.priceCents,
    quantity: order.quantity,
    remainingQuantity: order.remainingQuantity,
    timeInForce: order.timeInForce,
    postOnly: order.postOnly,
    creationTimeMs: order.creationTimeMs,
  };
}

function dumpSymbols(state: RefState): SymbolDump[] {
  return state.symbols.map((symbol, symbolId) => ({
    symbolId,
    status: symbol.status,
    lastTradePriceCents: symbol.lastTradePriceCents,
    bids: sideOf(state.resting, symbolId, Side.Buy).map(dumpOrder),
    asks: sideOf(state.resting, symbolId, Side.Sell).map(dumpOrder),
  }));
}

function dumpAccount(state: RefState, account: RefAccount): AccountDump {
  const balances: BalanceDump[] = [];
  for (let asset = 0; asset < state.assetCount; asset++) {
    const held = state.held(account.accountId, asset);
    const available = account.totals[asset] - held;
    if (available !== 0 || held !== 0) balances.push({ asset, available, held });
  }
  return {
    accountId: account.accountId,
    name: account.name,
    status: account.status,
    maxOpenOrders: account.maxOpenOrders,
    maxOpenNotionalCents: account.maxOpenNotionalCents,
    balances,
  };
}

function dumpClientOrders(state: RefState): ClientOrderDump[] {
  const rows: ClientOrderDump[] = [];
  for (const [accountId, byId] of state.clientOrders) {
    for (const [clientOrderId, record] of byId) {
      rows.push({
        accountId,
        clientOrderId,
        orderId: record.orderId,
        symbolId: record.symbolId,
        side: record.side,
        orderType: record.orderType,
        priceCents: record.priceCents,
        quantity: record.quantity,
        timeInForce: record.timeInForce,
        postOnly: record.postOnly,
      });
    }
  }
  return rows.sort((a, b) => a.accountId - b.accountId || compareStrings(a.clientOrderId, b.clientOrderId));
}

function dumpIdempotencyKeys(state: RefState): IdempotencyKeyDump[] {
  const rows: IdempotencyKeyDump[] = [];
  for (const [accountId, keys] of state.idempotencyKeys) {
    for (const key of keys) rows.push({ accountId, key });
  }
  return rows.sort((a, b) => a.accountId - b.accountId || compareStrings(a.key, b.key));
}

export function dumpState(state: RefState): StateDump {
  const accounts = [...state.accounts.values()].sort((a, b) => a.accountId - b.accountId);
  return {
    lastSequence: state.lastSequence,
    lastEventSequence: state.lastEventSequence,
    lastTradeId: state.lastTradeId,
    sessionOpen: state.sessionOpen,
    symbols: dumpSymbols(state),
    accounts: accounts.map((account) => dumpAccount(state, account)),
    netDeposits: [...state.netDeposits],
    clientOrders: dumpClientOrders(state),
    idempotencyKeys: dumpIdempotencyKeys(state),
  };
}
