// Commands applied but not yet durable, oldest first: a ring over two parallel arrays that doubles when
// full, so that queueing and releasing a command allocates nothing at steady state.
import type { Released } from './released.ts';

export type Resolver = (released: Released) => void;

export class InFlightQueue {
  private items: Released[] = new Array<Released>(1024);
  private resolvers: Resolver[] = new Array<Resolver>(1024);
  private head = 0;
  private count = 0;

  get length(): number {
    return this.count;
  }

  push(released: Released, resolve: Resolver): void {
    if (this.count === this.items.length) this.grow();
    const at = (this.head + this.count) & (this.items.length - 1);
    this.items[at] = released;
    this.resolvers[at] = resolve;
    this.count++;
  }

  /** The oldest command's sequence, or Infinity when none is in flight. */
  oldestSequence(): number {
    return this.count === 0 ? Infinity : this.items[this.head].command.sequence;
  }

  /** Removes the oldest; its resolver is left in `resolver`. */
  shift(): Released {
    const at = this.head;
    const released = this.items[at];
    this.resolver = this.resolvers[at];
    this.items[at] = undefined as unknown as Released;
    this.resolvers[at] = undefined as unknown as Resolver;
    this.head = (at + 1) & (this.items.length - 1);
    this.count--;
    return released;
  }

  /** The resolver of the command shift() returned last. */
  resolver: Resolver | undefined;

  private grow(): void {
    const size = this.items.length;
    const items = new Array<Released>(size * 2);
    const resolvers = new Array<Resolver>(size * 2);
    for (let i = 0; i < this.count; i++) {
      items[i] = this.items[(this.head + i) & (size - 1)];
      resolvers[i] = this.resolvers[(this.head + i) & (size - 1)];
    }
    this.items = items;
    this.resolvers = resolvers;
    this.head = 0;
  }
}
