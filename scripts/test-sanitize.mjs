// npm run test:sanitize: builds the addon with AddressSanitizer and UndefinedBehaviorSanitizer
// into build-sanitize/ (the normal build/ is untouched) and runs the CPU test files against it.
// node itself is not instrumented, so the ASan runtime is preloaded; every child process the
// tests start inherits the environment and loads the same build (TD_ADDON_PATH).
//   node scripts/test-sanitize.mjs [test files...]   (default: every test/*.test.mjs)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'build-sanitize');
const flags = '-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined -g';
const cmakeJs = join(root, 'node_modules', 'cmake-js', 'bin', 'cmake-js');
execFileSync(process.execPath, [
  cmakeJs, 'build', '--out', out, '--CDTD_CUDA=OFF', `--CDCMAKE_CXX_FLAGS=${flags}`,
  `--CDCMAKE_SHARED_LINKER_FLAGS=-fsanitize=address,undefined`,
], { cwd: root, stdio: 'inherit' });
const addon = join(out, 'Release', 'tabular_diffusion.node');
if (!existsSync(addon)) throw new Error(`test:sanitize: ${addon} was not built`);

const compiler = process.env.CXX || 'c++';
const libasan = execFileSync(compiler, ['-print-file-name=libasan.so'], { encoding: 'utf8' }).trim();
if (!existsSync(libasan)) throw new Error(`test:sanitize: ${compiler} does not know libasan.so (${libasan})`);

const files = process.argv.length > 2 ? process.argv.slice(2)
  : readdirSync(join(root, 'test')).filter((f) => f.endsWith('.test.mjs')).sort().map((f) => join('test', f));
const env = {
  ...process.env,
  TD_ADDON_PATH: addon,
  LD_PRELOAD: [libasan, process.env.LD_PRELOAD].filter(Boolean).join(':'),
  // allow_user_segv_handler=0: node installs its own SIGSEGV handler, which would hide ASan's
  // report. Leaks are not checked: V8 and the process-wide registries are never freed.
  // (ASan's operator new aborts on out-of-memory whatever the options: the bad_alloc test skips.)
  ASAN_OPTIONS: 'allow_user_segv_handler=0:detect_leaks=0:abort_on_error=1:halt_on_error=1',
  UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1',
};
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', ...files], { cwd: root, env, stdio: 'inherit' });
process.exit(r.status ?? 1);
