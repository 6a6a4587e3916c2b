import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { finalLine, type RunFigures } from '../../bench/e2e/medians.ts';
import { median } from '../../bench/engine/stats.ts';

const LINE = /^bench:e2e transport=(\w+) orders_per_s=(\d+) p50_ms=([\d.]+) p99_ms=([\d.]+) p999_ms=([\d.]+) ceiling_ratio=(na|[\d.]+) durable=(yes|no)$/;

test('median: the middle value, the mean of the two middle ones for an even count, whatever the order', () => {
  assert.equal(median([3]), 3);
  assert.equal(median([9, 1, 5]), 5);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
  fc.assert(fc.property(fc.array(fc.integer({ min: -1e6, max: 1e6 }), { minLength: 1, maxLength: 25 }), (values) => {
    const m = median(values);
    // As many values at or below it as at or above it, and it does not depend on the order given.
    assert.ok(values.filter((v) => v <= m).length >= values.length / 2);
    assert.ok(values.filter((v) => v >= m).length >= values.length / 2);
    assert.equal(median([...values].reverse()), m);
  }));
});

const figures = fc.record({
  ordersPerSecond: fc.integer({ min: 0, max: 1_000_000 }),
  p50Ms: fc.integer({ min: 0, max: 100_000 }).map((n) => n / 1000),
  p99Ms: fc.integer({ min: 0, max: 100_000 }).map((n) => n / 1000),
  p999Ms: fc.integer({ min: 0, max: 100_000 }).map((n) => n / 1000),
  ceilingRatio: fc.option(fc.integer({ min: 0, max: 200 }).map((n) => n / 100)),
  durable: fc.boolean(),
});

test('finalLine: the issue\'s format, each figure the median of the runs (the ratio over the runs that measured one)', () => {
  fc.assert(fc.property(fc.array(figures, { minLength: 1, maxLength: 7 }), (runs: RunFigures[]) => {
    const match = LINE.exec(finalLine('binary', runs));
    assert.ok(match, finalLine('binary', runs));
    const [, transport, orders, p50, p99, p999, ratio, durable] = match;
    assert.equal(transport, 'binary');
    assert.equal(Number(orders), Math.round(median(runs.map((r) => r.ordersPerSecond))));
    assert.ok(Math.abs(Number(p50) - median(runs.map((r) => r.p50Ms))) < 0.0006);
    assert.ok(Math.abs(Number(p99) - median(runs.map((r) => r.p99Ms))) < 0.0006);
    assert.ok(Math.abs(Number(p999) - median(runs.map((r) => r.p999Ms))) < 0.0006);
    const ratios = runs.flatMap((r) => (r.ceilingRatio === null ? [] : [r.ceilingRatio]));
    assert.equal(ratio, ratios.length === 0 ? 'na' : median(ratios).toFixed(2));
    assert.equal(durable, runs.every((r) => r.durable) ? 'yes' : 'no');
  }));
});

test('finalLine: one run gives that run\'s figures; three runs, one an outlier, give the middle one', () => {
  const run = (ordersPerSecond: number, p99Ms: number, ceilingRatio: number | null): RunFigures =>
    ({ ordersPerSecond, p50Ms: 1.5, p99Ms, p999Ms: p99Ms * 2, ceilingRatio, durable: true });
  assert.equal(finalLine('ws', [run(4999.6, 9.967, 0.0612)]),
    'bench:e2e transport=ws orders_per_s=5000 p50_ms=1.5 p99_ms=9.967 p999_ms=19.934 ceiling_ratio=0.06 durable=yes');
  assert.equal(finalLine('http', [run(2000, 9.5, 0.1), run(1000, 250, null), run(2000, 8.2, 0.2)]),
    'bench:e2e transport=http orders_per_s=2000 p50_ms=1.5 p99_ms=9.5 p999_ms=19 ceiling_ratio=0.15 durable=yes');
  assert.throws(() => finalLine('binary', []), /no runs/);
});
