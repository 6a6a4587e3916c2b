// Writes records built with a BinaryWriter to an SpscRing, in order, publishing once per burst: the records
// of one synchronous run go out with one store of the tail (and at most one wake-up of the reader). Records
// that find the ring full wait in a Backlog and are written, oldest first, as the reader makes room.
import { Backlog, type SpscRing } from '../bus/index.ts';
import { BinaryWriter, copyBytes } from '../codec/index.ts';

export class RingRecordWriter {
  private readonly scratch = new BinaryWriter(64 * 1024);
  private readonly held = new Backlog<Uint8Array>();
  private publishScheduled = false;
  private waitingForSpace = false;

  /** `beforePublish` runs right before each publish (once per burst). */
  constructor(private readonly ring: SpscRing, private readonly beforePublish: () => void = () => {}) {}

  /** The writer for the next record, emptied. */
  begin(): BinaryWriter {
    this.scratch.reset();
    return this.scratch;
  }

  /** Writes (or holds) what was written since begin(); it is published at the end of this run. */
  end(): void {
    const bytes = this.scratch.bytes();
    if (!this.held.isEmpty || !this.tryWrite(bytes)) {
      this.held.push(bytes.slice());
      void this.waitForSpace();
    }
    if (!this.publishScheduled) {
      this.publishScheduled = true;
      queueMicrotask(this.publish);
    }
  }

  /** True when nothing is held back for want of room. */
  get drained(): boolean {
    return this.held.isEmpty;
  }

  private readonly tryWrite = (bytes: Uint8Array): boolean => {
    const at = this.ring.claim(bytes.length);
    if (at < 0) return false;
    copyBytes(bytes, 0, bytes.length, this.ring.data, at);
    this.ring.commit();
    return true;
  };

  private readonly publish = (): void => {
    this.publishScheduled = false;
    this.beforePublish();
    this.ring.publish();
  };

  private async waitForSpace(): Promise<void> {
    if (this.waitingForSpace) return;
    this.waitingForSpace = true;
    try {
      while (!this.held.isEmpty) {
        await this.ring.waitForSpaceAsync(Math.min(64 * 1024, this.ring.maxMessageBytes), 50);
        this.held.drain(this.tryWrite);
        this.ring.publish();
      }
    } finally {
      this.waitingForSpace = false;
    }
  }
}
