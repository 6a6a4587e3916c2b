// The events of the command being applied, copied out of the engine's reused event objects into objects
// of the sink's own, which come back for reuse once the command has been released (Sequencer.recycle):
// at steady state the copies cost no allocation, where a fresh object per event was a fifth of what the
// engine thread allocated per order.
import type { EngineEvent, EventSink } from '../engine/index.ts';

type Copier = (to: EngineEvent, from: Readonly<EngineEvent>) => void;

export class CommandEventSink implements EventSink {
  /** Where the events of the command being applied go (the sequencer points it at the command's array). */
  current: EngineEvent[] = [];
  /** Copies given back, by event kind. */
  private readonly free: EngineEvent[][] = [];
  private readonly copiers: Copier[] = [];

  onEvent(event: Readonly<EngineEvent>): void {
    const free = this.free[event.kind];
    const copy = free === undefined ? undefined : free.pop();
    if (copy === undefined) {
      this.current.push({ ...event } as EngineEvent);
      return;
    }
    (this.copiers[event.kind] ??= copierFor(event))(copy, event);
    this.current.push(copy);
  }

  /** Takes the events back (and empties the array): nothing may use them any more. */
  recycle(events: EngineEvent[]): void {
    for (let i = 0; i < events.length; i++) {
      const event = events[i];
      (this.free[event.kind] ??= []).push(event);
    }
    events.length = 0;
  }
}

/**
 * A straight-line copy of every field of one event kind (the engine's object for a kind always has the
 * same fields, so the copies keep one shape and the copy stays monomorphic).
 */
function copierFor(sample: Readonly<EngineEvent>): Copier {
  const fields = Object.keys(sample);
  for (const field of fields) {
    if (!/^[A-Za-z_$][\w$]*$/.test(field)) throw new Error(`event field ${JSON.stringify(field)} is not an identifier`);
  }
  return new Function('to', 'from', fields.map((field) => `to.${field} = from.${field};`).join('\n')) as Copier;
}
