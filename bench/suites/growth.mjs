// Cost growth: sampling time vs rows (from the Trex cells: it should grow linearly) and peak
// RSS vs rows for TabularSynthesizer.sampleStream piped into a null writable (should stay
// flat) next to sample(n) holding every row (grows). Writes an SVG chart.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { runNodeJob } from '../lib/child.mjs';
import { HERE } from '../lib/paths.mjs';
import { fmt, fmtMB, logLogSlope } from '../lib/stats.mjs';
import { chartsSvg } from '../lib/svg.mjs';
import { markdownTable } from '../lib/table.mjs';

export async function growthSuite(ctx, runs, ns, svgPath) {
  const { log, threads } = ctx;
  let lalonde = runs.lalonde;
  if (!lalonde || !existsSync(lalonde.oursModel)) {
    const { ddpmSuite } = await import('./ddpm.mjs');
    lalonde = await ddpmSuite({ ...ctx, noPeers: true }, { ...ctx.configs.lalonde, trainSteps: 300, sample: [] });
  }
  const stream = [], array = [];
  let flip = false;
  for (const n of ns) {
    const spec = (mode) => ({ modelPath: lalonde.oursModel, n, mode, sampler: 'ddim', steps: 20, threads, chunkRows: 65536 });
    log(`growth: n = ${n} streamed and in memory (Lalonde, DDIM-20)`);
    const job = (mode) => runNodeJob(join(HERE, 'jobs', 'stream_rss.mjs'), spec(mode));
    if (flip) {
      array.push(await job('array'));
      stream.push(await job('stream'));
    } else {
      stream.push(await job('stream'));
      array.push(await job('array'));
    }
    flip = !flip;
  }
  const series = [];
  const slopes = [];
  const trex = runs.trex;
  if (trex) {
    for (const side of ['ours', 'peer']) {
      for (const name of ['DDPM-100', 'DDIM-50', 'DDIM-20']) {
        const pts = trex.cells.filter((c) => c.name === name && c[side]).map((c) => [c.n, Math.min(...c[side].cpuSeconds)]);
        if (pts.length < 2) continue;
        const label = `${side === 'ours' ? 'ours' : 'PyTorch'} ${name}`;
        series.push({ name: label, points: pts, dashed: side === 'peer' });
        slopes.push([`Trex sample, ${label}`, pts.map(([n, s]) => `${fmt(n)}: ${s.toFixed(2)} s`).join(', '), logLogSlope(pts.map((p) => p[0]), pts.map((p) => p[1])).toFixed(3)]);
      }
    }
  }
  const sPts = stream.map((r) => [r.n, r.cpuSeconds]);
  const aPts = array.map((r) => [r.n, r.cpuSeconds]);
  slopes.push(['Lalonde sampleStream DDIM-20 (rows to a null writable)', sPts.map(([n, s]) => `${fmt(n)}: ${s.toFixed(2)} s`).join(', '), logLogSlope(sPts.map((p) => p[0]), sPts.map((p) => p[1])).toFixed(3)]);
  slopes.push(['Lalonde sample(n) DDIM-20 (all rows held)', aPts.map(([n, s]) => `${fmt(n)}: ${s.toFixed(2)} s`).join(', '), logLogSlope(aPts.map((p) => p[0]), aPts.map((p) => p[1])).toFixed(3)]);
  const rss = ns.map((n, i) => [fmt(n), fmtMB(stream[i].maxRssKB), fmtMB(array[i].maxRssKB), fmtMB(stream[i].baseRssKB)]);
  const svg = chartsSvg([
    { title: 'Sampling time vs rows (Trex, 1 thread)', xLabel: 'rows', yLabel: 'CPU seconds', series },
    { title: 'Peak RSS vs rows (Lalonde, DDIM-20)', xLabel: 'rows', yLabel: 'peak RSS (MB)', series: [
      { name: 'sampleStream -> null writable', points: stream.map((r) => [r.n, r.maxRssKB / 1024]) },
      { name: 'sample(n), rows held', points: array.map((r) => [r.n, r.maxRssKB / 1024]), dashed: true },
    ] },
  ], { caption: 'tabular-diffusion bench: time should grow linearly with rows (log-log slope 1); streaming RSS should stay flat.' });
  if (svgPath) writeFileSync(svgPath, svg);
  return {
    result: { stream, array, slopes: slopes.map(([what, points, slope]) => ({ what, points, slope: Number(slope) })), svg: svgPath ?? null },
    sections: [
      { title: 'Cost growth: process CPU time vs rows (log-log slope; 1.0 = linear)', body: markdownTable(['series', 'CPU seconds (best of reps)', 'slope'], slopes) },
      { title: 'Cost growth: peak RSS vs rows (Lalonde, DDIM-20, chunks of 65536 rows)', body: markdownTable(['rows', 'sampleStream peak RSS', 'sample(n) peak RSS', 'RSS after load'], rss) },
    ],
  };
}
