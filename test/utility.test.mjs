// utility(): train-on-synthetic/test-on-real against train-on-real/test-on-real.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { utility } from '../dist/esm/index.mjs';
import { mixedTable } from './fixtures/eval-tables.mjs';
import { rng } from './fixtures/rng.mjs';

const train = mixedTable(2000, 1);
const holdout = mixedTable(1500, 2);

test('synthetic = the real training table gives ratio 1 exactly (classification and regression)', () => {
  const u = utility(train, train, { target: 'y', holdout });
  assert.equal(u.task, 'classification');
  assert.deepEqual(u.classes, ['no', 'yes']);
  assert.ok(u.real.auc > 0.9, `the learner learns (AUC ${u.real.auc})`);
  assert.deepEqual(u.synthetic, u.real);
  assert.deepEqual(u.ratio, { auc: 1, macroF1: 1, accuracy: 1 });
  assert.equal(u.score, 1);

  const r = utility(train, train, { target: 'x1', holdout, learner: { rounds: 100 } });
  assert.equal(r.task, 'regression');
  assert.ok(r.real.r2 > 0.3, `R2 ${r.real.r2}`);
  assert.deepEqual(r.ratio, { r2: 1, rmse: 1 });
});

test('shuffled labels in the synthetic rows give AUC about 0.5', () => {
  const r = rng(5);
  const labels = train.map((row) => row.y);
  for (let i = labels.length - 1; i > 0; i--) {
    const j = Math.floor(r.uniform() * (i + 1));
    [labels[i], labels[j]] = [labels[j], labels[i]];
  }
  const shuffled = train.map((row, i) => ({ ...row, y: labels[i] }));
  const u = utility(train, shuffled, { target: 'y', holdout, learner: { rounds: 150 } });
  // 1500 holdout rows: the AUC of an uninformative score has sd about 0.015.
  assert.ok(Math.abs(u.synthetic.auc - 0.5) < 0.06, `AUC ${u.synthetic.auc}`);
  assert.ok(u.score < 0.6, `ratio ${u.score}`);
});

test('numeric labels can be classes; a third class uses the softmax learner', () => {
  const three = train.map((row) => ({ ...row, y: row.x1 < -0.5 ? 0 : row.x1 < 0.5 ? 1 : 2 }));
  const hold3 = holdout.map((row) => ({ ...row, y: row.x1 < -0.5 ? 0 : row.x1 < 0.5 ? 1 : 2 }));
  const u = utility(three, three, { target: 'y', holdout: hold3, task: 'classification', learner: { rounds: 50 } });
  assert.deepEqual(u.classes, ['0', '1', '2']);
  assert.ok(u.real.accuracy > 0.95, `accuracy ${u.real.accuracy}`);
});

test('the result does not depend on the thread count', () => {
  // 22000 rows x 3 features: above the size below which the learner stays on one thread.
  const big = mixedTable(22000, 9);
  const one = utility(big, holdout, { target: 'y', holdout: train, learner: { rounds: 20, threads: 1 } });
  const two = utility(big, holdout, { target: 'y', holdout: train, learner: { rounds: 20, threads: 2 } });
  assert.deepEqual(two, one);
});

test('bad input names the argument and the column', () => {
  const noC = train.map(({ c, ...rest }) => rest);
  assert.throws(() => utility(train, noC, { target: 'y', holdout }), /synthetic: missing column "c" \(real has it\)/);
  assert.throws(() => utility(train, train.map((r) => ({ ...r, extra: 1 })), { target: 'y', holdout }), /synthetic: column "extra" is not in real/);
  assert.throws(() => utility(train, [], { target: 'y', holdout }), /synthetic: empty table \(0 rows\)/);
  assert.throws(() => utility([], train, { target: 'y', holdout }), /real: empty table/);
  assert.throws(() => utility(train, train, { target: 'y', holdout: holdout.map(({ y, ...rest }) => rest) }), /options\.holdout: missing column "y"/);
  assert.throws(() => utility(noC, noC, { target: 'c', holdout }), /options\.holdout: column "c" is not in real/);
  assert.throws(() => utility(train, train, { target: 'nope', holdout }), /options\.target: column "nope" is not in real/);
  assert.throws(() => utility(train, train, { target: 'y' }), /options\.holdout: required/);
  assert.throws(() => utility(train, train, { holdout }), /options\.target/);
  assert.throws(() => utility(train, train, { target: 'c', holdout, task: 'regression' }), /regression needs numbers/);
  assert.throws(() => utility(train, train, { target: 'y', holdout, task: 'ranking' }), /options\.task/);
});
