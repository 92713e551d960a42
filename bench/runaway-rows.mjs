// Runaway rows (docs/architecture.md, "Runaway rows"): how often a sampled row's reverse chain runs
// away from the data, with the default network and a [512, 512] one, on california_housing's
// 10,000 training rows of the imputation bench (bench/lib/impute-data.mjs, seed 1): rows that end
// non-finite (the native path redraws them and its warning counts and names them), finite rows
// beyond 20 in the transformed space (left as they are), and the first non-finite row's first
// draw traced step by step; then the same draw with the runaway limit TabularSynthesizer chose at
// fit (settings.redrawLimit, passed as softRedrawLimit as its sample() does). Writes
// bench/results/runaway-rows.{md,json}.
// Usage: node bench/runaway-rows.mjs
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { TabularSynthesizer } from '../dist/esm/index.mjs';
import { loadTable, maskedSplit } from './lib/impute-data.mjs';
import { machineLine, machineInfo } from './lib/machine.mjs';
import { HERE } from './lib/paths.mjs';

const SEED = 1, N = 16000, SAMPLE_SEED = 1000;

/** Rows of x [n x cols]: max |value| per row. */
function rowMax(x) {
  const out = new Float64Array(x.rows);
  for (let i = 0; i < x.rows; i++) {
    let m = 0;
    for (let j = 0; j < x.cols; j++) {
      const v = Math.abs(x.data[i * x.cols + j]);
      m = Number.isNaN(v) ? Infinity : Math.max(m, v);
    }
    out[i] = m;
  }
  return out;
}

async function measure(label, options, train) {
  const synth = new TabularSynthesizer({ seed: SEED, categorical: ['ocean_proximity'], ...options });
  const t0 = performance.now();
  await synth.fit(train, { onWarning: () => {} });
  const fitSeconds = (performance.now() - t0) / 1000;
  const dm = synth.diffusion;
  // The native path redraws the rows that end non-finite and names them in its warning; the
  // finite runaways it leaves as they are.
  const warnings = [];
  const on = (w) => { if (w.code === 'TABDIFF_REDRAWN_ROWS') warnings.push(w.message); };
  process.on('warning', on);
  const out = await dm.sampleMixed(N, { seed: SAMPLE_SEED });
  await new Promise((r) => setImmediate(r));
  process.off('warning', on);
  const m = rowMax(out.numeric);
  const sane = [...m].filter((v) => v <= 20);
  const nonFinite = warnings.length ? Number(/^(\d+) of/.exec(warnings[0])[1]) : 0;
  const firstRow = warnings.length ? Number(/\(rows? (\d+)/.exec(warnings[0])[1]) : null;
  let trace = null;
  if (firstRow !== null) {
    // That row's first draw, step by step (the step-wise path does not redraw; it stops at the
    // first non-finite network output).
    const steps = [];
    let stop = null;
    try {
      await dm.sampleMixed(1, {
        seed: SAMPLE_SEED, offset: firstRow,
        callbacks: [{ onSampleStep(s) { steps.push([s.t, Math.max(...Array.from(s.x.data, (v) => Math.abs(v)))]); } }],
      });
    } catch (e) {
      stop = e.message;
    }
    const i10 = steps.findIndex(([, v]) => v > 10);
    const j = Math.min(steps.length - 1, i10 + 20);
    trace = {
      row: firstRow, tBeyond10: i10 >= 0 ? steps[i10][0] : null,
      growthPerStep: i10 >= 0 && j > i10 ? (steps[j][1] / steps[i10][1]) ** (1 / (j - i10)) : null,
      lastT: steps.at(-1)?.[0] ?? null, lastMax: steps.at(-1)?.[1] ?? null, stop,
    };
  }
  // What TabularSynthesizer.sample does since it chooses a runaway limit at fit: the same draw
  // with that limit as softRedrawLimit.
  const limit = synth.settings.redrawLimit;
  const softWarnings = [];
  const onSoft = (w) => { if (w.code === 'TABDIFF_REDRAWN_ROWS') softWarnings.push(w.message); };
  process.on('warning', onSoft);
  const soft = await dm.sampleMixed(N, { seed: SAMPLE_SEED, ...(limit ? { softRedrawLimit: limit } : {}) });
  await new Promise((r) => setImmediate(r));
  process.off('warning', onSoft);
  synth.dispose();
  return {
    label, fitSeconds, rows: N, nonFiniteRows: nonFinite, finiteBeyond20: [...m].filter((v) => v > 20 && Number.isFinite(v)).length,
    largestFinite: Math.max(...[...m].filter(Number.isFinite)), saneMax: Math.max(...sane), redrawWarning: warnings[0] ?? null, trace,
    synthesizerLimit: limit, withLimitWarning: softWarnings[0] ?? null, withLimitLargest: Math.max(...rowMax(soft.numeric)),
  };
}

const t = loadTable('california_housing');
const { train } = maskedSplit(t, SEED, 10000, 2000);
const results = [];
for (const [label, options] of [['defaults', {}], ['hiddenDims [512, 512]', { hiddenDims: [512, 512] }]]) {
  results.push(await measure(label, options, train));
  process.stderr.write(`${label}: ${JSON.stringify(results.at(-1))}\n`);
}
const lines = [
  '# bench/runaway-rows.mjs', '', machineLine(machineInfo()), '',
  `california_housing, ${train.length} training rows (bench/lib/impute-data.mjs split, seed ${SEED}); ${N} rows sampled at seed ${SAMPLE_SEED} (DDPM, T = 500); values in the model's transformed space.`, '',
  '| network | fit s | rows ending non-finite (redrawn) | finite rows beyond 20 | largest value | largest value of the other rows | warning | trace of the first non-finite row | TabularSynthesizer\'s limit (settings.redrawLimit) | with it: warning | with it: largest value |',
  '|---|---|---|---|---|---|---|---|---|---|---|',
  ...results.map((r) => `| ${r.label} | ${r.fitSeconds.toFixed(0)} | ${r.nonFiniteRows} | ${r.finiteBeyond20} | ${r.largestFinite.toPrecision(3)} | ${r.saneMax.toFixed(2)} | ${r.redrawWarning ?? 'no redraw'} | ${r.trace ? `row ${r.trace.row}: beyond 10 at t = ${r.trace.tBeyond10}, then x${r.trace.growthPerStep?.toFixed(2)} a step; ${r.trace.lastMax?.toPrecision(3)} at t = ${r.trace.lastT}${r.trace.stop ? `, then: ${r.trace.stop}` : ''}` : '-'} | ${r.synthesizerLimit ?? 'none'} | ${r.withLimitWarning ?? 'no redraw'} | ${r.withLimitLargest.toPrecision(3)} |`),
];
mkdirSync(join(HERE, 'results'), { recursive: true });
writeFileSync(join(HERE, 'results', 'runaway-rows.json'), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(join(HERE, 'results', 'runaway-rows.md'), `${lines.join('\n')}\n`);
process.stdout.write(`${lines.join('\n')}\n`);
