// The demo (tabdiff demo / npm run demo) in reduced form: fewer training steps, 614 rows.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { runDemo, treatmentGap, bundledDataPath } from '../dist/cjs/cli/demo.js';

// Mean re78 of the 185 treated minus the 429 controls in data/lalonde.csv.
const REAL_GAP = -635.0262;

test('the reduced demo runs and beats the independent-marginals baseline on correlation error', { timeout: 60_000 }, async () => {
  const lines = [];
  const result = await runDemo({ quick: true, seed: 0, log: (line) => lines.push(line) });
  const text = lines.join('\n');

  assert.equal(result.nReal, 614);
  assert.equal(result.nSynthetic, 614);
  assert.equal(result.fit.steps, result.options.maxSteps);
  assert.ok(result.fit.seconds > 0 && result.sampleSeconds > 0);

  // The report has every part: the per-column table, the gap, the baselines and the timings.
  for (const column of ['treat', 'age', 'educ', 'race', 'married', 'nodegree', 're74', 're75', 're78']) {
    assert.match(text, new RegExp(`^\\| ${column} +\\|`, 'm'));
  }
  assert.match(text, /re78 gap, treated minus control/);
  assert.match(text, /^\| independent +\|/m);
  assert.match(text, /^\| copula +\|/m);
  assert.match(text, /^time: fit \d+\.\d s, sampling \d+\.\d+ s/m);

  // The real gap is a property of the data, not of the run.
  assert.ok(Math.abs(result.gaps.real - REAL_GAP) < 1e-3, `real gap ${result.gaps.real}`);
  for (const g of Object.values(result.gaps)) assert.ok(Number.isFinite(g));

  const model = result.metrics.correlationError;
  const independent = result.baselines.independent.correlationError;
  // Independent marginals destroy every correlation (error ~0.2 here); the model keeps most of
  // them (~0.05 after a quick fit). Half the baseline's error is a wide margin that a model
  // ignoring the dependence between columns cannot meet.
  assert.ok(model < 0.5 * independent, `correlation error: model ${model}, independent ${independent}`);
  // Marginals: mean KS well below what a broken sampler gives (0.3+ when columns collapse).
  assert.ok(result.metrics.summary.meanKS < 0.15, `mean KS ${result.metrics.summary.meanKS}`);
  // Categories from the data only, so race is compared by TV; a wrong encoding gives TV near 0.5.
  const race = result.metrics.columns.find((c) => c.column === 'race');
  assert.equal(race.kind, 'categorical');
  assert.ok(race.tv < 0.15, `race TV ${race.tv}`);
});

test('helpers: the bundled data is found, the gap is computed on treat 0/1 only', () => {
  assert.match(bundledDataPath(), /data[\\/]lalonde\.csv$/);
  assert.equal(treatmentGap([{ treat: 1, re78: 10 }, { treat: 1, re78: 20 }, { treat: 0, re78: 4 }]), 11);
  assert.equal(treatmentGap([{ treat: '1', re78: '3' }, { treat: '0', re78: '1' }, { treat: 'x', re78: '100' }]), 2);
  assert.ok(Number.isNaN(treatmentGap([{ treat: 1, re78: 1 }])));
});

test('bad demo options are RangeErrors', async () => {
  await assert.rejects(runDemo({ steps: 0, log: () => {} }), RangeError);
  await assert.rejects(runDemo({ seed: -1, log: () => {} }), RangeError);
  await assert.rejects(runDemo({ samples: 1.5, log: () => {} }), RangeError);
});
