// The released commands a consumer missed, rebuilt from the journal: for a consumer that keeps its own
// offset and fell behind the engine's newest snapshot (the reporting store after a long burst). The engine
// itself then recovers from its newest snapshot, and this replays, on whichever thread calls it, from the
// newest snapshot at or before the consumer's offset up to where the engine started: a private engine and
// sequencer give each command the same events and balances the live ones gave it (replay is deterministic).
// Reads only (the snapshot and journal files), so it is safe beside the running engine thread.
import { join } from 'node:path';
import { decodeCommandFromBytes, ScratchCommandEncoder } from '../codec/index.ts';
import { Engine, type EngineConfig } from '../engine/index.ts';
import { readJournal, SnapshotStore } from '../journal/index.ts';
import { CommandEventSink, type CommandLog, type Released, Sequencer } from '../sequencer/index.ts';
import type { NodeSnapshot } from './read-models.ts';
import { decodeSnapshotBody } from './snapshot-body.ts';

export interface ReleasedReplayOptions {
  dataDir: string;
  engineConfig: EngineConfig;
  /** The consumer has every command up to here. */
  afterSequence: number;
  /** The last command to release (inclusive). */
  throughSequence: number;
  log: (message: string) => void;
}

export interface ReleasedReplayResult {
  /** The snapshot the private engine started from (0: the journal's start). */
  fromSnapshot: number;
  /** Commands the journal was replayed through. */
  replayed: number;
  /** The last command released to the consumer (less than throughSequence when it asked to stop). */
  releasedThrough: number;
}

/** Replay applies commands that are durable already: nothing is ever appended. */
const NOTHING_APPENDED: CommandLog = {
  append: () => {
    throw new Error('released replay: nothing is appended to a journal while replaying it');
  },
  onDurable: () => {},
};

const NO_CLOCK = { nowMs: (): number => 0 };

/**
 * Calls onReleased with every command after afterSequence through throughSequence, in order, as the live
 * sequencer released it. What it is given is reused once it returns (copyReleased to keep it); returning a
 * promise holds the replay until it settles, and false (returned, or as the promise's value) stops it.
 * Throws if the journal does not hold every command needed (pruned, or shorter than throughSequence).
 */
export async function replayReleased(
  options: ReleasedReplayOptions,
  onReleased: (released: Released) => boolean | void | Promise<boolean | void>,
): Promise<ReleasedReplayResult> {
  const { dataDir, engineConfig, afterSequence, throughSequence, log } = options;
  if (afterSequence >= throughSequence) return { fromSnapshot: afterSequence, replayed: 0, releasedThrough: afterSequence };
  const sink = new CommandEventSink();
  const snapshot = await new SnapshotStore(join(dataDir, 'snapshots'), log).latest(afterSequence);
  const fromSnapshot = snapshot ? snapshot.sequence : 0;
  const engine = snapshot
    ? Engine.restore(engineConfig, (decodeSnapshotBody(snapshot.body) as NodeSnapshot).engine, sink)
    : new Engine(engineConfig, sink);
  const sequencer = new Sequencer(engine, sink, NOTHING_APPENDED, new ScratchCommandEncoder(), NO_CLOCK);
  let answer: boolean | void | Promise<boolean | void> = undefined;
  let releasedThrough = afterSequence;
  sequencer.onRelease((released) => {
    if (released.command.sequence <= afterSequence) return;
    releasedThrough = released.command.sequence;
    answer = onReleased(released);
  });
  let expected = fromSnapshot + 1;
  let stopped = false;
  await readJournal(join(dataDir, 'journal'), (record) => {
    if (record.sequence < expected) return true;
    if (record.sequence !== expected) {
      throw new Error(`released replay: the journal holds sequence ${record.sequence} where ${expected} was expected (pruned past the snapshot at ${fromSnapshot}?)`);
    }
    expected++;
    sequencer.replay(decodeCommandFromBytes(record.payload));
    const given = answer;
    answer = undefined;
    const more = record.sequence < throughSequence;
    if (given === false) stopped = true;
    else if (given instanceof Promise) {
      return given.then((value) => {
        stopped = value === false;
        return more && !stopped;
      });
    }
    return more && !stopped;
  });
  if (!stopped && releasedThrough < throughSequence) {
    throw new Error(`released replay: the journal ends at sequence ${expected - 1}, before ${throughSequence}`);
  }
  return { fromSnapshot, replayed: expected - 1 - fromSnapshot, releasedThrough };
}
