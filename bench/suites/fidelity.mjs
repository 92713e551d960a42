// Fidelity vs speed on Lalonde (one child job; see jobs/fidelity.mjs).
import { join } from 'node:path';

import { runNodeJob } from '../lib/child.mjs';
import { HERE } from '../lib/paths.mjs';
import { markdownTable } from '../lib/table.mjs';

const f = (x, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : '—');

export async function fidelitySuite(ctx, plan) {
  ctx.log(`fidelity: Lalonde, demo recipe, ${plan.steps} steps at T = ${plan.models.map((m) => m.T).join(' and ')}, ${plan.seeds} sampling seed(s)`);
  const r = await runNodeJob(join(HERE, 'jobs', 'fidelity.mjs'), { plan, threads: ctx.threads }, { timeoutMs: 60 * 60 * 1000 });
  const rows = r.rows.map((x) => [`T=${x.T}`, x.label, String(x.evals), f(x.sampleSeconds, 2), f(x.shape), f(x.trend), f(x.meanKS), f(x.correlationError), f(x.gap, 0)]);
  for (const ref of r.references) rows.push(['—', ref.label, '—', '—', f(ref.shape), f(ref.trend), f(ref.meanKS), f(ref.correlationError), f(ref.gap, 0)]);
  rows.push(['—', 'real data', '—', '—', '1', '1', '0', '0', f(r.realGap, 0)]);
  const body = markdownTable(['model', 'sampler', 'net evals', `sample s (${r.nSynthetic} rows)`, 'shape', 'trend', 'mean KS', 'corr. error', 're78 gap (treated - control)'], rows);
  return {
    result: r,
    sections: [{ title: `Fidelity vs speed, Lalonde (${r.nReal} real rows, ${r.nSynthetic} synthetic, mean of ${r.seeds} seed(s); recipe: ${r.recipe.source}: quantile-normal, EMA, lr decay, ${plan.steps} steps, race ${r.categoricalEncoding === 'onehot' ? 'one-hot in the Gaussian chain' : r.categoricalEncoding === 'index' ? 'on a discrete chain (the library default, SEDD)' : 'categorical'})`, body }],
  };
}
