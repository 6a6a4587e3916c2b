// The store both backends share: open (connect, migrate, register the consumer), then every read and
// write goes through the same SQL on whichever client is behind it.
import { join } from 'node:path';
import type { Released } from '../sequencer/index.ts';
import { migrate } from './migrations.ts';
import { openPgClient } from './pg-client.ts';
import { openPgliteClient } from './pglite-client.ts';
import * as q from './queries.ts';
import type { SqlClient } from './sql.ts';
import type { ReportingStore, ReportingStoreOptions } from './types.ts';
import { BatchWriter, CONSUMER } from './writer.ts';

/** PGlite (data in `<dataDir>/reporting`) when databaseUrl is unset, else a pg Pool. Runs migrations at open. */
export async function openReportingStore(options: ReportingStoreOptions): Promise<ReportingStore> {
  const log = options.log ?? (() => {});
  const client = options.databaseUrl
    ? openPgClient(options.databaseUrl, log)
    : await openPgliteClient(join(options.dataDir, 'reporting'));
  try {
    const applied = await migrate(client, Date.now());
    if (applied > 0) log(`reporting: applied ${applied} migration(s) on ${client.backend}`);
    await client.query(`INSERT INTO consumer_offsets (consumer, sequence) VALUES ($1, 0) ON CONFLICT (consumer) DO NOTHING`, [CONSUMER]);
    await client.query(
      `INSERT INTO symbols (symbol_id, symbol) SELECT * FROM unnest($1::integer[], $2::text[])
       ON CONFLICT (symbol_id) DO UPDATE SET symbol = EXCLUDED.symbol`,
      [[...options.symbols.keys()], [...options.symbols]],
    );
  } catch (error) {
    await client.close();
    throw error;
  }
  return new SqlReportingStore(client, [...options.symbols]);
}

class SqlReportingStore implements ReportingStore {
  private readonly writer: BatchWriter;

  constructor(
    private readonly db: SqlClient,
    private readonly symbols: readonly string[],
  ) {
    this.writer = new BatchWriter(db);
  }

  get backend(): 'pglite' | 'postgres' {
    return this.db.backend;
  }

  async offset(): Promise<number> {
    const rows = await this.db.query<{ sequence: number }>('SELECT sequence FROM consumer_offsets WHERE consumer = $1', [CONSUMER]);
    return rows[0]?.sequence ?? 0;
  }

  write(batch: readonly Released[]): Promise<void> {
    return batch.length === 0 ? Promise.resolve() : this.writer.write(batch);
  }

  executions(query: Parameters<ReportingStore['executions']>[0]): ReturnType<ReportingStore['executions']> {
    return q.executions(this.db, query);
  }

  trades(accountId: number, startMs: number, endMs: number): ReturnType<ReportingStore['trades']> {
    return q.trades(this.db, accountId, startMs, endMs);
  }

  statement(accountId: number, dayStartMs: number, dayEndMs: number): ReturnType<ReportingStore['statement']> {
    return this.db.transaction((tx) => q.statement(tx, this.symbols, accountId, dayStartMs, dayEndMs), { readOnly: true });
  }

  dailySummary(dayStartMs: number, dayEndMs: number): ReturnType<ReportingStore['dailySummary']> {
    return q.dailySummary(this.db, this.symbols, dayStartMs, dayEndMs);
  }

  orderAudit(orderId: number): ReturnType<ReportingStore['orderAudit']> {
    return this.db.transaction((tx) => q.orderAudit(tx, orderId), { readOnly: true });
  }

  order(orderId: number): ReturnType<ReportingStore['order']> {
    return q.order(this.db, orderId);
  }

  orders(query: Parameters<ReportingStore['orders']>[0]): ReturnType<ReportingStore['orders']> {
    return q.orders(this.db, query);
  }

  candles(symbolId: number, resolution: string, startMs: number, endMs: number): ReturnType<ReportingStore['candles']> {
    return q.candles(this.db, symbolId, resolution, startMs, endMs);
  }

  ledgerBalances(): ReturnType<ReportingStore['ledgerBalances']> {
    return q.ledgerBalances(this.db);
  }

  reconcile(expected: Parameters<ReportingStore['reconcile']>[0]): ReturnType<ReportingStore['reconcile']> {
    return q.reconcile(this.db, expected);
  }

  counts(): Promise<Record<string, number>> {
    return q.counts(this.db);
  }

  query<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    return this.db.query<T>(sql, params);
  }

  /** Waits for the writes under way, then closes the database. */
  async close(): Promise<void> {
    await this.writer.idle();
    await this.db.close();
  }
}
