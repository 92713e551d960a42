// Child job: fidelity vs speed on Lalonde. Fits the demo's recipe (quantile-normal numeric
// columns, race one-hot, EMA, lr decay) at each T of the plan, then samples with each sampler
// and scores the rows with the demo's metrics: distributionMetrics shape/trend, mean KS,
// correlation error and the re78 treated-minus-control gap. Two reference rows: the Gaussian
// copula baseline and a bootstrap resample of the real rows (the noise floor of the metrics at
// this sample size). Spec: { plan (configs.fidelityPlan), threads }.
import { lalondeRows } from '../lib/data.mjs';
import { library, optionalLibraryModule } from '../lib/library.mjs';
import { mean } from '../lib/stats.mjs';

const spec = JSON.parse(process.argv[2]);
const lib = library();
const demo = optionalLibraryModule('cli/demo.js');

// The demo's recipe (src/cli/demo.ts); used as is when the built demo exports it.
function recipe(steps, seed) {
  if (demo?.demoOptions) return demo.demoOptions(steps, seed);
  return { categorical: ['race'], quantile: true, hiddenDims: [128, 128], nTimesteps: 500, schedule: 'linear', maxSteps: steps,
    batchSize: 256, lr: 1e-3, lrDecay: true, emaDecay: 0.999, seed };
}

function treatmentGap(rows) {
  if (demo?.treatmentGap) return demo.treatmentGap(rows);
  let s1 = 0, n1 = 0, s0 = 0, n0 = 0;
  for (const r of rows) {
    if (Number(r.treat) === 1) { s1 += Number(r.re78); n1++; } else if (Number(r.treat) === 0) { s0 += Number(r.re78); n0++; }
  }
  return s1 / n1 - s0 / n0;
}

function score(real, rows) {
  const m = lib.distributionMetrics(real, rows, { categorical: ['race'] });
  return { shape: m.summary.shape, trend: m.summary.trend, meanKS: m.summary.meanKS, correlationError: m.correlationError, gap: treatmentGap(rows) };
}

function average(list) {
  const keys = Object.keys(list[0]);
  return Object.fromEntries(keys.map((k) => [k, mean(list.map((x) => x[k]))]));
}

function uniforms(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function main() {
  const { plan, threads } = spec;
  const real = lalondeRows();
  const n = real.length * plan.samplesPerReal;
  const seeds = Array.from({ length: plan.seeds }, (_, i) => 1000 + i);
  const rows = [];
  const references = [];
  let categoricalEncoding = 'unknown';
  references.push({ label: 'bootstrap of the real rows (noise floor)', ...average(seeds.map((s) => {
    const u = uniforms(s);
    return score(real, Array.from({ length: n }, () => real[Math.floor(u() * real.length)]));
  })) });
  references.push({ label: 'Gaussian copula baseline', ...average(seeds.map((s) => score(real, lib.gaussianCopulaSample(real, n, s, { categorical: ['race'] })))) });
  for (const model of plan.models) {
    const options = { ...recipe(plan.steps, 0), nTimesteps: model.T, threads };
    const synth = new lib.TabularSynthesizer(options);
    categoricalEncoding = synth.transformer.categoricalEncoding ?? categoricalEncoding;
    const t0 = performance.now();
    const fit = await synth.fit(real);
    const fitSeconds = (performance.now() - t0) / 1000;
    for (const [label, sampler, steps] of model.runs) {
      const scores = [];
      let seconds = 0;
      for (const seed of seeds) {
        const t1 = performance.now();
        const fake = await synth.sample(n, { seed, sampler, steps: sampler === 'ddpm' ? undefined : steps });
        seconds += (performance.now() - t1) / 1000;
        scores.push(score(real, fake));
      }
      rows.push({ T: model.T, label, sampler, steps, evals: steps, fitSeconds, fitLoss: fit.loss, sampleSeconds: seconds / seeds.length, ...average(scores) });
    }
    synth.dispose();
  }
  console.log(JSON.stringify({
    recipe: { ...recipe(plan.steps, 0), source: demo?.demoOptions ? 'dist/cjs/cli/demo.js demoOptions' : 'bench copy of the demo recipe' },
    categoricalEncoding,
    nReal: real.length, nSynthetic: n, seeds: seeds.length, realGap: treatmentGap(real), references, rows,
    maxRssKB: process.resourceUsage().maxRSS,
  }));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
