// Evaluation benchmark (issue 15): the built-in GBDT against XGBoost on adult, privacy's nearest
// neighbours at 100k x 100k rows, and the HTML report's render time in headless Chromium.
//
//   node bench/eval.mjs [--only learner,privacy,report] [--seeds 3] [--privacy-rows 100000]
//                       [--threads n] [--no-npm-peer] [--out bench/results/eval]
//
// learner: adult (bench/data/adult.csv), seeded 80/20 split (split seed 0, the shuffle of
//   bench/fidelity-real.mjs), target income. Ours: the utility metric's learner exactly
//   (src/evaluation: categories ranked by training target mean, native/cpu/gbdt.cpp, defaults
//   GBDT_DEFAULTS) on the same rows as XGBoost (bench/peers/xgb_timed.py: ml_efficiency.py's
//   one-hot design and hyper-parameters), same seeds, same thread count. Also the one npm GBDT
//   found, ml-xgboost 1.1.2 (an Emscripten build of XGBoost, last published 2018), installed on
//   first use into a scratch folder outside the project (/tmp/mlxgb-peer or BENCH_MLXGB_DIR);
//   skipped with the reason when it does not install or run.
// privacy: privacy() of a 100k-row table against a 100k-row table (6 normal columns, 2 columns
//   of 8 categories: 22 coordinates), then adult as the report computes it.
// report: report() on adult (train split as real, a Gaussian-copula sample of it as the
//   synthetic table, the 20% as holdout), then page load to "every chart rendered" in Chromium.
// Times are wall-clock on whatever else the machine is doing; nothing here asserts a time.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { parse } from 'csv-parse/sync';

import { mulberry32 } from '../dist/cjs/prng.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');
const require = createRequire(import.meta.url);
const td = require(join(ROOT, 'dist/cjs/index.js'));
const { readSameColumns } = require(join(ROOT, 'dist/cjs/evaluation/tables.js'));
const { categoryRanks, treeDesign } = require(join(ROOT, 'dist/cjs/evaluation/features.js'));
const { rocAuc } = require(join(ROOT, 'dist/cjs/evaluation/scores.js'));
const PYTHON = process.env.BENCH_PYTHON ?? '/usr/bin/python3';

function parseArgs(argv) {
  const a = { only: ['learner', 'privacy', 'report'], seeds: 3, privacyRows: 100000, threads: cpus().length, npmPeer: true, out: join(HERE, 'results', 'eval') };
  for (let i = 0; i < argv.length; i++) {
    const [k, inline] = argv[i].split('=');
    const v = () => inline ?? argv[++i];
    if (k === '--only') a.only = v().split(',');
    else if (k === '--seeds') a.seeds = Number(v());
    else if (k === '--privacy-rows') a.privacyRows = Number(v());
    else if (k === '--threads') a.threads = Number(v());
    else if (k === '--no-npm-peer') a.npmPeer = false;
    else if (k === '--out') a.out = v();
    else throw new Error(`unknown argument ${k}`);
  }
  return a;
}

const log = (s) => process.stderr.write(`${s}\n`);
const secs = (t0) => (performance.now() - t0) / 1000;
/** CPU seconds (all threads) since c0 = process.cpuUsage(): on a loaded machine, the load-free cost. */
const cpuSecs = (c0) => {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
};
const mean = (xs) => xs.reduce((s, x) => s + x, 0) / xs.length;
const f = (x, d = 4) => (x === null || x === undefined ? '-' : x.toFixed(d));

/** bench/fidelity-real.mjs's split: mulberry32 uniforms, Fisher-Yates. */
function shuffled(rows, seed) {
  const u = mulberry32(seed);
  const out = rows.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(u() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

function adultSplit() {
  const rows = parse(readFileSync(join(ROOT, 'bench/data/adult.csv')), { columns: true, trim: true, skip_empty_lines: true });
  const all = shuffled(rows, 0);
  const cut = Math.round(all.length * 0.8);
  return { columns: Object.keys(rows[0]), train: all.slice(0, cut), test: all.slice(cut) };
}

const toCsv = (columns, rows) => [columns.join(','), ...rows.map((r) => columns.map((c) => (/[",]/.test(r[c]) ? `"${r[c].replace(/"/g, '""')}"` : r[c])).join(','))].join('\n') + '\n';

// ------------------------------------------------------------------------------------------
async function learner(args, tmp) {
  const { columns, train, test } = adultSplit();
  const target = 'income';
  const read = readSameColumns([{ name: 'train', table: train }, { name: 'test', table: test }]);
  const t = read.names.indexOf(target);
  const tc = read.columns.map((cols) => cols[t]);
  const positive = tc[0].categories.length - 1; // '>50K' sorts last, as ml_efficiency.py picks
  const yOf = (c) => Float64Array.from(c.codes, (k) => (k === positive ? 1 : 0));
  const [ytr, yte] = tc.map(yOf);
  const feats = read.columns.map((cols) => cols.filter((_, j) => j !== t));
  const categorical = feats[0].filter((c) => c.kind === 'categorical').map((c) => c.name);
  const ours = [];
  for (let seed = 0; seed < args.seeds; seed++) {
    const t0 = performance.now();
    const ranks = categoryRanks(feats[0], ytr);
    const xtr = treeDesign(feats[0], ranks, train.length);
    const xte = treeDesign(feats[1], ranks, test.length);
    const encode = secs(t0);
    const t1 = performance.now();
    const c1 = process.cpuUsage();
    const model = td.fitGbdt(xtr, train.length, feats[0].length, ytr, 'binary', 2, { seed, threads: args.threads });
    const fit = secs(t1);
    const fitCpu = cpuSecs(c1);
    const t2 = performance.now();
    const m = td.predictGbdt(model, xte, test.length, args.threads);
    const predict = secs(t2);
    let ok = 0;
    for (let i = 0; i < m.length; i++) ok += (m[i] > 0 ? 1 : 0) === yte[i] ? 1 : 0;
    ours.push({ seed, encodeSeconds: encode, fitSeconds: fit, fitCpuSeconds: fitCpu, predictSeconds: predict, auc: rocAuc(m, yte), accuracy: ok / m.length });
    log(`  ours seed ${seed}: AUC ${f(ours.at(-1).auc)} acc ${f(ours.at(-1).accuracy)} fit ${f(fit, 2)} s`);
  }
  // The utility metric runs this very learner: its train-on-real AUC is seed 0's.
  const u = td.utility(train, train, { target, holdout: test, learner: { threads: args.threads } });

  writeFileSync(join(tmp, 'train.csv'), toCsv(columns, train));
  writeFileSync(join(tmp, 'test.csv'), toCsv(columns, test));
  const spec = { train: join(tmp, 'train.csv'), test: join(tmp, 'test.csv'), target, categorical, seeds: ours.map((o) => o.seed), threads: args.threads };
  writeFileSync(join(tmp, 'xgb.json'), JSON.stringify(spec));
  let xgb;
  try {
    // OpenMP's default spin-waiting makes XGBoost ~10x slower on a loaded machine (53 s against
    // 5.6 s measured here under load 10 on 2 cores); passive waiting is the fair comparison.
    const env = { ...process.env, OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'PASSIVE' };
    xgb = JSON.parse(execFileSync(PYTHON, [join(HERE, 'peers', 'xgb_timed.py'), join(tmp, 'xgb.json')], { encoding: 'utf8', maxBuffer: 1 << 24, env }));
    xgb.ompWaitPolicy = env.OMP_WAIT_POLICY;
    for (const r of xgb.runs) log(`  xgboost seed ${r.seed}: AUC ${f(r.auc)} acc ${f(r.accuracy)} fit ${f(r.fitSeconds, 2)} s`);
  } catch (e) {
    xgb = { error: `python3-xgboost did not run (sh bench/setup installs it): ${String(e.message).split('\n')[0]}` };
    log(`  ${xgb.error}`);
  }
  const npm = args.npmPeer ? await mlXgboost(train, test, target, categorical, args.seeds) : { skipped: '--no-npm-peer' };
  return { rows: { train: train.length, test: test.length }, threads: args.threads, ours, utilityRealAuc: u.real.auc, xgboost: xgb, mlXgboost: npm };
}

/** ml-xgboost (npm) on the one-hot design of ml_efficiency.py; a scratch install outside the project. */
async function mlXgboost(train, test, target, categorical, seeds) {
  const dir = process.env.BENCH_MLXGB_DIR ?? '/tmp/mlxgb-peer';
  try {
    if (!existsSync(join(dir, 'node_modules', 'ml-xgboost'))) {
      mkdirSync(dir, { recursive: true });
      execFileSync('npm', ['install', '--no-save', '--prefix', dir, 'ml-xgboost@1.1.2'], { stdio: 'ignore' });
    }
    const XGBoost = await createRequire(join(dir, 'package.json'))('ml-xgboost');
    const features = Object.keys(train[0]).filter((c) => c !== target);
    const numeric = features.filter((c) => !categorical.includes(c));
    const levels = Object.fromEntries(categorical.map((c) => [c, [...new Set([...train, ...test].map((r) => r[c]).filter((v) => v !== '?' && v !== ''))].sort()]));
    const design = (rows) => rows.map((r) => [...numeric.map((c) => Number(r[c])), ...categorical.flatMap((c) => levels[c].map((l) => (r[c] === l ? 1 : 0)))]);
    const X = design(train), Xt = design(test);
    const y = train.map((r) => (r[target] === '>50K' ? 1 : 0)), yt = test.map((r) => (r[target] === '>50K' ? 1 : 0));
    const runs = [];
    for (let seed = 0; seed < seeds; seed++) {
      const booster = new XGBoost({
        booster: 'gbtree', objective: 'binary:logistic', max_depth: 6, eta: 0.05, subsample: 0.8, colsample_bytree: 0.8,
        min_child_weight: 1, iterations: 400, silent: 1, seed,
      });
      const t0 = performance.now();
      booster.train(X, y);
      const fit = secs(t0);
      const p = booster.predict(Xt);
      booster.free();
      let ok = 0;
      for (let i = 0; i < p.length; i++) ok += (p[i] >= 0.5 ? 1 : 0) === yt[i] ? 1 : 0;
      runs.push({ seed, fitSeconds: fit, auc: rocAuc(Float64Array.from(p), Float64Array.from(yt)), accuracy: ok / p.length });
      log(`  ml-xgboost seed ${seed}: AUC ${f(runs.at(-1).auc)} acc ${f(runs.at(-1).accuracy)} fit ${f(fit, 2)} s`);
    }
    return { version: '1.1.2 (published 2018; XGBoost compiled to WebAssembly, one thread; its default tree method)', runs };
  } catch (e) {
    log(`  ml-xgboost skipped: ${String(e.message).split('\n')[0]}`);
    return { skipped: String(e.message).split('\n')[0] };
  }
}

// ------------------------------------------------------------------------------------------
function synthTable(n, seed) {
  const u = mulberry32(seed, true);
  const normal = () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  const cols = {};
  for (let j = 0; j < 6; j++) cols[`x${j}`] = Float64Array.from({ length: n }, normal);
  for (let j = 0; j < 2; j++) cols[`c${j}`] = Array.from({ length: n }, () => `k${Math.floor(u() * 8)}`);
  return cols;
}

function privacyBench(args) {
  const n = args.privacyRows;
  const train = synthTable(n, 1), syn = synthTable(n, 2);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const p = td.privacy(train, syn, { threads: args.threads });
  const wide = { rows: n, dims: p.dims, seconds: secs(t0), cpuSeconds: cpuSecs(c0), medianDcr: p.medianDcr.synthetic, exactCopies: p.exactCopies };
  log(`  privacy ${n} x ${n}, ${p.dims} coordinates: ${f(wide.seconds, 2)} s (${f(wide.cpuSeconds, 2)} CPU s)`);
  const { train: atrain, test } = adultSplit();
  const asyn = td.gaussianCopulaSample(atrain, atrain.length, 0);
  const t1 = performance.now();
  const c1 = process.cpuUsage();
  const pa = td.privacy(atrain, asyn, { holdout: test, threads: args.threads });
  const adult = { train: atrain.length, synthetic: asyn.length, holdout: test.length, dims: pa.dims, seconds: secs(t1), cpuSeconds: cpuSecs(c1), dcrShare: pa.dcrShare };
  log(`  privacy adult (${atrain.length} + ${test.length} queries vs ${atrain.length}, ${pa.dims} coordinates): ${f(adult.seconds, 2)} s`);
  return { synthetic100k: wide, adult };
}

// ------------------------------------------------------------------------------------------
async function reportBench(args, tmp) {
  const { train, test } = adultSplit();
  const syn = td.gaussianCopulaSample(train, train.length, 0);
  const t0 = performance.now();
  const html = td.report(train, syn, { target: 'income', holdout: test, title: 'adult: Gaussian copula sample (bench)' });
  const build = secs(t0);
  const file = join(tmp, 'adult-report.html');
  writeFileSync(file, html);
  log(`  report() on adult: ${f(build, 1)} s, ${(html.length / 1e6).toFixed(2)} MB`);
  const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
  if (!chromium) return { buildSeconds: build, bytes: html.length, render: { skipped: 'no Chromium (apt-get install chromium)' } };
  const { default: puppeteer } = await import('puppeteer-core');
  const browser = await puppeteer.launch({ executablePath: chromium, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  const runs = [];
  try {
    for (let r = 0; r < 3; r++) {
      const page = await browser.newPage();
      const t1 = performance.now();
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
      await page.waitForFunction(() => document.body.dataset.rendered !== undefined, { timeout: 60000 });
      const wall = secs(t1);
      const s = await page.evaluate(() => ({ state: document.body.dataset.rendered, ms: Number(document.body.dataset.renderMs), charts: document.querySelectorAll('.vega-chart svg').length }));
      runs.push({ loadToRenderedSeconds: wall, chartsSeconds: s.ms / 1000, charts: s.charts, state: s.state });
      log(`  render ${r + 1}: ${f(wall, 2)} s from navigation (${s.charts} charts, ${f(s.ms / 1000, 2)} s in the render script)`);
      await page.close();
    }
  } finally {
    await browser.close();
  }
  return { buildSeconds: build, bytes: html.length, render: runs };
}

// ------------------------------------------------------------------------------------------
function markdown(r) {
  const lines = [`# bench/eval.mjs`, '', `${r.machine}`, ''];
  if (r.learner) {
    const L = r.learner;
    lines.push(`## Learner on adult (${L.rows.train} train / ${L.rows.test} test rows, ${L.threads} threads, seeds ${L.ours.map((o) => o.seed).join(', ')})`, '');
    lines.push('| learner | AUC (mean) | accuracy (mean) | fit wall s (mean) | AUC per seed |', '|---|---|---|---|---|');
    const row = (name, runs) => runs && runs.length ? `| ${name} | ${f(mean(runs.map((x) => x.auc)))} | ${f(mean(runs.map((x) => x.accuracy)))} | ${f(mean(runs.map((x) => x.fitSeconds)), 2)}${runs[0].fitCpuSeconds !== undefined ? ` (${f(mean(runs.map((x) => x.fitCpuSeconds)), 2)} CPU s)` : ''} | ${runs.map((x) => f(x.auc)).join(', ')} |` : `| ${name} | - | - | - | ${'skipped'} |`;
    lines.push(row('ours (native/cpu/gbdt.cpp)', L.ours));
    lines.push(row(`XGBoost ${L.xgboost.version ?? ''} (python3-xgboost, hist)`, L.xgboost.runs));
    lines.push(row('ml-xgboost 1.1.2 (npm)', L.mlXgboost.runs));
    if (L.xgboost.runs) {
      const d = mean(L.ours.map((o) => o.auc)) - mean(L.xgboost.runs.map((x) => x.auc));
      const da = mean(L.ours.map((o) => o.accuracy)) - mean(L.xgboost.runs.map((x) => x.accuracy));
      lines.push('', `AUC ours - XGBoost: ${d >= 0 ? '+' : ''}${f(d)} (target: within 0.01); accuracy: ${da >= 0 ? '+' : ''}${f(da)}. utility()'s train-on-real AUC: ${f(L.utilityRealAuc)}.`);
    }
    if (L.mlXgboost.skipped) lines.push('', `ml-xgboost: skipped (${L.mlXgboost.skipped}).`);
    lines.push('');
  }
  if (r.privacy) {
    const P = r.privacy;
    lines.push('## privacy()', '', '| tables | coordinates | wall s | CPU s (all threads) |', '|---|---|---|---|');
    lines.push(`| ${P.synthetic100k.rows} synthetic rows vs ${P.synthetic100k.rows} training rows (6 numeric, 2 x 8 categories) | ${P.synthetic100k.dims} | ${f(P.synthetic100k.seconds, 2)} | ${f(P.synthetic100k.cpuSeconds, 2)} |`);
    lines.push(`| adult: ${P.adult.synthetic} synthetic + ${P.adult.holdout} holdout rows vs ${P.adult.train} training rows | ${P.adult.dims} | ${f(P.adult.seconds, 2)} | ${f(P.adult.cpuSeconds, 2)} |`, '');
  }
  if (r.report) {
    const R = r.report;
    lines.push('## report() on adult', '', `Built in ${f(R.buildSeconds, 1)} s (${(R.bytes / 1e6).toFixed(2)} MB).`);
    if (Array.isArray(R.render)) lines.push(`Chromium, navigation to every chart rendered: ${R.render.map((x) => `${f(x.loadToRenderedSeconds, 2)} s`).join(', ')} (${R.render[0].charts} charts; target: under 3 s).`);
    else lines.push(`Render: ${R.render.skipped}.`);
    lines.push('');
  }
  return lines.join('\n');
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const tmp = mkdtempSync(join(tmpdir(), 'tabdiff-eval-bench-'));
  const machine = `Machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}; load average at start ${loadavg().map((x) => x.toFixed(1)).join(' ')}; node ${process.version}; ${new Date().toISOString()}`;
  const result = { machine };
  log(machine);
  if (args.only.includes('learner')) (log('learner'), (result.learner = await learner(args, tmp)));
  if (args.only.includes('privacy')) (log('privacy'), (result.privacy = privacyBench(args)));
  if (args.only.includes('report')) (log('report'), (result.report = await reportBench(args, tmp)));
  result.loadAtEnd = loadavg();
  const md = markdown(result);
  mkdirSync(dirname(args.out), { recursive: true });
  writeFileSync(`${args.out}.json`, JSON.stringify(result, null, 2));
  writeFileSync(`${args.out}.md`, md);
  process.stdout.write(`${md}\n`);
}

main().catch((e) => {
  process.stderr.write(`${e.stack ?? e}\n`);
  process.exitCode = 1;
});
