// What the journal's owner (the engine thread) and its writer thread share: the setup, the control cells,
// and the reports. The writer tells the owner, in order, over a ring of its own: each batch made durable,
// each segment started, and a failure. One ring for all three keeps them in the order they
// happened, so the owner's list of segments always matches the batches it has been told about.
//
// A report (little-endian): [u8 kind][3 bytes zero][u32 records][f64 lastSequence][u32 bytes][u32 fsyncUs]
// [f64 activeSegmentBytes] for a batch; [u8 kind][7 bytes zero][f64 firstSequence] for a segment started;
// [u8 kind][3 bytes zero][u32 UTF-8 length][message] for a failure.
import type { RingBuffers, SpscRing } from '../bus/index.ts';
import type { SegmentInfo } from './recovery.ts';

export interface WriterThreadSetup {
  dir: string;
  segments: SegmentInfo[];
  segmentBytes: number;
  fsync: boolean;
  preallocate: boolean;
  /** Records from the owner, with the doorbell it rings on each publish. */
  records: RingBuffers;
  /** Reports to the owner. */
  reports: RingBuffers;
  /** Int32 cells: CLOSE_CELL set to 1 asks the thread to write what is left and stop. */
  control: SharedArrayBuffer;
}

/** The one message, once started; everything after goes over the rings (the owner waits for the thread's exit at close). */
export type WriterToOwner = { type: 'ready' };

export const CLOSE_CELL = 0;
export const CONTROL_BYTES = 64;

export const enum ReportKind {
  Batch = 1,
  SegmentStarted = 2,
  Failed = 3,
}

const BATCH_REPORT_BYTES = 32;
const SEGMENT_REPORT_BYTES = 16;
const MAX_FAILURE_MESSAGE_BYTES = 4096;
const REPORT_WAIT_MS = 1000;

/** Where the owner's side of the journal takes each report (journal.ts). */
export interface ReportHandler {
  batch(lastSequence: number, records: number, bytes: number, fsyncUs: number, activeSegmentBytes: number): void;
  segmentStarted(firstSequence: number): void;
  failed(message: string): void;
}

/** The writer thread's side: each report is published at once (the owner waits for it). */
export class ReportWriter {
  constructor(private readonly ring: SpscRing) {}

  batch(lastSequence: number, records: number, bytes: number, fsyncUs: number, activeSegmentBytes: number): void {
    const at = this.claim(BATCH_REPORT_BYTES);
    const view = this.ring.view;
    view.setUint32(at, ReportKind.Batch, true);
    view.setUint32(at + 4, records, true);
    view.setFloat64(at + 8, lastSequence, true);
    view.setUint32(at + 16, bytes, true);
    view.setUint32(at + 20, fsyncUs, true);
    view.setFloat64(at + 24, activeSegmentBytes, true);
    this.publish();
  }

  segmentStarted(firstSequence: number): void {
    const at = this.claim(SEGMENT_REPORT_BYTES);
    const view = this.ring.view;
    view.setUint32(at, ReportKind.SegmentStarted, true);
    view.setUint32(at + 4, 0, true);
    view.setFloat64(at + 8, firstSequence, true);
    this.publish();
  }

  failed(message: string): void {
    const text = Buffer.from(message, 'utf8').subarray(0, MAX_FAILURE_MESSAGE_BYTES);
    const at = this.claim(8 + text.length);
    const view = this.ring.view;
    view.setUint32(at, ReportKind.Failed, true);
    view.setUint32(at + 4, text.length, true);
    this.ring.data.set(text, at + 8);
    this.publish();
  }

  /** Room for a report; waits while the ring is full (the owner's thread is busy: the writer can wait too). */
  private claim(lengthBytes: number): number {
    for (;;) {
      const at = this.ring.claim(lengthBytes);
      if (at >= 0) return at;
      this.ring.waitForSpace(lengthBytes, REPORT_WAIT_MS);
    }
  }

  private publish(): void {
    this.ring.commit();
    this.ring.publish();
  }
}

/** Reads one report (a ring message) and hands it to `handler`. */
export function readReport(ring: SpscRing, offset: number, handler: ReportHandler): void {
  const view = ring.view;
  switch (view.getUint32(offset, true)) {
    case ReportKind.Batch:
      handler.batch(view.getFloat64(offset + 8, true), view.getUint32(offset + 4, true), view.getUint32(offset + 16, true),
        view.getUint32(offset + 20, true), view.getFloat64(offset + 24, true));
      return;
    case ReportKind.SegmentStarted:
      handler.segmentStarted(view.getFloat64(offset + 8, true));
      return;
    case ReportKind.Failed: {
      const length = view.getUint32(offset + 4, true);
      handler.failed(Buffer.from(ring.data.subarray(offset + 8, offset + 8 + length)).toString('utf8'));
      return;
    }
    default:
      handler.failed(`journal writer sent an unknown report kind ${view.getUint32(offset, true)}`);
  }
}
