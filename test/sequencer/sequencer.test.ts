// The sequencer reuses the Released objects, event copies and balance arrays of commands nobody awaits
// (submitNoWait) once their listeners have returned, and copies submitNoWait's commands into its own. These properties check that the reuse never shows:
// over random command streams, with submitNoWait and submit mixed and the journal's durability arriving
// in random steps, every listener sees exactly what a sequencer that never reuses anything shows (all
// submit()), the events equal those of a plain engine with a copying sink, the journal holds each command's
// bytes, and what submit() resolved with is never changed afterwards.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeCommandFromBytes, encodeCommandToBytes, ScratchCommandEncoder } from '../../src/codec/index.ts';
import { type Command, Engine, type EngineConfig, type EngineEvent } from '../../src/engine/index.ts';
import { CommandEventSink, type CommandLog, copyReleased, type Released, Sequencer, type UnstampedCommand } from '../../src/sequencer/index.ts';
import { streamArbitrary } from '../reference/command-generator.ts';

const RUNS = Number(process.env.SEQUENCER_RUNS ?? 40);

class RecordingLog implements CommandLog {
  readonly payloads: Uint8Array[] = [];
  onDurable: (durableSequence: number) => void = () => {};

  append(_sequence: number, payload: Uint8Array, payloadBytes: number): void {
    this.payloads.push(payload.slice(0, payloadBytes));
  }
}

interface Run {
  released: Released[];
  payloads: Uint8Array[];
  /** What submit() resolved with, for the command at `index`. */
  awaited: Array<{ index: number; released: Released }>;
}

/** The generator also makes commands only the engine refuses (a price of 10.5); the codec refuses them first. */
function encodable(commands: readonly Command[]): Command[] {
  return commands.filter((command) => {
    try {
      encodeCommandToBytes(command);
      return true;
    } catch {
      return false;
    }
  });
}

function unstamped(command: Command): UnstampedCommand {
  const { sequence: _sequence, timestampMs: _timestampMs, ...rest } = command;
  return rest as UnstampedCommand;
}

/**
 * Runs the stream: `awaitEvery[i]` true submits command i with submit(), else submitNoWait(); after command i
 * the journal makes `durableSteps[i]` more commands durable (the rest at the end).
 */
async function run(config: EngineConfig, commands: readonly Command[], awaitEvery: readonly boolean[], durableSteps: readonly number[]): Promise<Run> {
  const sink = new CommandEventSink();
  const log = new RecordingLog();
  let nowMs = 1_700_000_000_000;
  const sequencer = new Sequencer(new Engine(config, sink), sink, log, new ScratchCommandEncoder(), { nowMs: () => nowMs++ });
  const result: Run = { released: [], payloads: log.payloads, awaited: [] };
  sequencer.onRelease((released) => result.released.push(copyReleased(released)));
  const resolved: Array<Promise<void>> = [];
  const scratchByKind: Array<Record<string, unknown>> = [];
  let durable = 0;
  commands.forEach((command, i) => {
    if (awaitEvery[i % awaitEvery.length]) {
      resolved.push(sequencer.submit(unstamped(command)).then((released) => {
        result.awaited.push({ index: i, released });
      }));
    } else {
      // One object per kind, reused as the binary gateway does, and scribbled over once submitted: the
      // sequencer must have copied every field it needs.
      const scratch = Object.assign(scratchByKind[command.kind] ??= {}, unstamped(command)) as UnstampedCommand;
      sequencer.submitNoWait(scratch);
      for (const field of Object.keys(scratch)) if (field !== 'kind') (scratch as unknown as Record<string, unknown>)[field] = -7;
    }
    const step = durableSteps[i % durableSteps.length];
    if (step > 0) {
      durable = Math.min(i + 1, durable + step);
      log.onDurable(durable);
    }
  });
  log.onDurable(commands.length);
  await Promise.all(resolved);
  return result;
}

describe('sequencer', () => {
  it('releases what a sequencer that reuses nothing releases, whatever mix of submitNoWait and submit', async () => {
    await fc.assert(
      fc.asyncProperty(
        streamArbitrary(10, 150),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 40 }),
        fc.array(fc.nat(6), { minLength: 1, maxLength: 40 }),
        async (stream, awaitEvery, durableSteps) => {
          const commands = encodable(stream.commands);
          const mixed = await run(stream.config, commands, awaitEvery, durableSteps);
          const reference = await run(stream.config, commands, [true], [0]);
          assert.equal(mixed.released.length, commands.length);
          mixed.released.forEach((released, i) => assert.equal(released.command.sequence, i + 1));
          assert.deepEqual(mixed.released, reference.released);

          // The events, against a plain engine fed the same stamped commands.
          const events: EngineEvent[] = [];
          const plain = new Engine(stream.config, { onEvent: (event) => events.push({ ...event } as EngineEvent) });
          for (const released of mixed.released) {
            events.length = 0;
            plain.apply(released.command);
            assert.deepEqual(released.events, events, `events of command ${released.command.sequence}`);
          }

          // The journal got each command's own bytes, though they were encoded into one reused buffer.
          assert.equal(mixed.payloads.length, commands.length);
          mixed.payloads.forEach((payload, i) => assert.deepEqual(decodeCommandFromBytes(payload), mixed.released[i].command));

          // What submit() resolved with is still what the listeners saw at its release (copied then), though
          // later commands were released and their objects reused meanwhile.
          assert.equal(mixed.awaited.length, commands.filter((_, i) => awaitEvery[i % awaitEvery.length]).length);
          for (const { index, released } of mixed.awaited) assert.deepEqual(copyReleased(released), mixed.released[index]);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('gives listeners the balances each command left, flat, one entry per (account, asset) touched', async () => {
    await fc.assert(
      fc.asyncProperty(streamArbitrary(10, 80), async (stream) => {
        const { released } = await run(stream.config, encodable(stream.commands), [false], [1]);
        const engine = new Engine(stream.config, { onEvent: () => {} });
        for (const r of released) {
          engine.apply(r.command);
          assert.equal(r.balances.length, r.balanceCount * 4, 'a copy holds exactly the pairs in use');
          const pairs = new Set<string>();
          for (let i = 0; i < r.balanceCount * 4; i += 4) {
            const [accountId, asset, available, held] = r.balances.subarray(i, i + 4);
            assert.ok(!pairs.has(`${accountId}/${asset}`), `(${accountId}, ${asset}) listed twice`);
            pairs.add(`${accountId}/${asset}`);
            assert.equal(available, engine.available(accountId, asset), `available of (${accountId}, ${asset}) after ${r.command.sequence}`);
            assert.equal(held, engine.held(accountId, asset), `held of (${accountId}, ${asset}) after ${r.command.sequence}`);
          }
        }
      }),
      { numRuns: RUNS },
    );
  });
});
