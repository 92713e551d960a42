#!/usr/bin/env node
// tabular-diffusion benchmarks: ours next to PyTorch, OpenBLAS (through numpy) and
// onnxruntime-node on the same data and configuration. Prints markdown tables and writes
// bench/results/*.json (see bench/README.md).
//
//   node bench/run.mjs [--quick] [--only=gemm,trex,wide,lalonde,ort,growth,fidelity] [--threads=N] [--no-peers]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { configs as makeConfigs, fidelityPlan, growthRows } from './configs.mjs';
import { buildProblems, library, ROOT, snapshotLibrary } from './lib/library.mjs';
import { lalondeMatrix } from './lib/data.mjs';
import { machineInfo, machineLine, sourceInfo } from './lib/machine.mjs';
import { HERE, RESULTS } from './lib/paths.mjs';
import { fmt, fmtPct, fmtRatio, ratio } from './lib/stats.mjs';
import { markdownTable } from './lib/table.mjs';
import { ddpmSuite, ddpmTable, DDPM_HEADER, checksTable } from './suites/ddpm.mjs';
import { fidelitySuite } from './suites/fidelity.mjs';
import { gemmSuite } from './suites/gemm.mjs';
import { growthSuite } from './suites/growth.mjs';
import { ortSuite } from './suites/ort.mjs';

const ALL = ['gemm', 'trex', 'wide', 'lalonde', 'ort', 'growth', 'fidelity'];

function parseArgs(argv) {
  const args = { quick: false, only: ALL, threads: 1, noPeers: false };
  for (const a of argv) {
    if (a === '--quick') args.quick = true;
    else if (a === '--no-peers') args.noPeers = true;
    else if (a.startsWith('--only=')) {
      args.only = a.slice(7).split(',').map((s) => s.trim()).filter(Boolean);
      const bad = args.only.filter((n) => !ALL.includes(n));
      if (bad.length) throw new Error(`--only: unknown benchmark(s) ${bad.join(', ')}; known: ${ALL.join(', ')}`);
    } else if (a.startsWith('--threads=')) args.threads = Number(a.slice(10));
    else if (a === '--help' || a === '-h') {
      console.log(`usage: npm run bench -- [--quick] [--only=${ALL.join(',')}] [--threads=N] [--no-peers]`);
      process.exit(0);
    } else throw new Error(`unknown argument ${a} (try --help)`);
  }
  if (!Number.isInteger(args.threads) || args.threads < 1) throw new Error('--threads: expected a positive integer');
  return args;
}

/** The issue-2 targets, reported (never asserted). */
function headline(results, configs) {
  const rows = [];
  const gemm = results.gemm?.summary;
  const trex = results.trex;
  if (gemm?.trex) {
    rows.push(['GEMM, Trex training-step shapes (GFLOP/s)', gemm.trex.train.ours.toFixed(1), `OpenBLAS ${gemm.trex.train.openblas.toFixed(1)}`, fmtPct(gemm.trex.train.fraction), 'report only', '—']);
    rows.push(['GEMM, Trex sampling-step shapes (GFLOP/s)', gemm.trex.sample.ours.toFixed(1), `OpenBLAS ${gemm.trex.sample.openblas.toFixed(1)}`, fmtPct(gemm.trex.sample.fraction), 'report only', '—']);
  }
  if (gemm?.wide) {
    const w = gemm.wide.train;
    rows.push(['GEMM, wide-net training-step shapes (GFLOP/s)', w.ours.toFixed(1), `OpenBLAS ${w.openblas.toFixed(1)}`, fmtPct(w.fraction), '>= 85% of OpenBLAS', w.fraction >= 0.85 ? 'met' : 'not met']);
  }
  if (trex) {
    const ot = trex.oursTrain.train.medianStepsPerCpuSec, pt = trex.torchTrain?.train?.medianStepsPerCpuSec;
    const r = ratio(ot, pt);
    rows.push(['Training steps/s (Trex, 1 thread)', fmt(ot), `PyTorch ${fmt(pt)}`, fmtRatio(r), '>= 2500 and >= 3x PyTorch',
      `${ot >= 2500 ? 'met' : 'not met'} / ${r >= 3 ? 'met' : Number.isFinite(r) ? 'not met' : '—'}`]);
    const cell = trex.cells.find((c) => c.n === 1e4 && c.name === 'DDPM-100');
    if (cell) {
      const o = cell.ours.rowStepsPerCpuSec, p = cell.peer?.rowStepsPerCpuSec;
      const rs = ratio(o, p);
      rows.push(['Sampling row-steps/s (Trex, DDPM-100, n = 10k, 1 thread)', fmt(o), `PyTorch ${fmt(p)}`, fmtRatio(rs), '>= 3M and >= 5x PyTorch',
        `${o >= 3e6 ? 'met' : 'not met'} / ${rs >= 5 ? 'met' : Number.isFinite(rs) ? 'not met' : '—'}`]);
    }
    const best = Math.max(...trex.cells.map((c) => c.ours.rowStepsPerCpuSec));
    rows.push(['Sampling row-steps/s, best Trex cell', fmt(best), '', '', '>= 3M', best >= 3e6 ? 'met' : 'not met']);
  }
  void configs;
  return rows.length ? markdownTable(['headline (issue 2)', 'ours', 'peer', 'ratio', 'target', 'target met?'], rows) : '';
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const problems = buildProblems();
  if (problems.length) {
    console.error(`bench: cannot run:\n  ${problems.join('\n  ')}\n(or \`npm run compile\` for both)`);
    process.exit(1);
  }
  const started = Date.now();
  const machine = machineInfo();
  const source = sourceInfo(ROOT);
  const tmpDir = mkdtempSync(join(tmpdir(), 'td-bench-'));
  snapshotLibrary(join(tmpDir, 'lib'));
  const backend = library().nativeOps().backendInfo();
  const configs = makeConfigs({ quick: args.quick });
  // Lalonde's width is what the transformer makes of it (race one-hot): used by every suite.
  configs.lalonde.d = lalondeMatrix(configs.lalonde.transformer).cols;
  const log = (line) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);
  const ctx = { quick: args.quick, threads: args.threads, noPeers: args.noPeers, configs, tmpDir, log, seq: 0 };
  const want = (name) => args.only.includes(name);
  const results = {};
  const sections = [];
  const runs = {};
  const mode = args.only.length === ALL.length ? (args.quick ? 'quick' : 'full') : `partial-${args.only.join('+')}${args.quick ? '-quick' : ''}`;
  log(`machine: ${machineLine(machine)}; our GEMM kernel ${backend.gemmKernel}; threads ${args.threads}; mode ${mode}`);

  try {
    if (want('gemm')) {
      const g = await gemmSuite(ctx);
      results.gemm = g.result;
      sections.push(...g.sections);
    }
    const ddpmRows = [];
    for (const name of ['trex', 'wide', 'lalonde']) {
      if (!want(name)) continue;
      const run = await ddpmSuite(ctx, configs[name]);
      runs[name] = run;
      results[name] = { ...run, cfg: { ...run.cfg, peerSample: undefined } };
      ddpmRows.push(...ddpmTable(run, results.gemm));
      if (run.checks.length) sections.push({ title: `Like-for-like checks, ${run.cfg.title}`, body: checksTable(run) });
    }
    if (ddpmRows.length) {
      sections.unshift({
        title: `Training and sampling, ${args.threads} thread(s) on both sides (rates per process CPU-second, median of windows / repeats; GFLOP/s count the nominal MLP FLOPs 2*sum(in*out) per row, training 3x)`,
        body: markdownTable(DDPM_HEADER, ddpmRows),
      });
    }
    if (want('ort')) {
      const o = await ortSuite(ctx, runs);
      results.ort = o.result;
      sections.push(...o.sections);
    }
    if (want('growth')) {
      const svgPath = mode === 'full' ? join(HERE, 'cost-growth.svg') : join(RESULTS, `cost-growth-${mode}.svg`);
      mkdirSync(RESULTS, { recursive: true });
      const g = await growthSuite(ctx, runs, growthRows({ quick: args.quick }), svgPath);
      results.growth = g.result;
      sections.push(...g.sections);
    }
    if (want('fidelity')) {
      const f = await fidelitySuite(ctx, fidelityPlan({ quick: args.quick }));
      results.fidelity = f.result;
      sections.push(...f.sections);
    }
  } finally {
    rmSync(tmpDir, { recursive: true, force: true });
  }

  const seconds = (Date.now() - started) / 1000;
  const head = headline({ ...results, trex: runs.trex }, configs);
  const torchVersion = runs.trex?.torchTrain?.torch ?? runs.wide?.torchTrain?.torch ?? runs.lalonde?.torchTrain?.torch;
  const header = [
    `# tabular-diffusion benchmarks (${mode}, ${new Date(started).toISOString()})`,
    '',
    `Machine: ${machineLine(machine)}.`,
    `Ours: ${source.line} (built library copied at start), ${backend.backend} backend, GEMM kernel ${backend.gemmKernel}, ${args.threads} thread(s). Peers: PyTorch ${torchVersion ?? '(not run)'}` +
      `${results.gemm ? `, numpy ${results.gemm.openblas.numpy} on ${results.gemm.openblas.config} (core ${results.gemm.openblas.corename})` : ''}` +
      `${results.ort && !results.ort.skipped ? `, onnxruntime-node ${results.ort.trex?.ortVersion}` : ''}. Total time ${seconds.toFixed(0)} s.`,
  ];
  const markdown = [...header, '', ...(head ? ['## Headline', '', head, ''] : []), ...sections.flatMap((s) => [`## ${s.title}`, '', s.body, ''])].join('\n');
  console.log(markdown);

  mkdirSync(RESULTS, { recursive: true });
  const json = JSON.stringify({ mode, started: new Date(started).toISOString(), seconds, args, machine, source, backend, torch: torchVersion, results }, null, 1);
  const stamp = new Date(started).toISOString().replace(/[:.]/g, '-');
  const latest = mode === 'full' ? 'latest' : `latest-${mode}`;
  writeFileSync(join(RESULTS, `${latest}.json`), json);
  writeFileSync(join(RESULTS, `${latest}.md`), markdown + '\n');
  writeFileSync(join(RESULTS, `${stamp}-${mode}.json`), json);
  log(`wrote bench/results/${latest}.json, ${latest}.md and ${stamp}-${mode}.json (${seconds.toFixed(0)} s)`);
}

main().catch((err) => {
  console.error(err?.stack ?? err);
  process.exit(1);
});
