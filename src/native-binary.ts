// Where the native code comes from, in order:
//   1. a source build or prebuild inside the package (build/Release, prebuilds/<platform>-<arch>/),
//      found by node-gyp-build: what `npm rebuild` or a clone's `npm run build:native` makes;
//   2. the platform package `tabular-diffusion-<platform>-<arch>` (an optionalDependency that
//      npm installs only where its os/cpu/libc fields match: no compiler needed).
// The CUDA library comes from TABULAR_DIFFUSION_CUDA_LIB, the addon's own folder, a clone's
// build-cmake/, or the package `tabular-diffusion-<platform>-<arch>-cuda` (see cudaLibrary()).
import { existsSync } from 'node:fs';
import * as path from 'node:path';

export const PACKAGE_NAME = 'tabular-diffusion';
export const CUDA_ENV = 'TABULAR_DIFFUSION_CUDA_LIB';

/** Name of the platform package for this process (the release script builds linux-x64 only). */
export function platformPackageName(cuda = false): string {
  return `${PACKAGE_NAME}-${process.platform}-${process.arch}${cuda ? '-cuda' : ''}`;
}

export interface LoadedBinary {
  addon: unknown;
  /** The .node file (or the folder node-gyp-build searched) and how it was found. */
  source: 'package build or prebuild' | 'platform package';
  path: string;
}

/** Resolves a platform package's entry relative to this package, or null when not installed. */
function resolvePlatformPackage(name: string): { addon?: string; library?: string } | null {
  let entry: string;
  try {
    entry = require.resolve(name, { paths: [__dirname] });
  } catch {
    return null;
  }
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  return require(entry) as { addon?: string; library?: string };
}

/** Loads the addon; throws with every place tried and what each said. */
export function loadBinary(root: string): LoadedBinary {
  const tried: string[] = [];
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const load = require('node-gyp-build') as ((dir: string) => unknown) & { resolve?: (dir: string) => string };
    const addon = load(root);
    let file = root;
    try {
      file = load.resolve ? load.resolve(root) : root;
    } catch {
      // resolve() is informational only
    }
    return { addon, source: 'package build or prebuild', path: file };
  } catch (err) {
    tried.push(`${root} (build/Release, prebuilds/): ${firstLine(err)}`);
  }
  const name = platformPackageName();
  const pkg = resolvePlatformPackage(name);
  if (pkg && typeof pkg.addon === 'string') {
    try {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      return { addon: require(pkg.addon), source: 'platform package', path: pkg.addon };
    } catch (err) {
      tried.push(`${name}: ${firstLine(err)}`);
    }
  } else {
    tried.push(`${name}: not installed`);
  }
  throw new Error(tried.join('; '));
}

/**
 * Points the addon's CUDA loader at the CUDA platform package when one is installed and the user
 * has not chosen a library: the addon reads TABULAR_DIFFUSION_CUDA_LIB on first use (so child
 * processes inherit the same choice). A clone's own build-cmake/ library wins when it exists.
 */
export function useCudaPackage(root: string): string | undefined {
  if (process.env[CUDA_ENV]) return undefined;
  if (existsSync(path.join(root, 'build-cmake', 'Release', 'libtabular_diffusion_cuda.so'))) return undefined;
  const pkg = resolvePlatformPackage(platformPackageName(true));
  if (!pkg || typeof pkg.library !== 'string' || !existsSync(pkg.library)) return undefined;
  process.env[CUDA_ENV] = pkg.library;
  return pkg.library;
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}
