// Reporting: a consumer of the released event stream that keeps orders, executions, a double-entry
// ledger and candles in PostgreSQL (a server from a URL, or embedded PGlite), with its offset in
// the same transaction as the rows, and answers history, statement, summary and audit queries.
export { openReportingStore } from './store.ts';
export { openReportingStoreInWorker } from './worker-store.ts';
export { ReportingConsumer } from './consumer.ts';
export { MIGRATIONS, TABLES } from './migrations.ts';
export { SequenceGapError } from './writer.ts';
export { EXTERNAL_ACCOUNT_ID, FEE_ACCOUNT_ID, RESOLUTIONS } from './rows.ts';
export type {
  AuditKind, AuditRow, BalanceMovement, CandleRow, DailySymbolRow, ExecutionQuery, ExecutionRow, OrderQuery, OrderRow, OrderStatus,
  ReconciliationDifference, ReportingStore, ReportingStoreOptions, Statement, StatementAsset,
} from './types.ts';
