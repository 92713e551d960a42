// Data, splits and scoring shared by bench/impute.mjs and bench/impute-resample.mjs: the seeded
// helpers, the known-truth DGP, the real tables with their 20% MCAR held-out cells, and the
// scores (numeric RMSE in sd units, categorical accuracy) of a filled table.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { parse } from 'csv-parse/sync';

import { mulberry32 } from '../../dist/cjs/prng.js';

const BENCH = join(dirname(fileURLToPath(import.meta.url)), '..');

// ---- seeded helpers ------------------------------------------------------------------------
/** Uniforms in (0, 1) from mulberry32 (never 0: normals() takes their log). */
export const uniforms = (seed) => mulberry32(seed, true);
export function normals(seed) {
  const u = uniforms(seed);
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}
export function shuffle(n, seed) {
  const u = uniforms(seed);
  const idx = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(u() * (i + 1));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return idx;
}
export const mean = (a) => a.reduce((s, v) => s + v, 0) / a.length;
export const sd = (a) => {
  const m = mean(a);
  return Math.sqrt(a.reduce((s, v) => s + (v - m) ** 2, 0) / (a.length - 1));
};
export const quantile = (sorted, p) => {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  return sorted[lo] + (h - lo) * ((sorted[Math.min(lo + 1, sorted.length - 1)] ?? sorted[lo]) - sorted[lo]);
};
export async function timed(fn) {
  const t0 = performance.now();
  const value = await fn();
  return { value, seconds: (performance.now() - t0) / 1000 };
}

// ---- 1. known truth ------------------------------------------------------------------------
export const f = (x) => Math.sin(2 * x) + 0.5 * x;
export const s = (x) => 0.2 + 0.15 * Math.abs(x);
export function dgpRows(n, seed) {
  const z = normals(seed);
  return Array.from({ length: n }, () => {
    const x = z();
    return { x, y: f(x) + s(x) * z() };
  });
}
/** The x values where the conditional mean and sd are checked. */
export const TRUTH_GRID = [-1.5, -1, -0.5, 0, 0.5, 1, 1.5];

/** Mean and sd of `draws` draws of y given each grid x (sample options `opts`) beside the truth. */
export async function truthGridRows(model, draws, seed, opts = {}) {
  const rows = [];
  for (const x0 of TRUTH_GRID) {
    const y = (await model.sample(draws, { seed, given: { x: x0 }, ...opts })).map((r) => r.y);
    rows.push({ x: x0, mean: mean(y), sd: sd(y), truthMean: f(x0), truthSd: s(x0) });
  }
  return rows;
}

/**
 * Whether v falls in the 90% interval of draws y: [predictionInterval, the draws' own 5% / 95%
 * quantiles] (the latter cover about 87% even for exact draws, m = 50), as 1 / 0.
 */
export function intervalHits(predictionInterval, y, v) {
  const sorted = y.slice().sort((a, b) => a - b);
  const [lo, hi] = predictionInterval(y, 0.9);
  return [v >= lo && v <= hi ? 1 : 0, v >= quantile(sorted, 0.05) && v <= quantile(sorted, 0.95) ? 1 : 0];
}

/** Coverage of both 90% intervals of 50 imputed draws of y on the rows `test`. */
export async function truthCoverage(model, predictionInterval, test, seed, opts = {}) {
  const tables = await model.impute(test.map((r) => ({ x: r.x, y: null })), { draws: 50, seed, ...opts });
  let hit = 0, hitQ = 0;
  test.forEach((r, i) => {
    const [a, b] = intervalHits(predictionInterval, tables.map((t) => t[i].y), r.y);
    hit += a;
    hitQ += b;
  });
  return { coverage: hit / test.length, coverageQuantiles: hitQ / test.length };
}

/** The worst sd ratio of grid rows: the one farthest from 1. */
export const worstSdRatio = (rows) => rows.map((r) => r.sd / r.truthSd).reduce((w, v) => (Math.abs(v - 1) > Math.abs(w - 1) ? v : w), 1);


// ---- 2. imputation on real tables ----------------------------------------------------------
export const DATASETS = {
  adult: { file: 'adult.csv', categorical: ['workclass', 'education', 'marital-status', 'occupation', 'relationship', 'race', 'sex', 'native-country', 'income'] },
  california_housing: { file: 'california_housing.csv', categorical: ['ocean_proximity'] },
};
const GAP = new Set(['', '?', 'na', 'nan', 'null']);

export function loadTable(name) {
  const ds = DATASETS[name];
  const records = parse(readFileSync(join(BENCH, 'data', ds.file)), { columns: true, skip_empty_lines: true, trim: true });
  const columns = Object.keys(records[0]);
  const complete = records.filter((r) => columns.every((c) => !GAP.has(String(r[c]).toLowerCase())));
  const rows = complete.map((r) => {
    const o = {};
    for (const c of columns) o[c] = ds.categorical.includes(c) ? r[c] : Number(r[c]);
    return o;
  });
  return { columns, categorical: ds.categorical, numeric: columns.filter((c) => !ds.categorical.includes(c)), rows, dropped: records.length - complete.length };
}

/** Train statistics: mean / sd / mode and the feature encoding shared by kNN and MICE. */
export function trainStats(t, train) {
  const st = {};
  for (const c of t.numeric) {
    const v = train.map((r) => r[c]);
    st[c] = { mean: mean(v), sd: sd(v) || 1 };
  }
  for (const c of t.categorical) {
    const counts = new Map();
    for (const r of train) counts.set(r[c], (counts.get(r[c]) ?? 0) + 1);
    const levels = [...counts.keys()].sort();
    st[c] = { levels, mode: [...counts.entries()].sort((a, b) => b[1] - a[1])[0][0] };
  }
  return st;
}


export function score(t, st, truth, masked, filled) {
  let se = 0, nNum = 0, hit = 0, nCat = 0;
  const byColumn = {};
  // Per held-out row: squared errors, numeric cells, hits, categorical cells (for pairedDiff).
  const byRow = truth.map(() => [0, 0, 0, 0]);
  truth.forEach((r, i) => {
    for (const c of t.columns) {
      if (masked[i][c] !== null) continue;
      const b = (byColumn[c] ??= { sum: 0, n: 0 });
      b.n++;
      if (t.categorical.includes(c)) {
        nCat++;
        byRow[i][3]++;
        if (filled[i][c] === r[c]) {
          hit++;
          b.sum++;
          byRow[i][2]++;
        }
      } else {
        nNum++;
        const e = ((Number(filled[i][c]) - r[c]) / st[c].sd) ** 2;
        se += e;
        b.sum += e;
        byRow[i][0] += e;
        byRow[i][1]++;
      }
    }
  });
  // Per column: RMSE in sd units (numeric) or accuracy (categorical), to show where an imputer wins.
  const perColumn = Object.fromEntries(Object.entries(byColumn).map(([c, b]) => [c, t.categorical.includes(c) ? b.sum / b.n : Math.sqrt(b.sum / b.n)]));
  // byRow is left out of the bench's JSON (withoutByRow).
  return { rmseSd: Math.sqrt(se / nNum), accuracy: hit / nCat, numericCells: nNum, categoricalCells: nCat, perColumn, byRow };
}

/** JSON.stringify replacer that drops score()'s per-row sums. */
export const withoutByRow = (key, value) => (key === 'byRow' ? undefined : value);

/** "+0.012 [0.003, 0.021]": a paired difference with its interval, as the benches print it. */
export const signedCi = (d, [lo, hi]) => `${d >= 0 ? '+' : ''}${d.toFixed(3)} [${lo.toFixed(3)}, ${hi.toFixed(3)}]`;

/**
 * Paired difference a - b of two scores of the same held-out cells: numeric RMSE and categorical
 * accuracy, each with a 95% bootstrap interval over held-out rows (rows, not cells, are resampled:
 * a row's cells share its difficulty). An interval that excludes 0 is a difference beyond the
 * held-out sample's noise.
 */
export function pairedDiff(a, b, seed, replicates = 2000) {
  const n = a.byRow.length;
  const stat = (pick) => {
    let seA = 0, seB = 0, nNum = 0, hitA = 0, hitB = 0, nCat = 0;
    for (let k = 0; k < n; k++) {
      const i = pick(k), ra = a.byRow[i], rb = b.byRow[i];
      seA += ra[0];
      seB += rb[0];
      nNum += ra[1];
      hitA += ra[2];
      hitB += rb[2];
      nCat += ra[3];
    }
    return [Math.sqrt(seA / nNum) - Math.sqrt(seB / nNum), (hitA - hitB) / nCat];
  };
  const [rmse, accuracy] = stat((k) => k);
  const u = uniforms(seed);
  const reps = Array.from({ length: replicates }, () => stat(() => Math.floor(u() * n)));
  const ci = (j) => {
    const v = reps.map((r) => r[j]).sort((x, y) => x - y);
    return [quantile(v, 0.025), quantile(v, 0.975)];
  };
  return { rmse, rmseCi: ci(0), accuracy, accuracyCi: ci(1) };
}

/**
 * A table's seeded split: `nTrain` training rows, `nTest` held-out rows, and the held-out rows
 * with each cell removed (null) with probability 0.2 (MCAR).
 */
export function maskedSplit(t, seed, nTrain, nTest) {
  const order = shuffle(t.rows.length, seed + 11);
  const train = order.slice(0, nTrain).map((i) => t.rows[i]);
  const test = order.slice(t.rows.length - nTest).map((i) => t.rows[i]);
  const u = uniforms(seed + 23);
  const masked = test.map((r) => {
    const o = { ...r };
    for (const c of t.columns) if (u() < 0.2) o[c] = null;
    return o;
  });
  return { train, test, masked };
}
