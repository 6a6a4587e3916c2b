// Engine benchmark: `npm run bench:engine` (= node --import tsx bench/engine/main.ts).
//
// What it runs (all seeded, see workload.ts; the same stream every time, on every machine):
//   One instrument, tick 1 cent, a fixed mid of $100.00 (10,000 cents), price band 99% (nothing generated is out
//   of band), 50 accounts with huge cash and share deposits, session open, risk limits on but raised.
//   Measured mix: ~60% passive limit GTC adds on their own side of the mid (never crossing), ~30% cancels
//   of resting orders (half of them among the ~1,000 most recent adds, the rest anywhere in the book),
//   ~10% takers: half marketable limit IOC priced 1-5 ticks through the mid, half market orders.
//   Passive quantity 1-100, taker quantity 1-300. Account of each order drawn at random (1-50);
//   self-trade prevention cancels the resting order (ours: CancelResting; peer: EXPIRE_MAKER).
//   - shallow: adds within 10 ticks of the mid (20 levels); 1,000 resting orders prefilled, 500,000 ops.
//   - deep: 200,000 resting orders prefilled over 5,000 ticks a side (10,000 levels); 80% of adds within
//     20 ticks of the mid, 20% anywhere in the 5,000; 500,000 ops.
//   A model book inside the generator knows which orders rest, so every cancel hits a resting order, and
//   its trade count and final book are checked against both engines after the timed runs.
//
// How it measures:
//   - Throughput (wall clock, performance.now(); the process's CPU time is printed next to it because
//     this machine is shared): ours replays the whole measured stream on a fresh engine per run (prefill
//     applied untimed), 1 warm-up run, median of 7 runs. Engine.apply() with risk checks, wallet/hold
//     updates and event generation into NullSink (which counts events). Commands carry epoch-ms stamps.
//     The peer, nodejs-order-book 10.1.1 (devDependency; limit/market/cancel API, ids prepared before
//     timing) is 10-50x slower, so it replays consecutive windows of the same stream on one prefilled
//     book: 1 warm-up window, 7 timed windows (median), 1 latency window (sizes printed).
//   - Latency: separate passes with performance.now() around every apply() (timer cost included and
//     printed); for ours 3 passes on fresh engines, the pass with the median p99 is reported.
//   - GC: perf_hooks 'gc' entries during the timed throughput runs; the longest pause is printed.
//   - Heap: 1,000,000 non-crossing resting orders (10,000 levels) in a fresh engine; (heapUsed +
//     arrayBuffers) after minus before, after full GCs, divided by 1,000,000 (typed arrays live outside
//     the JS heap, so both count). The peer gets the same with 200,000 orders, for comparison.
//   - Checks (untimed): our events and final book against the generator's model book, the peer's book
//     against the model at the same point, our invariants, and our rejections by code (expected: none).
// The last line is machine-readable and describes the deep book:
//   bench:engine ops_per_s=<ours> p99_us=<ours> peer_ops_per_s=<peer> ratio=<ours/peer>
// To repeat: `npm run bench:engine` on an idle machine; results are in docs/benchmarks.md.
//
// Each measurement runs in its own child process (same node flags), so neither engine's JIT state, heap
// or garbage affects the other's figures; the parent prints the results.
// `node --import tsx bench/engine/main.ts deep` (or `shallow`) runs one scenario and skips the heap phase.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { type HeapResult, ourHeapPerOrder, peerHeapPerOrder } from './heap.ts';
import { type Measured, measureOurs, measurePeer } from './measure.ts';
import { fmt, fmtInt, getGc, timerOverheadNs } from './stats.ts';
import { DEEP, generateWorkload, SHALLOW, type Workload, type WorkloadParams } from './workload.ts';

const HEAP_ORDERS = 1_000_000;
const PEER_HEAP_ORDERS = 200_000;
const SCENARIOS: WorkloadParams[] = [SHALLOW, DEEP];
const RESULT_MARK = 'bench-result:';

type Role = `ours:${string}` | `peer:${string}` | 'heap:ours' | 'heap:peer';

async function child(role: Role): Promise<void> {
  const gc = getGc();
  const [what, name] = role.split(':');
  let result: unknown;
  if (what === 'heap') {
    result = name === 'ours' ? await ourHeapPerOrder(gc, HEAP_ORDERS) : await peerHeapPerOrder(gc, PEER_HEAP_ORDERS);
  } else {
    const params = SCENARIOS.find((p) => p.name === name);
    if (params === undefined) throw new Error(`unknown scenario ${name}`);
    const w = generateWorkload(params);
    result = what === 'ours' ? await measureOurs(gc, w) : await measurePeer(gc, w);
  }
  console.log(RESULT_MARK + JSON.stringify(result));
}

function runChild<T>(role: Role): T {
  const script = fileURLToPath(import.meta.url);
  const out = spawnSync(process.execPath, [...process.execArgv, script, '--child', role], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20,
  });
  const line = out.stdout.split('\n').find((l) => l.startsWith(RESULT_MARK));
  if (out.status !== 0 || line === undefined) throw new Error(`benchmark child ${role} failed (status ${out.status}):\n${out.stdout}`);
  return JSON.parse(line.slice(RESULT_MARK.length)) as T;
}

function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('model name'));
    if (line !== undefined) return line.split(':')[1].trim();
  } catch {
    // not Linux
  }
  return 'unknown';
}

function describe(w: Workload): string {
  const c = w.expected.counts;
  const n = w.length - w.measuredFrom;
  const pct = (k: number): string => `${fmt((100 * k) / n, 1)}%`;
  const levels = 2 * w.params.prefillDepthTicks;
  return `${fmtInt(levels)} price levels, ${fmtInt(w.expected.restingAtStart)} resting orders at start ` +
    `(${fmtInt(w.expected.restingAtEnd)} at end), ${fmtInt(n)} ops: adds ${pct(c.Add)}, cancels ${pct(c.Cancel)}, ` +
    `marketable limit IOC ${pct(c.MarketableLimit)}, market ${pct(c.Market)}; ${fmtInt(w.expected.trades)} trades; ` +
    `prices ${w.expected.minPriceCents}..${w.expected.maxPriceCents} cents`;
}

function line(who: string, m: Measured): string {
  const l = m.latency;
  return `  ${who}: ${fmtInt(m.opsPerSec)} ops/s (median of ${m.runs.length} x ${fmtInt(m.ops)} ops: ` +
    `${m.runs.map((r) => fmtInt(r)).join(' ')}; by CPU time ${fmtInt(m.cpuOpsPerSec)})\n` +
    `    latency us (${fmtInt(m.latencyOps)} ops) p50 ${fmt(l.p50)} p99 ${fmt(l.p99)} p99.9 ${fmt(l.p999)} max ${fmt(l.max, 1)}; ` +
    `GC max pause ${fmt(m.gcMaxMs)} ms (${fmt(m.gcPerRun, 1)} GCs/run)\n` +
    `    checks ${m.ok ? 'OK' : 'FAILED'}: ${m.checks.join(', ')}`;
}

function heapLine(who: string, h: HeapResult): string {
  return `  ${who}: ${fmt(h.bytesPerOrder, 1)} bytes per resting order (heapUsed ${fmt(h.heapBytesPerOrder, 1)} + arrayBuffers ` +
    `${fmt(h.arrayBufferBytesPerOrder, 1)}) with ${fmtInt(h.orders)} resting; resting them took ${fmt(h.seconds)} s`;
}

async function main(): Promise<void> {
  const started = performance.now();
  const only = process.argv.slice(2);
  const load = (): string => loadavg().map((x) => fmt(x)).join(' ');
  const cpus = availableParallelism();
  console.log(`bench:engine on ${cpus} CPUs, ${cpuModel()}, node ${process.version}`);
  console.log(`timer: performance.now() pair costs ~${fmt(timerOverheadNs(), 0)} ns (included in every latency figure)`);
  console.log(`load average at start: ${load()}${loadavg()[0] > cpus / 2 ? ' (BUSY MACHINE: figures will be low and noisy)' : ''}`);

  const results = new Map<string, { ours: Measured; peer: Measured }>();
  let ok = true;
  for (const params of SCENARIOS.filter((p) => only.length === 0 || only.includes(p.name))) {
    console.log(`${params.name}: ${describe(generateWorkload(params))}`);
    const ours = runChild<Measured>(`ours:${params.name}`);
    const peer = runChild<Measured>(`peer:${params.name}`);
    results.set(params.name, { ours, peer });
    ok &&= ours.ok && peer.ok;
    console.log(line('ours', ours));
    console.log(line(`peer (nodejs-order-book; windows of ${fmtInt(peer.ops)} ops on one book)`, peer));
    console.log(`  ratio ours/peer: ${fmt(ours.opsPerSec / peer.opsPerSec)} (by CPU time ${fmt(ours.cpuOpsPerSec / peer.cpuOpsPerSec)})`);
  }

  let ourHeap: HeapResult | undefined;
  if (only.length === 0) {
    console.log('heap per resting order (heapUsed + arrayBuffers, after full GC):');
    ourHeap = runChild<HeapResult>('heap:ours');
    console.log(heapLine('ours', ourHeap));
    const peerHeap = runChild<HeapResult>('heap:peer');
    console.log(heapLine('peer', peerHeap));
  }

  const summary = (name: string): string => {
    const r = results.get(name)!;
    return `ops_per_s=${Math.round(r.ours.opsPerSec)} p99_us=${fmt(r.ours.latency.p99)} ` +
      `peer_ops_per_s=${Math.round(r.peer.opsPerSec)} ratio=${fmt(r.ours.opsPerSec / r.peer.opsPerSec)}`;
  };
  const all = [...results.values()];
  console.log(`gc_max_pause_ms ours=${fmt(Math.max(...all.map((r) => r.ours.gcMaxMs)))} ` +
    `peer=${fmt(Math.max(...all.map((r) => r.peer.gcMaxMs)))}`);
  if (ourHeap !== undefined) console.log(`heap_bytes_per_resting_order=${fmt(ourHeap.bytesPerOrder, 1)}`);
  console.log(`load average at end: ${load()}; total time ${fmt((performance.now() - started) / 1000, 1)} s` +
    `${ok ? '' : '; CHECKS FAILED (see above)'}`);
  if (results.has('shallow')) console.log(`shallow: ${summary('shallow')}`);
  if (results.has('deep')) console.log(`bench:engine ${summary('deep')}`);
  if (!ok) process.exitCode = 1;
}

if (process.argv[2] === '--child') await child(process.argv[3] as Role);
else await main();
