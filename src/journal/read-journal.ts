// Read-only pass over a journal directory, for tools such as `replay --verify` that may run beside a live
// server: it never truncates, creates or fsyncs anything. It checks records exactly as open() does; a torn
// tail (or the half-written batch a running writer has in flight) ends the read instead of being cut, and
// corruption anywhere else throws JournalCorruptError. Zeros after the last record (preallocated space) end a
// segment's data, as at open.
import { JournalCorruptError } from './errors.ts';
import type { RecoveredRecord } from './journal.ts';
import { listSegmentFiles, tornTailReason } from './recovery.ts';
import { describeProblem, measureSegment, scanSegment } from './segment-reader.ts';

export interface ReadProgress {
  /** Bytes of records consumed so far (whole segments before this one plus the offset in it). */
  bytesRead: number;
  /** Bytes of data in all segments when the read started, preallocated zeros not counted. A last payload that
   *  ends in zero bytes can make bytesRead pass it; it is then raised to match, so it never trails bytesRead. */
  totalBytes: number;
}

export interface ReadJournalResult {
  records: number;
  /** Sequence of the last record read (0 if none). */
  lastSequence: number;
  /** Bytes left unread at the end of the last segment because they form a torn or still-being-written tail
   *  (not counting the zeros of preallocated space after it). */
  tailBytesIgnored: number;
  /** The callback returned false. */
  stopped: boolean;
}

/**
 * Calls onRecord for every intact record from the start of the journal, in order; returning false stops,
 * and returning a promise holds the read until it settles (its value then counts: false stops).
 */
export async function readJournal(
  dir: string,
  onRecord: (record: RecoveredRecord, progress: ReadProgress) => boolean | void | Promise<boolean | void>,
): Promise<ReadJournalResult> {
  const files = await listSegmentFiles(dir);
  // Measured up front, so the zeros are read once: the scans below take where they start from here.
  const sizes = await Promise.all(files.map((file) => measureSegment(file.path)));
  const progress: ReadProgress = { bytesRead: 0, totalBytes: sizes.reduce((sum, size) => sum + size.zeroTailFromBytes, 0) };
  const result: ReadJournalResult = { records: 0, lastSequence: 0, tailBytesIgnored: 0, stopped: false };
  let expected = files.length > 0 ? files[0].firstSequence : 1;
  let segmentStartBytes = 0;
  for (let i = 0; i < files.length; i++) {
    const { path, firstSequence } = files[i];
    const isLast = i === files.length - 1;
    if (firstSequence !== expected) {
      throw new JournalCorruptError(path, 0, `sequence gap: segment starts at sequence ${firstSequence}, expected ${expected}`);
    }
    const scan = await scanSegment({
      path, firstSequence, endBytes: sizes[i].fileBytes, zeroTailFromBytes: sizes[i].zeroTailFromBytes,
      onRecord: (sequence, payload, endOffsetBytes) => {
        progress.bytesRead = segmentStartBytes + endOffsetBytes;
        progress.totalBytes = Math.max(progress.totalBytes, progress.bytesRead);
        result.records++;
        result.lastSequence = sequence;
        return onRecord({ sequence, payload }, progress);
      },
    });
    if (scan.stopped) {
      result.stopped = true;
      return result;
    }
    if (scan.problem) {
      if ((await tornTailReason(path, scan, scan.problem, isLast)) === null) {
        throw new JournalCorruptError(path, scan.problem.offsetBytes, describeProblem(scan.problem, scan.endBytes));
      }
      result.tailBytesIgnored = scan.zeroTailFromBytes - scan.validBytes; // the zeros after it are not torn
    }
    if (scan.records === 0 && !isLast) throw new JournalCorruptError(path, 0, 'empty segment followed by more segments');
    expected = scan.lastSequence + 1;
    segmentStartBytes += scan.validBytes;
  }
  return result;
}
