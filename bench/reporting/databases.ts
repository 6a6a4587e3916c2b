// The benchmark's own PostgreSQL databases: one fresh database per run, created and dropped through the
// server's `postgres` database. Names carry the creating process's PID, so a database left behind by a run
// that was killed can be recognized (its PID no longer runs) and dropped by the next run.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

const PREFIX = 'bench_reporting_';

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function admin<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: withDatabase(url, 'postgres') });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function createDatabase(url: string): Promise<{ database: string; url: string }> {
  const database = `${PREFIX}${process.pid}_${randomBytes(4).toString('hex')}`;
  await admin(url, (client) => client.query(`CREATE DATABASE ${database}`));
  return { database, url: withDatabase(url, database) };
}

export async function dropDatabase(url: string, database: string): Promise<void> {
  if (!database.startsWith(PREFIX)) throw new Error(`not a benchmark database: ${database}`);
  await admin(url, (client) => client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Drops bench_reporting_<pid>_* databases whose process no longer runs (on this machine's server). */
export async function dropStaleDatabases(url: string | undefined, log: (line: string) => void): Promise<void> {
  if (url === undefined) return;
  const stale = await admin(url, async (client) => {
    const { rows } = await client.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE '${PREFIX}%'`);
    return rows.map((r) => r.datname).filter((name) => {
      const pid = Number(/^bench_reporting_(\d+)_/.exec(name)?.[1]);
      return Number.isSafeInteger(pid) && pid !== process.pid && !running(pid);
    });
  });
  for (const database of stale) {
    await dropDatabase(url, database);
    log(`postgres: dropped ${database}, left behind by an earlier run`);
  }
}
