// The held-out eps-MSE of a numeric model (TabularDiffusion.denoisingLoss, EarlyStopping):
// random timesteps and noise from the seed, the network's forward pass, the (masked) mean.
// Mixed models evaluate natively (sedd/mixed.ts).
import type { Matrix } from '../matrix.js';
import type { NativeAddon, NativeModel } from '../native.js';
import type { NoiseSchedule } from '../schedule.js';

export function numericDenoisingLoss(
  addon: NativeAddon, native: NativeModel, schedule: NoiseSchedule, timeDim: number, x: Matrix, context: Matrix | undefined, contextDim: number,
  o: { draws: number; seed: number; observed: Uint8Array | undefined },
): number {
  const T = schedule.T;
  const inDim = x.cols + contextDim + timeDim;
  const embeddings = new Map<number, Float32Array>();
  let total = 0;
  for (let d = 0; d < o.draws; d++) {
    const u = addon.draws({ seed: o.seed, stream: 8, rowStart: 0, rows: x.rows, step: d, cols: 1, kind: 'uniform' });
    const t = Int32Array.from(u, (v) => Math.min(T - 1, Math.floor(v * T)));
    const { xt, eps } = addon.forwardNoise({
      x0: x.data, rows: x.rows, cols: x.cols, t, sqrtAlphaBars: schedule.sqrtAlphaBars,
      sqrtOneMinusAlphaBars: schedule.sqrtOneMinusAlphaBars, seed: o.seed, step: d + 1,
    });
    const input = new Float32Array(x.rows * inDim);
    for (let i = 0; i < x.rows; i++) {
      const row = input.subarray(i * inDim, (i + 1) * inDim);
      row.set(xt.subarray(i * x.cols, (i + 1) * x.cols), 0);
      if (context) row.set(context.data.subarray(i * contextDim, (i + 1) * contextDim), x.cols);
      let e = embeddings.get(t[i]!);
      if (!e) embeddings.set(t[i]!, (e = addon.timeEmbedding(t[i]!, timeDim)));
      row.set(e, x.cols + contextDim);
    }
    const epsHat = native.forward(input, x.rows);
    total += (o.observed ? addon.epsMse(epsHat, eps, { observed: o.observed }) : addon.epsMse(epsHat, eps)).loss;
  }
  return total / o.draws;
}
