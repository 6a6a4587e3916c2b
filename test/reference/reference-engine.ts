// The reference model of the core: an independent, naive implementation of docs/engine-semantics.md.
// The differential test feeds it the same commands as the fast engine and compares events and state.
import { validateEngineConfig } from '../../src/engine/config.ts';
import type { EngineConfig } from '../../src/engine/config.ts';
import type { StateDump } from '../../src/engine/dump.ts';
import { AccountStatus, CASH_ASSET, CommandKind, EventKind, RejectCode, SymbolStatus } from '../../src/engine/types.ts';
import type {
  BalanceCommand,
  Command,
  CreateAccountCommand,
  EventSink,
  SetAccountLimitsCommand,
  SetAccountStatusCommand,
  SetSymbolStatusCommand,
} from '../../src/engine/types.ts';
import { dumpState } from './reference-dump.ts';
import { isSafeIntIn, MAX_SAFE } from './reference-math.ts';
import { cancelOrder, expireDayOrders, newOrder, replaceOrder } from './reference-orders.ts';
import { FEE_ACCOUNT_ID, RefState } from './reference-state.ts';

export class ReferenceEngine {
  private readonly state: RefState;

  constructor(config: EngineConfig, sink: EventSink) {
    this.state = new RefState(validateEngineConfig(config), sink);
  }

  apply(cmd: Command): void {
    const state = this.state;
    if (cmd.sequence !== state.lastSequence + 1) {
      throw new Error(`reference: command sequence ${cmd.sequence} does not follow ${state.lastSequence}`);
    }
    state.lastSequence = cmd.sequence;
    state.commandSequence = cmd.sequence;
    state.commandTimestampMs = cmd.timestampMs;
    dispatch(state, cmd);
  }

  dump(): StateDump {
    return dumpState(this.state);
  }
}

function dispatch(state: RefState, cmd: Command): void {
  switch (cmd.kind) {
    case CommandKind.NewOrder:
      return newOrder(state, cmd);
    case CommandKind.CancelOrder:
      return cancelOrder(state, cmd);
    case CommandKind.ReplaceOrder:
      return replaceOrder(state, cmd);
    case CommandKind.Deposit:
    case CommandKind.Withdraw:
      return moveBalance(state, cmd);
    case CommandKind.CreateAccount:
      return createAccount(state, cmd);
    case CommandKind.SetAccountStatus:
      return setAccountStatus(state, cmd);
    case CommandKind.SetSymbolStatus:
      return setSymbolStatus(state, cmd);
    case CommandKind.OpenSession:
      state.sessionOpen = true;
      return state.emit({ kind: EventKind.SessionChanged, open: true });
    case CommandKind.CloseSession:
      expireDayOrders(state);
      state.sessionOpen = false;
      return state.emit({ kind: EventKind.SessionChanged, open: false });
    case CommandKind.SetAccountLimits:
      return setAccountLimits(state, cmd);
    default:
      throw new Error(`reference: unknown command kind ${(cmd as Command).kind}`);
  }
}

function rejectCommand(state: RefState, commandKind: CommandKind, accountId: number, code: RejectCode): void {
  state.emit({ kind: EventKind.CommandRejected, commandKind, accountId, orderId: 0, code });
}

/** A deposit may take neither the account's available + held nor the asset's net deposits past 2^53 - 1. */
function wouldOverflow(state: RefState, cmd: BalanceCommand): boolean {
  const balance = state.accounts.get(cmd.accountId)!.totals[cmd.asset];
  return balance + cmd.amount > MAX_SAFE || state.netDeposits[cmd.asset] + cmd.amount > MAX_SAFE;
}

function balanceRejection(state: RefState, cmd: BalanceCommand): RejectCode | undefined {
  if (!state.accounts.has(cmd.accountId)) return RejectCode.NotFound;
  if (!isSafeIntIn(cmd.asset, CASH_ASSET, state.assetCount - 1)) return RejectCode.UnknownSymbol;
  if (!isSafeIntIn(cmd.amount, 1, MAX_SAFE) || cmd.idempotencyKey.length > 64) return RejectCode.InvalidArgument;
  if (cmd.kind === CommandKind.Deposit && wouldOverflow(state, cmd)) return RejectCode.InvalidArgument;
  return undefined;
}

function moveBalance(state: RefState, cmd: BalanceCommand): void {
  const code = balanceRejection(state, cmd);
  if (code !== undefined) return rejectCommand(state, cmd.kind, cmd.accountId, code);
  let keys = state.idempotencyKeys.get(cmd.accountId);
  if (cmd.idempotencyKey !== '' && keys?.has(cmd.idempotencyKey)) {
    return state.emit({ kind: EventKind.DuplicateRequest, accountId: cmd.accountId, idempotencyKey: cmd.idempotencyKey });
  }
  const isDeposit = cmd.kind === CommandKind.Deposit;
  if (!isDeposit && cmd.amount > state.available(cmd.accountId, cmd.asset)) {
    return rejectCommand(state, cmd.kind, cmd.accountId, RejectCode.InsufficientFunds);
  }
  const amount = isDeposit ? cmd.amount : -cmd.amount;
  state.accounts.get(cmd.accountId)!.totals[cmd.asset] += amount;
  state.netDeposits[cmd.asset] += amount;
  if (cmd.idempotencyKey !== '') {
    if (keys === undefined) {
      keys = new Set();
      state.idempotencyKeys.set(cmd.accountId, keys);
    }
    keys.add(cmd.idempotencyKey);
  }
  state.emit({
    kind: EventKind.BalanceChanged,
    accountId: cmd.accountId,
    asset: cmd.asset,
    amount,
    availableAfter: state.available(cmd.accountId, cmd.asset),
    idempotencyKey: cmd.idempotencyKey,
  });
}

function createAccount(state: RefState, cmd: CreateAccountCommand): void {
  if (cmd.name.length < 1 || cmd.name.length > 64) return rejectCommand(state, cmd.kind, 0, RejectCode.InvalidArgument);
  const account = state.addAccount(cmd.name, AccountStatus.Active);
  state.emit({ kind: EventKind.AccountCreated, accountId: account.accountId, name: account.name });
}

function setAccountStatus(state: RefState, cmd: SetAccountStatusCommand): void {
  const account = state.accounts.get(cmd.accountId);
  if (account === undefined) return rejectCommand(state, cmd.kind, cmd.accountId, RejectCode.NotFound);
  if (cmd.accountId === FEE_ACCOUNT_ID || !isSafeIntIn(cmd.status, 0, 1)) {
    return rejectCommand(state, cmd.kind, cmd.accountId, RejectCode.InvalidArgument);
  }
  account.status = cmd.status;
  state.emit({ kind: EventKind.AccountStatusChanged, accountId: cmd.accountId, status: cmd.status });
}

function setAccountLimits(state: RefState, cmd: SetAccountLimitsCommand): void {
  const account = state.accounts.get(cmd.accountId);
  if (account === undefined) return rejectCommand(state, cmd.kind, cmd.accountId, RejectCode.NotFound);
  if (!isSafeIntIn(cmd.maxOpenOrders, 0, MAX_SAFE) || !isSafeIntIn(cmd.maxOpenNotionalCents, 0, MAX_SAFE)) {
    return rejectCommand(state, cmd.kind, cmd.accountId, RejectCode.InvalidArgument);
  }
  account.maxOpenOrders = cmd.maxOpenOrders;
  account.maxOpenNotionalCents = cmd.maxOpenNotionalCents;
  state.emit({
    kind: EventKind.AccountLimitsChanged,
    accountId: cmd.accountId,
    maxOpenOrders: cmd.maxOpenOrders,
    maxOpenNotionalCents: cmd.maxOpenNotionalCents,
  });
}

function setSymbolStatus(state: RefState, cmd: SetSymbolStatusCommand): void {
  if (!state.isSymbol(cmd.symbolId)) return rejectCommand(state, cmd.kind, 0, RejectCode.UnknownSymbol);
  if (!isSafeIntIn(cmd.status, SymbolStatus.Trading, SymbolStatus.Halted)) return rejectCommand(state, cmd.kind, 0, RejectCode.InvalidArgument);
  state.symbols[cmd.symbolId].status = cmd.status;
  state.emit({ kind: EventKind.SymbolStatusChanged, symbolId: cmd.symbolId, status: cmd.status });
}
