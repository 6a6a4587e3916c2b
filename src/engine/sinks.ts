// Two ready sinks: one that keeps copies (tests, tools), one that drops everything (benchmarks).
import type { EngineEvent, EventSink } from './types.ts';

export class CollectingSink implements EventSink {
  events: EngineEvent[] = [];

  onEvent(event: Readonly<EngineEvent>): void {
    this.events.push({ ...event } as EngineEvent);
  }

  /** Returns the events collected so far and starts a new list. */
  take(): EngineEvent[] {
    const taken = this.events;
    this.events = [];
    return taken;
  }
}

export class NullSink implements EventSink {
  count = 0;

  onEvent(_event: Readonly<EngineEvent>): void {
    this.count++;
  }
}
