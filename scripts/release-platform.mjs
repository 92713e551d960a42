// npm run release:platform: the three tarballs of a release for linux-x64 (glibc):
//   tabular-diffusion-linux-x64-<v>.tgz       the CPU addon, built by prebuildify (N-API 8, stripped)
//   tabular-diffusion-linux-x64-cuda-<v>.tgz  the CUDA backend library, built by cmake-js (nvcc; no GPU needed)
//   tabular-diffusion-<v>.tgz                 the main package, with both in optionalDependencies
// npm installs a platform package only where its os/cpu/libc fields match, so elsewhere the
// main package's install script falls back to a source build (scripts/install.js).
//
// Options:
//   --out DIR        where the tarballs go (default release/)
//   --addon FILE     use this built .node instead of running prebuildify (the packaging test
//                    passes build/Release/tabular_diffusion.node)
//   --cuda FILE      use this CUDA library instead of building it; --no-cuda: no CUDA package
//   --skip-build-ts  pack the main package with --ignore-scripts (dist/ must be built already)
// The optionalDependencies are written only into the packed manifest: listing unpublished
// packages in the repository's package.json would break `npm ci` of a clone.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
function option(name) {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) fail(`${name}: expected a value`);
  return v;
}
function fail(message) {
  console.error(`release-platform: ${message}`);
  process.exit(1);
}
const known = new Set(['--out', '--addon', '--cuda', '--no-cuda', '--skip-build-ts']);
for (const a of args) if (a.startsWith('--') && !known.has(a)) fail(`unknown option ${a} (known: ${[...known].join(', ')})`);

if (process.platform !== 'linux' || process.arch !== 'x64') fail(`release binaries are built on linux-x64 only, this is ${process.platform}-${process.arch}`);
if (process.report?.getReport().header.glibcVersionRuntime === undefined) fail('release binaries are built against glibc; this system has another libc');

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const main = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const version = main.version;
const out = resolve(option('--out') ?? join(root, 'release'));
const staging = join(out, 'staging');
rmSync(staging, { recursive: true, force: true });
mkdirSync(staging, { recursive: true });

function run(cmd, argv, cwd = root) {
  return execFileSync(cmd, argv, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
}
/** npm pack DIR into `out`; returns the tarball's path. */
function pack(dir, ignoreScripts) {
  const json = run(npm, ['pack', dir, '--json', '--pack-destination', out, ...(ignoreScripts ? ['--ignore-scripts'] : [])]);
  return join(out, JSON.parse(json)[0].filename);
}
const common = { version, license: main.license, engines: main.engines, ...(main.repository ? { repository: main.repository } : {}) };

// 1. The CPU addon.
let addon = option('--addon');
if (addon === undefined) {
  // N-API binaries run on every Node from the one they are built with; build with this Node's
  // headers (npm's nodedir setting, as `npm run build:native` uses) rather than download another's.
  // Note: node-gyp rebuild replaces build/ of this checkout.
  const nodedir = process.env.npm_config_nodedir ?? run(npm, ['config', 'get', 'nodedir']).trim();
  execFileSync(process.execPath, [join(root, 'node_modules', 'prebuildify', 'bin.js'), '--napi', '--strip', '--tag-libc', '--target', process.versions.node], {
    cwd: root, stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, ...(nodedir && nodedir !== 'undefined' && nodedir !== 'null' ? { npm_config_nodedir: nodedir } : {}) },
  });
  const dir = join(root, 'prebuilds', 'linux-x64');
  const file = readdirSync(dir).find((f) => f.endsWith('.glibc.node'));
  if (!file) fail(`prebuildify wrote no *.glibc.node into ${dir}`);
  addon = join(dir, file);
}
if (!existsSync(addon)) fail(`--addon ${addon}: no such file`);
const cpuName = `${main.name}-linux-x64`;
const cpuDir = join(staging, cpuName);
mkdirSync(cpuDir);
copyFileSync(addon, join(cpuDir, 'tabular_diffusion.node'));
writeFileSync(join(cpuDir, 'index.js'), `// Path of the prebuilt addon; tabular-diffusion loads it (src/native-binary.ts).\nexports.addon = require('node:path').join(__dirname, 'tabular_diffusion.node');\n`);
writeFileSync(join(cpuDir, 'package.json'), `${JSON.stringify({
  name: cpuName, ...common, description: `Prebuilt CPU addon of ${main.name} for Linux x64 (glibc), N-API 8`,
  main: 'index.js', files: ['index.js', 'tabular_diffusion.node'], os: ['linux'], cpu: ['x64'], libc: ['glibc'],
}, null, 2)}\n`);

// 2. The CUDA library.
const tarballs = [];
let cudaName;
if (!args.includes('--no-cuda')) {
  let library = option('--cuda');
  if (library === undefined) {
    run(process.execPath, [join(root, 'node_modules', 'cmake-js', 'bin', 'cmake-js'), 'rebuild', '--out', 'build-cmake', '--CDTD_CUDA=ON']);
    library = join(root, 'build-cmake', 'Release', 'libtabular_diffusion_cuda.so');
  }
  if (!existsSync(library)) fail(`CUDA library ${library}: no such file (is nvcc on PATH? or pass --no-cuda)`);
  cudaName = `${main.name}-linux-x64-cuda`;
  const cudaDir = join(staging, cudaName);
  mkdirSync(cudaDir);
  copyFileSync(library, join(cudaDir, 'libtabular_diffusion_cuda.so'));
  writeFileSync(join(cudaDir, 'index.js'), `// Path of the CUDA backend library; tabular-diffusion points its loader here (src/native-binary.ts).\nexports.library = require('node:path').join(__dirname, 'libtabular_diffusion_cuda.so');\n`);
  writeFileSync(join(cudaDir, 'package.json'), `${JSON.stringify({
    name: cudaName, ...common,
    description: `CUDA backend library of ${main.name} for Linux x64 (glibc): CUDA runtime linked statically, needs an NVIDIA driver at run time`,
    main: 'index.js', files: ['index.js', 'libtabular_diffusion_cuda.so'], os: ['linux'], cpu: ['x64'], libc: ['glibc'],
  }, null, 2)}\n`);
  tarballs.push(pack(cudaDir, true));
}
tarballs.unshift(pack(cpuDir, true));

// 3. The main package, its packed manifest given the optionalDependencies.
const packed = pack(root, args.includes('--skip-build-ts'));
const mainDir = join(staging, 'main');
mkdirSync(mainDir);
run('tar', ['-xzf', packed, '-C', mainDir]);
const manifestPath = join(mainDir, 'package', 'package.json');
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
// The binaries live in the platform packages: none inside the main one (prebuilds/ of this
// checkout, where prebuildify wrote, stays out of it).
rmSync(join(mainDir, 'package', 'prebuilds'), { recursive: true, force: true });
manifest.files = manifest.files.filter((f) => f !== 'prebuilds');
manifest.optionalDependencies = { ...(manifest.optionalDependencies ?? {}), [cpuName]: version, ...(cudaName ? { [cudaName]: version } : {}) };
writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
rmSync(packed);
tarballs.unshift(pack(join(mainDir, 'package'), true));
rmSync(staging, { recursive: true, force: true });
for (const t of tarballs) console.log(t);
