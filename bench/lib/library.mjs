// Loads the built library (dist/cjs) and says how to build it when it is missing.
import { cpSync, existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);

export function buildProblems() {
  const problems = [];
  if (!existsSync(join(ROOT, 'dist', 'cjs', 'index.js'))) problems.push('dist/cjs/index.js is missing: run `npm run build:ts`');
  const native = ['build/Release/tabular_diffusion.node'].some((p) => existsSync(join(ROOT, p))) ||
    existsSync(join(ROOT, 'prebuilds', `${process.platform}-${process.arch}`));
  if (!native) problems.push('the native addon is missing: run `npm run build:native`');
  return problems;
}

/**
 * Copies the built library (package.json, dist/, the addon) into `dir` so that a whole run uses
 * one build even while the working tree is being rebuilt; node_modules is linked, not copied.
 * Children find it through BENCH_LIB_DIR.
 */
export function snapshotLibrary(dir) {
  mkdirSync(join(dir, 'build', 'Release'), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  cpSync(join(ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
  const addon = join(ROOT, 'build', 'Release', 'tabular_diffusion.node');
  if (existsSync(addon)) cpSync(addon, join(dir, 'build', 'Release', 'tabular_diffusion.node'));
  else cpSync(join(ROOT, 'prebuilds'), join(dir, 'prebuilds'), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  process.env.BENCH_LIB_DIR = dir;
  return dir;
}

export function libraryDir() {
  return process.env.BENCH_LIB_DIR || ROOT;
}

let lib;
export function library() {
  if (!lib) lib = require(join(libraryDir(), 'dist', 'cjs', 'index.js'));
  return lib;
}

/** An optional module of the built CLI (e.g. the demo's options); undefined when absent. */
export function optionalLibraryModule(rel) {
  try {
    return require(join(libraryDir(), 'dist', 'cjs', rel));
  } catch {
    return undefined;
  }
}
