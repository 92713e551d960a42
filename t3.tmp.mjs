import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import * as td from '/work/main/dist/esm/index.mjs';
const rows = parse(readFileSync('/work/main/data/lalonde.csv'), { columns: true, trim: true });
const gap = (rs) => { let s1=0,n1=0,s0=0,n0=0; for (const r of rs) { const y=Number(r.re78); if (Number(r.treat)===1){s1+=y;n1++}else{s0+=y;n0++} } return s1/n1-s0/n0; };
const N = 61400;
const summ = (m, out) => ({ meanKS: m.summary.meanKS.toFixed(4), w1: m.summary.meanW1Scaled.toFixed(4), tv: m.summary.meanTV.toFixed(3), corr: m.correlationError.toFixed(4), trend: m.summary.trend.toFixed(4), gap: gap(out).toFixed(0), ks: m.columns.map(c => (c.ks ?? c.tv).toFixed(3)).join(' ') });
if (process.argv[3] === 'ref') {
  let st = 7; const rng = () => { st = (st * 1103515245 + 12345) % 2147483648; return st / 2147483648; };
  const boot = Array.from({ length: N }, () => rows[Math.floor(rng() * rows.length)]);
  console.log('bootstrap', JSON.stringify(summ(td.distributionMetrics(rows, boot, { categorical: ['race'] }), boot)));
  const ind = td.independentMarginalsSample(rows, N, 0, { categorical: ['race'] });
  console.log('indep', JSON.stringify(summ(td.distributionMetrics(rows, ind, { categorical: ['race'] }), ind)));
  const cop = td.gaussianCopulaSample(rows, N, 0, { categorical: ['race'] });
  console.log('copula', JSON.stringify(summ(td.distributionMetrics(rows, cop, { categorical: ['race'] }), cop)));
}
const configs = JSON.parse(process.argv[2]);
for (const cfg of configs) {
  const s = new td.TabularSynthesizer({ categorical: ['race'], seed: 0, ...cfg });
  let t = performance.now();
  await s.fit(rows);
  const fitT = (performance.now() - t) / 1000;
  t = performance.now();
  const out = await s.sample(N, { seed: 1 });
  const sT = (performance.now() - t) / 1000;
  console.log(JSON.stringify(cfg), 'fit', fitT.toFixed(1) + 's', 'sample', sT.toFixed(2), JSON.stringify(summ(td.distributionMetrics(rows, out, { categorical: ['race'] }), out)));
  s.dispose();
}
