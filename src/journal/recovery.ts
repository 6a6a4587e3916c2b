// Start-up check of the journal directory: every segment, every record. The result is the list of segments
// and the last intact sequence. A torn tail (the last write of the last segment cut short by a crash) is
// expected after a crash and is cut off with a warning; anything else is corruption and stops start-up,
// because silently skipping it would lose acknowledged commands.
import { mkdir, open, readdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { JournalCorruptError } from './errors.ts';
import { fsyncDirectory } from './fs-util.ts';
import { parseSegmentFileName, RECORD_HEADER_BYTES, SEGMENT_SUFFIX } from './record-format.ts';
import { describeProblem, findIntactRecord, isZeroFilled, type SegmentProblem, type SegmentScan, scanSegment } from './segment-reader.ts';

export interface SegmentInfo {
  path: string;
  firstSequence: number;
  /** The last durable record's sequence; firstSequence - 1 while the segment is empty. */
  lastSequence: number;
  /** Durable bytes: the scanned length at open, then what the writer has fsynced. */
  bytes: number;
}

export interface RecoveredJournal {
  segments: SegmentInfo[];
  /** Last intact sequence; 0 for a journal without records. */
  lastSequence: number;
}

export interface RecoveryOptions {
  dir: string;
  log: (message: string) => void;
  fsync: boolean;
}

export async function recoverJournal(options: RecoveryOptions): Promise<RecoveredJournal> {
  const { dir } = options;
  const firstCreated = await mkdir(dir, { recursive: true });
  // A directory created here must itself survive a crash: fsync the parent of each level that was created.
  if (firstCreated !== undefined && options.fsync) {
    const top = resolve(firstCreated); // mkdir reports it relative when `dir` is relative
    for (let level = resolve(dir); ; level = dirname(level)) {
      await fsyncDirectory(dirname(level));
      if (level === top || dirname(level) === level) break;
    }
  }
  const files = await listSegmentFiles(dir);
  const segments: SegmentInfo[] = [];
  let expected = files.length > 0 ? files[0].firstSequence : 1;
  for (let i = 0; i < files.length; i++) {
    const { path, firstSequence } = files[i];
    const isLast = i === files.length - 1;
    if (firstSequence !== expected) {
      const what = firstSequence > expected ? 'sequence gap' : 'overlapping segments';
      throw new JournalCorruptError(path, 0, `${what}: segment starts at sequence ${firstSequence}, expected ${expected}`);
    }
    const scan = await scanSegment({ path, firstSequence });
    if (scan.problem) {
      const tornReason = await tornTailReason(path, scan, scan.problem, isLast);
      if (tornReason === null) throw new JournalCorruptError(path, scan.problem.offsetBytes, describeProblem(scan.problem, scan.endBytes));
      await cutTail(path, scan, tornReason, options);
    }
    if (scan.records === 0 && !isLast) {
      throw new JournalCorruptError(path, 0, 'empty segment followed by more segments');
    }
    segments.push({ path, firstSequence, lastSequence: scan.lastSequence, bytes: scan.validBytes });
    expected = scan.lastSequence + 1;
  }
  return { segments, lastSequence: expected - 1 };
}

export async function listSegmentFiles(dir: string): Promise<{ path: string; firstSequence: number }[]> {
  const files: { path: string; firstSequence: number }[] = [];
  for (const name of await readdir(dir)) {
    if (!name.endsWith(SEGMENT_SUFFIX)) continue; // other files (notes, temp files) are not ours to judge
    const firstSequence = parseSegmentFileName(name);
    const path = join(dir, name);
    if (firstSequence === null) throw new JournalCorruptError(path, 0, 'segment file name is not a 20-digit sequence number');
    files.push({ path, firstSequence });
  }
  return files.sort((a, b) => a.firstSequence - b.firstSequence);
}

/**
 * Why the bad record is a torn tail, or null if it is corruption. A crash mid-batch leaves the last write of the
 * last segment incomplete: a short header, a short payload, or a final record whose bytes did not all land (CRC
 * mismatch running exactly to the end of the file). Some file systems also leave zeros where the file grew but
 * the data never arrived. A bad record with more data after it, or in an earlier segment, was durable once and
 * is corruption.
 */
export async function tornTailReason(path: string, scan: SegmentScan, problem: SegmentProblem, isLast: boolean): Promise<string | null> {
  if (!isLast) return null;
  switch (problem.kind) {
    case 'incomplete-header':
      return 'incomplete record header';
    case 'incomplete-payload':
      // A header that landed whole names the right sequence (one that does not is garbage), and nothing intact
      // follows it (if the next record does, the length field was damaged and durable records lie beyond it).
      if (problem.foundSequence === problem.expectedSequence
        && (await findIntactRecord(path, problem.offsetBytes + RECORD_HEADER_BYTES, scan.endBytes, problem.expectedSequence + 1)) === null) {
        return 'incomplete record payload';
      }
      break;
    case 'crc-mismatch':
      if (problem.claimedEndBytes === scan.endBytes) return 'CRC mismatch in the final record';
      break;
    default:
      break;
  }
  return (await isZeroFilled(path, problem.offsetBytes, scan.endBytes)) ? 'zero-filled tail' : null;
}

async function cutTail(path: string, scan: SegmentScan, reason: string, options: RecoveryOptions): Promise<void> {
  const cutBytes = scan.endBytes - scan.validBytes;
  const handle = await open(path, 'r+');
  try {
    await handle.truncate(scan.validBytes);
    if (options.fsync) await handle.sync();
  } finally {
    await handle.close();
  }
  if (options.fsync) await fsyncDirectory(options.dir);
  const last = scan.lastSequence > 0 ? `last intact record is ${scan.lastSequence}` : 'no intact record before it';
  options.log(`journal: cut torn tail of ${path} at byte ${scan.validBytes}: ${cutBytes} bytes removed (${reason}); ${last}`);
}
