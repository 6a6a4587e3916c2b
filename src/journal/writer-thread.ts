// The journal's writer thread: group commit off the engine thread. The engine thread puts each record in a
// shared-memory ring (journal.ts); this thread takes everything the ring holds, seals each record with its
// CRC as it copies it into one batch buffer, writes the batch with one write and one fdatasync, and reports
// it back over a second ring. Records that arrive during an fdatasync wait in the ring and form the next
// batch, so batches grow with the load and there is never more than one fdatasync in flight.
//
// The write and the fdatasync are synchronous calls: this thread has nothing else to do meanwhile, and the
// engine thread no longer hands them to the thread pool and back (two wake-ups and a promise per batch). Its
// event loop is only for the next segment's preparation and a roll-over's directory fsync.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { Doorbell, SpscRing } from '../bus/index.ts';
import { nameThisThread } from '../ops/thread-priority.ts';
import { RECORD_HEADER_BYTES, readSequence, sealRecord } from './record-format.ts';
import { SegmentWriter } from './segment-writer.ts';
import { CLOSE_CELL, ReportWriter, type WriterThreadSetup, type WriterToOwner } from './writer-channel.ts';

const INITIAL_BATCH_BYTES = 64 * 1024;
const IDLE_WAIT_MS = 1000;
const PREPARING_WAIT_MS = 20;

const setup = workerData as WriterThreadSetup;
nameThisThread('exch-journal');
const records = SpscRing.attach(setup.records);
const bell = Doorbell.attach(setup.records.doorbell!);
const reports = new ReportWriter(SpscRing.attach(setup.reports));
const control = new Int32Array(setup.control);
const writer = new SegmentWriter(setup.dir, setup.segments, setup.segmentBytes, setup.fsync, setup.preallocate);
writer.onSegmentStarted = (firstSequence) => reports.segmentStarted(firstSequence);

// The ring's data region as a Buffer, to copy out of without a view per record.
const ringBytes = Buffer.from(records.data.buffer, records.data.byteOffset, records.data.byteLength);
let batch = Buffer.allocUnsafe(INITIAL_BATCH_BYTES);
let batchBytes = 0;
let batchRecords = 0;
let firstSequence = 0;
let lastSequence = 0;

function collect(_data: Uint8Array, offset: number, lengthBytes: number): void {
  if (batchBytes + lengthBytes > batch.length) {
    const grown = Buffer.allocUnsafe(Math.max(batch.length * 2, batchBytes + lengthBytes));
    batch.copy(grown, 0, 0, batchBytes);
    batch = grown;
  }
  ringBytes.copy(batch, batchBytes, offset, offset + lengthBytes);
  sealRecord(batch, batchBytes, lengthBytes - RECORD_HEADER_BYTES);
  const sequence = readSequence(batch, batchBytes);
  if (batchRecords === 0) firstSequence = sequence;
  else if (sequence !== lastSequence + 1) throw new Error(`journal ring out of order: sequence ${sequence} after ${lastSequence}`);
  lastSequence = sequence;
  batchBytes += lengthBytes;
  batchRecords++;
}

async function writeBatches(): Promise<void> {
  for (;;) {
    const seen = bell.value;
    if (records.poll(collect) > 0) {
      const written = writer.writeBatch(batch, batchBytes, firstSequence, lastSequence);
      const fsyncUs = typeof written === 'number' ? written : await written;
      reports.batch(lastSequence, batchRecords, batchBytes, fsyncUs, writer.activeBytes);
      batchBytes = 0;
      batchRecords = 0;
      // The next segment's preparation runs on this thread's event loop: let it have a turn between batches.
      if (writer.preparingNext) await nextTurn();
      continue;
    }
    // Closing only once the ring is empty: the owner asks after its last append.
    if (Atomics.load(control, CLOSE_CELL) !== 0) return;
    if (writer.preparingNext) await bell.waitAsync(seen, PREPARING_WAIT_MS);
    else bell.wait(seen, IDLE_WAIT_MS);
  }
}

async function main(): Promise<void> {
  await writer.start();
  parentPort!.postMessage({ type: 'ready' } satisfies WriterToOwner);
  try {
    await writeBatches();
  } catch (error) {
    // The owner fails the journal on this report: nothing more is written, whatever else is in the ring.
    reports.failed(error instanceof Error ? error.message : String(error));
  }
  await writer.close();
}

await main();
