// Small file-system helpers shared by the journal and the snapshot store.
import { fdatasyncSync, writeSync } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';

/** Writes `length` bytes of `data` at `position`, looping over short writes (which the OS may return). */
export async function writeAll(handle: FileHandle, data: Uint8Array, length: number, position: number): Promise<void> {
  let written = 0;
  while (written < length) {
    const { bytesWritten } = await handle.write(data, written, length - written, position + written);
    written += bytesWritten;
  }
}

/**
 * The journal writer thread's hot path: writes `length` bytes at `position` (looping over short writes), then
 * fdatasyncs when `sync`; returns the fdatasync time in microseconds (0 without sync). Synchronous: the writer
 * thread does nothing else meanwhile, and blocking in the system call is cheaper than two hops through the
 * thread pool and back.
 */
export function writeAndSync(fd: number, data: Uint8Array, length: number, position: number, sync: boolean): number {
  for (let written = 0; written < length;) written += writeSync(fd, data, written, length - written, position + written);
  if (!sync) return 0;
  const syncStartMs = performance.now();
  fdatasyncSync(fd);
  return Math.round((performance.now() - syncStartMs) * 1000);
}

/** 1 MiB of zeros, shared and never written to: the source of every zero block the journal writes. */
export const ZEROS = Buffer.alloc(1 << 20);

/** Writes zero bytes over [fromBytes, toBytes) of the file, a chunk at a time. */
export async function writeZeros(handle: FileHandle, fromBytes: number, toBytes: number): Promise<void> {
  for (let offset = fromBytes; offset < toBytes; offset += ZEROS.length) {
    await writeAll(handle, ZEROS, Math.min(ZEROS.length, toBytes - offset), offset);
  }
}

/** Whether every byte of `bytes` is zero (a memcmp against ZEROS, not a byte loop). */
export function isAllZero(bytes: Uint8Array): boolean {
  for (let at = 0; at < bytes.length; at += ZEROS.length) {
    const part = bytes.subarray(at, Math.min(bytes.length, at + ZEROS.length));
    if (!ZEROS.subarray(0, part.length).equals(part)) return false;
  }
  return true;
}

/** fsyncs a directory so that a file created, renamed or deleted in it survives a crash (the data fsync
 *  does not cover the directory entry). Windows cannot open directories, and its rename is durable enough. */
export async function fsyncDirectory(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}
