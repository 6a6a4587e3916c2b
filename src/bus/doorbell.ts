// A doorbell lets one consumer thread that reads several rings (one per producer thread) sleep on ONE
// shared word instead of polling each ring. Every publish on a ring created with the doorbell rings it:
// the counter goes up, and the sleeper is notified only if it said it sleeps (a notify is a syscall).
//
// The consumer pattern, free of lost wake-ups:
//
//   for (;;) {
//     const seen = doorbell.value;              // read BEFORE polling
//     let read = 0;
//     for (const ring of rings) read += ring.poll(handler);
//     if (read === 0) doorbell.wait(seen, timeoutMs);   // false may also be a spurious wake: just loop
//   }
//
// A publish that lands after the polls has already moved the counter past `seen`, so the wait returns
// at once instead of sleeping on data that is already there.
//
// Also home to waitAsyncOn, the one place that bridges Atomics.waitAsync to a promise (rings use it too).

const VALUE = 0;
const SLEEPING = 16; // its own 64-byte line: producers read it on every ring, the consumer writes it rarely
const DOORBELL_BYTES = 128;

export class Doorbell {
  readonly buffer: SharedArrayBuffer;
  private readonly cells: Int32Array;

  private constructor(buffer: SharedArrayBuffer) {
    if (buffer.byteLength < DOORBELL_BYTES) throw new RangeError(`a doorbell needs ${DOORBELL_BYTES} bytes, got ${buffer.byteLength}`);
    this.buffer = buffer;
    this.cells = new Int32Array(buffer, 0, DOORBELL_BYTES / 4);
  }

  static create(): Doorbell {
    return new Doorbell(new SharedArrayBuffer(DOORBELL_BYTES));
  }

  /** The same doorbell in another thread, from `doorbell.buffer` posted there. */
  static attach(buffer: SharedArrayBuffer): Doorbell {
    return new Doorbell(buffer);
  }

  /** How many times it has rung (wraps at 2^32; compare for equality only). */
  get value(): number {
    return Atomics.load(this.cells, VALUE);
  }

  ring(): void {
    Atomics.add(this.cells, VALUE, 1);
    // Seq-cst add then load: either the sleeper's re-check sees the new value or we see its flag.
    if (Atomics.load(this.cells, SLEEPING) !== 0) Atomics.notify(this.cells, VALUE);
  }

  /**
   * Sleeps until the value differs from `seenValue` or the timeout passes; true if it was rung. False also
   * after a spurious wake-up: with several producers, one producer's notify can be late and land on a later
   * sleep than the one it was meant for. Callers loop (poll, then wait again) and keep their own deadline.
   */
  wait(seenValue: number, timeoutMs: number): boolean {
    Atomics.store(this.cells, SLEEPING, 1);
    Atomics.wait(this.cells, VALUE, seenValue, timeoutMs);
    Atomics.store(this.cells, SLEEPING, 0);
    return Atomics.load(this.cells, VALUE) !== seenValue;
  }

  /** As wait, without blocking the event loop (for a thread that also does I/O). */
  async waitAsync(seenValue: number, timeoutMs: number): Promise<boolean> {
    Atomics.store(this.cells, SLEEPING, 1);
    try {
      await waitAsyncOn(this.cells, VALUE, seenValue, timeoutMs);
    } finally {
      Atomics.store(this.cells, SLEEPING, 0);
    }
    return Atomics.load(this.cells, VALUE) !== seenValue;
  }
}

type WaitAsyncResult = { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };
type AtomicsWithWaitAsync = { waitAsync(cells: Int32Array, index: number, value: number, timeoutMs: number): WaitAsyncResult };

const MAX_TIMER_MS = 2 ** 31 - 1;
const noop = (): void => {};

/** One idle interval per thread, referenced while some waitAsync is pending (ref/unref are flag flips;
 *  creating and clearing a timer per wait showed in profiles of the engine thread). */
let keepAlive: NodeJS.Timeout | null = null;
let pendingWaits = 0;

/**
 * Atomics.waitAsync as a promise. A pending waitAsync does not keep Node's event loop alive, so a
 * process with nothing else to do would exit with the wait unresolved; an idle interval holds the loop
 * open until it settles (a timer for just timeoutMs could fire first and let the loop exit).
 */
export async function waitAsyncOn(cells: Int32Array, index: number, expected: number, timeoutMs: number): Promise<'ok' | 'not-equal' | 'timed-out'> {
  const result = (Atomics as unknown as AtomicsWithWaitAsync).waitAsync(cells, index, expected, timeoutMs);
  if (!result.async) return result.value;
  keepAlive ??= setInterval(noop, MAX_TIMER_MS);
  if (pendingWaits++ === 0) keepAlive.ref();
  try {
    return await result.value;
  } finally {
    if (--pendingWaits === 0) keepAlive.unref();
  }
}
