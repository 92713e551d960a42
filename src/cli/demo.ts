// The demo: fit a TabularSynthesizer on the bundled Lalonde data (NSW treated units and PSID
// controls, 614 rows), sample from it, and compare the synthetic rows with the real ones and
// with two baselines. Used by `tabdiff demo` and `npm run demo`; runDemo is exported for tests.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

import { BaselineComparison, compareToBaselines, formatBaselineTable, gaussianCopulaSample, independentMarginalsSample } from '../baselines.js';
import { DistributionMetrics, formatMetricsTable } from '../metrics.js';
import { TabularSynthesizer, TabularSynthesizerOptions } from '../synthesizer.js';
import { checkNumericColumns, readCsv } from './csv.js';
import { createProgress } from './progress.js';

export interface DemoOptions {
  /** Training steps (default DEMO_STEPS, or QUICK_STEPS with quick). */
  steps?: number;
  /** Seed of the network initialisation, training, sampling and baselines (default 0). */
  seed?: number;
  /** A reduced run for tests and smoke checks: fewer steps and fewer synthetic rows. */
  quick?: boolean;
  /** Synthetic rows to draw (default 10 x the data, 614 x 10; with quick 614). */
  samples?: number;
  threads?: number;
  device?: 'auto' | 'cpu' | 'cuda';
  /** Where the printed report goes, line by line (default console.log; pass () => {} to silence). */
  log?: (line: string) => void;
  /** The CSV to use instead of the bundled data/lalonde.csv (same columns). */
  dataPath?: string;
  /** Show a progress bar while fitting (when stderr is a TTY). */
  progress?: boolean;
  signal?: AbortSignal;
}

export interface DemoGaps {
  /** mean(re78 | treat = 1) - mean(re78 | treat = 0) in the real data. */
  real: number;
  synthetic: number;
  independent: number;
  copula: number;
}

export interface DemoResult {
  options: TabularSynthesizerOptions;
  dataPath: string;
  nReal: number;
  nSynthetic: number;
  fit: { seconds: number; steps: number; loss: number };
  sampleSeconds: number;
  totalSeconds: number;
  /** Real vs synthetic (distributionMetrics). */
  metrics: DistributionMetrics;
  /** The model next to the independent-marginals and Gaussian-copula baselines. */
  baselines: BaselineComparison;
  gaps: DemoGaps;
}

/** Training steps of the full demo: about 10 s on 2 idle CPU cores (AVX2), 40 s when they are busy. */
export const DEMO_STEPS = 10000;
export const QUICK_STEPS = 3000;

/**
 * The demo model, tuned on this data (two to three training seeds per setting, metrics on 30,700
 * synthetic rows):
 * - quantile-normal transforms for the numeric columns: the earnings re74/re75/re78 are skewed
 *   with 23-40% zeros; standardising them leaves KS ~0.2 on re74/re75, the quantile map ~0.06;
 * - T = 500 linear steps (betas 1e-4..0.02): the forward process then ends near pure noise
 *   (abar_T = 0.006), the N(0, I) start of the sampler. With the default T = 100 it ends at
 *   abar_T = 0.36 and the samples are pulled towards the prior (at lr 1e-3, 12k steps: mean KS
 *   0.043 vs 0.029, correlation error 0.036 vs 0.015, race TV 0.018 vs 0.009);
 * - lr 3e-3 decayed linearly to 0 and an EMA (0.999) of the weights: better than lr 1e-3 or 2e-3
 *   at the same steps, and than EMA 0.9995; batch 256 (512 or 128 were no better per second);
 * - 128x128 MLP: 256x256 costs 3.5x the time for no gain at this size;
 * - race on the library's default categorical chain (SEDD): race TV 0.003 vs 0.002-0.009 for
 *   one-hot blocks, correlation error 0.012 vs 0.012-0.017 (two seeds, DDIM 50).
 */
export function demoOptions(steps: number, seed: number): TabularSynthesizerOptions {
  return {
    categorical: ['race'],
    quantile: true,
    hiddenDims: [128, 128],
    nTimesteps: 500,
    schedule: 'linear',
    maxSteps: steps,
    batchSize: 256,
    lr: 3e-3,
    lrDecay: true,
    emaDecay: 0.999,
    seed,
  };
}

/**
 * Sampler of the demo: DDIM in 50 model evaluations (10x fewer than DDPM's 500). With race on the
 * discrete (SEDD) chain, DDIM 50 beat DPM-Solver++ 25 (mean KS 0.021 vs 0.026, correlation error
 * 0.012 vs 0.018 over two seeds); the discrete chain takes the same number of steps.
 */
export const DEMO_SAMPLER = { sampler: 'ddim' as const, steps: 50 };

/** data/lalonde.csv of this package: dist/cjs/cli -> ../../../data (src/cli -> ../../data). */
export function bundledDataPath(): string {
  const candidates = [resolve(__dirname, '../../../data/lalonde.csv'), resolve(__dirname, '../../data/lalonde.csv')];
  return candidates.find((p) => existsSync(p)) ?? candidates[0]!;
}

/** mean(re78 | treat = 1) - mean(re78 | treat = 0). */
export function treatmentGap(rows: readonly Record<string, unknown>[]): number {
  let s1 = 0;
  let n1 = 0;
  let s0 = 0;
  let n0 = 0;
  for (const r of rows) {
    const y = Number(r.re78);
    const t = Number(r.treat);
    if (t === 1) {
      s1 += y;
      n1++;
    } else if (t === 0) {
      s0 += y;
      n0++;
    }
  }
  return n1 > 0 && n0 > 0 ? s1 / n1 - s0 / n0 : NaN;
}

function checkCount(name: string, value: number | undefined, min: number): void {
  if (value !== undefined && (!Number.isSafeInteger(value) || value < min)) {
    throw new RangeError(`${name}: expected an integer >= ${min}, got ${String(value)}`);
  }
}

export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  checkCount('steps', options.steps, 1);
  checkCount('seed', options.seed, 0);
  checkCount('samples', options.samples, 1);
  const started = performance.now();
  const seed = options.seed ?? 0;
  const steps = options.steps ?? (options.quick ? QUICK_STEPS : DEMO_STEPS);
  const dataPath = options.dataPath ?? bundledDataPath();
  const table = readCsv(dataPath);
  for (const name of ['treat', 're78', 'race']) {
    if (!table.columns.includes(name)) throw new Error(`${dataPath}: the demo needs a column "${name}"`);
  }
  checkNumericColumns(table, { categorical: ['race'] });
  const real = table.rows;
  const nSynthetic = options.samples ?? (options.quick ? real.length : real.length * 10);

  const synthOptions: TabularSynthesizerOptions = {
    ...demoOptions(steps, seed),
    ...(options.threads !== undefined ? { threads: options.threads } : {}),
    ...(options.device !== undefined ? { device: options.device } : {}),
  };
  const synth = new TabularSynthesizer(synthOptions);
  try {
    const o = synth.diffusion.options;
    log(`tabular-diffusion demo: Lalonde data (${real.length} rows, ${table.columns.length} columns: ${table.columns.join(', ')})`);
    log(
      `model: MLP ${o.hiddenDims.join('x')}, T = ${o.nTimesteps} (${o.schedule} betas ${o.betaStart}..${o.betaEnd}), ` +
        `${steps} steps, batch ${o.batchSize}, lr ${o.lr}${o.lrDecay ? ' decayed to 0' : ''}, EMA ${o.emaDecay}, ` +
        `quantile-normal numeric columns, race ${categoricalChain(synth)}, seed ${seed}, ${synth.diffusion.backend.device}`,
    );

    const bar = options.progress
      ? createProgress(steps, 'fit    [{bar}] {percentage}% | {value}/{total} steps | loss {loss} | ETA {eta_formatted}', { loss: '-' })
      : undefined;
    let t0 = performance.now();
    let fitResult: { steps: number; loss: number };
    try {
      fitResult = await synth.fit(real, {
        onProgress: bar ? ({ step, loss }) => bar.update(step, { loss: loss.toFixed(4) }) : undefined,
        signal: options.signal,
      });
    } finally {
      bar?.stop();
    }
    const fitSeconds = (performance.now() - t0) / 1000;
    log(`fit: ${fitSeconds.toFixed(1)} s (${fitResult.steps} steps, final batch loss ${fitResult.loss.toFixed(4)})`);

    t0 = performance.now();
    const synthetic = await synth.sample(nSynthetic, { seed, ...DEMO_SAMPLER, signal: options.signal });
    const sampleSeconds = (performance.now() - t0) / 1000;
    log(`sample: ${nSynthetic} rows in ${sampleSeconds.toFixed(2)} s (${DEMO_SAMPLER.sampler}, ${DEMO_SAMPLER.steps} steps)`);

    const baselines = compareToBaselines(real, synthetic, { categorical: ['race'], seed });
    const metrics = baselines.model;
    // The same draws compareToBaselines made (same source, n and seed), for the gap.
    const independentRows = independentMarginalsSample(real, nSynthetic, seed, { categorical: ['race'] });
    const copulaRows = gaussianCopulaSample(real, nSynthetic, seed, { categorical: ['race'] });
    const gaps: DemoGaps = {
      real: treatmentGap(real),
      synthetic: treatmentGap(synthetic),
      independent: treatmentGap(independentRows),
      copula: treatmentGap(copulaRows),
    };

    log('');
    log(`Per-column fidelity, real (${real.length} rows) vs synthetic (${nSynthetic} rows):`);
    log(formatMetricsTable(metrics));
    log('');
    log('re78 gap, treated minus control: mean(re78 | treat = 1) - mean(re78 | treat = 0)');
    const g = (x: number): string => x.toFixed(1).padStart(9);
    log(`  real data            ${g(gaps.real)}`);
    log(`  diffusion model      ${g(gaps.synthetic)}`);
    log(`  independent margins  ${g(gaps.independent)}   (no dependence between columns: the gap is lost)`);
    log(`  Gaussian copula      ${g(gaps.copula)}`);
    log('');
    log(`Baselines, ${nSynthetic} rows each, drawn from the real data itself (optimistic for the baselines):`);
    log(formatBaselineTable(baselines));
    log('');
    log(
      `correlation error: model ${fmt(metrics.correlationError)}, independent ${fmt(baselines.independent.correlationError)}, ` +
        `copula ${fmt(baselines.copula.correlationError)}`,
    );
    const raceTv = (m: typeof metrics): number => m.columns.find((c) => c.column === 'race')?.tv ?? NaN;
    log(
      `race TV distance: model ${fmt(raceTv(metrics))}, ` +
        `independent ${fmt(raceTv(baselines.independent))}, copula ${fmt(raceTv(baselines.copula))}`,
    );
    const totalSeconds = (performance.now() - started) / 1000;
    log(`time: fit ${fitSeconds.toFixed(1)} s, sampling ${sampleSeconds.toFixed(2)} s, total ${totalSeconds.toFixed(1)} s`);
    return {
      options: synthOptions,
      dataPath,
      nReal: real.length,
      nSynthetic,
      fit: { seconds: fitSeconds, steps: fitResult.steps, loss: fitResult.loss },
      sampleSeconds,
      totalSeconds,
      metrics,
      baselines,
      gaps,
    };
  } finally {
    synth.dispose();
  }
}

/** How the synthesizer diffuses categorical columns, in words. */
function categoricalChain(synth: TabularSynthesizer): string {
  if (synth.transformer.categoricalEncoding === 'onehot') return 'categorical (one-hot block in the Gaussian chain)';
  const method = synth.diffusion.categoricalOptions.method ?? 'sedd';
  return `categorical (discrete ${method === 'sedd' ? 'SEDD' : method} chain)`;
}

function fmt(x: number | null): string {
  return x === null ? '-' : x.toFixed(4);
}
