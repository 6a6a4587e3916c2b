// What the HTTP gateway needs from the rest of the process, and its own settings.
import type { NodeApi } from '../../node/index.ts';
import type { Metrics } from '../../ops/index.ts';
import type { Clock } from '../../sequencer/index.ts';
import type { SymbolTable } from './symbols.ts';
import type { WebSocketSettings } from '../ws/ws-gateway.ts';
import type { ReportingConsumer, ReportingStore } from '../../reporting/index.ts';

export interface GatewaySettings {
  adminToken: string;
  /** Largest request body accepted, bytes (413 past it). */
  bodyLimitBytes: number;
  /** Token buckets: sustained requests per second and burst, per API key and per client IP. */
  perKeyRatePerSecond: number;
  perKeyBurst: number;
  perIpRatePerSecond: number;
  perIpBurst: number;
  /** IP allow and deny lists (addresses or CIDR); an empty allow list allows everyone not denied. */
  ipAllow: string[];
  ipDeny: string[];
  signatureWindowMs: number;
}

export const DEFAULT_GATEWAY_SETTINGS: Omit<GatewaySettings, 'adminToken'> = {
  bodyLimitBytes: 16 * 1024,
  perKeyRatePerSecond: 2_000,
  perKeyBurst: 4_000,
  perIpRatePerSecond: 5_000,
  perIpBurst: 10_000,
  ipAllow: [],
  ipDeny: [],
  signatureWindowMs: 5_000,
};

export interface GatewayContext {
  node: NodeApi;
  symbols: SymbolTable;
  metrics: Metrics;
  clock: Clock;
  settings: GatewaySettings;
  /** The reporting store and the consumer feeding it (executions, reports, audit, reconciliation). */
  reporting: { store: ReportingStore; consumer: ReportingConsumer };
  /** WebSocket limits; defaults when absent. */
  websocket?: WebSocketSettings;
  /** Random API keys and secrets (injected so tests can make them predictable). */
  newCredentials: () => { apiKey: string; apiSecret: string };
}
