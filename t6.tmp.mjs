import * as td from '/work/main/dist/esm/index.mjs';
function rng(seed) { let a = seed >>> 0; return () => { a = (a + 0x6d2b79f5) >>> 0; let t = a; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296; }; }
const u = rng(1); const normal = () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
const n = 2000; const X = [], C = [];
for (let i = 0; i < n; i++) { const c = i % 2; C.push([c]); X.push([2 * c + 0.5 * normal()]); }
const cfg = JSON.parse(process.argv[2]);
const dm = new td.TabularDiffusion({ hiddenDims: [64, 64], maxSteps: 1500, seed: 0, ...cfg });
let t = performance.now(); await dm.fit(X, { context: C }); console.log('fit', ((performance.now() - t) / 1000).toFixed(2));
for (const c of [0, 1]) {
  const z = await dm.sample(4000, { context: [[c]], seed: 3 });
  let s = 0, s2 = 0; for (const v of z.data) { s += v; s2 += v * v; } const m = s / z.rows; console.log('c', c, 'mean', m.toFixed(3), 'sd', Math.sqrt(s2 / z.rows - m * m).toFixed(3));
}
