// Loads the native addon once, lazily (see native-binary.ts for where it is looked for: the
// package's own build or prebuild, then the platform package). A missing or mismatched binary
// gives one clear message.
import * as path from 'node:path';

import { loadBinary, platformPackageName, useCudaPackage } from './native-binary.js';
import type { SeddOps } from './sedd/ops.js';

/** The typed surface of the addon (see native/addon/). */
export interface NativeAddon extends SeddOps {
  abiVersion: number;
  /** Stops every running fit and sample (called on process exit). */
  abortAllJobs(): void;
  NativeModel: new (options: NativeModelOptions) => NativeModel;
  philox4x32(counter: Uint32Array, key: Uint32Array): Uint32Array;
  draws(options: { seed?: number | bigint; stream?: number; rowStart?: number; rows: number; step?: number; cols: number; kind?: 'normal' | 'uniform'; reference?: boolean }): Float32Array;
  forwardNoise(options: {
    x0: Float32Array; rows: number; cols: number; t: Int32Array; sqrtAlphaBars: Float32Array;
    sqrtOneMinusAlphaBars: Float32Array; seed?: number | bigint; rowOffset?: number; step?: number;
  }): { xt: Float32Array; eps: Float32Array };
  /** With observed (0/1 per value) the mean runs over observed values; gaps get a zero gradient. */
  epsMse(epsHat: Float32Array, eps: Float32Array, options?: { device?: 'cpu' | 'cuda'; observed?: Uint8Array }): { loss: number; grad: Float32Array };
  ddpmStep(options: StepOptions & { betas: Float64Array; variance?: 'beta' | 'posterior' }): Float32Array;
  ddimStep(options: StepOptions & { prev: number; eta?: number }): Float32Array;
  dpmSolverStep(options: StepOptions & { prev: number; before?: number; x0Prev: Float32Array }): Float32Array;
  adamwStep(options: {
    params: Float32Array; grads: Float32Array; m: Float32Array; v: Float32Array; step: number;
    lr?: number; beta1?: number; beta2?: number; eps?: number; weightDecay?: number;
  }): void;
  sgemm(options: {
    transA?: boolean; transB?: boolean; m: number; n: number; k: number; alpha?: number; beta?: number;
    a: Float32Array; b: Float32Array; c: Float32Array; threads?: number; reference?: boolean;
  }): void;
  timeEmbedding(t: number, dim: number): Float32Array;
  /** Log-density estimators (native/addon/ops_density.cpp) on a model or a Gaussian mixture oracle. */
  densityLogp(options: {
    model?: NativeModel; mixture?: { dim: number; weights: Float64Array; means: Float64Array; covs: Float64Array };
    x: Float32Array; rows: number; alphaBars: Float64Array; method?: 'path-integral' | 'ode'; throws?: number; steps?: number;
    probes?: number; seed?: number | bigint; rowOffset?: number; context?: Float32Array; contextRows?: number;
    chunkRows?: number; threads?: number;
  }): { logp: Float64Array; se: Float64Array };
  /** Inpainting ops (native/cpu/inpaint.h): a reverse step fused with the substitution, a jump back up, RePaint's schedule. */
  inpaintStep(options: {
    x: Float32Array; epsHat: Float32Array; rows: number; cols: number; t: number; prev?: number; alphaBars: Float64Array;
    betas?: Float64Array; sampler?: 'ddpm' | 'ddim'; eta?: number; variance?: 'beta' | 'posterior'; seed?: number | bigint;
    rowOffset?: number; pass?: number; known: Float32Array; knownMask: Uint8Array; knownRows?: number;
  }): Float32Array;
  inpaintJump(options: { x: Float32Array; rows: number; cols: number; abarFrom: number; abarTo: number; seed?: number | bigint; rowOffset?: number; step?: number }): Float32Array;
  inpaintSchedule(options: { steps: number; jumps?: number; length?: number; start?: number }): Int32Array;
  backendInfo(): {
    backend: string; gemmKernel: string; defaultThreads: number;
    cuda: { available: boolean; devices: number; device?: string; reason?: string; library?: string };
  };
}

export interface StepOptions {
  x: Float32Array; epsHat: Float32Array; rows: number; cols: number; t: number;
  alphaBars: Float64Array; seed?: number | bigint; rowOffset?: number;
}

export interface NativeModelOptions {
  dataDim: number; contextDim?: number; timeDim?: number; hidden: number[] | Int32Array; outDim?: number;
  activation?: 'silu' | 'relu'; dropout?: number; seed?: number | bigint; threads?: number;
  device?: 'cpu' | 'cuda'; precision?: 'fp32' | 'bf16' | 'fp16';
  /** Mixed-type models (dataDim = numeric columns): class count per categorical column and their chain. */
  categoricalClasses?: number[] | Int32Array; categoricalMethod?: 'sedd' | 'multinomial';
  graph?: 'absorbing' | 'uniform'; noise?: 'loglinear' | 'geometric'; noiseEps?: number; sigmaMin?: number; sigmaMax?: number;
}

export interface NativeFitOptions {
  x: Float32Array; rows: number; context?: Float32Array; sqrtAlphaBars: Float32Array;
  sqrtOneMinusAlphaBars: Float32Array; batchSize?: number; steps: number; lr?: number; beta1?: number;
  beta2?: number; eps?: number; weightDecay?: number; lrDecaySteps?: number; lrDecayOffset?: number; maxGradNorm?: number;
  emaDecay?: number; seed?: number | bigint; progressInterval?: number; reuseData?: boolean;
  /** Mixed-type models: class indices [rows x categorical columns], the schedule's alphaBars, the loss weight. */
  categorical?: Int32Array; alphaBars?: Float64Array; categoricalWeight?: number;
  /**
   * Missing values: [rows x numeric columns] 1 = observed, 0 = gap (x holds a fill value there);
   * the eps-MSE runs over observed cells only. Copied by the call; reuseData reuses the copy.
   */
  observed?: Uint8Array;
}

export interface NativeSampleOptions {
  n: number; rowOffset?: number; seed?: number | bigint; sampler?: 'ddpm' | 'ddim' | 'dpm-solver++';
  timesteps: Int32Array; eta?: number; variance?: 'beta' | 'posterior'; betas: Float64Array;
  alphaBars: Float64Array; chunkRows?: number; context?: Float32Array; contextRows?: number;
  useEma?: boolean; progressInterval?: number;
  /** Mixed-type models (sample then resolves to { numeric, categorical }). */
  categoricalSampler?: 'analytic' | 'euler'; fixed?: Int32Array; fixedRows?: number;
  /** Inpainting (native/addon/ops_inpaint.h). */
  known?: Float32Array; knownMask?: Uint8Array; knownRows?: number; resampleJumps?: number; resampleLength?: number; resampleStart?: number;
}

export type WeightSlot = 'params' | 'ema' | 'adamM' | 'adamV';

export interface NativeModel {
  fit(options: NativeFitOptions, onProgress?: (step: number, loss: number) => void): Promise<{ steps: number; lastLoss: number; totalSteps: number }>;
  sample(options: NativeSampleOptions, onProgress?: (rowsDone: number) => void): Promise<Float32Array>;
  predictEps(x: Float32Array, t: number, options: { rows: number; context?: Float32Array; contextRows?: number; useEma?: boolean }): Float32Array;
  forward(input: Float32Array, rows: number): Float32Array;
  backward(input: Float32Array, gradOutput: Float32Array, rows: number): { gradParams: Float32Array; gradInput: Float32Array };
  getWeights(which: WeightSlot): Float32Array | null;
  setWeights(weights: { params?: Float32Array; ema?: Float32Array | null; adamM?: Float32Array; adamV?: Float32Array; step?: number }): void;
  layout(): { name: string; rows: number; cols: number; offset: number }[];
  info(): { released: boolean; busy: boolean; threads: number; device: 'cpu' | 'cuda'; paramCount?: number; step?: number; hasEma?: boolean; inputDim?: number;
    numericDim?: number; categoricalClasses?: number[]; categoricalMethod?: 'sedd' | 'multinomial' };
  /** Mixed-type models only (the addon throws otherwise): loss and likelihood terms per row. */
  evaluate(options: MixedEvalOptions): MixedEvalOutput;
  evaluateAsync(options: MixedEvalOptions): Promise<MixedEvalOutput>;
  abort(): void;
  release(): void;
}

/** Per-row terms of NativeModel.evaluate: eps-MSE, categorical loss or bound, prior. */
export interface MixedEvalOutput {
  mse: Float64Array;
  cat: Float64Array;
  prior: Float64Array;
}

export interface MixedEvalOptions {
  x: Float32Array; rows: number; categorical: Int32Array; context?: Float32Array;
  sqrtAlphaBars: Float32Array; sqrtOneMinusAlphaBars: Float32Array; alphaBars: Float64Array;
  k: Int32Array; draws: number; seed?: number; useEma?: boolean;
  /** Missing values: [rows x numeric columns] 1 = observed, 0 = gap; mse sums observed cells only. */
  observed?: Uint8Array;
}

const EXPECTED_ABI = 5;
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
