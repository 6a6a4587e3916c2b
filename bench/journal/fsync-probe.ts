// The raw effect, without the event loop or the thread pool in the way: a synchronous loop of one small
// positional write and one fdatasync, into a file that grows with every write (appending) and into a file of
// zero blocks written and fsynced beforehand (preallocated). On a shared machine the journal runs' figures
// also carry event-loop delays; these do not.
import { closeSync, fdatasyncSync, fsyncSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { latencyUs, type Latency } from '../engine/stats.ts';

const ZEROS = Buffer.alloc(1 << 20);

export function probeFdatasync(dir: string, preallocate: boolean, writes: number, writeBytes: number): Latency {
  const path = join(dir, `fsync-probe-${preallocate ? 'preallocated' : 'appending'}.dat`);
  const fd = openSync(path, 'w+');
  try {
    if (preallocate) {
      for (let offset = 0; offset < writes * writeBytes; offset += ZEROS.length) writeSync(fd, ZEROS, 0, ZEROS.length, offset);
      fsyncSync(fd);
    }
    const record = Buffer.alloc(writeBytes, 0x42);
    const ns = new Float64Array(writes);
    for (let i = 0; i < writes; i++) {
      writeSync(fd, record, 0, writeBytes, i * writeBytes);
      const startMs = performance.now();
      fdatasyncSync(fd);
      ns[i] = (performance.now() - startMs) * 1e6;
    }
    return latencyUs(ns);
  } finally {
    closeSync(fd);
    unlinkSync(path);
  }
}
