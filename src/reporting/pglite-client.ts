// The embedded backend: PostgreSQL compiled to WebAssembly, in this process, data in a directory.
import { mkdir } from 'node:fs/promises';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { copySql, INT8_OID, parseInt8, type SqlClient, type SqlExecutor } from './sql.ts';

function executor(db: PGlite | Transaction): SqlExecutor {
  return {
    async query<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
      const result = await db.query<T>(sql, params as unknown[]);
      return result.rows;
    },
    async exec(sql: string): Promise<void> {
      await db.exec(sql);
    },
    async copyFrom(table: string, columns: readonly string[], data: Buffer): Promise<void> {
      // PGlite reads COPY data from the blob it is handed, under this special name.
      await db.query(copySql(table, columns, `'/dev/blob'`), [], { blob: new Blob([data]) });
    },
  };
}

export async function openPgliteClient(dataDir: string): Promise<SqlClient> {
  await mkdir(dataDir, { recursive: true });
  const db = await PGlite.create({ dataDir, parsers: { [INT8_OID]: parseInt8 } });
  const base = executor(db);
  return {
    backend: 'pglite',
    separateProcess: false,
    ...base,
    // PGlite runs one transaction at a time, so a read-only one needs no isolation level of its own.
    transaction: (fn) => db.transaction((tx) => fn(executor(tx))),
    close: () => db.close(),
  };
}
