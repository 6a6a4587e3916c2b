// Wallet and administrative commands: deposits and withdrawals (idempotent by key), accounts, limits,
// halts and the trading session.
import { expireDayOrders } from './orders.ts';
import { isIntIn, isKnownSymbol, MAX_ID_LENGTH } from './risk.ts';
import { FEE_ACCOUNT_ID, type State } from './state.ts';
import {
  AccountStatus, type BalanceCommand, CommandKind, type CreateAccountCommand, type RejectCode, RejectCode as Code,
  type SetAccountLimitsCommand, type SetAccountStatusCommand, type SetSymbolStatusCommand, SymbolStatus,
} from './types.ts';

function rejectCommand(state: State, kind: CommandKind, accountId: number, code: RejectCode): void {
  state.emit.commandRejectedEvent(kind, accountId, 0, code);
}

export function changeBalance(state: State, cmd: BalanceCommand): void {
  const accounts = state.accounts;
  const { accountId, asset, amount } = cmd;
  if (!accounts.exists(accountId)) return rejectCommand(state, cmd.kind, accountId, Code.NotFound);
  if (!(asset === 0 || isKnownSymbol(state, asset - 1))) return rejectCommand(state, cmd.kind, accountId, Code.UnknownSymbol);
  if (!isIntIn(amount, 1, Number.MAX_SAFE_INTEGER) || cmd.idempotencyKey.length > MAX_ID_LENGTH) {
    return rejectCommand(state, cmd.kind, accountId, Code.InvalidArgument);
  }
  const isDeposit = cmd.kind === CommandKind.Deposit;
  const available = accounts.available(accountId, asset);
  if (isDeposit && (available + accounts.held(accountId, asset) + amount > Number.MAX_SAFE_INTEGER ||
      state.netDeposits[asset] + amount > Number.MAX_SAFE_INTEGER)) {
    return rejectCommand(state, cmd.kind, accountId, Code.InvalidArgument);
  }
  const key = cmd.idempotencyKey === '' ? '' : accountId + ':' + cmd.idempotencyKey;
  if (key !== '' && state.idempotencyKeys.has(key)) return state.emit.duplicateRequestEvent(accountId, cmd.idempotencyKey);
  if (!isDeposit && amount > available) return rejectCommand(state, cmd.kind, accountId, Code.InsufficientFunds);
  const signed = isDeposit ? amount : -amount;
  accounts.addAvailable(accountId, asset, signed);
  state.netDeposits[asset] += signed;
  if (key !== '') state.idempotencyKeys.add(key);
  state.emit.balanceChanged(accountId, asset, signed, available + signed, cmd.idempotencyKey);
}

export function createAccount(state: State, cmd: CreateAccountCommand): void {
  if (cmd.name.length < 1 || cmd.name.length > MAX_ID_LENGTH) {
    return rejectCommand(state, cmd.kind, 0, Code.InvalidArgument);
  }
  const config = state.config;
  const accountId = state.accounts.create(cmd.name, AccountStatus.Active, config.defaultMaxOpenOrders, config.defaultMaxOpenNotionalCents);
  state.emit.accountCreatedEvent(accountId, cmd.name);
}

export function setAccountStatus(state: State, cmd: SetAccountStatusCommand): void {
  if (!state.accounts.exists(cmd.accountId)) return rejectCommand(state, cmd.kind, cmd.accountId, Code.NotFound);
  if (cmd.accountId === FEE_ACCOUNT_ID || !isIntIn(cmd.status, AccountStatus.Active, AccountStatus.Blocked)) {
    return rejectCommand(state, cmd.kind, cmd.accountId, Code.InvalidArgument);
  }
  state.accounts.status[cmd.accountId] = cmd.status;
  state.emit.accountStatusChanged(cmd.accountId, cmd.status);
}

export function setAccountLimits(state: State, cmd: SetAccountLimitsCommand): void {
  if (!state.accounts.exists(cmd.accountId)) return rejectCommand(state, cmd.kind, cmd.accountId, Code.NotFound);
  if (!isIntIn(cmd.maxOpenOrders, 0, Number.MAX_SAFE_INTEGER) || !isIntIn(cmd.maxOpenNotionalCents, 0, Number.MAX_SAFE_INTEGER)) {
    return rejectCommand(state, cmd.kind, cmd.accountId, Code.InvalidArgument);
  }
  state.accounts.maxOpenOrders[cmd.accountId] = cmd.maxOpenOrders;
  state.accounts.maxOpenNotionalCents[cmd.accountId] = cmd.maxOpenNotionalCents;
  state.emit.accountLimitsChanged(cmd.accountId, cmd.maxOpenOrders, cmd.maxOpenNotionalCents);
}

export function setSymbolStatus(state: State, cmd: SetSymbolStatusCommand): void {
  if (!isKnownSymbol(state, cmd.symbolId)) return rejectCommand(state, cmd.kind, 0, Code.UnknownSymbol);
  if (!isIntIn(cmd.status, SymbolStatus.Trading, SymbolStatus.Halted)) return rejectCommand(state, cmd.kind, 0, Code.InvalidArgument);
  state.books[cmd.symbolId].status = cmd.status;
  state.emit.symbolStatusChanged(cmd.symbolId, cmd.status);
}

export function openSession(state: State): void {
  state.sessionOpen = true;
  state.emit.sessionChanged(true);
}

export function closeSession(state: State): void {
  expireDayOrders(state);
  state.sessionOpen = false;
  state.emit.sessionChanged(false);
}
