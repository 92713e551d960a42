import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import * as td from '/work/main/dist/esm/index.mjs';
const rows = parse(readFileSync('/work/main/data/lalonde.csv'), { columns: true, trim: true });
const gap = (rs) => { let s1=0,n1=0,s0=0,n0=0; for (const r of rs) { const y=Number(r.re78); if (Number(r.treat)===1){s1+=y;n1++}else{s0+=y;n0++} } return s1/n1-s0/n0; };
const N = Number(process.env.N ?? 30700);
const configs = JSON.parse(process.argv[2]);
const seeds = JSON.parse(process.argv[3] ?? '[0,1]');
for (const { sample: so, ...cfg } of configs) {
  const acc = [];
  for (const seed of seeds) {
    const s = new td.TabularSynthesizer({ categorical: ['race'], quantile: true, lrDecay: true, emaDecay: 0.999, maxSteps: 12000, ...cfg, seed });
    let t = performance.now();
    await s.fit(rows);
    const fitT = (performance.now() - t) / 1000;
    t = performance.now();
    const out = await s.sample(N, { seed: 1, ...so });
    const sT = (performance.now() - t) / 1000;
    const m = td.distributionMetrics(rows, out, { categorical: ['race'] });
    acc.push({ fitT, sT, ks: m.summary.meanKS, w1: m.summary.meanW1Scaled, tv: m.summary.meanTV, corr: m.correlationError, trend: m.summary.trend, gap: gap(out), cols: m.columns.map(c => (c.ks ?? c.tv).toFixed(3)).join(' ') });
    s.dispose();
  }
  const avg = (k) => (acc.reduce((a, r) => a + r[k], 0) / acc.length);
  console.log(JSON.stringify({ ...cfg, ...(so ? { sample: so } : {}) }), `fit ${avg('fitT').toFixed(1)}s smp ${avg('sT').toFixed(1)}s | KS ${avg('ks').toFixed(4)} W1 ${avg('w1').toFixed(4)} TV ${avg('tv').toFixed(4)} corr ${avg('corr').toFixed(4)} trend ${avg('trend').toFixed(4)} gap ${acc.map(r => r.gap.toFixed(0)).join('/')}`);
  for (const r of acc) console.log('    ', r.cols);
}
