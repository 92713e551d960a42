// Loads the native addon once, lazily (see native-binary.ts for where it is looked for: the
// package's own build or prebuild, then the platform package). A missing or mismatched binary
// gives one clear message.
import * as path from 'node:path';

import { loadBinary, platformPackageName, useCudaPackage } from './native-binary.js';
import type { NativeAddon } from './native-types.js';

export type {
  NativeAddon, NativeModel, NativeModelOptions, NativeFitOptions, NativeSampleOptions, StepOptions, WeightSlot, MixedEvalOptions, MixedEvalOutput,
  EvalOps, SeddOps, GraphName, DiscreteNoiseName, DiscreteSamplerName,
} from './native-types.js';

const EXPECTED_ABI = 6;
let cached: NativeAddon | undefined;
let binaryPath: string | undefined;
let binarySource: string | undefined;
let cudaPackageLibrary: string | undefined;

/** Which binary was loaded and from where (for backendInfo()). */
export function nativeBinary(): { path?: string; source?: string; cudaPackage?: string } {
  return { path: binaryPath, source: binarySource, ...(cudaPackageLibrary ? { cudaPackage: cudaPackageLibrary } : {}) };
}

/** The package root: dist/cjs/ is two levels below it. */
export function packageRoot(): string {
  return path.resolve(__dirname, '..', '..');
}

export function loadNative(): NativeAddon {
  if (cached) return cached;
  const root = packageRoot();
  let addon: NativeAddon;
  try {
    // TD_ADDON_PATH: an explicit binary (npm run test:sanitize loads its ASan/UBSan build).
    const explicit = process.env.TD_ADDON_PATH;
    if (explicit) {
      addon = require(path.resolve(explicit)) as NativeAddon;
      binaryPath = path.resolve(explicit);
      binarySource = 'TD_ADDON_PATH';
    } else {
      const loaded = loadBinary(root);
      addon = loaded.addon as NativeAddon;
      binaryPath = loaded.path;
      binarySource = loaded.source;
    }
  } catch (err) {
    const platform = `${process.platform}-${process.arch} (Node ${process.versions.node}, N-API ${process.versions.napi})`;
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new Error(
      `tabular-diffusion: no native binary for ${platform}. ` +
        `Prebuilt binaries ship as the optional package ${platformPackageName()} (linux-x64 glibc only); ` +
        `elsewhere build from source with "npm rebuild tabular-diffusion" (needs python3, make and a C++17 compiler), ` +
        `or in a clone run "npm run build:native". Tried: ${reason}`,
    );
  }
  cudaPackageLibrary = useCudaPackage(root);
  if (addon.abiVersion !== EXPECTED_ABI) {
    throw new Error(
      `tabular-diffusion: the native binary speaks ABI ${addon.abiVersion}, this JavaScript expects ${EXPECTED_ABI}; ` +
        `rebuild it with "npm rebuild tabular-diffusion".`,
    );
  }
  // process.exit() waits for libuv's worker threads: stop running jobs so it does not hang.
  process.once('exit', () => addon.abortAllJobs());
  cached = addon;
  return addon;
}
