// FLOP counts and GEMM shapes of the denoising MLP.
//
// Nominal MLP FLOPs per row and forward pass: 2 * sum(in * out) over the layers, with the first
// layer's input being [x_t, e(t)] (d + timeDim). Training counts 3x forward (forward, dX, dW).
// The same nominal count is used for every peer, so GFLOP/s compare like rates. (Our sampler
// folds e(t) W_time into a per-step bias, so it executes fewer FLOPs than it is credited with;
// `executedSampleFlops` gives the count it actually runs.)

export function layerDims(cfg) {
  const dims = [cfg.d + cfg.timeDim, ...cfg.hiddenDims, cfg.d];
  return dims.slice(0, -1).map((inDim, l) => ({ in: inDim, out: dims[l + 1] }));
}

export function forwardFlopsPerRow(cfg) {
  return 2 * layerDims(cfg).reduce((s, L) => s + L.in * L.out, 0);
}

export function trainFlopsPerStep(cfg) {
  return 3 * forwardFlopsPerRow(cfg) * cfg.batchSize;
}

export function executedSampleFlopsPerRowStep(cfg) {
  return 2 * layerDims(cfg).reduce((s, L, l) => s + (l === 0 ? cfg.d : L.in) * L.out, 0);
}

/**
 * The GEMMs our engine runs for one training step (batch B) and one sampling step (chunk C):
 * forward Z = X W (m = rows, n = out, k = in); backward dW = X^T dY (m = in, n = out, k = B,
 * transA) and dX = dY W^T (m = B, n = in, k = out, transB; not for the first layer, whose input
 * gradient is not needed). Sampling's first layer multiplies only the d data columns.
 * Each shape carries `count` (how many times a step runs it) for FLOP-weighted aggregates.
 */
export function gemmShapes(cfg, chunk = 1024) {
  const B = cfg.batchSize;
  const train = [], sample = [];
  layerDims(cfg).forEach((L, l) => {
    train.push({ phase: 'train', role: `fwd L${l}`, m: B, n: L.out, k: L.in, transA: false, transB: false });
    train.push({ phase: 'train', role: `dW L${l}`, m: L.in, n: L.out, k: B, transA: true, transB: false });
    if (l > 0) train.push({ phase: 'train', role: `dX L${l}`, m: B, n: L.in, k: L.out, transA: false, transB: true });
    sample.push({ phase: 'sample', role: `fwd L${l}`, m: chunk, n: L.out, k: l === 0 ? cfg.d : L.in, transA: false, transB: false });
  });
  return [...train, ...sample];
}

export function shapeKey(s) {
  return `${s.m}x${s.n}x${s.k}_${s.transA ? 'T' : 'N'}${s.transB ? 'T' : 'N'}`;
}

/** FLOP-weighted rate over a set of shapes: total FLOPs / total time (each shape run once). */
export function aggregateGflops(shapes, gflopsByKey) {
  let flops = 0, seconds = 0;
  for (const s of shapes) {
    const f = 2 * s.m * s.n * s.k;
    const g = gflopsByKey[shapeKey(s)];
    if (!Number.isFinite(g) || g <= 0) return NaN;
    flops += f;
    seconds += f / (g * 1e9);
  }
  return flops / seconds / 1e9;
}
