// Whether the GPU tests can run here. Without a usable CUDA backend they skip with the
// reason, unless TD_REQUIRE_GPU=1 (npm run test:gpu), where a missing GPU is a failure.
import { backendInfo } from '../../dist/esm/index.mjs';

const info = backendInfo().cuda;
/**
 * TD_GPU_TESTS_ON_CPU=1 (npm run test:gpu-harness): the tests run with the CPU backend in the
 * GPU's place, so their harness (arguments, options, bookkeeping, assertions) is exercised where
 * no GPU is lent. A pass there says nothing about the CUDA code; tests of GPU-only behaviour skip.
 */
export const onCpu = process.env.TD_GPU_TESTS_ON_CPU === '1';
/** The device the tests hand the library as "the GPU". */
export const GPU = onCpu ? 'cpu' : 'cuda';
/** A test's device name ('cpu' or 'cuda') as the library should get it. */
export const deviceOf = (device) => (device === 'cuda' ? GPU : device);
export const gpuAvailable = info.available;
export const skipReason = onCpu || info.available ? false : `no usable CUDA backend: ${info.reason}`;
/** For tests of what only a GPU has (tensor-core precisions, the CUDA library's errors). */
export const gpuOnlySkip = onCpu ? 'needs the GPU itself (TD_GPU_TESTS_ON_CPU=1)' : skipReason;

if (!onCpu && !info.available && process.env.TD_REQUIRE_GPU === '1') {
  throw new Error(`TD_REQUIRE_GPU=1 but ${skipReason}`);
}
if (onCpu) console.log('# GPU tests on the CPU backend (TD_GPU_TESTS_ON_CPU=1): their harness, not the CUDA code');
else if (!info.available) console.log(`# GPU tests skipped: ${skipReason}`);
else console.log(`# GPU: ${info.device} (${info.library})`);
