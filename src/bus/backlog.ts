// Records that found a ring full, oldest first. A producer that must not drop nor reorder what it writes
// (the journal's records, the engine thread's answers, a gateway's JSON and HTTP requests) keeps them here
// and writes them, before anything newer, as the consumer makes room. A queue with a moving head: taking
// the oldest is O(1), where Array.shift() moves every record behind it. RingBacklog adds the waiting:
// one loop that writes them as the ring's reader makes room.
import type { SpscRing } from './spsc-ring.ts';

export class Backlog<T> {
  private items: T[] = [];
  private head = 0;

  /** True when nothing waits: a producer may then write to the ring directly. */
  get isEmpty(): boolean {
    return this.head === this.items.length;
  }

  push(item: T): void {
    this.items.push(item);
  }

  /**
   * Offers the records to `write`, oldest first, until it says the ring is full (false) or none is left;
   * returns how many it took. Those are let go of at once (a long backlog must not hold its bytes until it
   * is empty).
   */
  drain(write: (item: T) => boolean): number {
    const start = this.head;
    while (this.head < this.items.length && write(this.items[this.head])) {
      this.items[this.head++] = undefined as T;
    }
    const taken = this.head - start;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    }
    return taken;
  }
}

/**
 * Calls `onRoom` each time `ring`'s reader has made room for a message of `roomBytes` (or 50 ms have passed),
 * for as long as `pending()` says something waits for room. One loop at a time: start() while it runs does
 * nothing, so a producer may call it on every record that finds the ring full.
 */
export class RoomWaiter {
  private running = false;
  private readonly roomBytes: number;

  constructor(private readonly ring: SpscRing, roomBytes: number, private readonly pending: () => boolean, private readonly onRoom: () => void) {
    this.roomBytes = Math.min(roomBytes, ring.maxMessageBytes);
  }

  start(): void {
    if (!this.running) void this.run();
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.pending()) {
        await this.ring.waitForSpaceAsync(this.roomBytes, 50);
        this.onRoom();
      }
    } finally {
      this.running = false;
    }
  }
}

/**
 * A Backlog in front of one ring: `hold()` keeps a record that found the ring full, and the held records are
 * written with `write`, oldest first, and published as the ring's reader makes room. A producer writes to
 * the ring directly only while `isEmpty`, so nothing overtakes what waits.
 */
export class RingBacklog<T> {
  private readonly held = new Backlog<T>();
  private readonly waiter: RoomWaiter;

  constructor(ring: SpscRing, write: (item: T) => boolean, roomBytes = 64 * 1024) {
    this.waiter = new RoomWaiter(ring, roomBytes, () => !this.held.isEmpty, () => {
      this.held.drain(write);
      ring.publish();
    });
  }

  get isEmpty(): boolean {
    return this.held.isEmpty;
  }

  hold(item: T): void {
    this.held.push(item);
    this.waiter.start();
  }
}
