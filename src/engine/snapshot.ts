// dump(): the whole state as canonical plain data; restore(): the same state rebuilt in fresh pools.
import { NIL } from './book/order-pool.ts';
import type { BookSide } from './book/book-side.ts';
import type { AccountDump, BalanceDump, OrderDump, StateDump, SymbolDump } from './dump.ts';
import { rest } from './matching.ts';
import { clientOrderKey, type State } from './state.ts';
import { type AccountStatus, OrderType, type Side, type SymbolStatus, type TimeInForce } from './types.ts';

function dumpSide(state: State, side: BookSide): OrderDump[] {
  const orders = state.orders;
  const out: OrderDump[] = [];
  for (let rank = 0; rank < side.size; rank++) {
    for (let slot = state.levels.head[side.levelAt(rank)]; slot !== NIL; slot = orders.next[slot]) {
      out.push({
        orderId: orders.orderId[slot],
        accountId: orders.accountId[slot],
        side: orders.side[slot] as Side,
        priceCents: orders.priceCents[slot],
        quantity: orders.quantity[slot],
        remainingQuantity: orders.remaining[slot],
        timeInForce: orders.timeInForce[slot] as TimeInForce,
        postOnly: orders.postOnly[slot] === 1,
        creationTimeMs: orders.creationTimeMs[slot],
      });
    }
  }
  return out;
}

function dumpAccount(state: State, accountId: number): AccountDump {
  const accounts = state.accounts;
  const balances: BalanceDump[] = [];
  for (let asset = 0; asset <= state.books.length; asset++) {
    const available = accounts.available(accountId, asset);
    const held = accounts.held(accountId, asset);
    if (available !== 0 || held !== 0) balances.push({ asset, available, held });
  }
  return {
    accountId,
    name: accounts.names[accountId],
    status: accounts.status[accountId] as AccountStatus,
    maxOpenOrders: accounts.maxOpenOrders[accountId],
    maxOpenNotionalCents: accounts.maxOpenNotionalCents[accountId],
    balances,
  };
}

const byAccountThen = <T extends { accountId: number }>(text: (item: T) => string) => (a: T, b: T): number => {
  if (a.accountId !== b.accountId) return a.accountId - b.accountId;
  const x = text(a);
  const y = text(b);
  return x < y ? -1 : x > y ? 1 : 0;
};

export function dumpState(state: State): StateDump {
  const symbols: SymbolDump[] = state.books.map((book) => ({
    symbolId: book.symbolId,
    status: book.status,
    lastTradePriceCents: book.lastTradePriceCents,
    bids: dumpSide(state, book.bids),
    asks: dumpSide(state, book.asks),
  }));
  const accounts: AccountDump[] = [];
  for (let accountId = 0; accountId < state.accounts.count; accountId++) accounts.push(dumpAccount(state, accountId));
  const clientOrders = [...state.clientOrders.values()].map((record) => ({ ...record }));
  clientOrders.sort(byAccountThen((record) => record.clientOrderId));
  const idempotencyKeys = [...state.idempotencyKeys].map((joined) => {
    const colon = joined.indexOf(':');
    return { accountId: Number(joined.slice(0, colon)), key: joined.slice(colon + 1) };
  });
  idempotencyKeys.sort(byAccountThen((entry) => entry.key));
  return {
    lastSequence: state.lastSequence,
    lastEventSequence: state.emit.lastEventSequence,
    lastTradeId: state.lastTradeId,
    sessionOpen: state.sessionOpen,
    symbols,
    accounts,
    netDeposits: [...state.netDeposits],
    clientOrders,
    idempotencyKeys,
  };
}

/** Loads a dump into a freshly constructed State (which holds only the genesis fee account). */
export function restoreState(state: State, dump: StateDump): void {
  if (dump.symbols.length !== state.books.length) {
    throw new Error(`snapshot has ${dump.symbols.length} symbols, config has ${state.books.length}`);
  }
  state.lastSequence = dump.lastSequence;
  state.emit.lastEventSequence = dump.lastEventSequence;
  state.lastTradeId = dump.lastTradeId;
  state.sessionOpen = dump.sessionOpen;
  const accounts = state.accounts;
  for (const account of dump.accounts) {
    const id = account.accountId === 0 ? 0 : accounts.create(account.name, account.status, 0, 0);
    if (id !== account.accountId) throw new Error(`snapshot account ids are not dense at ${account.accountId}`);
    accounts.names[id] = account.name;
    accounts.status[id] = account.status;
    accounts.maxOpenOrders[id] = account.maxOpenOrders;
    accounts.maxOpenNotionalCents[id] = account.maxOpenNotionalCents;
    for (const balance of account.balances) {
      accounts.addAvailable(id, balance.asset, balance.available);
      accounts.addHeld(id, balance.asset, balance.held);
    }
  }
  dump.netDeposits.forEach((amount, asset) => (state.netDeposits[asset] = amount));
  for (const symbol of dump.symbols) {
    const book = state.books[symbol.symbolId];
    book.status = symbol.status as SymbolStatus;
    book.lastTradePriceCents = symbol.lastTradePriceCents;
    // Appending in dump order (best first, time priority within a price) rebuilds every queue as it was.
    for (const order of [...symbol.bids, ...symbol.asks]) {
      const slot = state.orders.allocate(order.orderId, order.accountId, symbol.symbolId, order.side, OrderType.Limit,
        order.timeInForce, order.postOnly, order.priceCents, order.quantity, order.creationTimeMs);
      state.orders.remaining[slot] = order.remainingQuantity;
      // The dumped balances already include this order's hold; rest() only books it and counts it.
      rest(state, slot);
    }
  }
  for (const record of dump.clientOrders) {
    state.clientOrders.set(clientOrderKey(record.accountId, record.clientOrderId), { ...record, orderType: record.orderType as OrderType });
  }
  for (const entry of dump.idempotencyKeys) state.idempotencyKeys.add(entry.accountId + ':' + entry.key);
}
