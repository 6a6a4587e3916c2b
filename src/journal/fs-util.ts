// Small file-system helpers shared by the journal and the snapshot store.
import { type FileHandle, open } from 'node:fs/promises';

/** Writes `length` bytes of `data` at `position`, looping over short writes (which the OS may return). */
export async function writeAll(handle: FileHandle, data: Uint8Array, length: number, position: number): Promise<void> {
  let written = 0;
  while (written < length) {
    const { bytesWritten } = await handle.write(data, written, length - written, position + written);
    written += bytesWritten;
  }
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
