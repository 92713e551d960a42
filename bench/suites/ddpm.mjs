// DDPM suite for one configuration: training and sampling, ours vs the PyTorch peer on the
// same standardised matrix, network, schedule, batch, chunk and thread count. Each job runs in
// its own child process (so its peak RSS is its own); ours and the peer alternate which goes
// first from cell to cell.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { likeForLike } from '../lib/checks.mjs';
import { runNodeJob, runPythonJob } from '../lib/child.mjs';
import { lalondeMatrix, moments, syntheticMatrix, writeMatrix } from '../lib/data.mjs';
import { executedSampleFlopsPerRowStep, forwardFlopsPerRow, trainFlopsPerStep } from '../lib/flops.mjs';
import { HERE } from '../lib/paths.mjs';
import { fmt, fmtMB, fmtPct, fmtRatio, ratio } from '../lib/stats.mjs';
import { markdownTable } from '../lib/table.mjs';

const OURS = join(HERE, 'jobs', 'ours_ddpm.mjs');
const TORCH = join(HERE, 'peers', 'torch_ddpm.py');

function torchJob(ctx, cfg, data, extra) {
  const job = {
    data: data.path, rows: data.rows, cols: data.cols, hidden: cfg.hiddenDims, timeDim: cfg.timeDim, T: cfg.nTimesteps,
    betaStart: cfg.betaStart, betaEnd: cfg.betaEnd, batch: cfg.batchSize, steps: cfg.trainSteps, lr: cfg.lr, seed: 0,
    threads: ctx.threads, windows: 10, ...extra,
  };
  const path = join(ctx.tmpDir, `torch-${cfg.name}-${ctx.seq++}.json`);
  writeFileSync(path, JSON.stringify(job));
  return runPythonJob(TORCH, [path], ctx.threads, { timeoutMs: 60 * 60 * 1000 });
}

function prepareData(ctx, cfg) {
  const m = cfg.data === 'lalonde' ? lalondeMatrix(cfg.transformer) : syntheticMatrix(cfg.rows, cfg.d);
  const path = writeMatrix(join(ctx.tmpDir, `${cfg.name}-data.f32`), m);
  return { path, rows: m.rows, cols: m.cols, moments: moments(m) };
}

export async function ddpmSuite(ctx, cfg0) {
  const { log, threads } = ctx;
  const data = prepareData(ctx, cfg0);
  const cfg = { ...cfg0, d: data.cols };
  const peersOn = !ctx.noPeers;
  const oursModel = join(ctx.tmpDir, `${cfg.name}-ours.${cfg.synthesizer ? 'tdm' : 'f32'}`);
  const torchModel = join(ctx.tmpDir, `${cfg.name}-torch.pt`);
  const base = { cfg, dataPath: data.path, rows: data.rows, cols: data.cols, threads, seed: 0 };

  log(`${cfg.name}: training ${cfg.trainSteps} steps (ours, then PyTorch)`);
  const oursTrain = await runNodeJob(OURS, { ...base, mode: 'train', savePath: oursModel, moments: cfg.moments });
  const torchTrain = peersOn ? await torchJob(ctx, cfg, data, { save: torchModel, moments: cfg.moments }) : undefined;

  const cells = [];
  let flip = false;
  for (const cell of cfg.sample) {
    const spec = { n: cell.n, sampler: cell.sampler, steps: cell.steps, reps: cell.reps, chunk: cfg.chunk };
    const withPeer = peersOn && cfg.peerSample(cell);
    log(`${cfg.name}: sampling n = ${cell.n} ${cell.name}${withPeer ? ' (ours and PyTorch)' : ''}`);
    const runOurs = () => runNodeJob(OURS, { ...base, mode: 'sample', loadPath: oursModel, sample: [spec] });
    const runTorch = () => torchJob(ctx, cfg, data, { load: torchModel, sample: [spec] });
    let ours, peer;
    if (withPeer && flip) {
      peer = await runTorch();
      ours = await runOurs();
    } else {
      ours = await runOurs();
      if (withPeer) peer = await runTorch();
    }
    flip = !flip;
    cells.push({ ...cell, ours: { ...ours.sample[0], maxRssKB: ours.maxRssKB }, peer: peer ? { ...peer.sample[0], maxRssKB: peer.maxRssKB } : null });
  }
  const checks = peersOn ? likeForLike(oursTrain, torchTrain, data.moments) : [];
  return { cfg, data: { rows: data.rows, cols: data.cols, moments: data.moments }, oursTrain, torchTrain, cells, checks, oursModel };
}

/** Table rows of one configuration (needs the GEMM suite's limits when it ran). */
export function ddpmTable(run, gemm) {
  const { cfg, oursTrain, torchTrain, cells } = run;
  const limit = gemm?.summary?.[cfg.name];
  const fwd = forwardFlopsPerRow(cfg), exec = executedSampleFlopsPerRowStep(cfg), trainF = trainFlopsPerStep(cfg);
  const rows = [];
  const ot = oursTrain.train.medianStepsPerCpuSec, pt = torchTrain?.train?.medianStepsPerCpuSec;
  rows.push([cfg.name, `train ${cfg.trainSteps} steps`, 'steps/s', fmt(ot), fmt(pt), fmtRatio(ratio(ot, pt)),
    (ot * trainF / 1e9).toFixed(1), pt ? (pt * trainF / 1e9).toFixed(1) : '—', limit ? fmtPct((ot * trainF / 1e9) / limit.train.openblas) : '—',
    fmtMB(oursTrain.maxRssKB), fmtMB(torchTrain?.maxRssKB)]);
  for (const c of cells) {
    const o = c.ours.rowStepsPerCpuSec, p = c.peer?.rowStepsPerCpuSec;
    rows.push([cfg.name, `sample n=${fmt(c.n)} ${c.name}`, 'row-steps/s', fmt(o), fmt(p), fmtRatio(ratio(o, p)),
      (o * fwd / 1e9).toFixed(1), p ? (p * fwd / 1e9).toFixed(1) : '—', limit ? fmtPct((o * exec / 1e9) / limit.sample.openblas) : '—',
      fmtMB(c.ours.maxRssKB), fmtMB(c.peer?.maxRssKB)]);
  }
  return rows;
}

export const DDPM_HEADER = ['config', 'job', 'unit', 'ours', 'PyTorch', 'ours / PyTorch', 'ours GFLOP/s', 'PyTorch GFLOP/s',
  'ours % of sgemm limit', 'ours peak RSS', 'PyTorch peak RSS'];

export function checksTable(run) {
  return markdownTable(['check', 'ours', 'PyTorch', 'limit', 'result'],
    run.checks.map((c) => [c.check, c.ours.toFixed(3), c.peer.toFixed(3), c.limit, c.pass ? 'pass' : 'FAIL']));
}
