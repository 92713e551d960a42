// Child job: our side of a DDPM configuration. Trains (TabularDiffusion on the matrix, or
// TabularSynthesizer on the Lalonde rows), or loads a trained model, then times sampling.
// Spec (JSON argument): { cfg, mode: 'train' | 'sample', dataPath, savePath, loadPath, threads,
//   seed, moments: { n, sampler, steps }, sample: [{ n, sampler, steps, reps, chunk }] }
// Prints one JSON object: train figures, loss windows, sample moments, rates, maxRssKB.
import { readFileSync, writeFileSync } from 'node:fs';

import { lalondeRows, moments, readMatrix } from '../lib/data.mjs';
import { library } from '../lib/library.mjs';
import { median } from '../lib/stats.mjs';

/** CPU seconds (user + system) of this process so far: robust to other load on the machine. */
const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

const spec = JSON.parse(process.argv[2]);
const { cfg } = spec;
const lib = library();
const options = {
  hiddenDims: cfg.hiddenDims, timeDim: cfg.timeDim, nTimesteps: cfg.nTimesteps, schedule: 'linear',
  betaStart: cfg.betaStart, betaEnd: cfg.betaEnd, batchSize: cfg.batchSize, maxSteps: cfg.trainSteps,
  lr: cfg.lr, weightDecay: 0, seed: spec.seed ?? 0, threads: spec.threads,
};

async function train() {
  const windows = 10;
  const interval = Math.max(1, Math.floor(cfg.trainSteps / windows));
  const lossWindows = [], rates = [], cpuRates = [];
  let last = performance.now(), lastCpu = cpuSeconds();
  const onProgress = ({ loss }) => {
    const now = performance.now(), cpu = cpuSeconds();
    lossWindows.push(loss);
    rates.push((interval * 1000) / (now - last));
    cpuRates.push(interval / (cpu - lastCpu));
    last = now;
    lastCpu = cpu;
  };
  let diffusion, synth;
  const start = performance.now(), startCpu = cpuSeconds();
  last = start;
  lastCpu = startCpu;
  if (cfg.synthesizer) {
    synth = new lib.TabularSynthesizer({ ...cfg.synthesizer, ...options });
    // TabularSynthesizer.fit has no progressInterval: its default is maxSteps / 100 windows.
    const fine = [];
    let fineLast = start, fineCpu = startCpu;
    await synth.fit(lalondeRows(), {
      onProgress: ({ loss }) => {
        const now = performance.now(), cpu = cpuSeconds();
        fine.push({ loss, ms: now - fineLast, cpu: cpu - fineCpu });
        fineLast = now;
        fineCpu = cpu;
      },
    });
    // Fold the 100 reports into 10 windows of mean loss.
    const per = Math.max(1, Math.floor(fine.length / windows));
    for (let w = 0; w + per <= fine.length && lossWindows.length < windows; w += per) {
      const part = fine.slice(w, w + per);
      lossWindows.push(part.reduce((s, p) => s + p.loss, 0) / part.length);
      const steps = per * Math.max(1, Math.floor(cfg.trainSteps / 100));
      rates.push((steps * 1000) / part.reduce((s, p) => s + p.ms, 0));
      cpuRates.push(steps / part.reduce((s, p) => s + p.cpu, 0));
    }
    diffusion = synth.diffusion;
  } else {
    const x = readMatrix(spec.dataPath, spec.rows, spec.cols);
    diffusion = new lib.TabularDiffusion(options);
    await diffusion.fit(x, { onProgress, progressInterval: interval });
  }
  const seconds = (performance.now() - start) / 1000;
  const out = {
    steps: cfg.trainSteps, seconds, cpuSeconds: cpuSeconds() - startCpu, stepsPerSec: cfg.trainSteps / seconds, windowStepsPerSec: rates,
    medianStepsPerSec: median(rates), windowStepsPerCpuSec: cpuRates, medianStepsPerCpuSec: median(cpuRates), lossWindows, lastLoss: lossWindows[lossWindows.length - 1],
  };
  if (spec.savePath) {
    if (synth) await synth.save(spec.savePath);
    else writeFileSync(spec.savePath, Buffer.from(diffusion.nativeModel().getWeights('params').buffer));
  }
  return { train: out, diffusion, synth };
}

function load() {
  if (cfg.synthesizer) return lib.TabularSynthesizer.load(spec.loadPath, { threads: spec.threads }).then((synth) => ({ synth, diffusion: synth.diffusion }));
  const diffusion = new lib.TabularDiffusion(options);
  const buf = readFileSync(spec.loadPath);
  const params = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  diffusion.restore({ dataDim: spec.cols, contextDim: 0, params, ema: null, step: 0 });
  return Promise.resolve({ diffusion });
}

async function main() {
  const result = { side: 'ours', threads: spec.threads };
  const { train: trained, diffusion, synth } = spec.mode === 'train' ? await train() : { ...(await load()) };
  if (trained) result.train = trained;
  if (spec.moments) {
    const { n, sampler, steps } = spec.moments;
    const m = await diffusion.sample(n, { sampler, steps: sampler === 'ddpm' ? undefined : steps, seed: 1 });
    result.moments = moments(m);
  }
  const runs = [];
  if (spec.sample?.length) {
    await diffusion.sample(1024, { sampler: 'ddim', steps: 2, seed: 0 }); // warm-up
  }
  for (const s of spec.sample ?? []) {
    const seconds = [], cpu = [];
    let steps = s.sampler === 'ddpm' ? cfg.nTimesteps : s.steps;
    for (let r = 0; r < s.reps; r++) {
      const o = { sampler: s.sampler, steps: s.sampler === 'ddpm' ? undefined : s.steps, seed: 100 + r };
      const t0 = performance.now(), c0 = cpuSeconds();
      // Lalonde goes through TabularSynthesizer (rows back in the original columns); the others
      // return the standardised matrix.
      if (synth) await synth.sampleColumns(s.n, o);
      else await diffusion.sample(s.n, { ...o, batchSize: s.chunk });
      seconds.push((performance.now() - t0) / 1000);
      cpu.push(cpuSeconds() - c0);
      globalThis.gc?.();
    }
    runs.push({ n: s.n, sampler: s.sampler, steps, seconds, cpuSeconds: cpu, rowStepsPerSec: (s.n * steps) / median(seconds),
      rowStepsPerCpuSec: (s.n * steps) / median(cpu) });
  }
  result.sample = runs;
  result.maxRssKB = process.resourceUsage().maxRSS;
  diffusion.dispose();
  console.log(JSON.stringify(result));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
