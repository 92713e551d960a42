// Whether the GPU tests can run here. Without a usable CUDA backend they skip with the
// reason, unless TD_REQUIRE_GPU=1 (npm run test:gpu), where a missing GPU is a failure.
import { backendInfo } from '../../dist/esm/index.mjs';

const info = backendInfo().cuda;
export const gpuAvailable = info.available;
export const skipReason = info.available ? false : `no usable CUDA backend: ${info.reason}`;

if (!info.available && process.env.TD_REQUIRE_GPU === '1') {
  throw new Error(`TD_REQUIRE_GPU=1 but ${skipReason}`);
}
if (!info.available) console.log(`# GPU tests skipped: ${skipReason}`);
else console.log(`# GPU: ${info.device} (${info.library})`);
