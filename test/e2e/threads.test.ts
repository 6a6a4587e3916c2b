// The server's threads as the operating system sees them: EXCHANGE_API_NICE lowers the API thread (the
// process's main thread) alone; the engine thread and the threads it starts (gateways, journal writer)
// keep the normal priority, since the API thread lowers itself only after starting the engine. Each of the
// exchange's threads carries its name (top -H, ps -L).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { after, describe, it } from 'node:test';
import { startServer, stopAllServers } from './server-process.ts';

/** Each thread's nice value, by thread id (field 19 of /proc/<pid>/task/<tid>/stat, after the command's parentheses). */
function niceByThread(pid: number): Map<number, number> {
  const nice = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    nice.set(Number(tid), Number(fields[16]));
  }
  return nice;
}

/** Each thread's name (/proc/<pid>/task/<tid>/comm), by thread id. */
function nameByThread(pid: number): Map<number, string> {
  return new Map(readdirSync(`/proc/${pid}/task`).map((tid) => [Number(tid), readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim()]));
}

describe('threads', { skip: (process.platform !== 'linux' || getPriority() >= 5) && 'needs /proc, and a nice value under 5 to lower from' }, () => {
  after(stopAllServers);

  it('EXCHANGE_API_NICE=5: the main thread runs at nice 5, the engine and gateway threads at 0', async () => {
    const server = await startServer({ env: { EXCHANGE_API_NICE: '5', EXCHANGE_GATEWAY_THREADS: '2', EXCHANGE_REPORTING_NICE: '10' } });
    // The server starts at this process's nice value (a CI runner may itself run lowered).
    const base = getPriority();
    const nice = niceByThread(server.pid);
    assert.equal(nice.get(server.pid), Math.max(base, 5), 'the main (API) thread');
    // A thread takes its creator's nice value: had the main thread lowered itself before starting the
    // engine thread, the engine, its gateways and its journal writer (the threads created after) would be at 5.
    const others = [...nice.entries()].filter(([tid]) => tid !== server.pid);
    const reporting = Math.max(base, 10);
    assert.deepEqual(others.filter(([, value]) => value !== base && value !== reporting), [],
      `every other thread at ${base} (the reporting worker at ${reporting}): ${JSON.stringify([...nice])}`);
    assert.ok(others.filter(([, value]) => value === base).length >= 5, 'the engine thread, two gateways, the journal writer and Node\'s own');
    assert.ok(others.some(([, value]) => value === reporting), 'the reporting worker at its own nice value');

    const names = nameByThread(server.pid);
    // Helper threads Node starts for a thread (tsx's module hooks, for one) take that thread's name: distinct names.
    const named = [...new Set(names.values())].filter((name) => name.startsWith('exch-')).sort();
    assert.deepEqual(named, ['exch-engine', 'exch-gateway-0', 'exch-gateway-1', 'exch-journal', 'exch-reporting'], JSON.stringify([...names]));
    const reportingThreads = [...names].filter(([, name]) => name === 'exch-reporting');
    assert.equal(reportingThreads.length, 1, 'the reporting worker starts no threads of its own');
    assert.equal(nice.get(reportingThreads[0][0]), reporting, 'the thread named exch-reporting is the one at the reporting nice value');
    await server.stop();
  });
});
