import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fc from 'fast-check';

const require = createRequire(import.meta.url);
const { noiseSchedule, timestepSequence } = require('../dist/cjs/schedule.js');

/** alphaBar strictly decreasing inside (0, 1), and every cache consistent with the betas. */
function assertValidSchedule(s) {
  assert.equal(s.betas.length, s.T);
  let prev = 1;
  for (let t = 0; t < s.T; t++) {
    const abar = s.alphaBars[t];
    assert.ok(s.betas[t] > 0 && s.betas[t] < 1, `beta[${t}] = ${s.betas[t]}`);
    assert.equal(s.alphas[t], 1 - s.betas[t]);
    assert.ok(abar > 0 && abar < 1, `alphaBar[${t}] = ${abar} not in (0, 1)`);
    assert.ok(abar < prev, `alphaBar not strictly decreasing at t = ${t}`);
    assert.equal(s.alphaBarsPrev[t], prev);
    prev = abar;
    assert.equal(s.alphaBars32[t], Math.fround(abar));
    assert.equal(s.sqrtAlphaBars[t], Math.fround(Math.sqrt(abar)));
    assert.equal(s.sqrtOneMinusAlphaBars[t], Math.fround(Math.sqrt(1 - abar)));
    assert.ok(s.posteriorVariance[t] >= 0 && s.posteriorVariance[t] <= s.betas[t] * (1 + 1e-12));
  }
  assert.equal(s.posteriorVariance[0], 0);
}

test('alphaBar is strictly decreasing in (0, 1) for every kind and T (property)', () => {
  fc.assert(
    fc.property(fc.constantFrom('linear', 'cosine'), fc.integer({ min: 1, max: 3000 }), (kind, T) => {
      assertValidSchedule(noiseSchedule(kind, T));
    }),
    { numRuns: 60 },
  );
  fc.assert(
    fc.property(
      // T * betaEnd <= 75 keeps alphaBar above the float32 range (larger products are refused).
      fc.integer({ min: 1, max: 1500 }),
      fc.double({ min: 1e-6, max: 0.025, noNaN: true }),
      fc.double({ min: 0, max: 0.025, noNaN: true }),
      (T, betaStart, extra) => {
        assertValidSchedule(noiseSchedule('linear', T, { betaStart, betaEnd: betaStart + extra }));
      },
    ),
    { numRuns: 60 },
  );
  fc.assert(
    fc.property(fc.array(fc.double({ min: 1e-6, max: 0.9, noNaN: true }), { minLength: 1, maxLength: 300 }), (betas) => {
      const s = noiseSchedule(betas);
      assert.equal(s.kind, 'custom');
      assertValidSchedule(s);
    }),
    { numRuns: 60 },
  );
});

test('the largest T: cosine stays valid, linear either stays valid or refuses an underflowing alphaBar', () => {
  assertValidSchedule(noiseSchedule('cosine', 100000));
  assertValidSchedule(noiseSchedule('linear', 100000, { betaStart: 1e-6, betaEnd: 2e-4 }));
  assert.throws(() => noiseSchedule('linear', 100000), (e) => e instanceof RangeError && /underflow/.test(e.message) && /T/.test(e.message));
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 100000 }), (T) => {
      let s;
      try {
        s = noiseSchedule('linear', T);
      } catch (e) {
        assert.ok(e instanceof RangeError && /underflow/.test(e.message));
        assert.ok(T > 8000, `T = ${T} should not underflow`);
        return;
      }
      assert.ok(s.alphaBars[T - 1] > 0 && s.alphaBars[T - 1] <= s.alphaBars[0] && s.alphaBars[0] < 1);
    }),
    { numRuns: 30 },
  );
});

test('linear schedule: known values', () => {
  const s = noiseSchedule('linear', 1000);
  assert.equal(s.kind, 'linear');
  assert.equal(s.betas[0], 1e-4);
  assert.ok(Math.abs(s.betas[999] - 0.02) < 1e-15);
  assert.ok(Math.abs(s.betas[1] - (1e-4 + 0.0199 / 999)) < 1e-15);
  // DDPM (Ho et al.): sqrt(alphaBar_T) ~ 0.00635 at T = 1000 with these betas.
  assert.ok(Math.abs(s.alphaBars[999] - 4.03583e-5) < 1e-9, String(s.alphaBars[999]));
  assert.ok(Math.abs(s.alphaBars[0] - (1 - 1e-4)) < 1e-16);
  assert.deepEqual(Array.from(noiseSchedule('linear', 1, { betaStart: 0.3, betaEnd: 0.5 }).betas), [0.3]);
  const two = noiseSchedule('linear', 2, { betaStart: 0.1, betaEnd: 0.2 });
  assert.deepEqual(Array.from(two.betas), [0.1, 0.2]);
  assert.ok(Math.abs(two.alphaBars[1] - 0.9 * 0.8) < 1e-15);
  assert.ok(Math.abs(two.posteriorVariance[1] - (0.2 * 0.1) / (1 - 0.72)) < 1e-15);
});

test('cosine schedule: matches f(t+1)/f(0) and the improved-DDPM clip', () => {
  const T = 1000;
  const sOff = 0.008;
  const f = (t) => Math.cos(((t / T + sOff) / (1 + sOff)) * (Math.PI / 2)) ** 2;
  const s = noiseSchedule('cosine', T);
  assert.equal(s.kind, 'cosine');
  for (const t of [0, 1, 10, 100, 500, 900, 990]) {
    const expected = f(t + 1) / f(0);
    assert.ok(Math.abs(s.alphaBars[t] / expected - 1) < 1e-9, `t = ${t}: ${s.alphaBars[t]} vs ${expected}`);
  }
  assert.ok(Math.abs(s.betas[0] - (1 - f(1) / f(0))) < 1e-15);
  assert.ok(Math.abs(s.betas[0] - 4.1284e-5) < 1e-8, String(s.betas[0]));
  assert.equal(s.betas[T - 1], 0.999); // f(T) = 0: clipped
  assert.ok(Math.max(...s.betas) <= 0.999);
  // alphaBar(T/2) is close to cos^2 at the midpoint
  assert.ok(Math.abs(s.alphaBars[499] - f(500) / f(0)) < 1e-12);
});

test('noiseSchedule validates its arguments with errors naming them', () => {
  for (const T of [0, -1, 1.5, NaN, 100001, '10', undefined]) {
    assert.throws(() => noiseSchedule('linear', T), (e) => e instanceof RangeError && /\bT\b/.test(e.message), `T = ${T}`);
  }
  for (const betaStart of [0, 1, -0.1, NaN, Infinity]) {
    assert.throws(() => noiseSchedule('linear', 10, { betaStart }), (e) => e instanceof RangeError && /betaStart/.test(e.message));
  }
  for (const betaEnd of [0, 1, 2]) {
    assert.throws(() => noiseSchedule('linear', 10, { betaEnd }), (e) => e instanceof RangeError && /betaEnd/.test(e.message));
  }
  assert.throws(() => noiseSchedule('linear', 10, { betaStart: 0.2, betaEnd: 0.1 }), /betaStart.*betaEnd/);
  assert.throws(() => noiseSchedule('quadratic', 10), (e) => e instanceof RangeError && /kind/.test(e.message));
  assert.throws(() => noiseSchedule(42, 10), (e) => e instanceof TypeError && /kind/.test(e.message));
  assert.throws(() => noiseSchedule([0.1, 0, 0.2]), /kind\[1\]/);
  assert.throws(() => noiseSchedule([0.1, 1]), /kind\[1\]/);
  assert.throws(() => noiseSchedule([0.1, NaN]), /kind\[1\]/);
  assert.throws(() => noiseSchedule([0.1, 0.2], 3), /2 betas but T = 3/);
  assert.throws(() => noiseSchedule([]), RangeError);
  assert.throws(() => noiseSchedule('cosine', 10, { s: 0 }), /\bs\b/);
  assert.equal(noiseSchedule(new Float64Array([0.1, 0.2]), 2).T, 2);
});

test('timestepSequence: decreasing, distinct, from T-1 to 0 (property)', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 5000 }).chain((T) => fc.tuple(fc.constant(T), fc.integer({ min: 1, max: T }))),
      ([T, steps]) => {
        const seq = timestepSequence(T, steps);
        assert.ok(seq instanceof Int32Array);
        assert.equal(seq.length, steps);
        assert.equal(seq[0], T - 1);
        if (steps > 1) assert.equal(seq[steps - 1], 0);
        for (let i = 1; i < steps; i++) assert.ok(seq[i] < seq[i - 1], `not strictly decreasing at ${i}`);
        // rounded linspace: each point within 0.5 of the exact one
        for (let i = 0; i < steps; i++) {
          const exact = steps === 1 ? T - 1 : ((T - 1) * (steps - 1 - i)) / (steps - 1);
          assert.ok(Math.abs(seq[i] - exact) <= 0.5);
        }
      },
    ),
    { numRuns: 200 },
  );
});

test('timestepSequence: known values and validation', () => {
  assert.deepEqual(Array.from(timestepSequence(1000, 10)), [999, 888, 777, 666, 555, 444, 333, 222, 111, 0]);
  assert.deepEqual(Array.from(timestepSequence(5, 5)), [4, 3, 2, 1, 0]);
  assert.deepEqual(Array.from(timestepSequence(7, 3)), [6, 3, 0]);
  assert.deepEqual(Array.from(timestepSequence(10, 1)), [9]);
  assert.deepEqual(Array.from(timestepSequence(1, 1)), [0]);
  assert.deepEqual(Array.from(timestepSequence(10, 4)), [9, 6, 3, 0]);
  for (const steps of [0, 11, 2.5, NaN, '3']) {
    assert.throws(() => timestepSequence(10, steps), (e) => e instanceof RangeError && /steps/.test(e.message));
  }
  assert.throws(() => timestepSequence(0, 1), /\bT\b/);
});

test('fewStepSequence: strictly decreasing, ends at 0, starts one stride below T, all steps when steps = T (property)', async () => {
  const { fewStepSequence } = await import('../dist/cjs/schedule.js');
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 5000 }), (T, k) => {
      const steps = Math.min(T, k);
      const seq = fewStepSequence(T, steps);
      assert.equal(seq.length, steps);
      assert.equal(seq[steps - 1], 0);
      assert.equal(seq[0], Math.floor(((steps - 1) * T) / steps));
      for (let i = 1; i < steps; i++) assert.ok(seq[i] < seq[i - 1], `not decreasing at ${i}`);
      if (steps === T) assert.deepEqual(Array.from(seq), Array.from({ length: T }, (_, i) => T - 1 - i));
    }),
  );
  assert.throws(() => fewStepSequence(10, 11), RangeError);
});
