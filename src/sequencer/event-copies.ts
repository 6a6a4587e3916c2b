// The events of the command being applied, copied out of the engine's reused event objects into objects
// of the sink's own, which come back for reuse once the command has been released (Sequencer.recycle):
// at steady state the copies cost no allocation, where a fresh object per event was a fifth of what the
// engine thread allocated per order.
import { copyEventInto } from '../codec/index.ts';
import type { EngineEvent, EventSink } from '../engine/index.ts';

export class CommandEventSink implements EventSink {
  private events: EngineEvent[] = [];
  /** Where the next event goes in `events`. */
  private count = 0;
  /** Copies given back, by event kind. */
  private readonly free: EngineEvent[][] = [];

  /** The array the events go to. Setting it appends to what the array holds (tests give a fresh []). */
  get current(): EngineEvent[] {
    return this.events;
  }

  set current(events: EngineEvent[]) {
    this.events = events;
    this.count = events.length;
  }

  /**
   * The next command's events go to `events`, from its start, over what it held (the sequencer's reused
   * arrays: an array emptied with `length = 0` gives up its storage and would allocate again at the first
   * push of every command); finish() cuts it to what was written.
   */
  collect(events: EngineEvent[]): void {
    this.events = events;
    this.count = 0;
  }

  finish(): void {
    if (this.events.length !== this.count) this.events.length = this.count;
  }

  onEvent(event: Readonly<EngineEvent>): void {
    const free = this.free[event.kind];
    const reused = free === undefined ? undefined : free.pop();
    let copy: EngineEvent;
    if (reused === undefined) copy = { ...event } as EngineEvent;
    else {
      copyEventInto(event, reused);
      copy = reused;
    }
    this.events[this.count++] = copy;
  }

  /** Takes the events back (the array keeps them until collect() writes over them): nothing may use them any more. */
  recycle(events: readonly EngineEvent[]): void {
    for (let i = 0; i < events.length; i++) {
      const event = events[i];
      (this.free[event.kind] ??= []).push(event);
    }
  }
}
