import { resolveDevice } from './device.js';
import { loadNative, nativeBinary } from './native.js';

/**
 * What this install runs on: backend, GEMM kernel, default threads, why not CUDA, and which
 * binary was loaded (`binary.source`: the package's own build/prebuild or the platform package;
 * `binary.cudaPackage`: the CUDA library of the -cuda platform package, when that is the one used).
 */
export function backendInfo(): ReturnType<ReturnType<typeof loadNative>['backendInfo']> & {
  deviceChoice: string; binary: ReturnType<typeof nativeBinary>;
} {
  const info = loadNative().backendInfo();
  return { ...info, deviceChoice: resolveDevice('auto').reason, binary: nativeBinary() };
}
