// Writes the commands the store missed straight from the journal. The engine recovers from its newest
// snapshot whatever the store's offset, so a start after a long burst (the store far behind) is as quick as
// any other; the released stream then begins after that snapshot, and the commands between the store's
// offset and it are rebuilt here from the journal (released-replay.ts) and written in batches, in the
// background, on the reporting thread, while order entry runs. The consumer holds what the stream brings
// until this is done.
import type { EngineConfig } from '../engine/index.ts';
import { replayReleased } from '../node/released-replay.ts';
import { copyReleased, type Released } from '../sequencer/index.ts';
import type { ReportingStore } from './types.ts';

/** Where the engine keeps its journal and snapshots, and how it is configured (replay needs both). */
export interface JournalSource {
  dataDir: string;
  engineConfig: EngineConfig;
}

export interface CatchUpOptions {
  /** Commands per transaction. */
  maxBatchCommands: number;
  log: (message: string) => void;
  /** Checked after each batch: true ends the catch-up there (the server is stopping). */
  stopRequested: () => boolean;
  /** After each batch, with the store's new offset (the lag gauge and whoever waits for the store follow it). */
  onProgress?: (offset: number) => void;
}

/** Writes every command after the store's offset through `throughSequence`; resolves with the store's new offset. */
export async function catchUpFromJournal(
  store: Pick<ReportingStore, 'offset' | 'write'>, source: JournalSource, throughSequence: number, options: CatchUpOptions,
): Promise<number> {
  const afterSequence = await store.offset();
  if (afterSequence >= throughSequence) return afterSequence;
  const startedMs = performance.now();
  let batch: Released[] = [];
  let writtenThrough = afterSequence;
  const writeBatch = async (): Promise<boolean> => {
    const full = batch;
    batch = [];
    await store.write(full);
    writtenThrough = full[full.length - 1].command.sequence;
    options.onProgress?.(writtenThrough);
    return !options.stopRequested();
  };
  const replay = await replayReleased({ ...source, afterSequence, throughSequence, log: options.log }, (released) => {
    batch.push(copyReleased(released)); // the replay reuses what it lends
    if (batch.length >= options.maxBatchCommands || released.command.sequence >= throughSequence) return writeBatch();
  });
  const seconds = (performance.now() - startedMs) / 1000;
  options.log(`reporting: wrote ${writtenThrough - afterSequence} commands (${afterSequence + 1}..${writtenThrough}) from the journal in ${seconds.toFixed(1)} s, ` +
    `replaying ${replay.replayed} from ${replay.fromSnapshot > 0 ? `the snapshot at ${replay.fromSnapshot}` : 'the journal\'s start'}` +
    (writtenThrough < throughSequence ? `; stopped before ${throughSequence}, the next start goes on` : ''));
  return writtenThrough;
}
