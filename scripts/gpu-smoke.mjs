// GPU smoke run: every CUDA op once at a small size against its CPU twin, printing the
// measured difference (the parity tests only say pass or fail). Small enough to run under
// compute-sanitizer. Usage: node scripts/gpu-smoke.mjs
import { TabularDiffusion, backendInfo, nativeOps, noiseSchedule } from '../dist/esm/index.mjs';

const info = backendInfo().cuda;
console.log('cuda backend:', JSON.stringify(info));
if (!info.available) process.exit(0);
const ops = nativeOps();
const floats = (n, seed) => ops.draws({ rows: n, cols: 1, seed, stream: 100 });
const maxAbs = (a, b) => { let w = 0; for (let i = 0; i < a.length; i++) w = Math.max(w, Math.abs(a[i] - b[i])); return w; };
const same = (a, b) => Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;

function check(name, fn) {
  try {
    console.log(`${name}: ${fn()}`);
  } catch (err) {
    console.log(`${name}: THREW ${err.message}`);
  }
}

check('draws', () => { const o = { rows: 333, cols: 7, seed: 5, step: 3, stream: 7 }; const a = ops.draws(o), b = ops.draws({ ...o, device: 'cuda' }); return `identical=${same(a, b)} maxAbs=${maxAbs(a, b)}`; });
const sched = noiseSchedule('linear', 100);
check('forwardNoise', () => {
  const rows = 257, cols = 5, x0 = floats(rows * cols, 1), t = Int32Array.from({ length: rows }, (_, i) => i % 100);
  const args = { x0, rows, cols, t, sqrtAlphaBars: sched.sqrtAlphaBars, sqrtOneMinusAlphaBars: sched.sqrtOneMinusAlphaBars, seed: 3, step: 2 };
  const a = ops.forwardNoise(args), b = ops.forwardNoise({ ...args, device: 'cuda' });
  return `eps identical=${same(a.eps, b.eps)} xt identical=${same(a.xt, b.xt)} maxAbs=${maxAbs(a.xt, b.xt)}`;
});
check('ddpmStep', () => {
  const rows = 101, cols = 6, base = { x: floats(rows * cols, 4), epsHat: floats(rows * cols, 5), rows, cols, t: 50, alphaBars: sched.alphaBars, seed: 9, betas: sched.betas, variance: 'beta' };
  const a = ops.ddpmStep(base), b = ops.ddpmStep({ ...base, device: 'cuda' });
  return `identical=${same(a, b)} maxAbs=${maxAbs(a, b)}`;
});
check('ddimStep', () => {
  const rows = 101, cols = 6, base = { x: floats(rows * cols, 4), epsHat: floats(rows * cols, 5), rows, cols, t: 50, prev: 40, eta: 1, alphaBars: sched.alphaBars, seed: 9 };
  const a = ops.ddimStep(base), b = ops.ddimStep({ ...base, device: 'cuda' });
  return `identical=${same(a, b)} maxAbs=${maxAbs(a, b)}`;
});
check('epsMse', () => { const h = floats(5000, 1), e = floats(5000, 2); const a = ops.epsMse(h, e), b = ops.epsMse(h, e, { device: 'cuda' }); return `grad identical=${same(a.grad, b.grad)} loss ${a.loss} vs ${b.loss}`; });
for (const [m, n, k] of [[7, 3, 5], [300, 128, 74], [1000, 256, 512]]) {
  for (const precision of ['fp32', 'bf16', 'fp16']) {
    check(`sgemm ${m}x${n}x${k} ${precision}`, () => {
      const a = floats(m * k, 1), b = floats(k * n, 2), ref = new Float32Array(m * n), c = new Float32Array(m * n);
      ops.sgemm({ m, n, k, a, b, c: ref });
      ops.sgemm({ m, n, k, a, b, c, device: 'cuda', precision });
      return `maxAbs/sqrt(k)=${(maxAbs(c, ref) / Math.sqrt(k)).toExponential(2)}`;
    });
  }
}
check('NativeModel forward/backward', () => {
  const options = { dataDim: 5, contextDim: 2, timeDim: 8, hidden: [64, 64], activation: 'silu', seed: 3, threads: 1 };
  const cpu = new ops.NativeModel(options), gpu = new ops.NativeModel({ ...options, device: 'cuda' });
  const rows = 100, input = ops.draws({ rows, cols: 15, seed: 4 }), go = ops.draws({ rows, cols: 5, seed: 5 });
  const f = maxAbs(gpu.forward(input, rows), cpu.forward(input, rows));
  const g = gpu.backward(input, go, rows), c = cpu.backward(input, go, rows);
  const r = `forward ${f.toExponential(2)} gradParams ${maxAbs(g.gradParams, c.gradParams).toExponential(2)} gradInput ${maxAbs(g.gradInput, c.gradInput).toExponential(2)}`;
  cpu.release(); gpu.release();
  return r;
});

const SAMPLE_ROWS = Number(process.env.TD_SMOKE_ROWS ?? 1000);
const data = { rows: 400, cols: 3, data: Float32Array.from({ length: 1200 }, (_, i) => Math.sin(i * 0.37)) };
for (const device of ['cpu', 'cuda']) {
  const dm = new TabularDiffusion({ hiddenDims: [64, 64], maxSteps: 100, seed: 1, device });
  const t0 = performance.now();
  await dm.fit(data);
  const s = await dm.sample(SAMPLE_ROWS, { seed: 2 });
  const d = await dm.sample(SAMPLE_ROWS, { seed: 2, sampler: 'ddim', steps: 10 });
  const p = await dm.sample(SAMPLE_ROWS, { seed: 2, sampler: 'dpm-solver++', steps: 10 });
  let mean = 0;
  for (const v of s.data) mean += v / s.data.length;
  console.log(`fit+sample ${device}: ${(performance.now() - t0).toFixed(0)} ms, ddpm mean ${mean.toFixed(4)}, first ${Array.from(s.data.slice(0, 3), (v) => v.toFixed(4))} ddim ${Array.from(d.data.slice(0, 3), (v) => v.toFixed(4))} dpm ${Array.from(p.data.slice(0, 3), (v) => v.toFixed(4))}`);
  dm.dispose();
}

// A mixed-type model (two categorical columns on each discrete chain): CPU weights sampled on
// both backends, printing how many categorical cells agree.
const mixedData = {
  numeric: { rows: 300, cols: 1, data: Float32Array.from({ length: 300 }, (_, i) => Math.sin(i)) },
  categorical: { rows: 300, cols: 2, data: Int32Array.from({ length: 600 }, (_, i) => (i * 7) % (i % 2 ? 5 : 3)) },
};
for (const categorical of [{ method: 'sedd' }, { method: 'sedd', graph: 'uniform', sampler: 'euler' }, { method: 'multinomial' }]) {
  check(`mixed ${JSON.stringify(categorical)}`, () => 'started');
  const options = { hiddenDims: [32, 32], timeDim: 8, nTimesteps: 20, batchSize: 64, maxSteps: 50, seed: 4, categorical };
  try {
    const cpu = new TabularDiffusion({ ...options, device: 'cpu' });
    await cpu.fit(mixedData, { categoricalClasses: [3, 5] });
    const gpuFit = new TabularDiffusion({ ...options, device: 'cuda' });
    const fitGpu = await gpuFit.fit(mixedData, { categoricalClasses: [3, 5] });
    const w = cpu.nativeModel();
    const gpu = new TabularDiffusion({ ...options, device: 'cuda' });
    gpu.restore({ dataDim: 1, contextDim: 0, params: w.getWeights('params'), ema: w.getWeights('ema'), step: w.info().step, categoricalClasses: [3, 5] });
    const a = await cpu.sampleMixed(SAMPLE_ROWS, { seed: 3 });
    const b = await gpu.sampleMixed(SAMPLE_ROWS, { seed: 3 });
    let same = 0;
    for (let i = 0; i < a.categorical.data.length; i++) same += a.categorical.data[i] === b.categorical.data[i] ? 1 : 0;
    console.log(`  cells agreeing ${(same / a.categorical.data.length).toFixed(4)}, numeric maxAbs ${maxAbs(a.numeric.data, b.numeric.data).toExponential(2)}, gpu fit loss ${fitGpu.loss.toFixed(4)}`);
    for (const m of [cpu, gpu, gpuFit]) m.dispose();
  } catch (err) {
    console.log(`  THREW ${err.message}`);
  }
}
