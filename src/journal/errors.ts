// Errors the journal reports to its owner. Corruption carries the file and byte offset so that an operator
// can look at the exact spot (hexdump -s OFFSET FILE) instead of guessing.

/** The journal on disk is damaged somewhere other than a torn tail; start-up must stop, never lose data silently. */
export class JournalCorruptError extends Error {
  readonly file: string;
  readonly offset: number;

  constructor(file: string, offset: number, reason: string) {
    super(`journal corrupt: ${file} at byte ${offset}: ${reason}`);
    this.name = 'JournalCorruptError';
    this.file = file;
    this.offset = offset;
  }
}

/** A write or fsync failed. The on-disk state past the last durable batch is unknown, so the journal refuses
 *  further work; restarting the process runs recovery, which settles what is on disk. */
export class JournalFailedError extends Error {
  constructor(message: string, cause: unknown) {
    super(message, { cause });
    this.name = 'JournalFailedError';
  }
}
