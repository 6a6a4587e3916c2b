// What one copy of a record's bytes into a ring costs: ByteCopier (four bytes at a time through DataViews it
// keeps) against the byte loop it replaced and against set() with a subarray() view (which allocates one
// per copy), from an ArrayBuffer scratch into a SharedArrayBuffer, for the sizes the order path copies (a
// request of 16-48 bytes, an answer of about 48, a released command of 150-300). Median of the rounds.
//
//   npm run bench:copy -- [--copies=2000000] [--rounds=5]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ByteCopier } from '../../src/codec/index.ts';
import { median } from '../engine/stats.ts';

function argument(name: string, fallback: string): string {
  const prefix = `--${name}=`;
  return process.argv.find((arg) => arg.startsWith(prefix))?.slice(prefix.length) ?? fallback;
}

const COPIES = Number(argument('copies', '2000000'));
const ROUNDS = Number(argument('rounds', '5'));
const SIZES = [16, 48, 200, 600];
const TARGET_BYTES = 1 << 20;

const source = new Uint8Array(4096).map((_, i) => i & 0xff);
const target = new Uint8Array(new SharedArrayBuffer(TARGET_BYTES));
const copier = new ByteCopier();

type Copy = (length: number, at: number) => void;
const ways: Record<string, Copy> = {
  ByteCopier: (length, at) => copier.copy(source, 0, length, target, at),
  'byte loop': (length, at) => {
    for (let i = 0; i < length; i++) target[at + i] = source[i];
  },
  'set(subarray)': (length, at) => target.set(source.subarray(0, length), at),
};

/** Nanoseconds per copy, walking the target as a ring's writer does. */
function time(copy: Copy, length: number): number {
  const stride = (length + 15) & ~7;
  let at = 0;
  const started = process.hrtime.bigint();
  for (let n = 0; n < COPIES; n++) {
    copy(length, at);
    at += stride;
    if (at + length > TARGET_BYTES) at = 0;
  }
  return Number(process.hrtime.bigint() - started) / COPIES;
}

const way = argument('way', '');
if (way !== '') {
  // One way at one size per process: the timing loop's call stays monomorphic, as each call site is.
  const length = Number(argument('length', '0'));
  time(ways[way], length); // warm-up: optimized before it counts
  console.log(median(Array.from({ length: ROUNDS }, () => time(ways[way], length))));
} else {
  console.log(`copy: ${COPIES} copies per round, median of ${ROUNDS} rounds, ns per copy, one process per way and size; node ${process.version}`);
  for (const length of SIZES) {
    const results: Record<string, number> = {};
    for (const name of Object.keys(ways)) {
      const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), `--way=${name}`, `--length=${length}`, `--copies=${COPIES}`, `--rounds=${ROUNDS}`], { encoding: 'utf8' });
      if (child.status !== 0) throw new Error(`${name} at ${length} bytes failed: ${child.stderr}`);
      results[name] = Number(child.stdout.trim());
    }
    const line = Object.entries(results).map(([name, ns]) => `${name} ${ns.toFixed(1)}`).join(', ');
    console.log(`${String(length).padStart(4)} bytes: ${line}; byte loop / ByteCopier ${(results['byte loop'] / results.ByteCopier).toFixed(1)}x`);
  }
}
