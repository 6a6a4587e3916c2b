// The process configuration: API.md's environment variables plus the exchange's own, with defaults that
// make `npm start` work on a fresh machine with nothing else installed.
import { DEFAULT_INSTRUMENTS } from '../config/default-instruments.ts';
import { DEFAULT_ENGINE_SETTINGS, type EngineConfig } from '../engine/index.ts';
import { DEFAULT_GATEWAY_SETTINGS, type GatewaySettings } from '../gateway/http/context.ts';
import { parseIpList } from '../gateway/common/index.ts';
import { DEFAULT_WEBSOCKET_SETTINGS, type WebSocketSettings } from '../gateway/ws/ws-gateway.ts';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';

export interface ServerConfig {
  host: string;
  port: number;
  dataDir: string;
  /** From EXCHANGE_ADMIN_TOKEN; when unset, generated once and kept in the data directory. */
  adminToken: string | undefined;
  /** DATABASE_URL: PostgreSQL for reporting; unset: embedded PGlite in the data directory. */
  databaseUrl: string | undefined;
  engine: EngineConfig;
  gateway: Omit<GatewaySettings, 'adminToken'>;
  websocket: WebSocketSettings;
  fsync: boolean;
  snapshotEveryCommands: number;
  /** Candles kept in memory per symbol and resolution; older ones are archived on disk. */
  candlesInMemory: number;
  orderEntry: OrderEntryConfig;
  /** Most of the wall time the reporting store may be kept busy, percent (see ReportingConsumer). */
  reportingDutyPercent: number;
  /** The reporting worker thread's nice value (0 = same priority as order entry). */
  reportingNice: number;
  /** The API thread's nice value (HTTP, WebSocket, read models; 0 = same priority as order entry). */
  apiNice: number;
  /** The reporting worker thread in SCHED_IDLE (Linux). */
  reportingIdle: boolean;
  /** Reporting backlog kept in memory; beyond it, batches wait in <dataDir>/reporting-backlog.spill. */
  reportingBacklogMemoryBytes: number;
}

/** The binary order-entry gateways (docs/order-entry-protocol.md). */
export interface OrderEntryConfig {
  /** TCP port of the first gateway thread (thread i listens on port + i); 0: free ports. */
  port: number;
  /** Gateway threads: by default one per core left after the engine's thread. */
  threads: number;
  /** Bytes of each shared-memory ring between a gateway thread and the engine thread. */
  ringBytes: number;
  maxBufferedBytes: number;
  idleTimeoutMs: number;
}

function intFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer in ${min}..${max}, got ${JSON.stringify(text)}`);
  }
  return value;
}

function powerOfTwoFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = intFromEnv(env, name, fallback, 64 * 1024, 1 << 30);
  if ((value & (value - 1)) !== 0) throw new Error(`${name} must be a power of two, got ${value}`);
  return value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const gateway = { ...DEFAULT_GATEWAY_SETTINGS };
  gateway.bodyLimitBytes = intFromEnv(env, 'EXCHANGE_BODY_LIMIT_BYTES', gateway.bodyLimitBytes, 256, 16 * 1024 * 1024);
  gateway.perKeyRatePerSecond = intFromEnv(env, 'EXCHANGE_RATE_PER_KEY', gateway.perKeyRatePerSecond, 1, 10_000_000);
  gateway.perKeyBurst = intFromEnv(env, 'EXCHANGE_BURST_PER_KEY', Math.max(gateway.perKeyBurst, gateway.perKeyRatePerSecond), 1, 10_000_000);
  gateway.perIpRatePerSecond = intFromEnv(env, 'EXCHANGE_RATE_PER_IP', gateway.perIpRatePerSecond, 1, 10_000_000);
  gateway.perIpBurst = intFromEnv(env, 'EXCHANGE_BURST_PER_IP', Math.max(gateway.perIpBurst, gateway.perIpRatePerSecond), 1, 10_000_000);
  gateway.ipAllow = parseIpList(env.EXCHANGE_IP_ALLOW);
  gateway.ipDeny = parseIpList(env.EXCHANGE_IP_DENY);
  const engine: EngineConfig = {
    ...DEFAULT_ENGINE_SETTINGS,
    instruments: DEFAULT_INSTRUMENTS,
    makerFeeBps: intFromEnv(env, 'EXCHANGE_MAKER_FEE_BPS', DEFAULT_ENGINE_SETTINGS.makerFeeBps, 0, 1000),
    takerFeeBps: intFromEnv(env, 'EXCHANGE_TAKER_FEE_BPS', DEFAULT_ENGINE_SETTINGS.takerFeeBps, 0, 1000),
  };
  return {
    host: env.HOST || '127.0.0.1',
    port: intFromEnv(env, 'PORT', 8080, 0, 65_535),
    dataDir: resolve(env.EXCHANGE_DATA_DIR || './data'),
    adminToken: env.EXCHANGE_ADMIN_TOKEN || undefined,
    databaseUrl: env.DATABASE_URL || undefined,
    engine,
    gateway,
    websocket: {
      ...DEFAULT_WEBSOCKET_SETTINGS,
      maxBufferedBytes: intFromEnv(env, 'EXCHANGE_WS_MAX_BUFFERED_BYTES', DEFAULT_WEBSOCKET_SETTINGS.maxBufferedBytes, 1024, 1 << 30),
      heartbeatIntervalMs: intFromEnv(env, 'EXCHANGE_WS_HEARTBEAT_MS', DEFAULT_WEBSOCKET_SETTINGS.heartbeatIntervalMs, 100, 3_600_000),
    },
    fsync: env.EXCHANGE_FSYNC !== '0',
    snapshotEveryCommands: intFromEnv(env, 'EXCHANGE_SNAPSHOT_EVERY', 1_000_000, 0, 1_000_000_000),
    candlesInMemory: intFromEnv(env, 'EXCHANGE_CANDLES_IN_MEMORY', 2_000, 2, 1_000_000),
    reportingDutyPercent: intFromEnv(env, 'EXCHANGE_REPORTING_DUTY_PERCENT', 50, 1, 100),
    reportingNice: intFromEnv(env, 'EXCHANGE_REPORTING_NICE', 10, 0, 19),
    apiNice: intFromEnv(env, 'EXCHANGE_API_NICE', 0, 0, 19),
    reportingIdle: intFromEnv(env, 'EXCHANGE_REPORTING_IDLE', 1, 0, 1) === 1,
    reportingBacklogMemoryBytes: intFromEnv(env, 'EXCHANGE_REPORTING_BACKLOG_MEMORY_BYTES', 256 * 1024 * 1024, 1024 * 1024, 2 ** 40),
    orderEntry: {
      port: intFromEnv(env, 'EXCHANGE_ORDER_ENTRY_PORT', 8081, 0, 65_535),
      threads: intFromEnv(env, 'EXCHANGE_GATEWAY_THREADS', Math.max(1, availableParallelism() - 1), 1, 64),
      ringBytes: powerOfTwoFromEnv(env, 'EXCHANGE_BUS_RING_BYTES', 16 * 1024 * 1024),
      maxBufferedBytes: intFromEnv(env, 'EXCHANGE_ORDER_ENTRY_MAX_BUFFERED_BYTES', 64 * 1024 * 1024, 64 * 1024, 1 << 30),
      idleTimeoutMs: intFromEnv(env, 'EXCHANGE_ORDER_ENTRY_IDLE_MS', 30_000, 100, 3_600_000),
    },
  };
}
