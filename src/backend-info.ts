import { resolveDevice } from './device.js';
import { loadNative } from './native.js';

/** What this install runs on: backend, GEMM kernel, default threads, and why not CUDA. */
export function backendInfo(): ReturnType<ReturnType<typeof loadNative>['backendInfo']> & { deviceChoice: string } {
  const info = loadNative().backendInfo();
  return { ...info, deviceChoice: resolveDevice('auto').reason };
}
