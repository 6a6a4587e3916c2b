// Shared by the journal tests and the crash fixture: temp dirs, deterministic payloads, byte offsets.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RECORD_HEADER_BYTES } from '../../src/journal/index.ts';

/** A deterministic payload per sequence, of varying length (10..59 bytes), so a reader can check it is intact. */
export function payloadFor(sequence: number, salt = 0): Uint8Array {
  const length = 10 + ((sequence * 7 + salt) % 50);
  const payload = new Uint8Array(length);
  for (let i = 0; i < length; i++) payload[i] = (sequence * 31 + i * 17 + salt) & 0xff;
  return payload;
}

/** Whether `payload` is payloadFor(sequence, salt), without allocating (the crash test checks millions). */
export function payloadMatches(payload: Uint8Array, sequence: number, salt = 0): boolean {
  if (payload.length !== 10 + ((sequence * 7 + salt) % 50)) return false;
  for (let i = 0; i < payload.length; i++) if (payload[i] !== ((sequence * 31 + i * 17 + salt) & 0xff)) return false;
  return true;
}

/** Byte offset of record `sequence` in a segment whose first record is `firstSequence` (payloads from payloadFor). */
export function offsetOf(firstSequence: number, sequence: number, salt = 0): number {
  let offset = 0;
  for (let s = firstSequence; s < sequence; s++) offset += RECORD_HEADER_BYTES + payloadFor(s, salt).length;
  return offset;
}

export async function withTempDir<T>(run: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'journal-test-'));
  try {
    return await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}
