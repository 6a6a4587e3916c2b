// A single-producer single-consumer ring of variable-length binary messages over a SharedArrayBuffer:
// the hot path between gateway threads and the engine thread. Nothing is allocated per message.
//
// Memory: a header of Int32 counters, then the data region (capacityBytes, a power of two).
//   head and tail are free-running 32-bit byte positions (they wrap at 2^32; only their difference and
//   their low bits matter), each on its own 64-byte line so the two threads do not fight over one line.
//   The two flags sit on lines of their own too: they are read on every publish / poll and written only
//   around a sleep, so they stay cached on both sides.
// A record: u32 length (native byte order) + payload, padded to 8 bytes. A record never straddles the
// end of the data region: the producer writes a wrap marker (0xFFFFFFFF) and continues at offset 0.
//
// Ordering: payload and length words are plain writes; the one Atomics.store of tail in publish() is
// what makes them visible (seq-cst atomics order the plain writes before them), and the consumer's
// Atomics.load of tail in poll() is what it reads them after. The same holds for head in reverse.
//
// Each side uses its own SpscRing object (create() in one thread, attach(ring.buffers) in the other);
// the producer calls only claim/commit/write/publish/waitForSpace, the consumer only poll/waitForMessages.
import { Doorbell, waitAsyncOn } from './doorbell.ts';

/** Everything another thread needs to attach: post it once at setup. */
export interface RingBuffers {
  ring: SharedArrayBuffer;
  doorbell?: SharedArrayBuffer;
}

export interface WaitOptions {
  /** Checks this many times in a busy loop before sleeping (default 0: sleep at once, burn no CPU). */
  spinIterations?: number;
}

/** Called per message; `data` is shared memory reused once poll returns, so copy what you keep. */
export type MessageHandler = (data: Uint8Array, offset: number, lengthBytes: number) => void;

const HEAD = 0; // byte position 0: the consumer's line
const TAIL = 16; // byte position 64: the producer's line
const CONSUMER_SLEEPING = 32;
const PRODUCER_WAITING = 48;
const MAGIC = 64;
const CAPACITY = 65;
const HEADER_BYTES = 320;
const MAGIC_VALUE = 0x53505343; // "SPSC"

const LENGTH_BYTES = 4;
const RECORD_ALIGN_BYTES = 8;
const WRAP_MARKER = -1; // 0xFFFFFFFF as an Int32
const MIN_CAPACITY_BYTES = 1024;
const MAX_CAPACITY_BYTES = 2 ** 30; // keeps every position difference far from 2^31
const NO_OPTIONS: WaitOptions = {};

function recordBytes(lengthBytes: number): number {
  return (lengthBytes + LENGTH_BYTES + RECORD_ALIGN_BYTES - 1) & ~(RECORD_ALIGN_BYTES - 1);
}

function checkCapacity(capacityBytes: number): void {
  const powerOfTwo = Number.isInteger(capacityBytes) && (capacityBytes & (capacityBytes - 1)) === 0;
  if (!powerOfTwo || capacityBytes < MIN_CAPACITY_BYTES || capacityBytes > MAX_CAPACITY_BYTES) {
    throw new RangeError(`ring capacity must be a power of two in [${MIN_CAPACITY_BYTES}, 2^30] bytes, got ${capacityBytes}`);
  }
}

export class SpscRing {
  readonly buffers: RingBuffers;
  /** The data region; claim() and poll() give offsets into it. */
  readonly data: Uint8Array;
  readonly view: DataView;
  readonly capacityBytes: number;
  readonly maxMessageBytes: number;

  private readonly header: Int32Array;
  private readonly lengths: Int32Array; // the data region again, to read and write length words
  private readonly mask: number;
  private readonly doorbell: Doorbell | null;

  // Producer side.
  private writePos: number; // end of the committed messages
  private publishedPos: number;
  private cachedHead: number; // a stale head only under-reports free space, so refresh it only when short
  private claimPos = 0;
  private claimLengthBytes = 0;
  private claimed = false;

  // Consumer side.
  private readPos: number;

  private constructor(buffers: RingBuffers, capacityBytes: number) {
    this.buffers = buffers;
    this.capacityBytes = capacityBytes;
    this.maxMessageBytes = capacityBytes / 4;
    this.mask = capacityBytes - 1;
    this.header = new Int32Array(buffers.ring, 0, HEADER_BYTES / 4);
    this.data = new Uint8Array(buffers.ring, HEADER_BYTES, capacityBytes);
    this.view = new DataView(buffers.ring, HEADER_BYTES, capacityBytes);
    this.lengths = new Int32Array(buffers.ring, HEADER_BYTES, capacityBytes / 4);
    this.doorbell = buffers.doorbell ? Doorbell.attach(buffers.doorbell) : null;
    this.writePos = this.publishedPos = Atomics.load(this.header, TAIL);
    this.cachedHead = this.readPos = Atomics.load(this.header, HEAD);
  }

  /**
   * A new ring. With a doorbell, publish() rings it instead of waking a sleeper on this ring's tail.
   * `startPosition` (a multiple of 8) is for tests: counters that start near 2^32 wrap within a few laps.
   */
  static create(capacityBytes: number, doorbell?: Doorbell, startPosition = 0): SpscRing {
    checkCapacity(capacityBytes);
    if (!Number.isInteger(startPosition) || startPosition % RECORD_ALIGN_BYTES !== 0 || startPosition < 0 || startPosition >= 2 ** 32) {
      throw new RangeError(`startPosition must be a multiple of ${RECORD_ALIGN_BYTES} in [0, 2^32), got ${startPosition}`);
    }
    const ring = new SharedArrayBuffer(HEADER_BYTES + capacityBytes);
    const header = new Int32Array(ring, 0, HEADER_BYTES / 4);
    header[HEAD] = header[TAIL] = startPosition | 0;
    header[CAPACITY] = capacityBytes;
    Atomics.store(header, MAGIC, MAGIC_VALUE);
    return new SpscRing(doorbell ? { ring, doorbell: doorbell.buffer } : { ring }, capacityBytes);
  }

  /** The same ring in another thread, from `ring.buffers` posted there. */
  static attach(buffers: RingBuffers): SpscRing {
    const header = new Int32Array(buffers.ring, 0, HEADER_BYTES / 4);
    if (Atomics.load(header, MAGIC) !== MAGIC_VALUE) throw new TypeError('not an SpscRing buffer');
    const capacityBytes = header[CAPACITY];
    checkCapacity(capacityBytes);
    return new SpscRing(buffers, capacityBytes);
  }

  // ---- Producer ----

  /**
   * Reserves room for a message and returns the offset in `data` to write its payload at, or -1 when
   * the ring has no room for it now. Finish with commit(); a new claim() replaces an uncommitted one.
   */
  claim(lengthBytes: number): number {
    this.checkLength(lengthBytes);
    const neededBytes = this.neededBytes(lengthBytes);
    if (neededBytes > this.capacityBytes - ((this.writePos - this.cachedHead) >>> 0)) {
      this.cachedHead = Atomics.load(this.header, HEAD);
      if (neededBytes > this.capacityBytes - ((this.writePos - this.cachedHead) >>> 0)) return -1;
    }
    const offset = this.writePos & this.mask;
    if (neededBytes !== recordBytes(lengthBytes)) {
      this.lengths[offset >> 2] = WRAP_MARKER;
      this.writePos = (this.writePos + this.capacityBytes - offset) | 0;
    }
    this.claimPos = this.writePos;
    this.claimLengthBytes = lengthBytes;
    this.claimed = true;
    return (this.writePos & this.mask) + LENGTH_BYTES;
  }

  /** Adds the claimed message to the batch; the consumer sees it after the next publish(). */
  commit(): void {
    if (!this.claimed) throw new Error('commit() without a claim()');
    this.claimed = false;
    this.lengths[(this.claimPos & this.mask) >> 2] = this.claimLengthBytes;
    this.writePos = (this.claimPos + recordBytes(this.claimLengthBytes)) | 0;
  }

  /** claim + copy + commit; false when the ring has no room now. Does not publish. */
  write(payload: Uint8Array): boolean {
    const offset = this.claim(payload.length);
    if (offset < 0) return false;
    this.data.set(payload, offset);
    this.commit();
    return true;
  }

  /** Makes every committed message visible with one store, and wakes the consumer only if it sleeps. */
  publish(): void {
    if (this.writePos === this.publishedPos) return;
    this.publishedPos = this.writePos;
    Atomics.store(this.header, TAIL, this.writePos);
    // Seq-cst store then load: either the consumer's re-check sees the new tail or we see its flag.
    if (this.doorbell !== null) this.doorbell.ring();
    else if (Atomics.load(this.header, CONSUMER_SLEEPING) !== 0) Atomics.notify(this.header, TAIL);
  }

  /** Free bytes now (record headers and padding count; a message that wraps also needs the tail end). */
  get freeBytes(): number {
    this.cachedHead = Atomics.load(this.header, HEAD);
    return this.capacityBytes - ((this.writePos - this.cachedHead) >>> 0);
  }

  /**
   * Sleeps until a message of `lengthBytes` fits or the timeout passes; true if it fits. Publishes the
   * committed messages first: the consumer can only free space after it has seen what fills it.
   */
  waitForSpace(lengthBytes: number, timeoutMs: number, options: WaitOptions = NO_OPTIONS): boolean {
    this.checkLength(lengthBytes);
    this.publish();
    if (this.spinForSpace(lengthBytes, options.spinIterations ?? 0)) return true;
    const deadlineMs = performance.now() + timeoutMs;
    for (;;) {
      const remainingMs = deadlineMs - performance.now();
      const head = this.armProducerWait();
      if (this.fitsNow(lengthBytes) || remainingMs <= 0) return this.disarmProducerWait(lengthBytes);
      Atomics.wait(this.header, HEAD, head, remainingMs);
      Atomics.store(this.header, PRODUCER_WAITING, 0);
    }
  }

  /** As waitForSpace, without blocking the event loop. */
  async waitForSpaceAsync(lengthBytes: number, timeoutMs: number, options: WaitOptions = NO_OPTIONS): Promise<boolean> {
    this.checkLength(lengthBytes);
    this.publish();
    if (this.spinForSpace(lengthBytes, options.spinIterations ?? 0)) return true;
    const deadlineMs = performance.now() + timeoutMs;
    for (;;) {
      const remainingMs = deadlineMs - performance.now();
      const head = this.armProducerWait();
      if (this.fitsNow(lengthBytes) || remainingMs <= 0) return this.disarmProducerWait(lengthBytes);
      try {
        await waitAsyncOn(this.header, HEAD, head, remainingMs);
      } finally {
        Atomics.store(this.header, PRODUCER_WAITING, 0);
      }
    }
  }

  // ---- Consumer ----

  /**
   * Calls `handler` for each published message in order, up to maxMessages, then frees their space
   * with one store of head (and wakes a producer waiting for space). Returns how many it read.
   * A message whose handler throws counts as read, so one bad message cannot wedge the ring.
   */
  poll(handler: MessageHandler, maxMessages = Infinity): number {
    const tail = Atomics.load(this.header, TAIL);
    const startPos = this.readPos;
    let pos = startPos;
    let count = 0;
    try {
      while (pos !== tail && count < maxMessages) {
        const offset = pos & this.mask;
        const lengthBytes = this.lengths[offset >> 2];
        if (lengthBytes === WRAP_MARKER) {
          pos = (pos + this.capacityBytes - offset) | 0;
          continue;
        }
        if (lengthBytes < 0 || lengthBytes > this.maxMessageBytes) throw new Error(`corrupt ring: length ${lengthBytes} at position ${pos >>> 0}`);
        pos = (pos + recordBytes(lengthBytes)) | 0;
        count++;
        handler(this.data, offset + LENGTH_BYTES, lengthBytes);
      }
    } finally {
      if (pos !== startPos) this.release(pos);
    }
    return count;
  }

  /** True when no published message is waiting. */
  get isEmpty(): boolean {
    return Atomics.load(this.header, TAIL) === this.readPos;
  }

  /** Sleeps until a message is published or the timeout passes; true if one is waiting. */
  waitForMessages(timeoutMs: number, options: WaitOptions = NO_OPTIONS): boolean {
    if (this.spinForMessages(options.spinIterations ?? 0)) return true;
    const deadlineMs = performance.now() + timeoutMs;
    for (;;) {
      const remainingMs = deadlineMs - performance.now();
      if (this.doorbell !== null) {
        const seen = this.doorbell.value;
        if (!this.isEmpty) return true;
        if (remainingMs <= 0) return false;
        this.doorbell.wait(seen, remainingMs);
      } else {
        const tail = this.armConsumerSleep();
        if (tail !== this.readPos || remainingMs <= 0) return this.disarmConsumerSleep(tail);
        Atomics.wait(this.header, TAIL, tail, remainingMs);
        Atomics.store(this.header, CONSUMER_SLEEPING, 0);
      }
    }
  }

  /** As waitForMessages, without blocking the event loop (for a thread that also does I/O). */
  async waitForMessagesAsync(timeoutMs: number, options: WaitOptions = NO_OPTIONS): Promise<boolean> {
    if (this.spinForMessages(options.spinIterations ?? 0)) return true;
    const deadlineMs = performance.now() + timeoutMs;
    for (;;) {
      const remainingMs = deadlineMs - performance.now();
      if (this.doorbell !== null) {
        const seen = this.doorbell.value;
        if (!this.isEmpty) return true;
        if (remainingMs <= 0) return false;
        await this.doorbell.waitAsync(seen, remainingMs);
      } else {
        const tail = this.armConsumerSleep();
        if (tail !== this.readPos || remainingMs <= 0) return this.disarmConsumerSleep(tail);
        try {
          await waitAsyncOn(this.header, TAIL, tail, remainingMs);
        } finally {
          Atomics.store(this.header, CONSUMER_SLEEPING, 0);
        }
      }
    }
  }

  // ---- Internals ----

  private checkLength(lengthBytes: number): void {
    if (lengthBytes >>> 0 !== lengthBytes || lengthBytes > this.maxMessageBytes) {
      throw new RangeError(`message length must be an integer in [0, ${this.maxMessageBytes}] bytes, got ${lengthBytes}`);
    }
  }

  /** Bytes a message takes at the write position: its record, plus the tail end when it must wrap. */
  private neededBytes(lengthBytes: number): number {
    const bytes = recordBytes(lengthBytes);
    const untilEndBytes = this.capacityBytes - (this.writePos & this.mask);
    return bytes <= untilEndBytes ? bytes : untilEndBytes + bytes;
  }

  private fitsNow(lengthBytes: number): boolean {
    return this.neededBytes(lengthBytes) <= this.capacityBytes - ((this.writePos - this.cachedHead) >>> 0);
  }

  private spinForSpace(lengthBytes: number, spinIterations: number): boolean {
    for (let i = 0; i <= spinIterations; i++) {
      this.cachedHead = Atomics.load(this.header, HEAD);
      if (this.fitsNow(lengthBytes)) return true;
    }
    return false;
  }

  private spinForMessages(spinIterations: number): boolean {
    for (let i = 0; i <= spinIterations; i++) if (!this.isEmpty) return true;
    return false;
  }

  /** Raises the flag, then re-reads head: a release after this either shows here or sees the flag. */
  private armProducerWait(): number {
    Atomics.store(this.header, PRODUCER_WAITING, 1);
    this.cachedHead = Atomics.load(this.header, HEAD);
    return this.cachedHead;
  }

  private disarmProducerWait(lengthBytes: number): boolean {
    Atomics.store(this.header, PRODUCER_WAITING, 0);
    return this.fitsNow(lengthBytes);
  }

  /** Raises the flag, then re-reads tail: a publish after this either shows here or sees the flag. */
  private armConsumerSleep(): number {
    Atomics.store(this.header, CONSUMER_SLEEPING, 1);
    return Atomics.load(this.header, TAIL);
  }

  private disarmConsumerSleep(tail: number): boolean {
    Atomics.store(this.header, CONSUMER_SLEEPING, 0);
    return tail !== this.readPos;
  }

  private release(pos: number): void {
    this.readPos = pos;
    Atomics.store(this.header, HEAD, pos);
    if (Atomics.load(this.header, PRODUCER_WAITING) !== 0) Atomics.notify(this.header, HEAD);
  }
}
