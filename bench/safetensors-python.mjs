// npm run bench:safetensors: reads a model exported by exportWeights back in Python, with the
// safetensors package (numpy or torch flavour) when an interpreter has it; otherwise says so and
// reads it with numpy alone (np.frombuffer '<f4' at the header's offsets), a second independent
// reader beside test/safetensors.test.mjs's. Compares every tensor with the model file's weights.
// Interpreters tried: BENCH_PYTHON, python3, /usr/bin/python3. Never part of npm test.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { TabularSynthesizer, readModelFile } from '../dist/esm/index.mjs';

const dir = mkdtempSync(join(tmpdir(), 'td-st-bench-'));
const rows = Array.from({ length: 200 }, (_, i) => ({ x: Math.sin(i) * 3, c: ['u', 'v', 'w'][i % 3] }));
const synth = new TabularSynthesizer({ maxSteps: 50, seed: 1 });
await synth.fit(rows);
await synth.save(join(dir, 'm.tdm'));
synth.exportWeights(join(dir, 'm.safetensors'));
synth.dispose();
const model = readModelFile(join(dir, 'm.tdm'));
const expected = {};
for (const [slot, flat] of model.sections) {
  for (const e of model.header.diffusion.layout) expected[`${slot}.${e.name}`] = Array.from(flat.subarray(e.offset, e.offset + e.rows * e.cols));
}
writeFileSync(join(dir, 'expected.json'), JSON.stringify(expected));

const script = `
import json, struct, sys
path, expected_path = sys.argv[1], sys.argv[2]
expected = json.load(open(expected_path))
import numpy as np
try:
    from safetensors.numpy import load_file
    tensors = load_file(path); reader = 'safetensors.numpy'
    import safetensors; reader += ' ' + safetensors.__version__
except ImportError:
    raw = open(path, 'rb').read()
    n = struct.unpack('<Q', raw[:8])[0]
    header = json.loads(raw[8:8 + n]); data = raw[8 + n:]
    tensors = {k: np.frombuffer(data[v['data_offsets'][0]:v['data_offsets'][1]], dtype='<f4').reshape(v['shape'])
               for k, v in header.items() if k != '__metadata__'}
    reader = 'numpy ' + np.__version__ + ' (no safetensors package)'
bad = [k for k in expected if k not in tensors or not np.array_equal(tensors[k].ravel(), np.array(expected[k], dtype=np.float32))]
print(json.dumps({'reader': reader, 'tensors': len(tensors), 'expected': len(expected), 'mismatched': bad}))
`;
const pythons = [process.env.BENCH_PYTHON, 'python3', '/usr/bin/python3'].filter(Boolean);
for (const py of [...new Set(pythons)]) {
  const r = spawnSync(py, ['-c', script, join(dir, 'm.safetensors'), join(dir, 'expected.json')], { encoding: 'utf8' });
  if (r.error) {
    console.log(`${py}: not found`);
    continue;
  }
  console.log(`${py}: ${r.status === 0 ? r.stdout.trim() : `failed: ${r.stderr.trim().split('\n').pop()}`}`);
}
rmSync(dir, { recursive: true, force: true });
