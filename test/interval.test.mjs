// predictionInterval (src/conditioning/interval.ts): the interval between the draws of ranks
// (m + 1)(1 - level) / 2 and m + 1 minus that covers a new value from the draws' distribution with
// probability `level`. Oracles: order statistics at whole ranks, the ranks themselves for draws
// that are an arithmetic progression, and for uniform draws the expected width, which equals the
// expected coverage and is exactly `level` (E[U_(k)] = k / (m + 1)).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import fc from 'fast-check';

import { predictionInterval } from '../dist/esm/index.mjs';
import { rng } from './fixtures/rng.mjs';

describe('predictionInterval', () => {
  test('whole ranks give order statistics: 19 draws at 0.9 are [min, max], 39 draws the 2nd and 38th', () => {
    const r = rng(3);
    const a = Array.from({ length: 19 }, () => r.normal());
    assert.deepEqual(predictionInterval(a, 0.9), [Math.min(...a), Math.max(...a)]);
    const b = Array.from({ length: 39 }, () => r.normal());
    const s = b.slice().sort((x, y) => x - y);
    assert.deepEqual(predictionInterval(b, 0.9), [s[1], s[37]]);
  });

  test('draws that are a shuffled progression a + b k give a + b times the ranks', () => {
    fc.assert(fc.property(
      fc.integer({ min: 19, max: 400 }), fc.double({ min: 0.5, max: 0.95, noNaN: true }),
      fc.double({ min: -100, max: 100, noNaN: true }), fc.double({ min: 0.01, max: 10, noNaN: true }), fc.integer(),
      (m, level, a, b, seed) => {
        fc.pre((m + 1) * (1 - level) / 2 >= 1);
        const r = rng(seed);
        const values = Array.from({ length: m }, (_, k) => a + b * (k + 1));
        for (let i = m - 1; i > 0; i--) {
          const j = Math.floor(r.uniform() * (i + 1));
          [values[i], values[j]] = [values[j], values[i]];
        }
        const lo = (m + 1) * (1 - level) / 2;
        const [lower, upper] = predictionInterval(values, level);
        assert.ok(Math.abs(lower - (a + b * lo)) <= 1e-9 * (Math.abs(a) + b * m));
        assert.ok(Math.abs(upper - (a + b * (m + 1 - lo))) <= 1e-9 * (Math.abs(a) + b * m));
      },
    ), { numRuns: 200 });
  });

  test('uniform draws: the mean width (the expected coverage) is the level, the sample quantiles fall short', () => {
    // 20000 sets of 50 uniforms: the mean width has a standard error of about 0.0003.
    const r = rng(11);
    const sets = 20000, m = 50;
    let width = 0, widthQuantiles = 0;
    for (let i = 0; i < sets; i++) {
      const u = Array.from({ length: m }, () => r.uniform());
      const [lo, hi] = predictionInterval(u, 0.9);
      width += hi - lo;
      const s = u.sort((x, y) => x - y);
      const q = (p) => { const h = (m - 1) * p, k = Math.floor(h); return s[k] + (h - k) * (s[k + 1] - s[k]); };
      widthQuantiles += q(0.95) - q(0.05);
    }
    assert.ok(Math.abs(width / sets - 0.9) < 0.002, `mean width ${width / sets}`);
    // The sample's own 5%-95% quantiles cover (47.55 - 3.45) / 51 = 0.865 on average.
    assert.ok(Math.abs(widthQuantiles / sets - 44.1 / 51) < 0.002, `quantile width ${widthQuantiles / sets}`);
  });

  test('bad input: too few draws for the level, a non-finite draw, a level outside (0, 1)', () => {
    assert.throws(() => predictionInterval(new Array(18).fill(1), 0.9), /values: 18 draw\(s\) cannot give a 90% interval; it needs at least 19/);
    assert.throws(() => predictionInterval([1, 2, Number.NaN, ...new Array(30).fill(0)], 0.9), /values: draw 3 is NaN/);
    assert.throws(() => predictionInterval(new Array(50).fill(0), 1), /level: expected a number in \(0, 1\), got 1/);
    assert.throws(() => predictionInterval('abc'), /values: expected an array/);
  });
});
