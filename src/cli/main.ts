// The command line: `start` (the default; `--demo` adds a market-making bot), `replay --verify`, and
// `state-hash` against a running server.
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

async function stateHash(url: string): Promise<void> {
  const config = loadConfig();
  const { resolveAdminToken } = await import('./admin-token.ts');
  const { token } = await resolveAdminToken(config.dataDir, config.adminToken);
  const response = await fetch(new URL('/v1/admin/state-hash', url), { headers: { authorization: `Bearer ${token}` } });
  console.log(await response.text());
  if (!response.ok) process.exitCode = 1;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { demo: { type: 'boolean', default: false }, verify: { type: 'boolean', default: false }, url: { type: 'string' } },
});
const command = positionals[0] ?? 'start';
const run = command === 'start' ? start(values.demo!)
  : command === 'demo' ? start(true)
  : command === 'replay' ? replay(values.verify!)
  : command === 'state-hash' ? stateHash(values.url ?? `http://127.0.0.1:${process.env.PORT || 8080}`)
  : Promise.reject(new Error(`unknown command ${command}: use start [--demo], demo, replay --verify, state-hash [--url]`));
run.catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
