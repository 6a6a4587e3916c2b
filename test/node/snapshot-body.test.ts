// The snapshot body codec: JSON with its typed arrays stored as raw bytes after it. Round trips of random
// trees of values and arrays (every array type, odd lengths that need padding, empty arrays), the older
// all-JSON bodies, and bodies that do not decode.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeSnapshotBody, encodeSnapshotBody } from '../../src/node/snapshot-body.ts';

const bytesOf = (value: unknown): Buffer => Buffer.concat(encodeSnapshotBody(value));

const typedArray = fc.oneof(
  fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 19 }).map((a) => new Uint8Array(a)),
  fc.array(fc.nat(), { maxLength: 19 }).map((a) => new Uint32Array(a)),
  fc.array(fc.integer(), { maxLength: 19 }).map((a) => new Int32Array(a)),
  fc.array(fc.double({ noNaN: true }), { maxLength: 19 }).map((a) => new Float64Array(a)),
);

const tree = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small' }, fc.integer(), fc.string(), fc.boolean(), fc.constant(null), typedArray,
    fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(fc.string({ maxLength: 6 }).filter((k) => k !== '__proto__'), tie('node'), { maxKeys: 4, noNullPrototype: true })),
})).node;

describe('snapshot body', () => {
  it('gives back the same tree, typed arrays included (each as its own type, in a buffer of its own)', () => {
    fc.assert(fc.property(tree, (value) => {
      const decoded = decodeSnapshotBody(bytesOf(value));
      assert.deepStrictEqual(decoded, value);
    }), { numRuns: 300 });
  });

  it('stores the arrays as bytes at 8-byte boundaries after the JSON, not inside it', () => {
    const big = new Float64Array(10_000).map((_, i) => i * 1.5);
    const odd = new Uint8Array([1, 2, 3]);
    const parts = encodeSnapshotBody({ a: odd, b: big });
    const body = Buffer.concat(parts);
    const jsonLength = body.readUInt32LE(8);
    assert.ok(jsonLength < 200, `the JSON holds only references (${jsonLength} bytes)`);
    assert.equal(parts[0].length % 8, 0);
    assert.ok(body.length >= parts[0].length + 8 + big.byteLength);
    const decoded = decodeSnapshotBody(body) as { a: Uint8Array; b: Float64Array };
    assert.deepStrictEqual(decoded.b, big);
    assert.equal(decoded.b.byteOffset, 0);
    decoded.a[0] = 99;
    assert.equal(body[parts[0].length], 1, 'a decoded array does not share the body\'s memory');
  });

  it('reads the older all-JSON bodies', () => {
    const legacy = { format: 1, orders: { orders: [{ orderId: 1 }], executions: [] } };
    assert.deepStrictEqual(decodeSnapshotBody(new TextEncoder().encode(JSON.stringify(legacy))), legacy);
  });

  it('refuses a body it cannot read, saying why', () => {
    assert.throws(() => decodeSnapshotBody(new TextEncoder().encode('EXSB9\n\0\0\0\0\0\0')), /unknown format/);
    const good = bytesOf({ a: new Float64Array([1, 2, 3]) });
    assert.throws(() => decodeSnapshotBody(good.subarray(0, good.length - 8)), /out of bounds/);
    const longJson = Buffer.from(good);
    longJson.writeUInt32LE(good.length, 8);
    assert.throws(() => decodeSnapshotBody(longJson), /do not fit/);
    assert.throws(() => encodeSnapshotBody({ a: new Int16Array(2) }), /cannot store a Int16Array/);
  });
});
