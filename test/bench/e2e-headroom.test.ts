import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { headroomAt, headroomText, TARGETS } from '../../bench/e2e/headroom.ts';
import type { Row } from '../../bench/e2e/run.ts';

/** An echo step: only what headroomAt reads is meaningful. */
function step(rate: number, answeredShare: number, serverCpuPercent: number, clientCpuPercent: number, p99Ms: number): Row {
  return {
    rate, answeredPerSec: rate * answeredShare, okPerSec: rate * answeredShare, serverCpuPercent, clientCpuPercent,
    corrected: { count: 1, p50: p99Ms / 2, p90: p99Ms, p99: p99Ms, p999: p99Ms, max: p99Ms, mean: p99Ms / 2 },
  } as Row;
}

test('headroom: the echo\'s lowest step at or above the target that it kept up with, and the cores it and the generator left', () => {
  const rows = [step(200_000, 1, 96, 99, 2.06), step(300_000, 1, 95, 99, 1.99), step(400_000, 1, 90, 99, 3.33), step(500_000, 1, 88, 99, 3.5)];
  const h = headroomAt('binary', rows, 500_000, 2)!;
  assert.equal(h.targetPerSecond, 315_000);
  const { usedCores, leftCores, ...step400k } = h.step!;
  assert.deepEqual(step400k, { rate: 400_000, serverCpuPercent: 90, clientCpuPercent: 99, p99Ms: 3.33 });
  assert.ok(Math.abs(usedCores - 1.89) < 1e-9);
  assert.ok(Math.abs(leftCores - 0.11) < 1e-9);
  assert.equal(headroomText('binary', h, 2), 'binary: target 315,000/s; at the echo\'s 400,000/s step the echo server used 90% and the generator ' +
    '99% of a core, 1.89 of 2 cores, at p99 3.33 ms: 0.11 of a core left over');
  // A step the echo did not keep up with is passed over; none at all says so.
  assert.equal(headroomAt('binary', [step(300_000, 1, 95, 99, 2), step(400_000, 0.9, 99, 99, 80), step(500_000, 0.96, 99, 99, 90)], null, 2)!.step!.rate, 500_000);
  const none = headroomAt('ws', [step(60_000, 1, 97, 95, 8.8), step(80_000, 0.5, 99, 99, 900)], null, 2)!;
  assert.equal(none.step, null);
  assert.match(headroomText('ws', none, 2), /target 80,000\/s; the echo server kept up with none of its steps at or above it$/);
  // A ladder that never reached the target (--quick) says nothing about it.
  assert.equal(headroomAt('binary', [step(20_000, 1, 40, 45, 1)], null, 2), null);
  // More cores used than the machine has (a sampling artifact) leave nothing, not a negative share.
  assert.equal(headroomAt('ws', [step(80_000, 1, 120, 95, 27)], null, 2)!.step!.leftCores, 0);
});

test('headroom: http\'s target is a share of the ceiling of the same run; without a ceiling or an echo there is none', () => {
  const rows = [step(15_000, 1, 78, 75, 4.2), step(20_000, 1, 87, 83, 11.4), step(25_000, 1, 96, 92, 78.5), step(30_000, 0.86, 98, 94, 825)];
  const h = headroomAt('http', rows, 25_008, 2)!;
  assert.equal(h.targetPerSecond, 20_006);
  assert.equal(h.step!.rate, 25_000);
  assert.match(headroomText('http', h, 2), /^http: target 80% of the ceiling, 20,006\/s; at the echo's 25,000\/s step/);
  assert.equal(headroomAt('http', rows, null, 2), null);
  // A ladder that kept up with every step (--quick: one step) found no ceiling, only a floor.
  assert.equal(headroomAt('http', rows.slice(0, 3), 25_008, 2), null);
  assert.equal(headroomAt('http', [step(2_000, 1, 15, 20, 1.5)], 2_000, 2), null);
  assert.equal(headroomAt('binary', [], null, 2), null);
});

test('headroom: whatever the ladder, the step chosen is the lowest kept up with at or above the target; none without a step that high', () => {
  const ladder = fc.array(fc.record({
    rate: fc.integer({ min: 1, max: 100 }).map((n) => n * 10_000),
    share: fc.constantFrom(0.5, 0.94, 0.95, 1),
    server: fc.integer({ min: 0, max: 100 }),
    client: fc.integer({ min: 0, max: 100 }),
  }), { minLength: 1, maxLength: 12 });
  fc.assert(fc.property(ladder, fc.constantFrom('binary', 'ws') as fc.Arbitrary<'binary' | 'ws'>, (specs, transport) => {
    const rows = specs.map((s) => step(s.rate, s.share, s.server, s.client, 1));
    const target = (TARGETS[transport] as { ordersPerSecond: number }).ordersPerSecond;
    const h = headroomAt(transport, rows, null, 2);
    if (rows.every((r) => r.rate < target)) return assert.equal(h, null);
    const kept = rows.filter((r) => r.rate >= target && r.answeredPerSec >= 0.95 * r.rate);
    if (kept.length === 0) return assert.equal(h!.step, null);
    assert.equal(h!.step!.rate, Math.min(...kept.map((r) => r.rate)));
    assert.ok(h!.step!.usedCores >= 0 && h!.step!.leftCores >= 0 && h!.step!.leftCores <= 2);
  }));
});
