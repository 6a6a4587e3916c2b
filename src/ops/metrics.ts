// Prometheus metrics of one process, in their own registry (tests build several apps in one process).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import { StageHistogram } from './stage-latency.ts';

export class Metrics {
  readonly registry = new Registry();
  readonly commands: Counter<'type' | 'result'>;
  readonly rejects: Counter<'code'>;
  readonly fsyncSeconds: Histogram;
  readonly batchRecords: Histogram;
  readonly orderLatencySeconds: Histogram;
  readonly httpRequests: Counter<'route' | 'status'>;
  readonly openOrders: Gauge;
  readonly connections: Gauge;
  readonly journalSequence: Gauge;
  readonly wsSubscribers: Gauge<'channel'>;
  readonly wsConnections: Gauge;
  readonly wsMessagesOut: Counter;
  readonly wsBytesOut: Counter;
  readonly wsPublishDelaySeconds: Histogram;
  readonly wsSlowConsumerDisconnects: Counter;
  readonly reportingLag: Gauge;
  readonly reportingBatchSeconds: Histogram;
  readonly reportingCommands: Counter;
  readonly engineGcSeconds: Histogram;
  readonly stageSeconds = new StageHistogram();

  private readonly scrapeHooks: Array<() => void> = [];

  /** Runs before each scrape: gauges that are cheaper to read than to track. */
  beforeScrape(hook: () => void): void {
    this.scrapeHooks.push(hook);
  }

  async scrape(): Promise<string> {
    for (const hook of this.scrapeHooks) hook();
    return this.registry.metrics();
  }

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    this.commands = new Counter({ name: 'exchange_commands_total', help: 'Commands sequenced, by type and result', labelNames: ['type', 'result'], registers });
    this.rejects = new Counter({ name: 'exchange_rejects_total', help: 'Rejected commands and requests, by API error code', labelNames: ['code'], registers });
    this.fsyncSeconds = new Histogram({
      name: 'exchange_journal_fsync_seconds', help: 'Journal fdatasync latency per batch', registers,
      buckets: [0.00005, 0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1],
    });
    this.batchRecords = new Histogram({
      name: 'exchange_journal_batch_records', help: 'Records per group-commit batch', registers,
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096],
    });
    this.orderLatencySeconds = new Histogram({
      name: 'exchange_order_latency_seconds', help: 'Order entry latency, request received to durable response', registers,
      buckets: [0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
    });
    this.httpRequests = new Counter({ name: 'exchange_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['route', 'status'], registers });
    this.openOrders = new Gauge({ name: 'exchange_open_orders', help: 'Orders resting on the books', registers });
    this.connections = new Gauge({ name: 'exchange_connections', help: 'Open client connections', registers });
    this.journalSequence = new Gauge({ name: 'exchange_journal_sequence', help: 'Last durable command sequence', registers });
    this.wsSubscribers = new Gauge({ name: 'exchange_ws_subscribers', help: 'WebSocket subscriptions per channel', labelNames: ['channel'], registers });
    this.wsConnections = new Gauge({ name: 'exchange_ws_connections', help: 'Open WebSocket connections', registers });
    this.wsMessagesOut = new Counter({ name: 'exchange_ws_messages_out_total', help: 'WebSocket messages sent (rate() gives messages per second)', registers });
    this.wsBytesOut = new Counter({ name: 'exchange_ws_bytes_out_total', help: 'WebSocket bytes sent (rate() gives bytes per second)', registers });
    this.wsPublishDelaySeconds = new Histogram({
      name: 'exchange_ws_publish_delay_seconds', help: 'Delay from the release of a command\'s events to the socket write of its updates', registers,
      buckets: [0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.05],
    });
    this.reportingLag = new Gauge({ name: 'exchange_reporting_lag_commands', help: 'Released commands not yet written to the reporting store', registers });
    this.reportingBatchSeconds = new Histogram({
      name: 'exchange_reporting_batch_seconds', help: 'Reporting store transaction time per batch', registers,
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    });
    this.reportingCommands = new Counter({ name: 'exchange_reporting_commands_total', help: 'Commands written to the reporting store', registers });
    // The default metrics' nodejs_gc_duration_seconds is this thread's (HTTP, WebSocket); the engine runs on
    // a worker whose pauses hold up order entry, so they are counted apart.
    this.engineGcSeconds = new Histogram({
      name: 'exchange_engine_gc_duration_seconds', help: 'Garbage collection pauses on the engine thread', registers,
      buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 1],
    });
    this.registry.registerMetric(this.stageSeconds as unknown as Metric);
    this.wsSlowConsumerDisconnects = new Counter({ name: 'exchange_ws_slow_consumer_disconnects_total', help: 'Connections cut off for not reading', registers });
  }
}
