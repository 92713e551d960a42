// onnxruntime-node suite: the same MLP (our trained weights) through ORT's CPU provider with
// 1 intra-op thread, next to our own unfolded forward pass on the same 1024-row input.
// Skipped with a printed reason when onnxruntime-node does not install or load.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { runNodeJob } from '../lib/child.mjs';
import { ensureOrt } from '../lib/ort.mjs';
import { HERE } from '../lib/paths.mjs';
import { fmt, fmtRatio } from '../lib/stats.mjs';
import { markdownTable } from '../lib/table.mjs';

export async function ortSuite(ctx, runs) {
  const { log, quick, threads } = ctx;
  const ort = ensureOrt(log);
  if (ort.skip) {
    log(`ort: skipped: ${ort.skip}`);
    return { result: { skipped: ort.skip }, sections: [{ title: 'onnxruntime-node', body: `skipped: ${ort.skip}` }] };
  }
  const rows = [], out = {};
  for (const name of ['trex', 'wide']) {
    let run = runs[name];
    if (!run || !existsSync(run.oursModel)) {
      // No trained model from this invocation: train a short one for the weights.
      const { ddpmSuite } = await import('./ddpm.mjs');
      const cfg = { ...ctx.configs[name], trainSteps: 20, sample: [] };
      run = await ddpmSuite({ ...ctx, noPeers: true }, cfg);
    }
    const cfg = run.cfg;
    const evals = Math.max(5, Math.round((quick ? 2e9 : 6e9) / (2 * 1024 * (cfg.d + cfg.timeDim) * cfg.hiddenDims[0] + 2 * 1024 * cfg.hiddenDims.reduce((s, h, i, a) => s + h * (a[i + 1] ?? cfg.d), 0))));
    log(`ort: ${name} (${evals} evaluations of 1024 rows, ${quick ? 1 : 3} reps)`);
    const r = await runNodeJob(join(HERE, 'jobs', 'ort_mlp.mjs'), { cfg, loadPath: run.oursModel, ortDir: ort.dir, chunk: 1024, evals, reps: quick ? 1 : 3, threads }, { cwd: ort.dir });
    const sampling = run.cells?.find((c) => c.n <= 1e4 && c.name === 'DDIM-20')?.ours?.rowStepsPerCpuSec;
    out[name] = { ...r, oursSamplingRowStepsPerSec: sampling ?? null };
    rows.push([name, fmt(r.ortRowsPerSec), fmt(r.oursForwardRowsPerSec), fmtRatio(r.oursForwardRowsPerSec / r.ortRowsPerSec),
      sampling ? fmt(sampling) : '—', sampling ? fmtRatio(sampling / r.ortRowsPerSec) : '—', r.maxAbsDiff.toExponential(1), r.ortVersion]);
  }
  const body = markdownTable(['config', 'ORT rows/s', 'ours forward rows/s', 'ours / ORT', 'ours sampling row-steps/s (DDIM-20)', 'sampling / ORT forward', 'max abs(ours - ORT)', 'ORT'], rows);
  return { result: out, sections: [{ title: `onnxruntime-node (CPU provider, ${threads} intra-op thread): one MLP evaluation on 1024 rows, input [x_t, e(t)]; rates per process CPU-second`, body }] };
}
