// Issue 12, lifecycle faults and wrong answers: jobs and worker_threads, the object API's
// memory limits, refused calls, save(), user-named keys, scales. Each reproduction runs in a
// child process and must end with a clear error or the right answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const INDEX = fileURLToPath(new URL('../dist/esm/index.mjs', import.meta.url));

function child(body, { env = {}, timeout = 60000 } = {}) {
  const code = `import * as td from ${JSON.stringify(INDEX)};\nconst ops = td.nativeOps();\n` +
    `const INDEX = ${JSON.stringify(INDEX)};\nconst out = (v) => console.log('RESULT ' + JSON.stringify(v));\n` +
    `const errorOf = async (f) => { try { await f(); return null; } catch (e) { return { name: e.constructor.name, message: e.message }; } };\n${body}`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', timeout, env: { ...process.env, ...env } });
  const results = [...(r.stdout ?? '').matchAll(/^RESULT (.*)$/gm)].map((m) => JSON.parse(m[1]));
  return { ...r, results, where: `status ${r.status}, signal ${r.signal}\nstdout: ${r.stdout}\nstderr: ${r.stderr}` };
}

function clean(r) {
  assert.equal(r.signal, null, `child killed: ${r.where}`);
  assert.equal(r.status, 0, `child failed: ${r.where}`);
  assert.doesNotMatch(r.stderr, /terminate called|Abort|FATAL/, r.where);
  return r.results;
}

// A fit of a few hundred ms per 100 steps on one core; `steps` far beyond what a test waits for.
const LONG_FIT = `
  const s = td.noiseSchedule('linear', 50);
  const longFit = (m, onProgress) => m.fit({ x: new Float32Array(2048 * 4).fill(0.3), rows: 2048, sqrtAlphaBars: s.sqrtAlphaBars,
    sqrtOneMinusAlphaBars: s.sqrtOneMinusAlphaBars, steps: 10000000, batchSize: 512, progressInterval: 1 }, onProgress);
  const smallFit = (m) => m.fit({ x: new Float32Array(400).fill(0.1), rows: 200, sqrtAlphaBars: s.sqrtAlphaBars,
    sqrtOneMinusAlphaBars: s.sqrtOneMinusAlphaBars, steps: 400, batchSize: 64 });
  const netOpts = { dataDim: 4, timeDim: 16, hidden: [256, 256], threads: 1 };`;

test('4. a worker terminated or exiting during its fit: no abort, terminate() does not wait for the fit, other environments unaffected', () => {
  const r = clean(child(`${LONG_FIT}
    const { Worker } = await import('node:worker_threads');
    const workerCode = (ending) => \`const { parentPort } = require('node:worker_threads');
      import(\${JSON.stringify(INDEX)}).then((td) => {
        const ops = td.nativeOps(); ${LONG_FIT.replace(/`/g, '\\`').replace(/\$\{/g, '\\${')}
        const m = new ops.NativeModel(netOpts);
        let first = true;
        longFit(m, () => { if (first) { first = false; parentPort.postMessage('running'); \${ending} } }).catch(() => {});
      });\`;
    // The main thread's own fit runs through all of it and must resolve, not reject with AbortError.
    const mainModel = new ops.NativeModel({ dataDim: 2, timeDim: 4, hidden: [32], threads: 1 });
    const mainFit = smallFit(mainModel).then((x) => 'resolved ' + x.steps, (e) => 'rejected ' + e.name);
    const result = {};
    // (a) terminate() while the worker's fit runs (10M steps: minutes if it were waited for).
    let w = new Worker(workerCode(''), { eval: true, execArgv: [] });
    await new Promise((res) => w.once('message', res));
    await w.terminate();
    result.terminated = true;
    // (b) a worker that only loads the addon and ends.
    w = new Worker(\`import(\${JSON.stringify(INDEX)}).then((td) => td.nativeOps());\`, { eval: true, execArgv: [] });
    result.loaderExit = await new Promise((res) => w.once('exit', res));
    // (c) a worker that calls process.exit() from its fit's progress callback.
    w = new Worker(workerCode('process.exit(7);'), { eval: true, execArgv: [] });
    result.selfExit = await new Promise((res) => w.once('exit', res));
    result.mainFit = await mainFit;
    out(result);`, { timeout: 120000 }));
  assert.deepEqual(r[0], { terminated: true, loaderExit: 0, selfExit: 7, mainFit: 'resolved 400' });
});

test('4b. process.exit() during a fit on the main thread exits with its code, without an abort', () => {
  const r = child(`${LONG_FIT}
    const m = new ops.NativeModel(netOpts);
    let once = true;
    longFit(m, () => { if (once) { once = false; setTimeout(() => process.exit(5), 20); } });`);
  assert.equal(r.signal, null, r.where);
  assert.equal(r.status, 5, r.where);
  assert.doesNotMatch(r.stderr, /terminate called|Abort|FATAL/);
});

const SYNTH = `
  const table = (scale, n = 300) => Array.from({ length: n }, (_, i) => ({ a: scale * ((i * 37) % 101), b: scale * ((i * 11) % 29) + 1, c: i % 3 === 0 ? 'x' : 'y' }));
  const opts = { maxSteps: 60, seed: 3, hiddenDims: [32, 32], batchSize: 64, threads: 1 };`;

test('7. sample(n) whose row objects cannot fit in the heap is refused up front, pointing at sampleStream', () => {
  const [r] = clean(child(`${SYNTH}
    const s = new td.TabularSynthesizer(opts);
    await s.fit(table(1));
    const t0 = Date.now();
    const e8 = await errorOf(() => s.sample(1e8));
    const e9 = await errorOf(() => s.sample(1e9));
    out({ e8, e9, ms: Date.now() - t0, small: (await s.sample(5, { seed: 1 })).length });`, { env: {}, timeout: 120000 }));
  for (const e of [r.e8, r.e9]) {
    assert.equal(e?.name, 'RangeError', JSON.stringify(e));
    assert.match(e.message, /^n: .* GiB of JS heap.*sampleStream/);
  }
  assert.ok(r.ms < 5000, `refusal took ${r.ms} ms (it must come before any work)`);
  assert.equal(r.small, 5);
});

test('8. a fit refused because another is running changes nothing: later samples match an undisturbed model', () => {
  const [r] = clean(child(`${SYNTH}
    const reference = new td.TabularSynthesizer(opts);
    await reference.fit(table(1000));
    const expected = JSON.stringify(await reference.sample(50, { seed: 9 }));
    const s = new td.TabularSynthesizer(opts);
    const first = s.fit(table(1000));
    const refused = await errorOf(() => s.fit(table(0.001)));
    const sampleDuringFit = await errorOf(() => s.sample(5));
    await first;
    const d = new td.TabularDiffusion({ maxSteps: 30, hiddenDims: [8], threads: 1 });
    const x = { rows: 50, cols: 2, data: new Float32Array(100).fill(0.5) };
    const firstD = d.fit(x);
    const refusedD = await errorOf(() => d.fit({ rows: 10, cols: 3, data: new Float32Array(30) }));
    await firstD;
    out({ refused, sampleDuringFit, same: JSON.stringify(await s.sample(50, { seed: 9 })) === expected, refusedD, dims: d.dims.dataDim });`,
  { timeout: 120000 }));
  assert.equal(r.refused?.name, 'Error');
  assert.match(r.refused.message, /already running/);
  assert.match(r.sampleDuringFit?.message ?? '', /a fit is running/);
  assert.equal(r.same, true, 'samples after the refused fit are those of the undisturbed model');
  assert.match(r.refusedD?.message ?? '', /already running/);
  assert.equal(r.dims, 2);
});

test('save() to a directory or an unwritable place: clear error, no .tmp-PID file left behind', () => {
  const dir = mkdtempSync(join(tmpdir(), 'td-save-'));
  try {
    const [r] = clean(child(`${SYNTH}
      const s = new td.TabularSynthesizer(opts);
      await s.fit(table(1));
      out({
        dir: await errorOf(() => s.save(${JSON.stringify(dir)})),
        missing: await errorOf(() => s.save(${JSON.stringify(join(dir, 'no', 'such', 'model.tdm'))})),
        ok: await errorOf(() => s.save(${JSON.stringify(join(dir, 'model.tdm'))})),
      });`, { timeout: 120000 }));
    assert.match(r.dir?.message ?? '', /is a directory/);
    assert.equal(r.missing?.message.includes('ENOENT'), true, JSON.stringify(r.missing));
    assert.equal(r.ok, null);
    assert.deepEqual(readdirSync(dir).sort(), ['model.tdm'], 'only the saved model remains');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('user-named keys, constants and scales: __proto__ column kept, constants exact, 1e308 refused on fit and on load', () => {
  const dir = mkdtempSync(join(tmpdir(), 'td-scale-'));
  try {
    const file = join(dir, 'm.tdm');
    const [r] = clean(child(`
      const rows = Array.from({ length: 200 }, (_, i) => { const o = { c: 2.5, x: (i * 7) % 23 + 0.5 }; Object.defineProperty(o, '__proto__', { value: i % 4, enumerable: true }); return o; });
      const s = new td.TabularSynthesizer({ maxSteps: 40, seed: 1, hiddenDims: [16], threads: 1 });
      await s.fit(rows);
      const sample = await s.sample(500, { seed: 2 });
      const cols = await s.sampleColumns(10, { seed: 2 });
      const t = new td.TabularTransformer({ quantile: false });
      const z = t.fitTransform(rows.map(({ c, x }) => ({ c, x })));
      for (let i = 0; i < z.data.length; i++) z.data[i] += ((i % 7) - 3) * 0.4;
      const unclipped = t.inverseTransform(z, { clip: false });
      const huge = await errorOf(() => new td.TabularSynthesizer({ maxSteps: 5 }).fit(Array.from({ length: 50 }, (_, i) => ({ h: i % 2 ? 1e308 : -1e308, k: i % 5 }))));
      await s.save(${JSON.stringify(file)});
      const { header, sections } = td.readModelFile(${JSON.stringify(file)});
      const col = header.transformer.columns.find((c) => c.name === 'x');
      col.sd = 1e308;
      td.writeModelFile(${JSON.stringify(file)}, header, [...sections]);
      const forged = await errorOf(() => td.TabularSynthesizer.load(${JSON.stringify(file)}));
      out({
        protoInRows: sample.filter((r) => Object.prototype.hasOwnProperty.call(r, '__proto__') && typeof r.__proto__ === 'number').length,
        rowPrototypeIntact: Object.getPrototypeOf(sample[0]) === Object.prototype,
        columnKeys: Object.keys(cols), columnsPrototypeIntact: Object.getPrototypeOf(cols) === Object.prototype,
        constantWrong: sample.filter((r) => r.c !== 2.5).length, unclippedConstantWrong: unclipped.filter((r) => r.c !== 2.5).length,
        huge, forged,
      });`, { timeout: 120000 }));
    assert.equal(r.protoInRows, 500);
    assert.equal(r.rowPrototypeIntact, true);
    assert.deepEqual(r.columnKeys, ['c', 'x', '__proto__']);
    assert.equal(r.columnsPrototypeIntact, true);
    assert.equal(r.constantWrong, 0);
    assert.equal(r.unclippedConstantWrong, 0);
    assert.equal(r.huge?.name, 'TabularDataError');
    assert.match(r.huge.message, /^column "h", row 0: .*1e\+308/);
    assert.match(r.forged?.message ?? '', /sd = 1e\+308 is beyond/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('options: unknown keys name the closest known option; bad signal / onProgress name the option', () => {
  const [r] = clean(child(`
    const e = errorOf;
    const d = new td.TabularDiffusion({ maxSteps: 5, hiddenDims: [4], threads: 1 });
    const x = { rows: 10, cols: 1, data: new Float32Array(10).fill(1) };
    out({
      maxStep: await e(() => new td.TabularDiffusion({ maxStep: 10 })),
      hidden: await e(() => new td.TabularSynthesizer({ hidden: [8] })),
      offest: await e(async () => { await d.fit(x); return d.sample(3, { offest: 2 }); }),
      signal: await e(() => d.fit(x, { signal: { aborted: false } })),
      onProgress: await e(() => d.fit(x, { onProgress: 'yes' })),
      synthSignal: await e(() => new td.TabularSynthesizer({ maxSteps: 5 }).fit([{ a: 1 }, { a: 2 }], { signal: 1 })),
    });`));
  assert.match(r.maxStep?.message ?? '', /unknown option "maxStep"; did you mean "maxSteps"\?/);
  assert.match(r.hidden?.message ?? '', /unknown option "hidden"; did you mean "hiddenDims"\?/);
  assert.match(r.offest?.message ?? '', /unknown option "offest"; did you mean "offset"\?/);
  assert.equal(r.signal?.name, 'TypeError');
  assert.match(r.signal.message, /^signal: expected an AbortSignal/);
  assert.match(r.onProgress?.message ?? '', /^onProgress: expected a function/);
  assert.match(r.synthSignal?.message ?? '', /^signal: expected an AbortSignal/);
});
