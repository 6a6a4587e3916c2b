// `replay --verify`: rebuild the state from the whole journal, ignoring snapshots, and print its hash. It
// must equal the live node's (GET /v1/admin/state-hash) at the same sequence.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { decodeCommandFromBytes } from '../codec/index.ts';
import { Engine, type EngineConfig, NullSink, stateHash } from '../engine/index.ts';
import { readJournal } from '../journal/index.ts';
import { ProgressBar } from './progress.ts';

export interface ReplayResult {
  sequence: number;
  stateHash: string;
  commands: number;
}

/** Reads without changing anything, so it is safe beside a running server. */
export async function replayFromScratch(dataDir: string, engineConfig: EngineConfig, upToSequence = Infinity): Promise<ReplayResult> {
  const engine = new Engine(engineConfig, new NullSink());
  const dir = join(dataDir, 'journal');
  if (!existsSync(dir)) return { sequence: 0, stateHash: stateHash(engine.dump()), commands: 0 };
  let commands = 0;
  let bar: ProgressBar | null = null;
  let lastBytes = 0;
  await readJournal(dir, (record, progress) => {
    if (record.sequence > upToSequence) return false;
    engine.apply(decodeCommandFromBytes(record.payload));
    commands++;
    bar ??= new ProgressBar('replay (MiB)', Math.ceil(progress.totalBytes / 1_048_576));
    lastBytes = progress.bytesRead;
    if ((commands & 1023) === 0) bar.update(Math.floor(lastBytes / 1_048_576));
    return true;
  });
  (bar as ProgressBar | null)?.finish(Math.ceil(lastBytes / 1_048_576));
  engine.checkInvariants();
  return { sequence: engine.lastSequence, stateHash: stateHash(engine.dump()), commands };
}
