// The benchmark configurations. Every number a table shows comes from one of these; the
// peers get the same data, network, schedule, batch and thread count.
//
// Sampling cells are (n, sampler, steps). `peerSample` lists the cells the PyTorch peer also
// runs (its rate per row-step is flat in n, so the biggest n is run for the cheapest sampler
// only, to keep a full run within ~15 minutes on 2 cores).

const SAMPLERS = {
  'DDPM-100': { sampler: 'ddpm', steps: 100 },
  'DDIM-50': { sampler: 'ddim', steps: 50 },
  'DDIM-20': { sampler: 'ddim', steps: 20 },
};

function cells(ns, names, reps) {
  const out = [];
  for (const n of ns) for (const name of names) out.push({ n, name, ...SAMPLERS[name], reps: reps(n) });
  return out;
}

const TREX = {
  name: 'trex',
  title: 'Trex default (d = 10, 128x128, time 64, T = 100, batch 256)',
  data: 'synthetic',
  d: 10,
  rows: 10000,
  hiddenDims: [128, 128],
  timeDim: 64,
  nTimesteps: 100,
  betaStart: 1e-4,
  betaEnd: 0.02,
  batchSize: 256,
  lr: 1e-3,
  chunk: 1024,
};

export function configs({ quick }) {
  const all = ['DDPM-100', 'DDIM-50', 'DDIM-20'];
  const trex = {
    ...TREX,
    trainSteps: quick ? 600 : 2000,
    moments: { n: quick ? 3000 : 10000, name: 'DDPM-100', ...SAMPLERS['DDPM-100'] },
    sample: quick ? cells([1e4, 1e5], all, (n) => (n <= 1e4 ? 2 : 1)) : cells([1e4, 1e5, 1e6], all, (n) => (n <= 1e4 ? 3 : 1)),
    peerSample: (c) => (quick ? c.n <= 1e4 || c.name === 'DDIM-20' : c.n <= 1e5 || c.name === 'DDIM-20'),
    growth: true,
  };
  const wide = {
    ...TREX,
    name: 'wide',
    title: 'Wide (d = 10, 512x512x512, time 64, T = 100, batch 256)',
    hiddenDims: [512, 512, 512],
    trainSteps: quick ? 60 : 300,
    moments: { n: quick ? 1000 : 2000, name: 'DDIM-20', ...SAMPLERS['DDIM-20'] },
    sample: quick ? cells([5000], ['DDIM-20'], () => 1) : [...cells([1e4], ['DDIM-50'], () => 1), ...cells([1e4], ['DDIM-20'], () => 3)],
    peerSample: () => true,
  };
  const lalonde = {
    ...TREX,
    name: 'lalonde',
    title: 'Lalonde mixed-type (614 rows, race one-hot, via TabularSynthesizer; 128x128, T = 100)',
    data: 'lalonde',
    // One-hot blocks in the Gaussian chain (the library's default for categoricals is SEDD).
    synthesizer: { categorical: { columns: ['race'], method: 'onehot' } },
    transformer: { categorical: ['race'] },
    trainSteps: quick ? 600 : 2000,
    moments: { n: quick ? 3000 : 10000, name: 'DDPM-100', ...SAMPLERS['DDPM-100'] },
    sample: quick ? cells([1e4], ['DDIM-20'], () => 3) : cells([1e4, 1e5], ['DDPM-100', 'DDIM-20'], (n) => (n <= 1e4 ? 3 : 1)),
    peerSample: (c) => c.n <= 1e4,
  };
  return { trex, wide, lalonde };
}

/** Row counts of the cost-growth benchmark (streaming vs in-memory sampling, DDIM-20). */
export function growthRows({ quick }) {
  return quick ? [1e4, 1e5] : [1e4, 1e5, 1e6];
}

/** Fidelity vs speed on Lalonde: the demo's recipe at T = 1000 and T = 100. */
export function fidelityPlan({ quick }) {
  return {
    steps: quick ? 3000 : 12000,
    seeds: quick ? 1 : 3,
    samplesPerReal: 10,
    models: [
      { T: 1000, runs: [['DDPM-1000', 'ddpm', 1000], ['DDIM-50', 'ddim', 50], ['DDIM-20', 'ddim', 20],
        ['DPM-Solver++ 50', 'dpm-solver++', 50], ['DPM-Solver++ 20', 'dpm-solver++', 20], ['DPM-Solver++ 10', 'dpm-solver++', 10]] },
      { T: 100, runs: [['DDPM-100', 'ddpm', 100], ['DDIM-50', 'ddim', 50], ['DDIM-20', 'ddim', 20],
        ['DPM-Solver++ 20', 'dpm-solver++', 20], ['DPM-Solver++ 10', 'dpm-solver++', 10]] },
    ],
  };
}

export const GEMM_THREADS = 1;
