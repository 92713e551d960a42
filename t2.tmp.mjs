import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import * as td from '/work/main/dist/esm/index.mjs';
const rows = parse(readFileSync('/work/main/data/lalonde.csv'), { columns: true, trim: true });
const gap = (rs) => { let s1=0,n1=0,s0=0,n0=0; for (const r of rs) { const y=Number(r.re78); if (Number(r.treat)===1){s1+=y;n1++}else{s0+=y;n0++} } return s1/n1-s0/n0; };
console.log('real gap', gap(rows));
const configs = JSON.parse(process.argv[2]);
for (const cfg of configs) {
  const s = new td.TabularSynthesizer({ categorical: ['race'], seed: 0, ...cfg });
  let t = performance.now();
  await s.fit(rows);
  const fitT = (performance.now() - t) / 1000;
  const res = [];
  for (const seed of [1, 2]) {
    const out = await s.sample(6140, { seed });
    const m = td.distributionMetrics(rows, out, { categorical: ['race'] });
    const ks = Object.fromEntries(m.columns.map(c => [c.column, (c.ks ?? c.tv).toFixed(3)]));
    res.push({ meanKS: m.summary.meanKS.toFixed(4), w1: m.summary.meanW1Scaled.toFixed(4), corr: m.correlationError.toFixed(4), shape: m.summary.shape.toFixed(4), trend: m.summary.trend.toFixed(4), gap: gap(out).toFixed(0), ks });
  }
  console.log(JSON.stringify(cfg), 'fit', fitT.toFixed(1) + 's');
  for (const r of res) console.log('  ', JSON.stringify(r));
  s.dispose();
}
