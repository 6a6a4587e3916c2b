// ByteCopier against the plain copy it replaces: any range, between arrays that sit anywhere in their buffers
// (plain, shared, Node's pooled Buffers), with one copier going from array to array as a call site's does.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ByteCopier } from '../../src/codec/index.ts';

type Backing = 'plain' | 'shared' | 'buffer';

/** An array of `length` bytes at `offset` into a buffer of its kind, filled from `seed`. */
function arrayOn(backing: Backing, offset: number, length: number, seed: number): Uint8Array {
  const array = backing === 'buffer'
    ? Buffer.alloc(offset + length).subarray(offset)
    : new Uint8Array(backing === 'shared' ? new SharedArrayBuffer(offset + length + 3) : new ArrayBuffer(offset + length + 3), offset, length);
  for (let i = 0; i < length; i++) array[i] = (seed + i * 31) & 0xff;
  return array;
}

const arraySpec = fc.record({
  backing: fc.constantFrom<Backing>('plain', 'shared', 'buffer'),
  offset: fc.integer({ min: 0, max: 9 }),
  length: fc.integer({ min: 0, max: 700 }),
  seed: fc.integer({ min: 0, max: 255 }),
});

describe('ByteCopier', () => {
  it('copies exactly the range asked for and nothing around it, whatever the arrays and their offsets', () => {
    const copier = new ByteCopier(); // one copier for the whole run, as a call site keeps one
    fc.assert(fc.property(
      fc.array(fc.record({ source: arraySpec, target: arraySpec, from: fc.nat(), at: fc.nat(), length: fc.nat(), sameTarget: fc.boolean() }), { minLength: 1, maxLength: 8 }),
      (copies) => {
        let previousTarget: Uint8Array | null = null;
        for (const spec of copies) {
          const source = arrayOn(spec.source.backing, spec.source.offset, spec.source.length, spec.source.seed);
          const target: Uint8Array = spec.sameTarget && previousTarget ? previousTarget : arrayOn(spec.target.backing, spec.target.offset, spec.target.length, spec.target.seed);
          previousTarget = target;
          const length = Math.min(spec.length % 701, source.length, target.length);
          const from = spec.from % (source.length - length + 1);
          const at = spec.at % (target.length - length + 1);
          const expected: Uint8Array = Uint8Array.from(target);
          expected.set(source.subarray(from, from + length), at);
          copier.copy(source, from, length, target, at);
          assert.deepEqual(Uint8Array.from(target), expected);
        }
      },
    ), { numRuns: 400 });
  });

  it('refuses a range past the end of either array instead of copying part of it', () => {
    const copier = new ByteCopier();
    const source = arrayOn('plain', 4, 40, 1);
    const target = arrayOn('shared', 4, 40, 2);
    const before = Uint8Array.from(target);
    assert.throws(() => copier.copy(source, 30, 11, target, 0), RangeError);
    assert.throws(() => copier.copy(source, 0, 11, target, 30), RangeError);
    assert.throws(() => copier.copy(source, -1, 4, target, 0), RangeError);
    // The buffers extend past both arrays: a view over the buffer must not let a copy run into those bytes.
    assert.throws(() => copier.copy(source, 0, 41, target, 0), RangeError);
    assert.deepEqual(Uint8Array.from(target), before);
  });
});
