// Philox4x32-10 (native/core/philox.h, addon op philox4x32): known-answer vectors from
// Random123 and an independent JS Philox. The draws built on it are in test/normals.test.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';

import { nativeOps } from '../dist/esm/index.mjs';
import { hex, philoxRef } from './fixtures/philox-ref.mjs';

const ops = nativeOps();

test('philox4x32-10 reproduces the Random123 known-answer vectors (kat_vectors)', () => {
  // Random123 tests/kat_vectors, lines "philox4x32 10 <ctr x4> <key x2> <expected x4>".
  const kat = [
    [[0, 0, 0, 0], [0, 0], '6627e8d5 e169c58d bc57ac4c 9b00dbd8'],
    [[0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff], '408f276d 41c83b0e a20bc7c6 6d5451fd'],
    [[0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0], 'd16cfe09 94fdcceb 5001e420 24126ea1'],
  ];
  for (const [ctr, key, expected] of kat) {
    const out = ops.philox4x32(Uint32Array.from(ctr), Uint32Array.from(key));
    assert.ok(out instanceof Uint32Array && out.length === 4);
    assert.equal(hex(out), expected, `counter ${hex(ctr)} key ${hex(key)}`);
    // The JS reference must agree too, or the property below would prove nothing.
    assert.equal(hex(philoxRef(ctr, key)), expected);
  }
  // The inputs are not modified.
  const c = Uint32Array.of(1, 2, 3, 4);
  const k = Uint32Array.of(5, 6);
  ops.philox4x32(c, k);
  assert.deepEqual(Array.from(c), [1, 2, 3, 4]);
  assert.deepEqual(Array.from(k), [5, 6]);
});

test('philox4x32 equals an independent JS implementation on random counters and keys (property)', () => {
  const u32 = fc.integer({ min: 0, max: 0xffffffff });
  fc.assert(
    fc.property(fc.tuple(u32, u32, u32, u32), fc.tuple(u32, u32), (ctr, key) => {
      assert.equal(hex(ops.philox4x32(Uint32Array.from(ctr), Uint32Array.from(key))), hex(philoxRef(ctr, key)));
    }),
    { numRuns: 300, seed: 101 },
  );
});
