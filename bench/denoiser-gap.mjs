// Where a conditioning: 'any' model's conditional spread goes wrong (docs/imputation.md, "Known
// truth"): on the known-truth DGP (y = sin(2x) + x/2 + (0.2 + 0.15|x|) e) the model's draws of y
// given x = 0 come out too wide. This compares the fitted network's noise prediction at a given x
// with the exact one, and runs the reverse chain with the network down to a switch time and the
// exact denoiser after it, so the excess spread can be placed on the chain.
//
// The exact denoiser: E[y0 | y_t, x] for the true law of y given x, in the model's space (the
// fitted transformer's map of 4000 draws of y given x; the posterior over them is the mixture
// formula, exact up to those draws). The chain is DDPM with beta_t noise, as the model samples,
// with the observed x cell re-drawn from its forward kernel at each step as the model's sampler
// does (src/conditioning/any.ts). Written in JS on predictEps, so it is slow (a minute per run).
//
// Usage: node bench/denoiser-gap.mjs [--fit='{"lr":0.005}'] [--seed=1] [--rows=6000] [--weights=ema|raw]
// (--weights=raw: the network's last training weights instead of their EMA, which sampling uses)
// Prints markdown (results of the default fit: bench/results/denoiser-gap.md).
import { parseArgs } from 'node:util';
import { createRequire } from 'node:module';

import { TabularSynthesizer } from '../dist/esm/index.mjs';
import { dgpRows, f, mean, normals, s, sd } from './lib/impute-data.mjs';
import { machineInfo, machineLine } from './lib/machine.mjs';

const require = createRequire(import.meta.url);
const { contextLayout } = require('../dist/cjs/conditioning/any.js');

const { values: args } = parseArgs({
  options: { fit: { type: 'string', default: '{}' }, seed: { type: 'string', default: '1' }, rows: { type: 'string', default: '6000' }, weights: { type: 'string', default: 'ema' } },
});
if (args.weights !== 'ema' && args.weights !== 'raw') throw new Error(`--weights: expected ema or raw, got ${args.weights}`);
const SEED = Number(args.seed);
const fitOptions = JSON.parse(args.fit);
const MIXTURE = 4000;
const PROBE_ROWS = 2000;
const CHAIN_ROWS = 1500;
const PROBE_T = [0, 2, 5, 10, 15, 20, 30, 40, 60, 80, 120, 200, 300];
const SWITCH_T = [0, 5, 10, 20, 40, 80, Infinity];

const model = new TabularSynthesizer({ seed: SEED, conditioning: 'any', ...fitOptions });
const t0 = Date.now();
await model.fit(dgpRows(Number(args.rows), SEED));
const fitSeconds = (Date.now() - t0) / 1000;
const native = model.diffusion.nativeModel();
const { T, alphaBars: ab, betas } = model.diffusion.schedule;
const L = contextLayout(model.transformer);
if (L.W !== 2 || L.C !== 0) throw new Error(`expected two numeric model columns, got ${L.W} and ${L.C} discrete parts`);

/** The exact denoiser and the network's, at one given x. */
function setup(x0) {
  const nz = normals(SEED + 5);
  const draws = Array.from({ length: MIXTURE }, () => ({ x: x0, y: f(x0) + s(x0) * nz() }));
  const z = model.transformer.transformMixed(draws).numeric.data;
  const xz = z[0];
  const yz = Float64Array.from({ length: MIXTURE }, (_, i) => z[2 * i + 1]);
  const context = new Float32Array(L.dim);
  context[0] = 1; // x observed; its clean value in the values block
  context[L.W + L.C] = xz;
  const exact = (yt, t) => {
    const a = Math.sqrt(ab[t]), v = 1 - ab[t];
    let top = -Infinity;
    const lw = new Float64Array(MIXTURE);
    for (let j = 0; j < MIXTURE; j++) top = Math.max(top, (lw[j] = -((yt - a * yz[j]) ** 2) / (2 * v)));
    let w = 0, wy = 0;
    for (let j = 0; j < MIXTURE; j++) {
      const e = Math.exp(lw[j] - top);
      w += e;
      wy += e * yz[j];
    }
    return (yt - (a * wy) / w) / Math.sqrt(v);
  };
  const net = (ys, xs, t) => {
    const input = new Float32Array(ys.length * 2);
    for (let i = 0; i < ys.length; i++) {
      input[2 * i] = xs[i];
      input[2 * i + 1] = ys[i];
    }
    const out = native.predictEps(input, t, { rows: ys.length, context, contextRows: 1, useEma: args.weights === 'ema' });
    return Float64Array.from({ length: ys.length }, (_, i) => out[2 * i + 1]);
  };
  return { xz, yz, exact, net, sdz: sd(Array.from(yz)) };
}

/** Per t: the network's eps against the exact eps on noised draws of y given x. */
function probe(d) {
  const g = normals(SEED + 9);
  return PROBE_T.map((t) => {
    const a = Math.sqrt(ab[t]), sg = Math.sqrt(1 - ab[t]);
    const ys = [], xs = [];
    for (let i = 0; i < PROBE_ROWS; i++) {
      ys.push(a * d.yz[i % MIXTURE] + sg * g());
      xs.push(a * d.xz + sg * g());
    }
    const got = d.net(ys, xs, t), want = ys.map((y) => d.exact(y, t));
    const mg = mean(Array.from(got)), mw = mean(want);
    let se = 0, sxy = 0, sxx = 0;
    for (let i = 0; i < PROBE_ROWS; i++) {
      se += (got[i] - want[i]) ** 2;
      sxy += (want[i] - mw) * (got[i] - mg);
      sxx += (want[i] - mw) ** 2;
    }
    const rms = Math.sqrt(se / PROBE_ROWS);
    // An eps error e is an error sigma_t e / sqrt(abar_t) in the prediction of y0.
    return { t, sigma: sg, slope: sxy / sxx, y0Error: (rms * sg) / a / d.sdz };
  });
}

/** y draws of DDPM chains (beta_t noise) with the network for t >= switchT, exact below. */
function chain(d, switchT) {
  const g = normals(SEED + 11);
  const y = Float64Array.from({ length: CHAIN_ROWS }, () => g());
  for (let t = T - 1; t >= 0; t--) {
    const a = Math.sqrt(ab[t]), sg = Math.sqrt(1 - ab[t]);
    const xs = Array.from({ length: CHAIN_ROWS }, () => a * d.xz + sg * g());
    const e = t >= switchT ? d.net(y, xs, t) : Float64Array.from(y, (v) => d.exact(v, t));
    for (let i = 0; i < CHAIN_ROWS; i++) y[i] = (y[i] - (betas[t] / sg) * e[i]) / Math.sqrt(1 - betas[t]) + (t > 0 ? Math.sqrt(betas[t]) * g() : 0);
  }
  const numeric = { rows: CHAIN_ROWS, cols: 2, data: Float32Array.from(Array.from(y).flatMap((v) => [d.xz, v])) };
  return model.transformer.inverseTransformMixed({ numeric }).map((r) => r.y);
}

const f3 = (v) => v.toFixed(3);
const lines = [
  `# bench/denoiser-gap.mjs (seed ${SEED}, ${args.rows} rows, fit ${JSON.stringify(fitOptions)}: ${fitSeconds.toFixed(0)} s, ${args.weights} weights; ${machineLine(machineInfo())})`, '',
  `Model: \`conditioning: 'any'\`, ${model.settings.notes.slice(1, 5).join('; ')}.`, '',
];
for (const x0 of [0, 0.911]) {
  const d = setup(x0);
  lines.push(`## x = ${x0} (sd of y given x: ${f3(s(x0))}; ${f3(d.sdz)} in the model's space)`, '');
  lines.push('| t | noise sd | slope of the network\'s eps on the exact eps | rms error of the implied y0 prediction / sd(y given x), model space |', '|---|---|---|---|');
  for (const r of probe(d)) lines.push(`| ${r.t} | ${f3(r.sigma)} | ${f3(r.slope)} | ${f3(r.y0Error)} |`);
  lines.push('', '| network down to t, exact below | sd of y draws / sd(y given x) | mean error |', '|---|---|---|');
  for (const sw of SWITCH_T) {
    const y = chain(d, sw);
    lines.push(`| ${sw === Infinity ? 'exact throughout' : sw === 0 ? 'network throughout' : sw} | ${f3(sd(y) / s(x0))} | ${f3(mean(y) - f(x0))} |`);
  }
  lines.push('');
}
console.log(lines.join('\n'));
