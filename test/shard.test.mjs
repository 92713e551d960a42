// Sampling across machines: N child processes, each told its index the way Kubernetes Indexed
// Jobs (JOB_COMPLETION_INDEX) and Slurm job arrays (SLURM_ARRAY_TASK_ID) tell it, write part
// files whose concatenation is byte for byte one process's output of the same seed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const MAIN = join(root, 'dist', 'cjs', 'cli', 'main.js');
let dir;

function tabdiff(args, env = {}) {
  const childEnv = { ...process.env };
  for (const k of ['JOB_COMPLETION_INDEX', 'SLURM_ARRAY_TASK_ID', 'SLURM_ARRAY_TASK_MIN', 'TABDIFF_DEBUG']) delete childEnv[k];
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd: dir, env: { ...childEnv, ...env }, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
function ok(r) {
  assert.equal(r.code, 0, r.stderr);
  return r;
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tabdiff-shard-'));
  // Numeric, integer and categorical columns (the categorical one on the discrete SEDD chain).
  const lines = ['x,k,g'];
  let s = 3;
  const u = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  for (let i = 0; i < 150; i++) lines.push(`${(u() * 10).toFixed(3)},${Math.floor(u() * 5)},${['a', 'b', 'c', 'd'][i % 4]}`);
  writeFileSync(join(dir, 'data.csv'), `${lines.join('\n')}\n`);
  ok(tabdiff(['fit', 'data.csv', '-o', 'm.tdm', '--steps', '40', '--seed', '2']));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('4 Kubernetes-indexed processes: JSON Lines parts concatenate to the single run, byte for byte', () => {
  // The single run in chunks of 64 rows; the shards cut rows at other places (250-row parts).
  ok(tabdiff(['sample', 'm.tdm', '-n', '1000', '--seed', '11', '--chunk-rows', '64', '-o', 'all.jsonl']));
  for (let k = 0; k < 4; k++) {
    const r = ok(tabdiff(['sample', 'm.tdm', '-n', '1000', '--seed', '11', '--shards', '4', '--format', 'jsonl', '-o', 'k8s'], { JOB_COMPLETION_INDEX: String(k) }));
    assert.match(r.stderr, new RegExp(`rows ${k * 250} to ${(k + 1) * 250} of 1000: shard ${k} of 4, from JOB_COMPLETION_INDEX`));
  }
  const parts = readdirSync(join(dir, 'k8s')).sort();
  assert.deepEqual(parts, ['part-00000-of-00004.jsonl', 'part-00001-of-00004.jsonl', 'part-00002-of-00004.jsonl', 'part-00003-of-00004.jsonl']);
  const joined = Buffer.concat(parts.map((p) => readFileSync(join(dir, 'k8s', p))));
  assert.ok(joined.equals(readFileSync(join(dir, 'all.jsonl'))), 'the parts differ from the single run');
});

test('3 Slurm array tasks (ids 5..7): CSV parts, each with its header, are the single CSV run in order', () => {
  ok(tabdiff(['sample', 'm.tdm', '-n', '100', '--seed', '4', '-o', 'all.csv']));
  for (const id of [5, 6, 7]) {
    ok(tabdiff(['sample', 'm.tdm', '-n', '100', '--seed', '4', '--shards', '3', '--format', 'csv', '-o', 'slurm'], { SLURM_ARRAY_TASK_ID: String(id), SLURM_ARRAY_TASK_MIN: '5' }));
  }
  const [header, ...rows] = readFileSync(join(dir, 'all.csv'), 'utf8').trimEnd().split('\n');
  const parts = readdirSync(join(dir, 'slurm')).sort().map((p) => readFileSync(join(dir, 'slurm', p), 'utf8').trimEnd().split('\n'));
  assert.equal(parts.length, 3);
  for (const p of parts) assert.equal(p[0], header);
  // floor(k*100/3): 33, 33, 34 rows.
  assert.deepEqual(parts.map((p) => p.length - 1), [33, 33, 34]);
  assert.deepEqual(parts.flatMap((p) => p.slice(1)), rows);
});

test('--shard k/N with Parquet parts (the default): read back, the rows of the single run; more shards than rows give empty parts', async () => {
  const { parquetReadObjects, asyncBufferFromFile } = await import('hyparquet');
  const read = async (path) => parquetReadObjects({ file: await asyncBufferFromFile(path) });
  ok(tabdiff(['sample', 'm.tdm', '-n', '90', '--seed', '8', '-o', 'all.parquet']));
  for (let k = 0; k < 2; k++) ok(tabdiff(['sample', 'm.tdm', '-n', '90', '--seed', '8', '--shard', `${k}/2`, '-o', 'pq']));
  const parts = readdirSync(join(dir, 'pq')).sort();
  assert.deepEqual(parts, ['part-00000-of-00002.parquet', 'part-00001-of-00002.parquet']);
  const rows = [...(await read(join(dir, 'pq', parts[0]))), ...(await read(join(dir, 'pq', parts[1])))];
  assert.deepEqual(rows, await read(join(dir, 'all.parquet')));
  // 2 rows over 3 shards: rows [0,0), [0,1), [1,2).
  for (let k = 0; k < 3; k++) ok(tabdiff(['sample', 'm.tdm', '-n', '2', '--seed', '8', '--shard', `${k}/3`, '-o', 'tiny']));
  const sizes = await Promise.all(readdirSync(join(dir, 'tiny')).sort().map(async (p) => (await read(join(dir, 'tiny', p))).length));
  assert.deepEqual(sizes, [0, 1, 1]);
});

test('sharding mistakes are one-line errors naming what to pass', () => {
  const cases = [
    [['--shards', '4', '-o', 'x'], {}, /neither JOB_COMPLETION_INDEX .* nor SLURM_ARRAY_TASK_ID/],
    [['--shards', '4', '-o', 'x'], { JOB_COMPLETION_INDEX: '4' }, /JOB_COMPLETION_INDEX: shard index 4 is outside \[0, 3\]/],
    [['--shards', '4', '-o', 'x'], { SLURM_ARRAY_TASK_ID: 'two' }, /SLURM_ARRAY_TASK_ID: expected a non-negative integer/],
    [['--shard', '4/4', '-o', 'x'], {}, /--shard: shard index 4 is outside \[0, 3\]/],
    [['--shard', '1-4', '-o', 'x'], {}, /--shard: expected k\/N/],
    [['--shard', '0/2', '--shards', '2', '-o', 'x'], {}, /not both/],
    [['--shard', '0/2'], {}, /pass -o DIR/],
  ];
  for (const [args, env, pattern] of cases) {
    const r = tabdiff(['sample', 'm.tdm', '-n', '10', '--seed', '1', ...args], env);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, pattern);
  }
  const noSeed = tabdiff(['sample', 'm.tdm', '-n', '10', '--shard', '0/2', '-o', 'x']);
  assert.equal(noSeed.code, 1);
  assert.match(noSeed.stderr, /needs --seed/);
});

test('library: sampleColumns and sampleStream with offset a give rows [a, a + n) of the seed run', async () => {
  const { TabularSynthesizer } = await import('../dist/esm/index.mjs');
  const synth = await TabularSynthesizer.load(join(dir, 'm.tdm'));
  const all = await synth.sample(300, { seed: 21 });
  const middle = await synth.sampleColumns(100, { seed: 21, offset: 150 });
  assert.deepEqual(Object.keys(middle), ['x', 'k', 'g']);
  for (let i = 0; i < 100; i++) {
    assert.equal(middle.x[i], all[150 + i].x);
    assert.equal(middle.g[i], all[150 + i].g);
  }
  const streamed = [];
  for await (const row of synth.sampleStream(120, { seed: 21, offset: 180, chunkRows: 7 })) streamed.push(row);
  assert.deepEqual(streamed, all.slice(180, 300));
  await assert.rejects(synth.sampleColumns(1, { seed: 21, offset: -1 }), /offset: expected a non-negative integer, got -1/);
  assert.throws(() => synth.sampleStream(1, { offset: 1.5 }), /offset: expected a non-negative integer, got 1.5/);
  synth.dispose();
});
