// The engine thread: a worker that runs the node (engine, sequencer, journal, snapshots, and the read models
// order entry answers from: accounts and orders) and the binary order-entry service with its gateway
// threads. It never serves HTTP. What the API thread needs comes out of the released stream
// (released-stream.ts); what the API thread sends in comes by the command ring (records: u32 requestId,
// the command in the journal's codec, sequence and timestamp 0 until stamped).
import { PerformanceObserver } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { SpscRing } from '../bus/index.ts';
import { BinaryReader, decodeCommand } from '../codec/index.ts';
import { OrderEntryService } from '../gateway/binary/order-entry-service.ts';
import { nameThisThread } from '../ops/thread-priority.ts';
import { systemClock } from '../sequencer/index.ts';
import type { SymbolMarketDump } from '../views/index.ts';
import type { EngineOperation, EngineThreadSetup, FromEngine, ToEngine } from './engine-thread-protocol.ts';
import { ExchangeNode } from './exchange-node.ts';
import { readModelsPart } from './read-models.ts';
import { ReleasedStreamWriter, ReleasedThrough } from './released-stream.ts';

const setup = workerData as EngineThreadSetup;
nameThisThread('exch-engine');
const port = parentPort!;
const post = (message: FromEngine): void => port.postMessage(message);
const log = (message: string): void => post({ type: 'log', message });

/** Snapshots waiting for the API thread's market view, by sequence. */
const marketDumps = new Map<number, (market: SymbolMarketDump[]) => void>();

async function main(): Promise<void> {
  const stream = new ReleasedStreamWriter(SpscRing.attach(setup.stream), new ReleasedThrough(setup.releasedThrough));
  const node = await ExchangeNode.start({
    dataDir: setup.dataDir,
    engineConfig: setup.engineConfig,
    clock: systemClock,
    log,
    snapshotEveryCommands: setup.snapshotEveryCommands,
    fsync: setup.fsync,
    segmentBytes: setup.segmentBytes,
    // The market view and the wallets are the API thread's alone: the engine thread spends nothing on them.
    marketElsewhere: (sequence) => {
      stream.marketDump(sequence);
      return new Promise((resolve) => marketDumps.set(sequence, resolve));
    },
    consumers: [{ offset: setup.consumerOffset, onRelease: stream.onRelease }],
    keepSnapshotFor: setup.keepSnapshotFor,
    // Posted before the replay writes anything to the stream: the API thread restores, then reads it.
    onRecoveryStart: (snapshot) => post({ type: 'recovery', snapshot: snapshot && readModelsPart(snapshot) }),
  });
  node.setJournalBatchHook((records, bytes, fsyncMicros) => stream.journalBatch(records, bytes, fsyncMicros, node.restingOrderCount));
  await node.openSessionIfClosed();
  const orderEntry = await OrderEntryService.start(node, { ...setup.orderEntry, clock: () => systemClock.nowMs(), log });
  reportEachSecond(stream, orderEntry);
  // Released commands the API thread has no room for yet wait in memory here: take no new requests until
  // they are written, so a slow API thread slows order entry (TCP backpressure) instead of filling memory.
  orderEntry.holdRequestsWhile(() => !stream.drained);
  // A client with an answer may ask the API thread next: the API thread must know it has to catch up.
  orderEntry.beforeAnswers(stream.shareReleased);
  const commandRing = orderEntry.addLocalInbound(setup.commandRingBytes, (data, offset, length) => {
    const reader = new BinaryReader(data.subarray(offset, offset + length));
    const requestId = reader.u32();
    try {
      stream.expect(node.submitNow(decodeCommand(reader)), requestId);
    } catch (error) {
      stream.failed(requestId, error instanceof Error ? error.message : String(error));
    }
  });

  // Between a balances call and its resume, new commands wait (withBalancesAtDurablePoint's pause).
  const resumes = new Map<number, () => void>();
  const calls: Record<EngineOperation, (id: number) => Promise<unknown>> = {
    stateHash: () => node.stateHash(),
    snapshot: () => node.snapshot(),
    balancesAtDurablePoint: (id) => new Promise((resolve, reject) => {
      node.withBalancesAtDurablePoint(async (sequence, balances) => {
        resolve({ sequence, balances });
        await new Promise<void>((resumed) => resumes.set(id, resumed));
      }).catch(reject);
    }),
    close: async () => {
      await orderEntry.close();
      await node.close();
      // Everything released is in the ring before the API thread hears that the engine has stopped.
      while (!stream.drained) await new Promise((resolve) => setTimeout(resolve, 5));
    },
  };
  port.on('message', (message: ToEngine) => {
    if (message.type === 'marketDump') {
      marketDumps.get(message.sequence)?.(message.market);
      marketDumps.delete(message.sequence);
      return;
    }
    if (message.type === 'keepSnapshotFor') {
      node.keepSnapshotFor(message.sequence);
      return;
    }
    if (message.type === 'resume') {
      resumes.get(message.id)?.();
      resumes.delete(message.id);
      return;
    }
    calls[message.operation](message.id).then(
      (result) => post({ type: 'reply', id: message.id, result }),
      (error: unknown) => post({ type: 'reply', id: message.id, error: error instanceof Error ? error.message : String(error) }),
    );
  });
  post({ type: 'started', commandRing: commandRing.buffers, orderEntryPorts: orderEntry.ports, lastSequence: node.lastSequence });
}

/**
 * What this thread measures goes to the API thread's metrics once a second: its GC pauses (u16 count a
 * record) and the latency of the order-entry stages that end here (and of the answer stage, which the
 * gateway threads send here).
 */
function reportEachSecond(stream: ReleasedStreamWriter, orderEntry: OrderEntryService): void {
  let pauses: number[] = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) pauses.push(Math.round(entry.duration * 1000));
  }).observe({ entryTypes: ['gc'] });
  setInterval(() => {
    for (let i = 0; i < pauses.length; i += 65_535) stream.gcPauses(pauses.slice(i, i + 65_535));
    pauses = [];
    for (const stage of ['inbound', 'durable', 'answer'] as const) {
      const buckets = orderEntry.stages[stage];
      if (buckets.count === 0) continue;
      stream.stageLatency(stage, buckets);
      buckets.reset();
    }
  }, 1000).unref();
}

main().catch((error: unknown) => {
  post({ type: 'failed', message: error instanceof Error ? error.stack ?? error.message : String(error) });
});
