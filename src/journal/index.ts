// Public entry of the journal: the durable command journal and the snapshot store.
export { Journal, DEFAULT_SEGMENT_BYTES, type JournalOptions, type JournalStats, type RecoveredRecord } from './journal.ts';
export { readJournal, type ReadJournalResult, type ReadProgress } from './read-journal.ts';
export { JournalCorruptError, JournalFailedError } from './errors.ts';
export { SnapshotStore, type Snapshot, SNAPSHOT_HEADER_BYTES, SNAPSHOTS_KEPT } from './snapshot-store.ts';
export {
  encodeRecord, segmentFileName, parseSegmentFileName, MAX_PAYLOAD_BYTES, RECORD_HEADER_BYTES,
} from './record-format.ts';
export { crc32, CRC32_IS_NATIVE } from './crc.ts';
