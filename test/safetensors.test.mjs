// exportWeights / tabdiff export: the file read back by a safetensors reader written here from the
// format's description (not the library's encoder), compared with the weights of the .tdm file.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { TabularSynthesizer, readModelFile } from '../dist/esm/index.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
let dir;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'td-safetensors-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** An independent safetensors reader: u64 LE header length, JSON header, LE float32 data. */
function readSafetensors(bytes) {
  assert.ok(bytes.length >= 8, 'shorter than the length prefix');
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  assert.ok(8 + n <= bytes.length, 'header runs past the end');
  const headerText = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
  assert.equal((8 + n) % 8, 0, 'data does not start 8-byte aligned');
  const header = JSON.parse(headerText);
  const data = bytes.subarray(8 + n);
  const metadata = header.__metadata__ ?? {};
  for (const v of Object.values(metadata)) assert.equal(typeof v, 'string', '__metadata__ values must be strings');
  const entries = Object.entries(header).filter(([k]) => k !== '__metadata__').sort((a, b) => a[1].data_offsets[0] - b[1].data_offsets[0]);
  const tensors = new Map();
  let expected = 0;
  for (const [name, { dtype, shape, data_offsets: [a, b] }] of entries) {
    assert.equal(dtype, 'F32', name);
    assert.equal(a, expected, `${name}: tensors must be contiguous`);
    assert.equal(b - a, shape.reduce((x, y) => x * y, 1) * 4, `${name}: byte length does not match its shape`);
    const view = new DataView(data.buffer, data.byteOffset + a, b - a);
    const values = new Float32Array((b - a) / 4);
    for (let i = 0; i < values.length; i++) values[i] = view.getFloat32(i * 4, true);
    tensors.set(name, { shape, values });
    expected = b;
  }
  assert.equal(expected, data.length, 'the tensors do not cover the data exactly');
  return { metadata, tensors };
}

test('exportWeights: every layer of params and ema as F32 tensors equal to the model file, config in __metadata__', async () => {
  const rows = Array.from({ length: 120 }, (_, i) => ({ x: Math.sin(i) * 3, c: ['u', 'v', 'w'][i % 3], k: i % 4 }));
  const synth = new TabularSynthesizer({ maxSteps: 60, seed: 3 });
  await synth.fit(rows);
  const tdm = join(dir, 'm.tdm');
  const st = join(dir, 'm.safetensors');
  await synth.save(tdm);
  synth.exportWeights(st);
  synth.dispose();

  const { metadata, tensors } = readSafetensors(readFileSync(st));
  const model = readModelFile(tdm);
  const layout = model.header.diffusion.layout;
  assert.equal(metadata.format, 'tabular-diffusion');
  assert.deepEqual(JSON.parse(metadata.transformer), model.header.transformer);
  assert.deepEqual(JSON.parse(metadata.diffusion).layout, layout);
  assert.deepEqual(JSON.parse(metadata.diffusion).options, model.header.diffusion.options);
  assert.deepEqual(JSON.parse(metadata.settings), model.header.settings);
  const slots = [...model.sections.keys()];
  assert.deepEqual(slots.sort(), ['ema', 'params']);
  assert.equal(tensors.size, layout.length * slots.length);
  for (const slot of slots) {
    const flat = model.sections.get(slot);
    for (const e of layout) {
      const t = tensors.get(`${slot}.${e.name}`);
      assert.ok(t, `missing ${slot}.${e.name}`);
      assert.deepEqual(t.shape, [e.rows, e.cols]);
      assert.deepEqual(t.values, flat.subarray(e.offset, e.offset + e.rows * e.cols), `${slot}.${e.name}`);
    }
  }
  // The data are not all one value (a writer of zeros would pass the checks above on a fresh model too).
  const first = tensors.get(`params.${layout[0].name}`).values;
  assert.ok(new Set(first).size > 10);
});

test('tabdiff export writes the same file; a bad target name is a one-line error and leaves nothing behind', async () => {
  const data = ['a,b', ...Array.from({ length: 80 }, (_, i) => `${(i * 0.37) % 5},${i % 2 ? 'y' : 'n'}`)].join('\n');
  writeFileSync(join(dir, 'd.csv'), `${data}\n`);
  const main = join(root, 'dist', 'cjs', 'cli', 'main.js');
  const run = (args) => spawnSync(process.execPath, [main, ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  assert.equal(run(['fit', 'd.csv', '-o', 'd.tdm', '--steps', '30']).status, 0);
  const r = run(['export', 'd.tdm', '-o', 'd.safetensors']);
  assert.equal(r.status, 0, r.stderr);
  const synth = await TabularSynthesizer.load(join(dir, 'd.tdm'));
  synth.exportWeights(join(dir, 'again.safetensors'));
  synth.dispose();
  assert.ok(readFileSync(join(dir, 'd.safetensors')).equals(readFileSync(join(dir, 'again.safetensors'))));
  const bad = run(['export', 'd.tdm', '-o', 'd.bin']);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /^tabdiff: d\.bin: expected a \.safetensors file name/);
  const noDir = run(['export', 'd.tdm', '-o', 'nowhere/x.safetensors']);
  assert.equal(noDir.status, 1);
  assert.match(noDir.stderr, /directory .* does not exist/);
  assert.ok(!existsSync(join(dir, 'd.bin')));
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.tmp-')), []);
});
