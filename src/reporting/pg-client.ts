// The server backend: a pg Pool on a PostgreSQL URL.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { copySql, INT8_OID, parseInt8, type SqlClient, type SqlExecutor } from './sql.ts';

const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? parseInt8 : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

function executor(client: pg.Pool | pg.PoolClient): SqlExecutor {
  return {
    async copyFrom(table: string, columns: readonly string[], data: Buffer): Promise<void> {
      if (!('release' in client)) throw new Error('COPY runs in a transaction');
      await pipeline(Readable.from([data]), client.query(copyFrom(copySql(table, columns, 'STDIN'))));
    },
    async query<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
      const result = await client.query(sql, params as unknown[]);
      return result.rows as T[];
    },
    async exec(sql: string): Promise<void> {
      await client.query(sql);
    },
  };
}

export function openPgClient(connectionString: string, log: (message: string) => void): SqlClient {
  const pool = new pg.Pool({ connectionString, types, max: 4, application_name: 'exchange-reporting' });
  // An idle connection the server drops must not take the process down; the next query reconnects.
  pool.on('error', (error) => log(`reporting: idle PostgreSQL connection failed: ${error.message}`));
  const base = executor(pool);
  return {
    backend: 'postgres',
    separateProcess: true,
    ...base,
    async transaction(fn, options = {}) {
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query(options.readOnly ? 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' : 'BEGIN');
        const result = await fn(executor(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        try {
          await client.query('ROLLBACK');
        } catch {
          broken = true; // the connection is unusable: drop it from the pool
        }
        throw error;
      } finally {
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}
