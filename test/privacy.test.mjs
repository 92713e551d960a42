// privacy(): exact copies, DCR share against holdout rows, and the exact nearest neighbours.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { nativeOps, privacy } from '../dist/esm/index.mjs';
import { mixedTable } from './fixtures/eval-tables.mjs';
import { rng } from './fixtures/rng.mjs';

const train = mixedTable(2000, 1);
const holdout = mixedTable(2000, 2);

test('10 training rows planted in the synthetic rows are reported as exact copies', () => {
  const synthetic = mixedTable(1000, 3);
  for (let k = 0; k < 10; k++) synthetic[k * 97] = { ...train[k * 131] };
  const p = privacy(train, synthetic, { holdout });
  assert.equal(p.exactCopies, 10);
  assert.equal(p.exactCopyShare, 0.01);
  assert.equal(p.holdoutExactCopies, 0);
  for (let k = 0; k < 10; k++) assert.equal(p.dcrSynthetic[k * 97], 0);
});

test('DCR share is about 0.5 for a second sample of the distribution, and 1 for the training rows themselves', () => {
  const fresh = privacy(train, mixedTable(2000, 4), { holdout });
  // Two independent samples of 2000 rows: the share's sd is about 0.01.
  assert.ok(Math.abs(fresh.dcrShare - 0.5) < 0.04, `share ${fresh.dcrShare}`);
  assert.ok(Math.abs(fresh.meanNndr.synthetic - fresh.meanNndr.holdout) < 0.05);
  const copies = privacy(train, train, { holdout });
  assert.equal(copies.dcrShare, 1);
  assert.equal(copies.exactCopies, 2000);
  assert.equal(copies.medianDcr.synthetic, 0);
});

test('distance: standardised numbers plus one unit per differing category', () => {
  // Training x has mean 0 and population sd 1 (values -1, 1); c differs or not.
  const t = [{ x: -1, c: 'a' }, { x: 1, c: 'b' }];
  const p = privacy(t, [{ x: 0, c: 'a' }, { x: 1, c: 'c' }, { x: 3, c: 'b' }]);
  const close = (a, b) => Math.abs(a - b) < 1e-6;
  assert.ok(close(p.dcrSynthetic[0], 1), `${p.dcrSynthetic[0]}`); // |0 - -1| = 1, same category
  assert.ok(close(p.dcrSynthetic[1], 1)); // x equal to row 2, category differs: sqrt(0 + 1)
  assert.ok(close(p.dcrSynthetic[2], 2)); // |3 - 1| = 2, same category
  assert.equal(p.dcrShare, null);
});

test('native nearest neighbours equal a brute-force search, for any thread count', () => {
  const ops = nativeOps();
  const r = rng(21);
  // 1000 x 2400 x 7: above the size below which the search stays on one thread.
  const nq = 1000, nr = 2400, dim = 7;
  const q = Float32Array.from({ length: nq * dim }, () => r.normal());
  const refs = Float32Array.from({ length: nr * dim }, () => Math.round(r.normal() * 4) / 4); // ties on a grid
  const got = ops.nearestNeighbours({ queries: q, rows: nq, refs, refRows: nr, cols: dim, k: 3, threads: 1 });
  for (let i = 0; i < nq; i++) {
    const all = [];
    for (let j = 0; j < nr; j++) {
      let s = 0;
      for (let d = 0; d < dim; d++) s += (q[i * dim + d] - refs[j * dim + d]) ** 2;
      all.push([s, j]);
    }
    all.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    for (let t = 0; t < 3; t++) {
      assert.ok(Math.abs(got.dist2[i * 3 + t] - all[t][0]) <= 1e-9 * Math.max(1, all[t][0]), `row ${i} rank ${t}`);
      assert.equal(got.index[i * 3 + t], all[t][1], `row ${i} rank ${t}`);
    }
  }
  const two = ops.nearestNeighbours({ queries: q, rows: nq, refs, refRows: nr, cols: dim, k: 3, threads: 2 });
  assert.deepEqual(two, got);
  assert.throws(() => ops.nearestNeighbours({ queries: q, rows: nq, refs, refRows: nr, cols: dim, k: 17 }), /k/);
  assert.throws(() => ops.nearestNeighbours({ queries: q, rows: nq + 1, refs, refRows: nr, cols: dim }), /queries/);
});

test('the result does not depend on the thread count', () => {
  const syn = mixedTable(1500, 8); // 2000 x 1500 rows x 6 coordinates: the threaded path
  assert.deepEqual(privacy(train, syn, { holdout, threads: 2 }), privacy(train, syn, { holdout, threads: 1 }));
});

test('bad input names the argument and the column', () => {
  assert.throws(() => privacy(train, holdout.map(({ c, ...rest }) => rest)), /synthetic: missing column "c" \(train has it\)/);
  assert.throws(() => privacy(train, []), /synthetic: empty table/);
  assert.throws(() => privacy(train, holdout, { holdout: [] }), /options\.holdout: empty table/);
  assert.throws(() => privacy(train, holdout, { holdout: holdout.map((r) => ({ ...r, z: 1 })) }), /options\.holdout: column "z" is not in train/);
});
