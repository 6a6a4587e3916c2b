// The core: one deterministic state machine. `apply` takes sequenced commands in order and emits events
// to the sink; nothing here reads a clock, does I/O or draws randomness, so the same commands always
// give the same events and the same state.
import { type EngineConfig, validateEngineConfig } from './config.ts';
import type { StateDump } from './dump.ts';
import { changeBalance, closeSession, createAccount, openSession, setAccountLimits, setAccountStatus, setSymbolStatus } from './admin.ts';
import { checkInvariants } from './invariants.ts';
import { cancelOrder, newOrder, replaceOrder } from './orders.ts';
import { dumpState, restoreState } from './snapshot.ts';
import { State } from './state.ts';
import { NIL } from './book/order-pool.ts';
import { type Command, CommandKind, type EventSink, Side } from './types.ts';

export class Engine {
  private readonly state: State;

  constructor(config: EngineConfig, sink: EventSink) {
    this.state = new State(validateEngineConfig(config), sink);
  }

  /** An engine in exactly the state a dump describes (from `dump()`, possibly through JSON). */
  static restore(config: EngineConfig, dump: StateDump, sink: EventSink): Engine {
    const engine = new Engine(config, sink);
    restoreState(engine.state, dump);
    return engine;
  }

  get lastSequence(): number {
    return this.state.lastSequence;
  }

  get lastEventSequence(): number {
    return this.state.emit.lastEventSequence;
  }

  get sessionOpen(): boolean {
    return this.state.sessionOpen;
  }

  get config(): EngineConfig {
    return this.state.config;
  }

  apply(cmd: Command): void {
    const state = this.state;
    if (cmd.sequence !== state.lastSequence + 1) {
      throw new Error(`command sequence ${cmd.sequence} does not follow ${state.lastSequence}`);
    }
    state.lastSequence = cmd.sequence;
    state.emit.commandSequence = cmd.sequence;
    state.emit.timestampMs = cmd.timestampMs;
    switch (cmd.kind) {
      case CommandKind.NewOrder: return newOrder(state, cmd);
      case CommandKind.CancelOrder: return cancelOrder(state, cmd);
      case CommandKind.ReplaceOrder: return replaceOrder(state, cmd);
      case CommandKind.Deposit:
      case CommandKind.Withdraw: return changeBalance(state, cmd);
      case CommandKind.CreateAccount: return createAccount(state, cmd);
      case CommandKind.SetAccountStatus: return setAccountStatus(state, cmd);
      case CommandKind.SetAccountLimits: return setAccountLimits(state, cmd);
      case CommandKind.SetSymbolStatus: return setSymbolStatus(state, cmd);
      case CommandKind.OpenSession: return openSession(state);
      case CommandKind.CloseSession: return closeSession(state);
      default: {
        const unknown: never = cmd;
        throw new Error(`unknown command kind ${(unknown as Command).kind}`);
      }
    }
  }

  dump(): StateDump {
    return dumpState(this.state);
  }

  /** Throws InvariantError naming the first broken invariant. O(state). */
  checkInvariants(): void {
    checkInvariants(this.state);
  }

  /** Aggregated depth of one side, best first: [priceCents, quantity] pairs. */
  depth(symbolId: number, side: Side, maxLevels: number): Array<[number, number]> {
    const bookSide = this.state.books[symbolId].sideOf(side);
    const levels = this.state.levels;
    const out: Array<[number, number]> = [];
    for (let rank = 0; rank < bookSide.size && rank < maxLevels; rank++) {
      const level = bookSide.levelAt(rank);
      out.push([levels.priceCents[level], levels.totalQuantity[level]]);
    }
    return out;
  }

  /** Best bid or ask price in cents, 0 when that side is empty. O(1). */
  bestPrice(symbolId: number, side: Side): number {
    return this.state.books[symbolId].bestPrice(side);
  }

  /** An account's available balance of an asset (0 = cash in cents, symbolId + 1 = shares). */
  available(accountId: number, asset: number): number {
    return this.state.accounts.exists(accountId) ? this.state.accounts.available(accountId, asset) : 0;
  }

  /** An account's held balance of an asset. */
  held(accountId: number, asset: number): number {
    return this.state.accounts.exists(accountId) ? this.state.accounts.held(accountId, asset) : 0;
  }

  /** Resting orders across all books. */
  get restingOrderCount(): number {
    return this.state.index.size;
  }

  /** Is this order resting on a book? */
  isOpen(orderId: number): boolean {
    return this.state.index.get(orderId) !== NIL;
  }
}
