// The single writer. It stamps each command with the next gap-free sequence and the time, applies it to
// the engine at once (so matching runs ahead of the disk), appends it to the journal, and holds the
// command's events back until the journal says its batch is durable. Then it releases them, in order,
// to every listener and to whoever submitted the command.
import { CASH_ASSET, type Command, type Engine, type EngineEvent, EventKind, type EventSink } from '../engine/index.ts';

const FEE_ACCOUNT_ID = 0;
import type { Clock } from './clock.ts';

type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;
/** A command as a gateway builds it: the sequencer adds sequence and timestamp. */
export type UnstampedCommand = DistributiveOmit<Command, 'sequence' | 'timestampMs'>;

export interface Released {
  command: Command;
  events: EngineEvent[];
  /**
   * Balances the command left behind for every (account, asset) its events touched, captured right after
   * it was applied: read models take wallets from here so they never show a state that is not durable.
   */
  balances: BalanceAfter[];
}

/** [accountId, asset, available, held] */
export type BalanceAfter = [number, number, number, number];

export type ReleaseListener = (released: Released) => void;

/** What the sequencer needs of a journal (the file journal, or a replicated log later). */
export interface CommandLog {
  /** Copies the payload before returning (the sequencer encodes every command into the same buffer). */
  append(sequence: number, payload: Uint8Array): void;
  onDurable: (durableSequence: number) => void;
}

interface InFlight {
  released: Released;
  resolve: (released: Released) => void;
}

/** Collects the events of the command being applied; the engine reuses its event objects, so copy. */
export class CommandEventSink implements EventSink {
  current: EngineEvent[] = [];

  onEvent(event: Readonly<EngineEvent>): void {
    this.current.push({ ...event } as EngineEvent);
  }
}

const NO_WAITER = (): void => {};

export class Sequencer {
  private readonly inFlight: InFlight[] = [];
  private inFlightHead = 0;
  private readonly listeners: ReleaseListener[] = [];
  private lastTimestampMs = 0;
  private paused = false;
  private readonly waiting: Array<{ command: UnstampedCommand; resolve: (r: Released) => void; reject: (e: unknown) => void }> = [];

  constructor(
    private readonly engine: Engine,
    private readonly sink: CommandEventSink,
    private readonly log: CommandLog,
    /** Returns bytes valid until its next call (e.g. encodeCommandToScratch): the log copies them. */
    private readonly encode: (command: Command) => Uint8Array,
    private readonly clock: Clock,
  ) {
    log.onDurable = (durableSequence) => this.release(durableSequence);
  }

  onRelease(listener: ReleaseListener): void {
    this.listeners.push(listener);
  }

  /** Commands applied but not yet durable. */
  get pendingCount(): number {
    return this.inFlight.length - this.inFlightHead;
  }

  /** Resolves with the command's events once it is durable. */
  submit(command: UnstampedCommand): Promise<Released> {
    if (this.paused) {
      return new Promise((resolve, reject) => this.waiting.push({ command, resolve, reject }));
    }
    return new Promise((resolve) => {
      const released = this.applyNow(command);
      this.inFlight.push({ released, resolve });
    });
  }

  /**
   * Applies and journals a command now, without a promise: its answer reaches the release listeners, which
   * find it by the sequence returned. For callers that route answers themselves (the binary gateways);
   * only while not paused, since a paused sequencer must not apply anything.
   */
  submitNoWait(command: UnstampedCommand): number {
    if (this.paused) throw new Error('the sequencer is paused: check isPaused before submitNoWait');
    const released = this.applyNow(command);
    this.inFlight.push({ released, resolve: NO_WAITER });
    return released.command.sequence;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Holds new commands back (they wait, in order) until resume(): for a consistent snapshot. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    const waiting = this.waiting.splice(0);
    for (const { command, resolve, reject } of waiting) this.submit(command).then(resolve, reject);
  }

  /**
   * Re-applies a journaled command during recovery and releases it at once (it is durable already).
   * The timestamp it carries is kept, so replay gives the same state.
   */
  replay(command: Command): void {
    this.sink.current = [];
    this.engine.apply(command);
    this.lastTimestampMs = Math.max(this.lastTimestampMs, command.timestampMs);
    this.notify({ command, events: this.sink.current, balances: this.balancesAfter(this.sink.current) });
  }

  private applyNow(unstamped: UnstampedCommand): Released {
    // Time never goes backwards in the log, whatever the wall clock does.
    const timestampMs = Math.max(this.lastTimestampMs, this.clock.nowMs());
    this.lastTimestampMs = timestampMs;
    // Stamped in place (callers hand over a fresh object): no copy per command on the hot path.
    const command = unstamped as Command;
    command.sequence = this.engine.lastSequence + 1;
    command.timestampMs = timestampMs;
    // Encode before applying: a command the codec refuses must leave no trace in the engine either.
    const payload = this.encode(command);
    this.sink.current = [];
    this.engine.apply(command);
    const events = this.sink.current;
    const released: Released = { command, events, balances: this.balancesAfter(events) };
    this.log.append(command.sequence, payload);
    return released;
  }

  /** The (account, asset) pairs the events touched, each once, with their balances now. */
  private balancesAfter(events: EngineEvent[]): BalanceAfter[] {
    const out: BalanceAfter[] = [];
    for (const event of events) {
      switch (event.kind) {
        case EventKind.OrderAccepted:
        case EventKind.OrderCanceled:
        case EventKind.OrderReplaced:
        case EventKind.Execution:
          this.addBalance(out, event.accountId, CASH_ASSET);
          this.addBalance(out, event.accountId, event.symbolId + 1);
          if (event.kind === EventKind.Execution) this.addBalance(out, FEE_ACCOUNT_ID, CASH_ASSET);
          break;
        case EventKind.BalanceChanged:
          this.addBalance(out, event.accountId, event.asset);
          break;
        default:
          break;
      }
    }
    return out;
  }

  /** Appends (accountId, asset) unless already there: a command touches a handful, so a scan beats a Set. */
  private addBalance(out: BalanceAfter[], accountId: number, asset: number): void {
    for (let i = 0; i < out.length; i++) if (out[i][0] === accountId && out[i][1] === asset) return;
    out.push([accountId, asset, this.engine.available(accountId, asset), this.engine.held(accountId, asset)]);
  }

  private release(durableSequence: number): void {
    while (this.inFlightHead < this.inFlight.length) {
      const next = this.inFlight[this.inFlightHead];
      if (next.released.command.sequence > durableSequence) break;
      this.inFlightHead++;
      this.notify(next.released);
      next.resolve(next.released);
    }
    // Compact now and then instead of shifting per command.
    if (this.inFlightHead > 1024 && this.inFlightHead * 2 > this.inFlight.length) {
      this.inFlight.splice(0, this.inFlightHead);
      this.inFlightHead = 0;
    }
  }

  private notify(released: Released): void {
    for (const listener of this.listeners) listener(released);
  }
}
