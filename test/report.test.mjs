// report(): one self-contained HTML page, rendered in a real browser (headless Chromium driven
// by puppeteer-core): no console errors, every chart drawn with the marks its data calls for,
// a screenshot in test/output/. The browser part skips, saying why, only where no Chromium is
// installed (.ci/run installs Debian's chromium package).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { TabularSynthesizer, readModelFile, report } from '../dist/esm/index.mjs';
import { mixedTable } from './fixtures/eval-tables.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const outDir = join(here, 'output');
const tmp = mkdtempSync(join(tmpdir(), 'tabdiff-report-'));
const train = mixedTable(400, 1);
const holdout = mixedTable(300, 2);
const synthetic = mixedTable(400, 3);

function chromiumPath() {
  const candidates = [process.env.TABDIFF_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].filter(Boolean);
  return candidates.find((p) => existsSync(p));
}

const toCsv = (rows) => [Object.keys(rows[0]).join(','), ...rows.map((r) => Object.values(r).join(','))].join('\n') + '\n';

let modelPath;
let html;

test('fit stores the loss history in the model file; report() builds a page that loads nothing from the network', async () => {
  const synth = new TabularSynthesizer({ hiddenDims: [16, 16], timeDim: 8, nTimesteps: 20, maxSteps: 60, batchSize: 64, seed: 3 });
  await synth.fit(train);
  modelPath = join(tmp, 'm.tdm');
  await synth.save(modelPath);
  synth.dispose();
  const history = readModelFile(modelPath).header.settings.lossHistory;
  assert.ok(history.length >= 30 && history.every((p) => Number.isFinite(p.loss) && p.step >= 1), `history of ${history.length} points`);

  html = report(train, synthetic, { target: 'y', holdout, model: modelPath, title: 'Test <report>' });
  assert.match(html, /^<!DOCTYPE html>/);
  assert.match(html, /<title>Test &lt;report&gt;<\/title>/);
  assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href=|<img[^>]+src=/i, 'no external scripts, styles or images');
  // Overview: every figure beside both baselines.
  for (const metric of ['Shape', 'Trend', 'Utility ratio', 'DCR share', 'exact copies', 'Detection AUC, logistic', 'Detection AUC, gradient-boosted']) {
    assert.match(html, new RegExp(`<tr><td>[^<]*${metric}[^<]*</td>(<td>[^<]+</td>){3}`), metric);
  }
  // 4 columns, 3 heatmaps, the DCR histogram, the loss curve.
  assert.equal((html.match(/class="vega-chart"/g) ?? []).length, 9);
  writeFileSync(join(tmp, 'report.html'), html);
});

test('the report renders in headless Chromium: no console errors, every chart with its marks', async (t) => {
  const executablePath = chromiumPath();
  if (!executablePath) {
    t.skip('no Chromium found (/usr/bin/chromium; set TABDIFF_CHROMIUM): install Debian\'s chromium package, as .ci/run does');
    return;
  }
  assert.ok(html, 'the page was built by the previous test');
  const { default: puppeteer } = await import('puppeteer-core');
  // The browser gets the environment without the ASan preload of `npm run test:sanitize`:
  // Chromium is not built for it and would not start.
  const { LD_PRELOAD: _preload, ASAN_OPTIONS: _asan, UBSAN_OPTIONS: _ubsan, ...env } = process.env;
  const browser = await puppeteer.launch({ executablePath, env, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1200, height: 900 });
    const errors = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()}`));
    const requests = [];
    page.on('request', (r) => requests.push(r.url()));
    const start = Date.now();
    await page.goto(pathToFileURL(join(tmp, 'report.html')).href, { waitUntil: 'load' });
    await page.waitForFunction(() => document.body.dataset.rendered !== undefined, { timeout: 20000 });
    const wall = Date.now() - start;
    const state = await page.evaluate(() => ({
      rendered: document.body.dataset.rendered,
      ms: Number(document.body.dataset.renderMs),
      charts: [...document.querySelectorAll('.vega-chart')].map((el) => ({
        title: el.dataset.title,
        expected: Number(el.dataset.expectedMarks),
        marks: el.querySelectorAll('svg g.role-mark > path').length,
        svg: el.querySelectorAll('svg').length,
      })),
    }));
    assert.deepEqual(errors, []);
    assert.deepEqual(requests.filter((u) => !u.startsWith('file:')), [], 'no network requests');
    assert.equal(state.rendered, 'true');
    assert.equal(state.charts.length, 9);
    for (const c of state.charts) {
      assert.equal(c.svg, 1, `${c.title}: one SVG`);
      assert.ok(c.expected > 0, `${c.title}: has data`);
      assert.equal(c.marks, c.expected, `${c.title}: ${c.marks} marks drawn, ${c.expected} expected`);
    }
    mkdirSync(outDir, { recursive: true });
    await page.screenshot({ path: join(outDir, 'report.png'), fullPage: true });
    t.diagnostic(`rendered ${state.charts.length} charts in ${state.ms} ms (page load to done: ${wall} ms); screenshot test/output/report.png`);
  } finally {
    await browser.close();
  }
});

test('tabdiff report writes the file; a bad target is an error naming --target', () => {
  const cli = join(here, '..', 'dist', 'cjs', 'cli', 'main.js');
  writeFileSync(join(tmp, 'real.csv'), toCsv(train));
  writeFileSync(join(tmp, 'syn.csv'), toCsv(synthetic));
  writeFileSync(join(tmp, 'hold.csv'), toCsv(holdout));
  const out = join(tmp, 'cli.html');
  execFileSync(process.execPath, [cli, 'report', join(tmp, 'real.csv'), join(tmp, 'syn.csv'), '--target', 'y', '--holdout', join(tmp, 'hold.csv'), '-o', out], { stdio: 'pipe' });
  const page = readFileSync(out, 'utf8');
  assert.equal((page.match(/class="vega-chart"/g) ?? []).length, 8); // no model: no loss curve
  assert.doesNotMatch(page, /No holdout was given/);
  const bad = spawnSync(process.execPath, [cli, 'report', join(tmp, 'real.csv'), join(tmp, 'syn.csv'), '--target', 'nope', '-o', out], { encoding: 'utf8' });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /--target: column "nope" is not in real/);
});

test('report() without a holdout or a loss history says so; mismatched tables are errors', () => {
  const page = report(train, synthetic, { model: {} }); // a model that stored no loss history
  assert.match(page, /No holdout was given/);
  assert.match(page, /No target column was given/);
  assert.match(page, /stores no loss history/);
  assert.equal((page.match(/class="vega-chart"/g) ?? []).length, 8);
  assert.throws(() => report(train, synthetic.map(({ c, ...r }) => r)), /synthetic: missing column "c"/);
  assert.throws(() => report(train, []), /synthetic: empty table/);
  assert.throws(() => report(train, synthetic, { model: 42 }), /options\.model/);
});
