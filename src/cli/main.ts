// The command line: `start` (the default; `--demo` adds a market-making bot), `replay --verify`,
// `state-hash` and `reconcile` against a running server, and `bench` (the end-to-end benchmark).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from './config.ts';
import { startDemo } from './demo.ts';
import { startServer } from './server.ts';

const log = (message: string): void => console.log(`${new Date().toISOString()} ${message}`);

async function start(demo: boolean): Promise<void> {
  const config = loadConfig();
  const server = await startServer(config, log);
  log(`exchange listening on ${server.url} (data in ${config.dataDir})`);
  log(`admin token: ${server.adminTokenSource === 'EXCHANGE_ADMIN_TOKEN' ? 'from EXCHANGE_ADMIN_TOKEN' : `in ${server.adminTokenSource}`}`);
  log(`API description: ${server.url}/docs`);
  log(`order entry listening on ${server.orderEntryPorts.map((port) => `tcp://${config.host}:${port}`).join(' ')} (binary frames, docs/order-entry-protocol.md; WebSocket at /v1/order-entry on the same port; JSON order entry at /v1/ws and REST's order routes there too)`);
  const bot = demo ? await startDemo(server.node, log) : null;
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: finishing the batch in flight, writing a snapshot, stopping`);
    bot?.stop();
    server.close().then(
      () => process.exit(0),
      (error) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

async function replay(verify: boolean): Promise<void> {
  const config = loadConfig();
  const { replayFromScratch } = await import('./replay.ts');
  const result = await replayFromScratch(config.dataDir, config.engine);
  console.log(JSON.stringify({ sequence: result.sequence, stateHash: result.stateHash, commands: result.commands, verified: verify }));
}

/** GET an admin endpoint of the running server with the admin token of this configuration. */
async function adminGet(url: string, path: string): Promise<Response> {
  const config = loadConfig();
  const { resolveAdminToken } = await import('./admin-token.ts');
  const { token } = await resolveAdminToken(config.dataDir, config.adminToken);
  return fetch(new URL(path, url), { headers: { authorization: `Bearer ${token}` } });
}

async function stateHash(url: string): Promise<void> {
  const response = await adminGet(url, '/v1/admin/state-hash');
  console.log(await response.text());
  if (!response.ok) process.exitCode = 1;
}

/** Compares the reporting ledger with the engine's wallets on the running server; exit 1 on differences. */
async function reconcile(url: string): Promise<void> {
  const response = await adminGet(url, '/v1/admin/reconcile');
  const body = (await response.json()) as { sequence?: number; backend?: string; differences?: Array<Record<string, unknown>> };
  if (!response.ok || !body.differences) {
    console.error(JSON.stringify(body));
    process.exitCode = 1;
    return;
  }
  console.log(`reconcile at sequence ${body.sequence} (${body.backend}): ${body.differences.length} difference(s)`);
  for (const d of body.differences) console.log(`  account ${d.accountId} ${d.asset}: ledger ${d.ledger}, engine ${d.engine}`);
  if (body.differences.length > 0) process.exitCode = 1;
}

/**
 * `bench [options]`: bench/e2e/main.ts as a child process with the same options (its own parser), the
 * exit code passed on. Ctrl-C reaches both processes (the benchmark stops its servers); SIGTERM is passed on.
 */
function bench(args: string[]): Promise<void> {
  const script = fileURLToPath(new URL('../../bench/e2e/main.ts', import.meta.url));
  const child = spawn(process.execPath, [...process.execArgv, script, ...args], { stdio: 'inherit' });
  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => {
    if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGTERM');
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      process.exitCode = code ?? (signal === 'SIGINT' ? 130 : 1);
      resolve();
    });
  });
}

const isBench = process.argv[2] === 'bench';
const { values, positionals } = parseArgs({
  args: isBench ? [] : process.argv.slice(2),
  allowPositionals: true,
  options: { demo: { type: 'boolean', default: false }, verify: { type: 'boolean', default: false }, url: { type: 'string' } },
});
const command = isBench ? 'bench' : positionals[0] ?? 'start';
const serverUrl = values.url ?? `http://127.0.0.1:${process.env.PORT || 8080}`;
const run = command === 'start' ? start(values.demo!)
  : command === 'demo' ? start(true)
  : command === 'replay' ? replay(values.verify!)
  : command === 'state-hash' ? stateHash(serverUrl)
  : command === 'reconcile' ? reconcile(serverUrl)
  : command === 'bench' ? bench(process.argv.slice(3))
  : Promise.reject(new Error(`unknown command ${command}: use start [--demo], demo, replay --verify, state-hash [--url], reconcile [--url], bench [--help]`));
run.catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
