// TabularSynthesizer.logDensity (src/density/table.ts): densities in the user's units. The
// log-Jacobian of each column map is checked against a central difference of the transformer's
// own transform; bad rows give errors naming the column and the row.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { TabularSynthesizer } from '../dist/esm/index.mjs';
import { rng } from './fixtures/rng.mjs';

const { normal, uniform } = rng(21);
const ROWS = Array.from({ length: 400 }, () => {
  const a = normal();
  return { height: 170 + 10 * a, weight: 70 + 6 * a + 4 * normal(), wait: -Math.log(uniform()) * 3 };
});
const SMALL = { hiddenDims: [32, 32], timeDim: 16, maxSteps: 120, nTimesteps: 100, seed: 2, threads: 1 };

async function fitted(options) {
  const s = new TabularSynthesizer({ ...SMALL, ...options });
  await s.fit(ROWS, { onWarning: () => {} });
  return s;
}

const NAMES = ['height', 'weight', 'wait'];

/** Standardised columns: log |dz/dx| per row by central differences of transform() (the map is linear). */
function centralDifference(s, rows) {
  return rows.map((r) => NAMES.reduce((sum, name, j) => {
    const h = 1e-2 * Math.max(1, Math.abs(r[name]));
    const up = s.transformer.transform([{ ...r, [name]: r[name] + h }]).data[j];
    const down = s.transformer.transform([{ ...r, [name]: r[name] - h }]).data[j];
    return sum + Math.log(Math.abs(up - down) / (2 * h));
  }, 0));
}

/**
 * Quantile-normal columns: z = Phi^-1(F(x)), F piecewise linear between the knots of the model
 * state, so log dz/dx = log(dp/dk of x's segment) + z^2/2 + log(2 pi)/2 (z from transform();
 * the right segment at a knot). Central differences are unreliable here: F has a kink at each knot.
 */
function knotJacobian(s, rows) {
  const states = s.transformer.toJSON().columns;
  return rows.map((r) => NAMES.reduce((sum, name, j) => {
    const { knots, probs } = states.find((c) => c.name === name).quantile;
    const m = knots.length, x = r[name];
    let k = 0;
    while (k + 2 < m && knots[k + 1] <= x) k++;
    // Beyond the end knots F extends along the end segment until it reaches half of the end
    // probability (or half-way to 1), then stays flat: no density in user units there.
    const slope = (probs[k + 1] - probs[k]) / (knots[k + 1] - knots[k]);
    if (x < knots[0] && probs[0] + (x - knots[0]) * slope <= probs[0] / 2) return -Infinity;
    if (x > knots[m - 1] && probs[m - 1] + (x - knots[m - 1]) * slope >= (1 + probs[m - 1]) / 2) return -Infinity;
    const z = s.transformer.transform([r]).data[j];
    return sum + Math.log((probs[k + 1] - probs[k]) / (knots[k + 1] - knots[k])) + 0.5 * z * z + 0.5 * Math.log(2 * Math.PI);
  }, 0));
}

for (const quantile of [false, true]) {
  test(`logDensity in user units (${quantile ? 'quantile-normal' : 'standardised'} columns) = model density + log-Jacobian of the column maps`, async () => {
    const s = await fitted({ quantile });
    const rows = ROWS.slice(0, 30);
    const r = await s.logDensity(rows, { throws: 20, seed: 1 });
    const fd = quantile ? knotJacobian(s, rows) : centralDifference(s, rows);
    for (let i = 0; i < rows.length; i++) {
      // float32 transform outputs: both references are good to about 1e-4.
      if (fd[i] === -Infinity) assert.equal(r.logJacobian[i], -Infinity, `row ${i}`);
      else assert.ok(Math.abs(r.logJacobian[i] - fd[i]) < 1e-3, `row ${i}: log-Jacobian ${r.logJacobian[i]}, reference ${fd[i]}`);
      assert.equal(r.logDensity[i], r.gaussian[i] + r.logJacobian[i]);
    }
    assert.deepEqual(r.parts.map((p) => p.part), ['gaussian', 'jacobian', 'height', 'weight', 'wait']);
    assert.equal(r.parts[0].status, 'estimate');
    assert.deepEqual(await s.score(rows, { throws: 20, seed: 1 }), r.logDensity.map((v) => -v));
    if (!quantile) {
      const sd = s.transformer.columns.map((c) => c.sd);
      const expected = -sd.reduce((a, v) => a + Math.log(v), 0);
      assert.ok(Math.abs(r.logJacobian[0] - expected) < 1e-12);
    }
  });
}

test('logDensity: a value beyond the quantile map\'s range has density 0 in user units (-Infinity)', async () => {
  const s = await fitted({ quantile: true });
  const r = await s.logDensity([{ height: 400, weight: 70, wait: 1 }], { method: 'ode', steps: 10 });
  assert.equal(r.logDensity[0], -Infinity);
  assert.match(r.parts.find((p) => p.part === 'height').note, /beyond the map's range/);
});

test('logDensity: bad rows are errors naming the column and the row', async () => {
  const s = await fitted({ quantile: false });
  await assert.rejects(s.logDensity([ROWS[0], { ...ROWS[1], colour: 'red' }]), (e) => e.name === 'TabularDataError' && /unknown column "colour" in row 1/.test(e.message) && e.column === 'colour' && e.row === 1);
  await assert.rejects(s.logDensity([ROWS[0], ROWS[1], { ...ROWS[2], weight: 'heavy' }]), (e) => /weight/.test(e.message) && /row 2/.test(e.message));
  await assert.rejects(s.logDensity([{ ...ROWS[0], height: NaN }]), (e) => /height/.test(e.message) && /row 0/.test(e.message));
  await assert.rejects(s.logDensity([{ height: 170, weight: 70 }]), /wait/);
  await assert.rejects(s.logDensity(ROWS.slice(0, 2), { throws: -1 }), /throws/);
  await assert.rejects(new TabularSynthesizer(SMALL).logDensity(ROWS), /fit/);
});

test('logDensity: a value on a tie of the quantile map (an integer column) gets the midpoint-rule log-probability of its z-interval', async () => {
  const { normal: nrm, uniform: uni } = rng(5);
  const rows = Array.from({ length: 300 }, () => ({ x: nrm(), k: Math.floor(uni() * 4) }));
  const s = new TabularSynthesizer({ ...SMALL, quantile: true });
  await s.fit(rows, { onWarning: () => {} });
  const test = rows.slice(0, 12);
  const r = await s.logDensity(test, { throws: 10, seed: 1 });
  const kPart = r.parts.find((p) => p.part === 'k');
  assert.equal(kPart.status, 'approximation');
  // The decoder maps the z-interval between just below and just above the tied value to it.
  const z = (row) => s.transformer.transform([row]).data;
  for (let i = 0; i < test.length; i++) {
    const xTerm = r.logJacobian[i] - Math.log(z({ ...test[i], k: test[i].k + 1e-9 })[1] - z({ ...test[i], k: test[i].k - 1e-9 })[1]);
    const h = 1e-3;
    const fd = Math.log((z({ ...test[i], x: test[i].x + h })[0] - z({ ...test[i], x: test[i].x - h })[0]) / (2 * h));
    assert.ok(Math.abs(xTerm - fd) < 0.05, `row ${i}: x's term ${xTerm}, central difference ${fd}`);
    assert.ok(Number.isFinite(r.logDensity[i]));
  }
  s.dispose();
});
