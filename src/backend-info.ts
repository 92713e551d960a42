import { resolveDevice } from './device.js';
import { loadNative, nativeBinary } from './native.js';
import { platformPackageName } from './native-binary.js';

/**
 * What this install runs on: backend, GEMM kernel, default threads, why not CUDA, and which
 * binary was loaded (`binary.source`: the package's own build/prebuild or the platform package;
 * `binary.cudaPackage`: the CUDA library of the -cuda platform package, when that is the one used).
 */
export function backendInfo(): ReturnType<ReturnType<typeof loadNative>['backendInfo']> & {
  deviceChoice: string; binary: ReturnType<typeof nativeBinary>;
} {
  const info = loadNative().backendInfo();
  const cuda = { ...info.cuda };
  // The addon's hint names the clone's build; an installed package has a prebuilt one (linux-x64).
  if (!cuda.library && process.platform === 'linux' && process.arch === 'x64' && cuda.reason) {
    cuda.reason += `; or install the prebuilt ${platformPackageName(true)}`;
  }
  return { ...info, cuda, deviceChoice: resolveDevice('auto').reason, binary: nativeBinary() };
}
