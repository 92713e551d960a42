// The CPU sampling loop (native/cpu/sampler.cpp, NativeModel.sample): its draw streams do not
// depend on the chunk size or the thread count.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { nativeOps } from '../dist/esm/index.mjs';

const ops = nativeOps();

test('sampling streams are identical whatever the chunk size or thread count (native loop)', async () => {
  // An untrained model still runs the full chain: x_T from stream 6 and z from stream 7 per row.
  const T = 10;
  const betas = Float64Array.from({ length: T }, (_, t) => 1e-3 + (0.2 * t) / (T - 1));
  const alphaBars = new Float64Array(T);
  let abar = 1;
  for (let t = 0; t < T; t++) alphaBars[t] = abar *= 1 - betas[t];
  const timesteps = Int32Array.from({ length: T }, (_, k) => T - 1 - k);
  const results = [];
  for (const [threads, chunkRows] of [[1, 1024], [1, 1], [2, 7], [3, 5], [3, 64]]) {
    const model = new ops.NativeModel({ dataDim: 5, timeDim: 4, hidden: [8], seed: 3, threads });
    const out = await model.sample({ n: 100, seed: 42, sampler: 'ddpm', timesteps, betas, alphaBars, chunkRows, rowOffset: 10 });
    model.release();
    results.push(out);
  }
  for (const r of results.slice(1)) assert.deepEqual(new Uint8Array(r.buffer), new Uint8Array(results[0].buffer));
  // And a row range sampled on its own matches.
  const model = new ops.NativeModel({ dataDim: 5, timeDim: 4, hidden: [8], seed: 3, threads: 2 });
  const part = await model.sample({ n: 30, seed: 42, sampler: 'ddpm', timesteps, betas, alphaBars, chunkRows: 4, rowOffset: 10 + 40 });
  model.release();
  assert.deepEqual(part, results[0].slice(40 * 5, 70 * 5));
});
