// The single writer. It stamps each command with the next gap-free sequence and the time, applies it to
// the engine at once (so matching runs ahead of the disk), appends it to the journal, and holds the
// command's events back until the journal says its batch is durable. Then it releases them, in order,
// to every listener and to whoever submitted the command.
//
// A command nobody awaits (submitNoWait, the binary gateways' path) is held in a Released whose object,
// event copies and balances array are reused for a later command once its listeners have returned, so
// that the path from request to answer allocates nothing per command there. Listeners that keep what they
// are given keep a copy (copyReleased); what submit() resolves with is never reused.
import { copyCommandBody } from '../codec/index.ts';
import { CASH_ASSET, type Command, type Engine, EventKind } from '../engine/index.ts';
import type { Clock } from './clock.ts';
import type { CommandEventSink } from './event-copies.ts';
import { InFlightQueue } from './in-flight.ts';
import { BALANCE_FIELDS, emptyReleased, type Released } from './released.ts';

const FEE_ACCOUNT_ID = 0;

type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;
/** A command as a gateway builds it: the sequencer adds sequence and timestamp. */
export type UnstampedCommand = DistributiveOmit<Command, 'sequence' | 'timestampMs'>;

export type ReleaseListener = (released: Released) => void;

/** What the sequencer needs of a journal (the file journal, or a replicated log later). */
export interface CommandLog {
  /** The payload is the first `payloadBytes` of `payload`; copied before returning (the sequencer encodes every
   *  command into the same buffer). */
  append(sequence: number, payload: Uint8Array, payloadBytes: number): void;
  onDurable: (durableSequence: number) => void;
}

/** Encodes a command into a buffer of its own (e.g. ScratchCommandEncoder): its bytes are the first `length` of
 *  `bytes`, valid until the next encode. */
export interface CommandEncoder {
  encode(command: Command): void;
  readonly bytes: Uint8Array;
  readonly length: number;
}

const NO_WAITER = (): void => {};

export class Sequencer {
  private readonly inFlight = new InFlightQueue();
  /** Released objects of no-waiter commands, given back after their release (balanceCount 0; the events array
   *  still holds the recycled copies until the sink writes over it). */
  private readonly spare: Released[] = [];
  /** Command objects of submitNoWait's copies, given back after their release, by kind. */
  private readonly ownCommands: Command[][] = [];
  private readonly listeners: ReleaseListener[] = [];
  private lastTimestampMs = 0;
  private paused = false;
  private readonly waiting: Array<{ command: UnstampedCommand; resolve: (r: Released) => void; reject: (e: unknown) => void }> = [];

  constructor(
    private readonly engine: Engine,
    private readonly sink: CommandEventSink,
    private readonly log: CommandLog,
    private readonly encoder: CommandEncoder,
    private readonly clock: Clock,
  ) {
    log.onDurable = (durableSequence) => this.release(durableSequence);
  }

  onRelease(listener: ReleaseListener): void {
    this.listeners.push(listener);
  }

  /** Commands applied but not yet durable. */
  get pendingCount(): number {
    return this.inFlight.length;
  }

  /** Resolves with the command's events once it is durable. */
  submit(command: UnstampedCommand): Promise<Released> {
    if (this.paused) {
      return new Promise((resolve, reject) => this.waiting.push({ command, resolve, reject }));
    }
    return new Promise((resolve) => {
      const released = this.applyNow(command, emptyReleased(null as unknown as Command));
      this.inFlight.push(released, resolve);
    });
  }

  /**
   * Applies and journals a command now, without a promise: its answer reaches the release listeners, which
   * find it by the sequence returned. For callers that route answers themselves (the binary gateways);
   * only while not paused, since a paused sequencer must not apply anything. The command is copied (into
   * a command object of the sequencer's own, reused), so the caller may reuse its object at once.
   */
  submitNoWait(command: UnstampedCommand): number {
    if (this.paused) throw new Error('the sequencer is paused: check isPaused before submitNoWait');
    const own = copyCommandBody(command as Command, this.ownCommands[command.kind]?.pop());
    const released = this.applyNow(own, this.spare.pop() ?? emptyReleased(own));
    this.inFlight.push(released, NO_WAITER);
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
    const released = this.spare.pop() ?? emptyReleased(command);
    released.command = command;
    this.sink.collect(released.events);
    this.engine.apply(command);
    this.sink.finish();
    this.lastTimestampMs = Math.max(this.lastTimestampMs, command.timestampMs);
    this.addBalancesAfter(released);
    this.notify(released);
    this.recycle(released, false);
  }

  /** Stamps, encodes, applies and journals a command; its events and balances go into `released`. */
  private applyNow(unstamped: UnstampedCommand, released: Released): Released {
    // Time never goes backwards in the log, whatever the wall clock does.
    const timestampMs = Math.max(this.lastTimestampMs, this.clock.nowMs());
    this.lastTimestampMs = timestampMs;
    // Stamped in place (submit's callers hand over a fresh object, submitNoWait a copy of its own).
    const command = unstamped as Command;
    command.sequence = this.engine.lastSequence + 1;
    command.timestampMs = timestampMs;
    // Encode before applying: a command the codec refuses must leave no trace in the engine either.
    this.encoder.encode(command);
    released.command = command;
    this.sink.collect(released.events);
    this.engine.apply(command);
    this.sink.finish();
    this.addBalancesAfter(released);
    this.log.append(command.sequence, this.encoder.bytes, this.encoder.length);
    return released;
  }

  /** The (account, asset) pairs the events touched, each once, with their balances now. */
  private addBalancesAfter(released: Released): void {
    const events = released.events;
    for (let i = 0; i < events.length; i++) {
      const event = events[i];
      switch (event.kind) {
        case EventKind.OrderAccepted:
        case EventKind.OrderCanceled:
        case EventKind.OrderReplaced:
        case EventKind.Execution:
          this.addBalance(released, event.accountId, CASH_ASSET);
          this.addBalance(released, event.accountId, event.symbolId + 1);
          if (event.kind === EventKind.Execution) this.addBalance(released, FEE_ACCOUNT_ID, CASH_ASSET);
          break;
        case EventKind.BalanceChanged:
          this.addBalance(released, event.accountId, event.asset);
          break;
        default:
          break;
      }
    }
  }

  /** Appends (accountId, asset) unless already there: a command touches a handful, so a scan beats a Set. */
  private addBalance(released: Released, accountId: number, asset: number): void {
    let out = released.balances;
    const used = released.balanceCount * BALANCE_FIELDS;
    for (let i = 0; i < used; i += BALANCE_FIELDS) if (out[i] === accountId && out[i + 1] === asset) return;
    if (used + BALANCE_FIELDS > out.length) {
      out = new Float64Array(out.length * 2 + BALANCE_FIELDS);
      out.set(released.balances);
      released.balances = out;
    }
    out[used] = accountId;
    out[used + 1] = asset;
    out[used + 2] = this.engine.available(accountId, asset);
    out[used + 3] = this.engine.held(accountId, asset);
    released.balanceCount++;
  }

  private release(durableSequence: number): void {
    const inFlight = this.inFlight;
    while (inFlight.oldestSequence() <= durableSequence) {
      const released = inFlight.shift();
      const resolve = inFlight.resolver!;
      this.notify(released);
      if (resolve === NO_WAITER) this.recycle(released, true);
      else resolve(released);
    }
  }

  /**
   * Gives a released command's objects back for a later command: nothing refers to them any more. The
   * command object too when it is the sequencer's own (submitNoWait's copy; replay's came from the journal).
   */
  private recycle(released: Released, ownCommand: boolean): void {
    if (ownCommand) (this.ownCommands[released.command.kind] ??= []).push(released.command);
    this.sink.recycle(released.events);
    released.balanceCount = 0;
    this.spare.push(released);
  }

  private notify(released: Released): void {
    for (const listener of this.listeners) listener(released);
  }
}
