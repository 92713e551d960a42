// detection(): cross-validated AUC of telling synthetic rows from real ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { detection } from '../dist/esm/index.mjs';
import { mixedTable } from './fixtures/eval-tables.mjs';

test('two samples of one distribution: AUC about 0.5 for both learners', () => {
  const d = detection(mixedTable(1500, 1), mixedTable(1500, 2));
  assert.deepEqual(d.rows, { real: 1500, synthetic: 1500 });
  // 3000 scored rows: an uninformative AUC has sd about 0.011.
  assert.ok(Math.abs(d.auc.logistic - 0.5) < 0.05, `logistic ${d.auc.logistic}`);
  assert.ok(Math.abs(d.auc.tree - 0.5) < 0.05, `tree ${d.auc.tree}`);
});

test('shifted data: AUC about 1', () => {
  const d = detection(mixedTable(1500, 1), mixedTable(1500, 2, { shift: 3 }));
  assert.ok(d.auc.logistic > 0.97, `logistic ${d.auc.logistic}`);
  assert.ok(d.auc.tree > 0.97, `tree ${d.auc.tree}`);
  assert.ok(d.score.tree < 0.06);
});

test('a category that only the synthetic rows use is found by both learners', () => {
  const real = mixedTable(800, 1);
  const syn = mixedTable(800, 2).map((r, i) => (i % 2 ? { ...r, c: 'zz' } : r));
  const d = detection(real, syn);
  assert.ok(d.auc.logistic > 0.7 && d.auc.tree > 0.7, JSON.stringify(d.auc));
});

test('bad input names the argument', () => {
  const t = mixedTable(50, 1);
  assert.throws(() => detection(t, []), /synthetic: empty table/);
  assert.throws(() => detection(t, t.map(({ x2, ...r }) => r)), /synthetic: missing column "x2"/);
  assert.throws(() => detection(t, t, { folds: 1 }), /options\.folds/);
  assert.throws(() => detection(t.slice(0, 2), t), /needs at least 3 rows on each side/);
});
