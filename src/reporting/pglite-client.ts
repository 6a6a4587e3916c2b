// The embedded backend: PostgreSQL compiled to WebAssembly, in this process, data in a directory.
import { cp, mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

/**
 * A freshly initialized, empty PGlite data directory, made once per machine and PGlite version: PGlite's
 * first open runs initdb in WebAssembly (seconds of CPU), and every new data directory (a first start, each
 * test server) can start from a copy instead. Built aside and renamed into place, so concurrent processes
 * never see half a template.
 */
async function initializedTemplate(): Promise<string> {
  const path = join(tmpdir(), `exchange-pglite-template-${PGLITE_TEMPLATE_VERSION}`);
  try {
    if ((await readdir(path)).length > 0) return path;
  } catch {
    // not made yet
  }
  const building = await mkdtemp(join(tmpdir(), 'exchange-pglite-building-'));
  const db = await PGlite.create({ dataDir: building });
  await db.close();
  try {
    await rename(building, path);
  } catch {
    await rm(building, { recursive: true, force: true }); // another process won the race
  }
  return path;
}

/** Bump when the PGlite dependency changes major or minor version (the on-disk format may differ). */
const PGLITE_TEMPLATE_VERSION = '0.5';

async function isEmptyDir(path: string): Promise<boolean> {
  try {
    return (await readdir(path)).length === 0;
  } catch {
    return true;
  }
}

export async function openPgliteClient(dataDir: string): Promise<SqlClient> {
  if (await isEmptyDir(dataDir)) await cp(await initializedTemplate(), dataDir, { recursive: true });
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
