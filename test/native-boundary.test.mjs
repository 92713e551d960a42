// Issue 12, crash classes at the N-API boundary: each reproduction runs in a child process
// (a crash shows up as a signal or exit code instead of killing the runner) and must now end
// with a clear JS error or the right answer. Sizes that would need real memory are refused
// through TD_MEMORY_LIMIT (the addon's memory budget) or are rejected up front, so nothing
// here allocates more than a few MiB.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const INDEX = fileURLToPath(new URL('../dist/esm/index.mjs', import.meta.url));

/** Runs an ES module body in a child; returns its RESULT lines parsed as JSON. */
function child(body, env = {}, timeout = 60000) {
  const code = `import * as td from ${JSON.stringify(INDEX)};\nconst ops = td.nativeOps();\n` +
    `const INDEX = ${JSON.stringify(INDEX)};\nconst out = (v) => console.log('RESULT ' + JSON.stringify(v));\n${body}`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
    encoding: 'utf8', timeout, env: { ...process.env, ...env },
  });
  const results = [...(r.stdout ?? '').matchAll(/^RESULT (.*)$/gm)].map((m) => JSON.parse(m[1]));
  const where = `status ${r.status}, signal ${r.signal}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
  assert.equal(r.signal, null, `child killed: ${where}`);
  assert.equal(r.status, 0, `child failed: ${where}`);
  return results;
}

const errorOf = `(f) => { try { f(); return null; } catch (e) { return { name: e.constructor.name, message: e.message }; } }`;

test('1. SharedArrayBuffer index arrays changed by another thread during a call: no out-of-bounds access, only clear errors', () => {
  // A worker flips every index between valid and far out of range as fast as it can while the
  // main thread calls forwardNoise (t) and seddReverseRate (token states) on those arrays.
  const [r] = child(`
    import('node:worker_threads').then(async ({ Worker }) => {
      const s = td.noiseSchedule('linear', 10);
      const tBuf = new SharedArrayBuffer(4 * 64), xBuf = new SharedArrayBuffer(4 * 64 * 2);
      const t = new Int32Array(tBuf), x = new Int32Array(xBuf);
      const w = new Worker(\`const { workerData } = require('node:worker_threads');
        const a = new Int32Array(workerData[0]), b = new Int32Array(workerData[1]);
        for (let k = 0; ; k++) { const v = k & 1 ? 1000000 : 1; a.fill(v); b.fill(k & 1 ? -50000 : 1); }\`,
        { eval: true, execArgv: [], workerData: [tBuf, xBuf] });
      await new Promise((r) => setTimeout(r, 50));
      const x0 = new Float32Array(64 * 3).fill(0.5);
      const logScore = new Float32Array(64 * 5).fill(0.1);
      const counts = { ok: 0, errors: 0, badErrors: [] };
      const end = Date.now() + 700;
      while (Date.now() < end) {
        for (const call of [
          () => ops.forwardNoise({ x0, rows: 64, cols: 3, t, sqrtAlphaBars: s.sqrtAlphaBars, sqrtOneMinusAlphaBars: s.sqrtOneMinusAlphaBars }),
          () => ops.seddReverseRate({ graph: 'uniform', classes: [3, 2], rows: 64, logScore, x }),
        ]) {
          try { call(); counts.ok++; } catch (e) {
            counts.errors++;
            if (!(e instanceof RangeError) || !/^(t|x): /.test(e.message)) counts.badErrors.push(e.message);
          }
        }
      }
      await w.terminate();
      // A static SharedArrayBuffer gives the same answer as an ordinary array.
      const tPlain = Int32Array.of(0, 3, 7), tShared = new Int32Array(new SharedArrayBuffer(12)); tShared.set(tPlain);
      const args = { x0: new Float32Array(6).fill(1), rows: 3, cols: 2, sqrtAlphaBars: s.sqrtAlphaBars, sqrtOneMinusAlphaBars: s.sqrtOneMinusAlphaBars, seed: 4 };
      const a = ops.forwardNoise({ ...args, t: tPlain }), b = ops.forwardNoise({ ...args, t: tShared });
      counts.same = Buffer.from(a.xt.buffer).equals(Buffer.from(b.xt.buffer));
      // Arrays written in place cannot be on a SharedArrayBuffer (the write would go to a copy).
      counts.inPlace = (${errorOf})(() => ops.sgemm({ m: 2, n: 2, k: 2, a: new Float32Array(4), b: new Float32Array(4), c: new Float32Array(new SharedArrayBuffer(16)) }));
      out(counts);
    });`);
  assert.ok(r.ok + r.errors > 100, `only ${r.ok + r.errors} calls ran`);
  console.log(`# ${r.ok} calls returned, ${r.errors} refused a changed index`);
  assert.deepEqual(r.badErrors, []);
  assert.equal(r.same, true);
  assert.equal(r.inPlace.name, 'TypeError');
  assert.match(r.inPlace.message, /^c: .*SharedArrayBuffer/);
});

test('2. workspaces too large for memory: RangeError naming the argument and the size, before allocating', () => {
  // The network's activations for 1e6 rows of width 65536 need ~730 GiB.
  const [r] = child(`
    const m = new ops.NativeModel({ dataDim: 1, timeDim: 2, hidden: [65536], threads: 1 });
    const input = new Float32Array(3 * 1e6);
    const e = ${errorOf};
    out({
      forward: e(() => m.forward(input, 1e6)),
      backward: e(() => m.backward(input, new Float32Array(1e6), 1e6)),
      predictEps: e(() => m.predictEps(new Float32Array(1e6), 3, { rows: 1e6 })),
      fit: e(() => m.fit({ x: new Float32Array(4), rows: 4, sqrtAlphaBars: Float32Array.of(0.9), sqrtOneMinusAlphaBars: Float32Array.of(0.4), steps: 1, batchSize: 1 << 20 })),
      stillWorks: m.forward(new Float32Array(3 * 2), 2).length,
    });`);
  for (const [key, arg] of [['forward', 'rows'], ['backward', 'rows'], ['predictEps', 'rows'], ['fit', 'batchSize']]) {
    assert.equal(r[key]?.name, 'RangeError', `${key}: ${JSON.stringify(r[key])}`);
    assert.match(r[key].message, new RegExp(`^${arg}: .* would need [\\d.]+ GiB`), key);
  }
  assert.equal(r.stillWorks, 2);
});

// Under ASan (npm run test:sanitize) a failed operator new is reported and aborts: it cannot throw.
const underAsan = /libasan/.test(process.env.LD_PRELOAD ?? '');
test('2b. a std::bad_alloc that escapes the estimates becomes a RangeError, not an abort', {
  skip: (readOvercommit() !== '0' && 'needs vm.overcommit_memory = 0 (an allocation above RAM + swap is refused instead of overcommitted)') ||
    (underAsan && "ASan's operator new aborts on out-of-memory instead of throwing"),
}, () => {
  // TD_MEMORY_LIMIT above any real size disables the estimate: the vector resize itself fails.
  const [r] = child(`
    const m = new ops.NativeModel({ dataDim: 1, timeDim: 2, hidden: [65536], threads: 1 });
    out((${errorOf})(() => m.forward(new Float32Array(3 * 4e6), 4e6)));`, { TD_MEMORY_LIMIT: '1e18' });
  assert.equal(r?.name, 'RangeError', JSON.stringify(r));
  assert.match(r.message, /out of memory/);
});

function readOvercommit() {
  try {
    return readFileSync('/proc/sys/vm/overcommit_memory', 'utf8').trim();
  } catch {
    return 'unknown';
  }
}

test('3. thread pool: one shared set of threads, sized on demand and shrinking; refused threads are an error', () => {
  const [r] = child(`
    const a = new Float32Array(128 * 128).fill(1), b = new Float32Array(128 * 128).fill(1);
    let most = 0;
    for (let th = 2; th <= 64; th++) {
      ops.sgemm({ m: 128, n: 128, k: 128, a, b, c: new Float32Array(128 * 128), threads: th });
      most = Math.max(most, ops.backendInfo().poolThreads);
    }
    const models = [2, 3, 4, 5].map((threads) => new ops.NativeModel({ dataDim: 2, timeDim: 4, hidden: [8], threads }));
    const withModels = ops.backendInfo().poolThreads;
    models.forEach((m) => m.release());
    await new Promise((r) => setTimeout(r, 2600));
    out({ most, withModels, idle: ops.backendInfo().poolThreads });`);
  assert.ok(r.most <= 63, `${r.most} threads after sgemm with threads 2..64 (one pool per count would hold 2,016)`);
  assert.ok(r.withModels <= 63);
  assert.equal(r.idle, 0, 'idle threads beyond what live models need exit');

  // TD_THREAD_LIMIT makes the pool behave as if the OS refused threads beyond 2 (root ignores RLIMIT_NPROC).
  const [f] = child(`
    const e = ${errorOf};
    const a = new Float32Array(4096).fill(1);
    out({
      model: e(() => new ops.NativeModel({ dataDim: 2, timeDim: 4, hidden: [8], threads: 8 })),
      sgemm: e(() => ops.sgemm({ m: 64, n: 64, k: 64, a, b: a, c: new Float32Array(4096), threads: 8 })),
      small: ops.sgemm({ m: 64, n: 64, k: 64, a, b: a, c: new Float32Array(4096), threads: 3 }) ?? 'ok',
    });`, { TD_THREAD_LIMIT: '2' });
  for (const key of ['model', 'sgemm']) {
    assert.equal(f[key]?.name, 'Error', JSON.stringify(f[key]));
    assert.match(f[key].message, /^threads: the OS refused to start 7 worker threads/);
  }
  assert.equal(f.small, 'ok');
});

test('5. sgemm from several worker threads at once: every product bit-identical to the single-threaded one', () => {
  const [r] = child(`
    const { Worker } = await import('node:worker_threads');
    const code = \`const { parentPort } = require('node:worker_threads');
      import(\${JSON.stringify(INDEX)}).then(({ nativeOps }) => {
        const ops = nativeOps(); const n = 128; let wrong = 0;
        const a = Float32Array.from({ length: n * n }, (_, i) => Math.sin(i)), b = Float32Array.from({ length: n * n }, (_, i) => Math.cos(i));
        const ref = new Float32Array(n * n); ops.sgemm({ m: n, n, k: n, a, b, c: ref, threads: 1 });
        for (let i = 0; i < 400; i++) {
          const c = new Float32Array(n * n);
          ops.sgemm({ m: n, n, k: n, a, b, c, threads: 2 + (i % 2) });
          if (!Buffer.from(c.buffer).equals(Buffer.from(ref.buffer))) wrong++;
        }
        parentPort.postMessage(wrong);
      });\`;
    const workers = Array.from({ length: 4 }, () => new Worker(code, { eval: true, execArgv: [] }));
    const wrong = await Promise.all(workers.map((w) => new Promise((res, rej) => { w.once('message', res); w.once('error', rej); })));
    out({ wrong });`);
  assert.deepEqual(r.wrong, [0, 0, 0, 0]);
});

test('6. outputs larger than can be allocated: RangeError before V8 is asked', () => {
  const [r] = child(`
    const e = ${errorOf};
    out({
      draws: e(() => ops.draws({ rows: 2 ** 31 - 1, cols: 1 })),
      forwardNoise: e(() => ops.forwardNoise({ x0: new Float32Array(0), rows: 0, cols: 1, t: new Int32Array(0), sqrtAlphaBars: Float32Array.of(0.9), sqrtOneMinusAlphaBars: Float32Array.of(0.1) })),
    });`, { TD_MEMORY_LIMIT: String(256 * 2 ** 20) });
  assert.equal(r.draws?.name, 'RangeError', JSON.stringify(r.draws));
  assert.match(r.draws.message, /^rows: the output would need 8\.0 GiB, more than the 256\.0 MiB/);
  assert.equal(r.forwardNoise, null, 'an empty output is fine');
});

test('the addon loaded twice into one environment (require cache cleared) works, without a duplicate-hook abort', () => {
  // Before: both loads registered the same cleanup hook (function, null) and Node aborted on
  // the second. Each load now registers with its own napi_env.
  const [r] = child(`
    const { createRequire } = await import('node:module');
    const require = createRequire(import.meta.url);
    const file = require.resolve(process.env.TD_ADDON_PATH || ${JSON.stringify(fileURLToPath(new URL('../build/Release/tabular_diffusion.node', import.meta.url)))});
    const first = require(file);
    delete require.cache[file];
    const second = require(file);
    out({ same: first === second, draws: second.draws({ rows: 2, cols: 2, seed: 1 }).length });`);
  assert.deepEqual(r, { same: false, draws: 4 });
});
