// The package as a user gets it: npm pack (scripts/release-platform.mjs, with the addon this
// checkout built and, where `npm run build:cuda` ran, its CUDA library), installed into an empty
// project on a PATH holding only node, npm, npx and sh (no compiler, python3 or make), then the
// README's two code examples (shrunk: fewer steps and rows) from ESM and CommonJS, the types
// of both entry points through tsc (with @types/node, as a Node project has), and `npx tabdiff --help`.
// Skips only when npm pack itself is unavailable.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
import { createRequire } from 'node:module';
// The addon this checkout loads (build/Release after npm ci or build:native, else prebuilds/).
const addon = (() => {
  try {
    return createRequire(import.meta.url)('node-gyp-build').resolve(root);
  } catch {
    return join(root, 'build', 'Release', 'tabular_diffusion.node');
  }
})();
const cudaLibrary = join(root, 'build-cmake', 'Release', 'libtabular_diffusion_cuda.so');

function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? realpathSync(r.stdout.trim()) : null;
}

const npmCli = which('npm');
const packable = npmCli !== null && spawnSync('npm', ['pack', '--dry-run', '--ignore-scripts', '--json'], { cwd: root, encoding: 'utf8' }).status === 0;

/** The README's ```ts block under a heading, made small enough for a test. */
function readmeExample(heading, replacements) {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const at = readme.indexOf(`\n${heading}`);
  assert.ok(at >= 0, `README.md has no heading "${heading}"`);
  const block = /```ts\n([\s\S]*?)```/.exec(readme.slice(at));
  assert.ok(block, `README.md: no ts block under "${heading}"`);
  let code = block[1];
  for (const [from, to] of replacements) {
    assert.ok(code.includes(from), `README.md example under "${heading}" no longer contains ${JSON.stringify(from)}: update this test`);
    code = code.split(from).join(to);
  }
  return code;
}

test('packed tarballs install without a compiler and run the README examples (ESM, CJS, types, CLI)', { skip: !packable && 'npm pack is unavailable', timeout: 240_000 }, () => {
  assert.ok(existsSync(addon), `${addon} is missing: npm ci (or npm run build:native) builds it`);
  const work = mkdtempSync(join(tmpdir(), 'td-packaging-'));
  try {
    const out = join(work, 'tarballs');
    const release = execFileSync(process.execPath, [
      join(root, 'scripts', 'release-platform.mjs'), '--out', out, '--addon', addon, '--skip-build-ts',
      ...(existsSync(cudaLibrary) ? ['--cuda', cudaLibrary] : ['--no-cuda']),
    ], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const tarballs = release.trim().split('\n');
    assert.equal(tarballs.length, existsSync(cudaLibrary) ? 3 : 2, release);

    // What the main tarball holds: the loader, the source-build fallback's inputs, the licence.
    const listing = execFileSync('tar', ['-tzf', tarballs[0]], { encoding: 'utf8' }).split('\n');
    for (const f of ['package/LICENSE', 'package/scripts/install.js', 'package/scripts/list-sources.js', 'package/binding.gyp',
      'package/dist/cjs/index.js', 'package/dist/cjs/index.d.ts', 'package/dist/esm/index.mjs', 'package/dist/esm/index.d.mts']) {
      assert.ok(listing.includes(f), `main tarball lacks ${f}`);
    }
    assert.ok(!listing.some((f) => f.startsWith('package/test/') || f.startsWith('package/build/')), 'main tarball ships test/ or build/');
    const manifest = JSON.parse(execFileSync('tar', ['-xzOf', tarballs[0], 'package/package.json'], { encoding: 'utf8' }));
    assert.equal(manifest.optionalDependencies['tabular-diffusion-linux-x64'], manifest.version);
    assert.match(manifest.engines.node, />=\s*20/);

    // A PATH with no compiler, python3 or make.
    const bin = join(work, 'bin');
    mkdirSync(bin);
    symlinkSync(process.execPath, join(bin, 'node'));
    symlinkSync(npmCli, join(bin, 'npm'));
    symlinkSync(join(dirname(npmCli), 'npx-cli.js'), join(bin, 'npx'));
    symlinkSync(realpathSync('/bin/sh'), join(bin, 'sh'));
    const project = join(work, 'project');
    mkdirSync(project);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
    const env = { HOME: process.env.HOME ?? work, PATH: bin, npm_config_cache: process.env.npm_config_cache ?? join(process.env.HOME ?? work, '.npm') };
    const sh = (cmd, args, options = {}) => {
      const r = spawnSync(cmd, args, { cwd: project, env, encoding: 'utf8', timeout: 120_000, ...options });
      assert.equal(r.status, 0, `${cmd} ${args.join(' ')} failed (${r.status} ${r.signal ?? ''}):\n${r.stdout}\n${r.stderr}`);
      return r.stdout;
    };
    sh(join(bin, 'npm'), ['install', '--prefer-offline', '--no-audit', '--no-fund', ...tarballs]);
    for (const tool of ['cc', 'gcc', 'g++', 'c++', 'clang', 'make', 'python3']) {
      assert.equal(spawnSync('sh', ['-c', `command -v ${tool}`], { env, encoding: 'utf8' }).stdout, '', `the test PATH has ${tool}`);
    }

    // The README's examples, from both entry points.
    const dataPath = JSON.stringify(join(project, 'node_modules', 'tabular-diffusion', 'data', 'lalonde.csv'));
    const rowsIn = readmeExample('## Rows in, rows out', [
      ["'data/lalonde.csv'", dataPath],
      ["{ categorical: ['race'] }", "{ categorical: ['race'], maxSteps: 150 }"],
      ['onProgress: (p) => console.log(p.step, p.loss)', 'onProgress: () => {}'],
      ['sample(10_000', 'sample(50'],
      ['sampleStream(1_000_000', 'sampleStream(300'],
      ["'lalonde.tdm'", "'lalonde.tdm'"],
    ]);
    const lowLevel = readmeExample('## Low level', [['maxSteps: 2000', 'maxSteps: 100'], ['nTimesteps: 100', 'nTimesteps: 20']]);
    const checks = `
if (fake.length !== 50 || Object.keys(fake[0]).join() !== 'treat,age,educ,race,married,nodegree,re74,re75,re78') throw new Error('rows: ' + JSON.stringify(fake[0]));
const a = await again.sample(20, { seed: 3 }), b = await synth.sample(20, { seed: 3 });
if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error('the loaded model samples other rows');
if (synthetic.length !== z.rows) throw new Error('low-level example: ' + synthetic.length + ' rows');
const info = backendInfo();
console.log(JSON.stringify({ source: info.binary.source, cuda: info.cuda }));
synth.dispose(); again.dispose(); dm.dispose();
`;
    writeFileSync(join(project, 'example.mjs'), `${rowsIn}\n${lowLevel}\nimport { backendInfo } from 'tabular-diffusion';\n${checks}`);
    const cjsBody = `${rowsIn}\n${lowLevel}\n${checks}`.replace(/^import (\{[^}]*\}) from ('[^']+');$/gm, (_m, names, from) => `const ${names.replace(/ as /g, ': ')} = require(${from});`);
    writeFileSync(join(project, 'example.cjs'), `const { backendInfo } = require('tabular-diffusion');\n(async () => {\n${cjsBody}\n})().catch((e) => { console.error(e); process.exit(1); });\n`);
    const esm = JSON.parse(sh(join(bin, 'node'), ['example.mjs']).trim().split('\n').pop());
    const cjs = JSON.parse(sh(join(bin, 'node'), ['example.cjs']).trim().split('\n').pop());
    assert.deepEqual(cjs, esm);
    assert.equal(esm.source, 'platform package', 'the addon came from elsewhere than the platform package');
    if (existsSync(cudaLibrary)) {
      // Found in the -cuda package; usable only with a driver and a GPU, and it says why not.
      assert.equal(esm.cuda.library, join(project, 'node_modules', 'tabular-diffusion-linux-x64-cuda', 'libtabular_diffusion_cuda.so'));
      if (!esm.cuda.available) assert.match(esm.cuda.reason, /\S/);
    }

    // Types: each entry point's declarations, as TypeScript resolves them for ESM and CommonJS.
    const types = `import { TabularSynthesizer, type OutputRow, type OutputColumns, type TransformerColumn, type IntMatrix, type BaselineComparison } from 'tabular-diffusion';
const s: TabularSynthesizer = new TabularSynthesizer({});
export const f = async (): Promise<[OutputRow[], OutputColumns]> => [await s.sample(1), await s.sampleColumns(1)];
export type T = [TransformerColumn, IntMatrix, BaselineComparison];\n`;
    writeFileSync(join(project, 'types.mts'), `${types}import td from 'tabular-diffusion';\nexport const viaDefault: typeof TabularSynthesizer = td.TabularSynthesizer;\n`);
    writeFileSync(join(project, 'types.cts'), types);
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { module: 'node16', moduleResolution: 'node16', strict: true, noEmit: true, types: ['node'], typeRoots: [join(root, 'node_modules', '@types')], lib: ['ES2022'], skipLibCheck: false },
      files: ['types.mts', 'types.cts'],
    }));
    const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project, '--traceResolution'], { cwd: project, encoding: 'utf8' });
    assert.equal(tsc.status, 0, `tsc in the consumer project failed:\n${tsc.stdout.split('\n').filter((l) => l.includes('error')).join('\n')}`);
    assert.match(tsc.stdout, /'tabular-diffusion' was successfully resolved to '[^']*dist\/esm\/index\.d\.mts'/);
    assert.match(tsc.stdout, /'tabular-diffusion' was successfully resolved to '[^']*dist\/cjs\/index\.d\.ts'/);

    const help = sh(join(bin, 'npx'), ['--no-install', 'tabdiff', '--help']);
    assert.match(help, /Usage: tabdiff/);
    assert.match(help, /sample/);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
