// Checks that the prebuilt binary alone loads and works: node-gyp-build with
// PREBUILDS_ONLY=1 skips build/Release, so only prebuilds/<platform>-<arch>/ can answer.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, 'prebuilds', `${process.platform}-${process.arch}`);
if (!existsSync(dir) || !readdirSync(dir).some((f) => f.endsWith('.node'))) {
  console.error(`check-prebuild: no prebuild in ${dir}; run "npm run prebuild" first`);
  process.exit(1);
}
const probe = `
  const td = require(${JSON.stringify(join(root, 'dist', 'cjs', 'index.js'))});
  const info = td.backendInfo();
  const dm = new td.TabularDiffusion({ hiddenDims: [16], timeDim: 8, nTimesteps: 10, maxSteps: 20, threads: 1 });
  const data = Float32Array.from({ length: 200 }, (_, i) => Math.sin(i));
  dm.fit({ rows: 100, cols: 2, data }).then(() => dm.sample(10, { seed: 1 })).then((s) => {
    if (s.data.length !== 20 || !s.data.every(Number.isFinite)) throw new Error('bad sample');
    console.log('prebuild ok:', info.backend, info.gemmKernel);
  });
`;
execFileSync(process.execPath, ['-e', probe], { stdio: 'inherit', env: { ...process.env, PREBUILDS_ONLY: '1' } });
