// Where the reporting tests put their data: a fresh PGlite directory, or a fresh database on the
// PostgreSQL server of DATABASE_URL (created through its `postgres` database and dropped afterwards), so
// runs never collide with each other or with a development database.
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openReportingStore, type ReportingStore } from '../../src/reporting/index.ts';

export interface TestBackend {
  readonly name: 'pglite' | 'postgres';
  /** A new, empty store (its own directory or database). */
  fresh(symbols: readonly string[]): Promise<ReportingStore>;
  /** Opens the data of a store `fresh` made again (close that one first): what survives a restart. */
  reopen(store: ReportingStore, symbols: readonly string[]): Promise<ReportingStore>;
  /** Removes every directory and database this backend made. */
  cleanup(): Promise<void>;
}

/**
 * PGlite's first open runs initdb (seconds); later stores start from a copy of a migrated template
 * directory, which opens in well under a second.
 */
export function pgliteBackend(): TestBackend {
  let root: string | null = null;
  let template: string | null = null;
  const dirs = new Map<ReportingStore, string>();
  let count = 0;
  return {
    name: 'pglite',
    async fresh(symbols) {
      root ??= await mkdtemp(join(tmpdir(), 'reporting-test-'));
      if (template === null) {
        const dir = join(root, 'template');
        const store = await openReportingStore({ dataDir: dir, symbols: [] });
        await store.close();
        template = dir;
      }
      const dir = join(root, `store-${++count}`);
      await cp(template, dir, { recursive: true });
      const store = await openReportingStore({ dataDir: dir, symbols });
      dirs.set(store, dir);
      return store;
    },
    async reopen(previous, symbols) {
      const dir = dirs.get(previous);
      if (dir === undefined) throw new Error('not a store of this backend');
      const store = await openReportingStore({ dataDir: dir, symbols });
      dirs.set(store, dir);
      return store;
    },
    async cleanup() {
      if (root !== null) await rm(root, { recursive: true, force: true });
    },
  };
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

export function postgresBackend(databaseUrl: string): TestBackend {
  const admin = withDatabase(databaseUrl, 'postgres');
  const created: string[] = [];
  const urls = new Map<ReportingStore, string>();
  const run = async (sql: string): Promise<void> => {
    const client = new pg.Client({ connectionString: admin });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  return {
    name: 'postgres',
    async fresh(symbols) {
      const database = `reporting_test_${process.pid}_${randomBytes(4).toString('hex')}`;
      await run(`CREATE DATABASE ${database}`);
      created.push(database);
      const url = withDatabase(databaseUrl, database);
      const store = await openReportingStore({ databaseUrl: url, dataDir: '/nonexistent', symbols });
      urls.set(store, url);
      return store;
    },
    async reopen(previous, symbols) {
      const url = urls.get(previous);
      if (url === undefined) throw new Error('not a store of this backend');
      const store = await openReportingStore({ databaseUrl: url, dataDir: '/nonexistent', symbols });
      urls.set(store, url);
      return store;
    },
    async cleanup() {
      for (const database of created.splice(0)) await run(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    },
  };
}
