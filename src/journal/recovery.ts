// Start-up check of the journal directory: every segment, every record. The result is the list of segments
// and the last intact sequence. Zeros after the last record are the preallocated rest of the segment and end
// the data silently (segment-reader.ts). A torn tail (the last write of the last segment cut short by a crash)
// is expected after a crash and is cut off with a warning; anything else is corruption and stops start-up,
// because silently skipping it would lose acknowledged commands.
import { mkdir, open, readdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { JournalCorruptError } from './errors.ts';
import { fsyncDirectory, writeZeros } from './fs-util.ts';
import { parseSegmentFileName, RECORD_HEADER_BYTES, SEGMENT_SUFFIX } from './record-format.ts';
import { describeProblem, findIntactRecord, type SegmentProblem, type SegmentScan, scanSegment } from './segment-reader.ts';

export interface SegmentInfo {
  path: string;
  firstSequence: number;
  /** The last durable record's sequence; firstSequence - 1 while the segment is empty. */
  lastSequence: number;
  /** Durable bytes: the end of the intact records at open, then what the writer has fsynced. Not the file
   *  size: a preallocated segment is longer, zeros past its data. */
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
  let previous: SegmentScan | null = null;
  for (let i = 0; i < files.length; i++) {
    const { path, firstSequence } = files[i];
    const isLast = i === files.length - 1;
    if (firstSequence !== expected) throw chainBroken(files[i - 1]?.path, previous, path, firstSequence, expected);
    const scan = await scanSegment({ path, firstSequence });
    previous = scan;
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

/** A segment that does not start where the one before it ends. If that one ended in zeros, the zeros are the
 *  likelier damage (records zeroed at the end of a full segment), so the error points there. */
function chainBroken(previousPath: string | undefined, previous: SegmentScan | null, path: string, firstSequence: number, expected: number): JournalCorruptError {
  const what = firstSequence > expected ? 'sequence gap' : 'overlapping segments';
  if (previousPath !== undefined && previous !== null && previous.validBytes < previous.endBytes && firstSequence > expected) {
    return new JournalCorruptError(previousPath, previous.validBytes,
      `${what}: zero-filled from here to the end of the segment (record ${expected}), but the next segment starts at sequence ${firstSequence}`);
  }
  return new JournalCorruptError(path, 0, `${what}: segment starts at sequence ${firstSequence}, expected ${expected}`);
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
 * mismatch, with nothing but the end of the file or zeros after where the record claims to end: in a
 * preallocated segment the missing bytes read as zeros). A bad record with more data after it, or in an earlier
 * segment, was durable once and is corruption.
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
      return null;
    case 'crc-mismatch':
      // A write cut short lands a prefix of the record, so it claims to end at or past the last non-zero byte
      // (a length cut inside its own field reads smaller, but still past the few bytes that landed), and no
      // intact record follows it (a damaged length can claim to swallow durable records that do follow).
      if (problem.claimedEndBytes >= scan.zeroTailFromBytes
        && (await findIntactRecord(path, problem.offsetBytes + RECORD_HEADER_BYTES, scan.zeroTailFromBytes, problem.expectedSequence + 1)) === null) {
        return 'CRC mismatch in the final record';
      }
      return null;
    default:
      return null;
  }
}

/** Makes the torn bytes go away durably: truncated if they run to the end of the file, overwritten with zeros
 *  if zeros follow them (a preallocated segment keeps its preallocated space, and reads as zeros after the
 *  last intact record, which is the end of the data). */
async function cutTail(path: string, scan: SegmentScan, reason: string, options: RecoveryOptions): Promise<void> {
  const keepsPreallocation = scan.zeroTailFromBytes < scan.endBytes;
  const cutBytes = scan.zeroTailFromBytes - scan.validBytes; // up to the end of the file without zeros after them
  const handle = await open(path, 'r+');
  try {
    if (keepsPreallocation) await writeZeros(handle, scan.validBytes, scan.zeroTailFromBytes);
    else await handle.truncate(scan.validBytes);
    if (options.fsync) await handle.sync();
  } finally {
    await handle.close();
  }
  if (options.fsync) await fsyncDirectory(options.dir);
  const last = scan.lastSequence > 0 ? `last intact record is ${scan.lastSequence}` : 'no intact record before it';
  const how = keepsPreallocation ? `${cutBytes} bytes zeroed, preallocated space after them kept` : `${cutBytes} bytes removed`;
  options.log(`journal: cut torn tail of ${path} at byte ${scan.validBytes}: ${how} (${reason}); ${last}`);
}
