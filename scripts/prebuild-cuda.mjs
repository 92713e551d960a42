// npm run cuda:prebuild: builds the CUDA backend library (cmake-js, nvcc) and places it in
// prebuilds/<platform>-<arch>/ next to the prebuilt addon, where the addon looks for it first.
// (Not named prebuild:cuda: npm would run it before every `npm run build:cuda`, building twice.)
// Run `npm run prebuild` too (or before) for the addon itself.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const library = join(root, 'build-cmake', 'Release', 'libtabular_diffusion_cuda.so');
if (process.argv[2] !== '--copy-only') {
  execFileSync('npx', ['cmake-js', 'rebuild', '--out', 'build-cmake', '--CDTD_CUDA=ON'], { cwd: root, stdio: 'inherit' });
}
if (!existsSync(library)) {
  console.error(`cuda:prebuild: ${library} was not built (is nvcc on PATH?)`);
  process.exit(1);
}
const target = join(root, 'prebuilds', `${process.platform}-${process.arch}`);
mkdirSync(target, { recursive: true });
copyFileSync(library, join(target, 'libtabular_diffusion_cuda.so'));
console.log(`cuda:prebuild: ${join(target, 'libtabular_diffusion_cuda.so')}`);
