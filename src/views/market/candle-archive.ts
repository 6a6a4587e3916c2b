// Candles older than the in-memory rings: each candle that a ring overwrites is appended here, so
// GET /v1/marketdata/candles answers any range. Appends are idempotent by time (a replay after a
// snapshot may evict the same candle again), and files hold fixed 48-byte records in time order.
import { closeSync, existsSync, fdatasyncSync, fstatSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Candle, Resolution } from './candles.ts';

export interface CandleArchive {
  /** Stores a candle that left a ring; ignored unless newer than the last one stored for that key. */
  archive(symbolId: number, resolution: Resolution, candle: Candle): void;
  /** Archived candles with startMs <= time <= endMs, oldest first. */
  range(symbolId: number, resolution: Resolution, startMs: number, endMs: number): Candle[];
}

export class MemoryCandleArchive implements CandleArchive {
  private readonly candles = new Map<string, Candle[]>();

  archive(symbolId: number, resolution: Resolution, candle: Candle): void {
    const key = `${symbolId}-${resolution}`;
    let list = this.candles.get(key);
    if (!list) this.candles.set(key, (list = []));
    if (list.length === 0 || list[list.length - 1].timeMs < candle.timeMs) list.push({ ...candle });
  }

  range(symbolId: number, resolution: Resolution, startMs: number, endMs: number): Candle[] {
    return (this.candles.get(`${symbolId}-${resolution}`) ?? []).filter((c) => c.timeMs >= startMs && c.timeMs <= endMs);
  }
}

const RECORD_BYTES = 48;

function decode(buffer: Buffer, offset: number): Candle {
  return {
    timeMs: buffer.readDoubleLE(offset), openCents: buffer.readDoubleLE(offset + 8), highCents: buffer.readDoubleLE(offset + 16),
    lowCents: buffer.readDoubleLE(offset + 24), closeCents: buffer.readDoubleLE(offset + 32), volume: buffer.readDoubleLE(offset + 40),
  };
}

export class FileCandleArchive implements CandleArchive {
  private readonly lastTimeMs = new Map<string, number>();

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  private path(symbolId: number, resolution: Resolution): string {
    return join(this.dir, `${symbolId}-${resolution}.candles`);
  }

  private read(path: string): Buffer {
    try {
      const buffer = readFileSync(path);
      // A torn last record (crash mid-append) is ignored; the next append overwrites nothing, so it
      // stays invisible: only whole records count.
      return buffer.subarray(0, buffer.length - (buffer.length % RECORD_BYTES));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return Buffer.alloc(0);
      throw error;
    }
  }

  private lastTime(key: string, path: string): number {
    let last = this.lastTimeMs.get(key);
    if (last === undefined) {
      const buffer = this.read(path);
      last = buffer.length === 0 ? -Infinity : buffer.readDoubleLE(buffer.length - RECORD_BYTES);
      this.lastTimeMs.set(key, last);
    }
    return last;
  }

  archive(symbolId: number, resolution: Resolution, candle: Candle): void {
    const path = this.path(symbolId, resolution);
    const key = `${symbolId}-${resolution}`;
    if (candle.timeMs <= this.lastTime(key, path)) return;
    const record = Buffer.alloc(RECORD_BYTES);
    [candle.timeMs, candle.openCents, candle.highCents, candle.lowCents, candle.closeCents, candle.volume]
      .forEach((value, i) => record.writeDoubleLE(value, i * 8));
    // Not 'a': with O_APPEND the position below would be ignored.
    const fd = openSync(path, existsSync(path) ? 'r+' : 'w');
    try {
      // Write over a torn tail so records stay aligned.
      const size = fstatSync(fd).size;
      const position = size - (size % RECORD_BYTES);
      writeSync(fd, record, 0, RECORD_BYTES, position);
      fdatasyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.lastTimeMs.set(key, candle.timeMs);
  }

  range(symbolId: number, resolution: Resolution, startMs: number, endMs: number): Candle[] {
    const buffer = this.read(this.path(symbolId, resolution));
    const out: Candle[] = [];
    for (let offset = 0; offset < buffer.length; offset += RECORD_BYTES) {
      const time = buffer.readDoubleLE(offset);
      if (time > endMs) break;
      if (time >= startMs) out.push(decode(buffer, offset));
    }
    return out;
  }
}
