// What the store needs of a database: queries with $n parameters, multi-statement scripts (migrations),
// binary COPY and transactions. PGlite and a pg Pool both fit behind it, so the store runs the same SQL
// on either.

export interface SqlExecutor {
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Runs a script of several statements, without parameters. */
  exec(sql: string): Promise<void>;
  /** Bulk-loads rows given in binary COPY format (see copy-binary.ts) into the columns of a table. */
  copyFrom(table: string, columns: readonly string[], data: Buffer): Promise<void>;
}

export interface SqlClient extends SqlExecutor {
  readonly backend: 'pglite' | 'postgres';
  /**
   * The database works in a process of its own, so work done here meanwhile (preparing the next batch)
   * overlaps with it. Not so for PGlite, which runs on this thread.
   */
  readonly separateProcess: boolean;
  /** Runs fn in a transaction: committed when fn resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>, options?: { readOnly?: boolean }): Promise<T>;
  close(): Promise<void>;
}

export const INT8_OID = 20;

/**
 * BIGINT columns come back as JavaScript numbers: every amount the core produces is a safe integer, so a
 * value that is not one means the data is not what this code wrote, and reading on would be wrong.
 */
export function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError(`bigint ${text} is not a safe integer`);
  return value;
}

export function copySql(table: string, columns: readonly string[], source: string): string {
  return `COPY ${table} (${columns.join(', ')}) FROM ${source} WITH (FORMAT binary)`;
}
