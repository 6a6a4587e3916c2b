// One batch of released commands, one transaction: lock the consumer's offset, drop what is already
// written, fold the rest into rows, insert each table in one statement, move the offset. A crash anywhere
// leaves either all of it or none of it, so redelivering a batch is always safe.
//
// Writes are pipelined when the caller keeps more than one in flight: while batch N is in the database,
// batch N+1 is folded in this process, starting from N's final order states and, for orders N does not
// touch, their stored rows. That guess is checked under the offset lock: if the offset is not where
// N+1 was folded from (N failed, or another writer moved it), N+1 is folded again inside its transaction.
import type { Released } from '../sequencer/index.ts';
import { type BatchRows, buildRows, buildRowsInSlices, ordersCreatedBefore, statementSql, type StoredOrder, type TableSpec } from './rows.ts';
import type { SqlClient, SqlExecutor } from './sql.ts';

export const CONSUMER = 'reporting';

export class SequenceGapError extends Error {
  override name = 'SequenceGapError';
}

/** What the fold needs of an order an earlier batch created (the rest of its row never changes). */
const STORED_ORDERS = `SELECT order_id AS "orderId", order_type AS "orderType", price_cents AS "priceCents", quantity,
  filled_quantity AS "filledQuantity", filled_notional_cents AS "filledNotionalCents", status = 'canceled' AS canceled,
  last_event_sequence AS "lastEventSequence"
  FROM orders WHERE order_id = ANY($1::bigint[])`;

const UPDATE_ACCOUNT_STATUS = `UPDATE accounts SET status = v.status
  FROM unnest($1::bigint[], $2::text[]) AS v(account_id, status) WHERE accounts.account_id = v.account_id`;

const statements = new Map<TableSpec, string>();

function statementOf(spec: TableSpec): string {
  let sql = statements.get(spec);
  if (sql === undefined) statements.set(spec, (sql = statementSql(spec)));
  return sql;
}

/** The commands of `batch` after `offset`; throws unless they follow it without a gap. */
export function unwritten(batch: readonly Released[], offset: number): readonly Released[] {
  let first = 0;
  while (first < batch.length && batch[first].command.sequence <= offset) first++;
  let expected = offset + 1;
  for (let i = first; i < batch.length; i++) {
    const sequence = batch[i].command.sequence;
    if (sequence !== expected) {
      throw new SequenceGapError(`reporting: command ${sequence} where ${expected} was expected (stored offset ${offset})`);
    }
    expected++;
  }
  return first === 0 ? batch : batch.slice(first);
}

/** A batch folded into rows, and the offset it was folded from. */
export interface PreparedBatch {
  fromOffset: number;
  /** The offset once written. */
  toOffset: number;
  rows: BatchRows | null;
  /** The prepared batch whose order states this one started from, if any. */
  basedOn: PreparedBatch | null;
  /** Set once written as prepared (not folded again): only then may a later batch trust `basedOn`. */
  writtenAsPrepared: boolean;
}

/**
 * Folds the commands of `batch` after `fromOffset`. Orders in `basedOn`'s rows come from there; other
 * orders the batch changes come from the database (read with `db`, which need not be in a transaction).
 */
export async function prepareBatch(
  db: SqlExecutor, batch: readonly Released[], fromOffset: number, basedOn: PreparedBatch | null, inTransaction: boolean,
): Promise<PreparedBatch> {
  const fresh = unwritten(batch, fromOffset);
  if (fresh.length === 0) return { fromOffset, toOffset: fromOffset, rows: null, basedOn, writtenAsPrepared: false };
  const carried = basedOn?.rows?.orders;
  const stored = new Map<number, StoredOrder>();
  const missing: number[] = [];
  for (const orderId of ordersCreatedBefore(fresh)) {
    const order = carried?.get(orderId);
    if (order !== undefined) stored.set(orderId, order);
    else missing.push(orderId);
  }
  if (missing.length > 0) {
    for (const row of await db.query<StoredOrder>(STORED_ORDERS, [missing])) stored.set(row.orderId, row);
  }
  const rows = inTransaction ? buildRows(fresh, stored, { copy: true }) : await buildRowsInSlices(fresh, stored, { copy: true, sliceEvents: 250 });
  return { fromOffset, toOffset: fresh[fresh.length - 1].command.sequence, rows, basedOn, writtenAsPrepared: false };
}

/**
 * Settings of the write transaction. On a PostgreSQL server, losing the last commits in a crash is
 * harmless: the offset goes back with them and the batches are delivered again (rows without their offset
 * cannot happen), so commits need not wait for the WAL flush. Not on PGlite: it has no background WAL
 * writer, so such commits would stay unflushed until a clean close and a crash would lose them all.
 * Every lookup here is by key, a few thousand keys against a table of millions: the planner, left to
 * itself, hashes the whole table when it is small or its statistics are behind, at a cost that grows
 * with the table. Steering it to the indexes keeps a batch's cost independent of the table's size.
 */
const KEY_LOOKUP_SETTINGS = 'SET LOCAL enable_seqscan = off; SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off';
const WRITE_SETTINGS = {
  postgres: `SET LOCAL synchronous_commit = off; ${KEY_LOOKUP_SETTINGS}`,
  pglite: KEY_LOOKUP_SETTINGS,
};

async function lockOffset(tx: SqlExecutor, backend: 'pglite' | 'postgres'): Promise<number> {
  await tx.exec(WRITE_SETTINGS[backend]);
  const [{ sequence }] = await tx.query<{ sequence: number }>('SELECT sequence FROM consumer_offsets WHERE consumer = $1 FOR UPDATE', [CONSUMER]);
  return sequence;
}

async function insertRows(tx: SqlExecutor, prepared: PreparedBatch): Promise<void> {
  const rows = prepared.rows;
  if (rows === null) return;
  for (const table of rows.tables) {
    if (table.length === 0) continue;
    if (table.copy !== null) {
      // No ON CONFLICT with COPY, and none needed: the locked offset keeps these rows from existing yet,
      // and a primary key violation (a row written behind the store's back) fails the whole batch.
      await tx.copyFrom(table.spec.table, table.spec.columns.map(([name]) => name), table.copy.finish());
    } else {
      await tx.query(statementOf(table.spec), table.arrays);
    }
  }
  if (rows.accountStatus[0].length > 0) await tx.query(UPDATE_ACCOUNT_STATUS, rows.accountStatus);
  await tx.query('UPDATE consumer_offsets SET sequence = $2 WHERE consumer = $1', [CONSUMER, prepared.toOffset]);
}

/** Writes a batch in `tx`, using `prepared` when it still fits the stored offset. Returns the offset after. */
export async function writeBatch(tx: SqlExecutor, batch: readonly Released[], prepared: PreparedBatch | null, backend: 'pglite' | 'postgres'): Promise<number> {
  const offset = await lockOffset(tx, backend);
  const trusted = prepared !== null && prepared.fromOffset === offset && (prepared.basedOn === null || prepared.basedOn.writtenAsPrepared);
  if (prepared !== null) prepared.basedOn = null; // judged: let the chain of batches be collected
  const plan = trusted ? prepared : await prepareBatch(tx, batch, offset, null, true);
  await insertRows(tx, plan);
  if (trusted) prepared.writtenAsPrepared = true;
  return plan.toOffset;
}

interface Job {
  batch: readonly Released[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Applies writes in call order, preparing the next batch while the previous one is in the database. */
export class BatchWriter {
  private readonly queue: Job[] = [];
  private pumping: Promise<void> | null = null;
  /** The stored offset when known (null: read it before guessing). */
  private knownOffset: number | null = null;

  /** Reads of stored orders ahead of a batch's transaction, steered to the indexes like the writes. */
  private readonly lookups: SqlExecutor;

  constructor(private readonly db: SqlClient) {
    this.lookups = {
      query: (sql, params) => db.transaction(async (tx) => {
        await tx.exec(KEY_LOOKUP_SETTINGS);
        return tx.query(sql, params);
      }, { readOnly: true }),
      exec: (sql) => db.exec(sql),
      copyFrom: () => Promise.reject(new Error('lookups only')),
    };
  }

  write(batch: readonly Released[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ batch, resolve, reject });
      this.pumping ??= this.pump();
    });
  }

  /** Resolves once every write called so far has settled. */
  async idle(): Promise<void> {
    while (this.pumping !== null) await this.pumping;
  }

  /** Never rejects: each job settles its own promise. */
  private async pump(): Promise<void> {
    let inFlight: Promise<void> | null = null;
    let previous: PreparedBatch | null = null;
    for (;;) {
      const job = this.queue.shift();
      if (job === undefined) {
        if (inFlight === null) break;
        // Writes queued while the last one finishes are taken up on the next turn of the loop.
        await inFlight;
        inFlight = null;
        continue;
      }
      let prepared: PreparedBatch | null = null;
      // In this process, the database has nothing to overlap with: the transaction does it all.
      if (this.db.separateProcess) {
        try {
          const fromOffset = previous?.toOffset ?? this.knownOffset ?? (await this.readOffset());
          prepared = await prepareBatch(this.lookups, job.batch, fromOffset, previous, false);
        } catch {
          // A guess gone wrong (a gap against an offset that turned out otherwise, ...): the transaction
          // folds the batch again from what is really stored, and reports what is really wrong.
        }
      }
      if (inFlight !== null) await inFlight;
      inFlight = this.apply(job, prepared);
      previous = prepared;
    }
    this.pumping = null;
  }

  private async apply(job: Job, prepared: PreparedBatch | null): Promise<void> {
    try {
      this.knownOffset = await this.db.transaction((tx) => writeBatch(tx, job.batch, prepared, this.db.backend));
      job.resolve();
    } catch (error) {
      this.knownOffset = null;
      job.reject(error);
    }
  }

  private async readOffset(): Promise<number> {
    const rows = await this.db.query<{ sequence: number }>('SELECT sequence FROM consumer_offsets WHERE consumer = $1', [CONSUMER]);
    return rows[0]?.sequence ?? 0;
  }
}
