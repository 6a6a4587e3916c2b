// Wires the real adapters together: system clock, file journal, the node, the HTTP gateway, metrics.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildHttpApp } from '../gateway/http/app.ts';
import { SymbolTable } from '../gateway/http/symbols.ts';
import { RemoteNode, type RemoteNodeOptions } from '../node/remote-node.ts';
import { Metrics } from '../ops/index.ts';
import { systemClock } from '../sequencer/index.ts';
import { DEFAULT_MARKET_LIMITS } from '../views/index.ts';
import { openReportingStoreInWorker, ReportingConsumer } from '../reporting/index.ts';
import { setThisThreadNice } from '../ops/index.ts';
import { resolveAdminToken } from './admin-token.ts';
import type { ServerConfig } from './config.ts';

export interface RunningServer {
  /** The engine runs on a thread of its own; this thread (HTTP, WebSocket, reporting) holds read models. */
  node: RemoteNode;
  app: FastifyInstance;
  url: string;
  /** Ports of the binary order-entry gateway threads (TCP, and WebSocket at /v1/order-entry). */
  orderEntryPorts: number[];
  adminTokenSource: string;
  close(): Promise<void>;
}

/**
 * What the engine thread is started with, from the process configuration and the reporting store's offset
 * (the snapshot at or before it is kept for the store's catch-up; none is started with -1).
 */
export function engineThreadSetup(config: ServerConfig, reportingOffset = -1): RemoteNodeOptions['setup'] {
  return {
    dataDir: config.dataDir,
    engineConfig: config.engine,
    snapshotEveryCommands: config.snapshotEveryCommands,
    fsync: config.fsync,
    marketLimits: { ...DEFAULT_MARKET_LIMITS, candlesPerResolution: config.candlesInMemory },
    // Recovery starts from the newest snapshot whatever the reporting store's offset: the store writes the
    // commands it missed before that snapshot from the journal itself (reporting/catch-up.ts).
    consumerOffset: Number.MAX_SAFE_INTEGER,
    keepSnapshotFor: reportingOffset,
    commandRingBytes: 4 * 1024 * 1024,
    orderEntry: {
      host: config.host, port: config.orderEntry.port, threads: config.orderEntry.threads, ringBytes: config.orderEntry.ringBytes,
      ratePerKey: { ratePerSecond: config.gateway.perKeyRatePerSecond, burst: config.gateway.perKeyBurst },
      signatureWindowMs: config.gateway.signatureWindowMs, webSocket: config.websocket, http: config.gateway,
      maxBufferedBytes: config.orderEntry.maxBufferedBytes, idleTimeoutMs: config.orderEntry.idleTimeoutMs,
    },
  };
}

export async function startServer(config: ServerConfig, log: (message: string) => void): Promise<RunningServer> {
  const { token, source } = await resolveAdminToken(config.dataDir, config.adminToken);
  const metrics = new Metrics();
  // In a worker thread: the database's work (PGlite's runs synchronously) stays off the engine's thread.
  const store = await openReportingStoreInWorker({
    databaseUrl: config.databaseUrl, dataDir: config.dataDir, symbols: config.engine.instruments.map((i) => i.symbol), log,
    threadNice: config.reportingNice, threadIdle: config.reportingIdle, journal: { dataDir: config.dataDir, engineConfig: config.engine },
  });
  const reporting = await ReportingConsumer.open(store, {
    maxBatchCommands: 2_000,
    batchDelayMs: 50,
    maxDutyPercent: config.reportingDutyPercent,
    spill: { path: join(config.dataDir, 'reporting-backlog.spill'), maxMemoryBytes: config.reportingBacklogMemoryBytes },
    retryDelayMs: 250,
    log,
    onBatch: (commands, seconds) => {
      metrics.reportingBatchSeconds.observe(seconds);
      metrics.reportingCommands.inc(commands);
    },
  });
  log(`reporting: ${store.backend}${config.databaseUrl ? '' : ` in ${config.dataDir}/reporting`}, at sequence ${reporting.offset}`);
  metrics.beforeScrape(() => metrics.reportingLag.set(reporting.lag));
  // The engine, the sequencer, the journal and the binary order entry with its gateway threads run on the
  // engine thread; this thread serves HTTP and the WebSocket from read models fed by the released stream.
  const node = await RemoteNode.start({
    setup: engineThreadSetup(config, reporting.offset),
    consumers: [reporting.onRelease],
    stages: metrics.stageSeconds,
    log,
    onFatal: (error) => {
      // As when the engine ran on this thread: a failure there stops the process; recovery is a restart.
      console.error(`engine thread failed: ${error.stack ?? error.message}`);
      process.exit(1);
    },
  });
  // The stream began after the engine's snapshot: commands before it that the store lacks come from the journal.
  reporting.deliveredThrough(node.lastSequence);
  // That catch-up replays from the newest snapshot at or before the store's offset: the engine thread keeps
  // one (told once a second, when the store has moved; a stale offset only keeps an older snapshot).
  let keptFor = reporting.offset;
  const keepSnapshotForStore = setInterval(() => {
    if (reporting.offset === keptFor) return;
    keptFor = reporting.offset;
    node.keepSnapshotFor(keptFor);
  }, 1000);
  keepSnapshotForStore.unref();
  node.setJournalBatchHook((records, _bytes, fsyncMicros) => {
    metrics.batchRecords.observe(records);
    metrics.fsyncSeconds.observe(fsyncMicros / 1e6);
  });
  node.setGcPauseHook((seconds) => metrics.engineGcSeconds.observe(seconds));
  // After the engine thread is up (a thread takes its creator's nice value, and the engine's must stay 0).
  if (config.apiNice > 0 && !setThisThreadNice(config.apiNice)) log(`could not lower the API thread's priority (nice ${config.apiNice})`);
  const app = buildHttpApp({
    node,
    symbols: new SymbolTable(config.engine.instruments),
    metrics,
    clock: systemClock,
    settings: { ...config.gateway, adminToken: token },
    websocket: config.websocket,
    reporting: { store, consumer: reporting },
    newCredentials: () => ({ apiKey: randomBytes(16).toString('hex'), apiSecret: randomBytes(32).toString('hex') }),
  });
  app.get('/v1/order-entry', async () => ({
    protocol: 'binary order entry, docs/order-entry-protocol.md', ports: node.orderEntryPorts, webSocketPath: '/v1/order-entry',
    // The same ports take JSON order entry over WebSocket and REST's order routes, on the gateway threads
    // (README "Order entry on the order-entry port").
    jsonWebSocketPath: '/v1/ws', httpOrderRoutes: ['POST /v1/order', 'DELETE /v1/order/{id}', 'PUT /v1/order/{id}'],
  }));
  app.server.on('connection', (socket) => {
    metrics.connections.inc();
    socket.on('close', () => metrics.connections.dec());
  });
  const url = await app.listen({ host: config.host, port: config.port });
  let closing: Promise<void> | null = null;
  return {
    node,
    app,
    url,
    orderEntryPorts: node.orderEntryPorts,
    adminTokenSource: source,
    close: () => (closing ??= (async () => {
      clearInterval(keepSnapshotForStore);
      await app.close();
      await node.close();
      await reporting.close();
      await store.close();
    })()),
  };
}
