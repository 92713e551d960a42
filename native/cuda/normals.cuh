// Philox normals, bit for bit the CPU's (native/cpu/normals.cpp). Compiled with --fmad=false
// (see CMakeLists.txt) so no multiply-add is fused, as on the CPU (-ffp-contract=off). The
// element-wise diffusion updates are in diffusion_ops.cuh.
#pragma once
#include <cstdint>

namespace tdc {

// out[i * cols + j] = normal_at(seed, stream, first_row + i, step, j)
void launch_normals(uint64_t seed, uint32_t stream, uint64_t first_row, int rows, uint32_t step, int cols, float* out,
                    cudaStream_t s);

}  // namespace tdc
