// Writes records built with a BinaryWriter to an SpscRing, in order, publishing once per burst: the records
// of one synchronous run go out with one store of the tail (and at most one wake-up of the reader). Records
// that find the ring full wait in a RingBacklog and are written, oldest first, as the reader makes room.
import { RingBacklog, type SpscRing } from '../bus/index.ts';
import { BinaryWriter, ByteCopier } from '../codec/index.ts';

export class RingRecordWriter {
  private readonly scratch = new BinaryWriter(64 * 1024);
  private readonly held: RingBacklog<Uint8Array>;
  private readonly copier = new ByteCopier();
  private publishScheduled = false;

  /** `beforePublish` runs right before each publish (once per burst). */
  constructor(private readonly ring: SpscRing, private readonly beforePublish: () => void = () => {}) {
    this.held = new RingBacklog(ring, (record) => this.tryWrite(record, record.length));
  }

  /** The writer for the next record, emptied. */
  begin(): BinaryWriter {
    this.scratch.reset();
    return this.scratch;
  }

  /** Writes (or holds) what was written since begin(); it is published at the end of this run. */
  end(): void {
    const scratch = this.scratch;
    if (!this.held.isEmpty || !this.tryWrite(scratch.array, scratch.length)) this.held.hold(scratch.bytes().slice());
    if (!this.publishScheduled) {
      this.publishScheduled = true;
      queueMicrotask(this.publish);
    }
  }

  /** True when nothing is held back for want of room. */
  get drained(): boolean {
    return this.held.isEmpty;
  }

  /** The first `length` bytes of `bytes` as one record, if the ring has room now. */
  private tryWrite(bytes: Uint8Array, length: number): boolean {
    const at = this.ring.claim(length);
    if (at < 0) return false;
    this.copier.copy(bytes, 0, length, this.ring.data, at);
    this.ring.commit();
    return true;
  }

  private readonly publish = (): void => {
    this.publishScheduled = false;
    this.beforePublish();
    this.ring.publish();
  };
}
