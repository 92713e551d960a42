#include <cuda_runtime.h>

#include "../core/philox.h"
#include "common.cuh"
#include "normals.cuh"

namespace tdc {

namespace {

constexpr unsigned kBlock = 256;

// One thread per (row, block of 4 columns).
__global__ void normals_kernel(uint64_t seed, uint32_t stream, uint64_t first_row, int rows, uint32_t step, int cols,
                               float* out) {
  const int blocks = (cols + 3) / 4;
  const size_t idx = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (idx >= static_cast<size_t>(rows) * blocks) return;
  const int i = static_cast<int>(idx / blocks), b = static_cast<int>(idx % blocks);
  const td::Normal4 n = td::normals_from_block(td::philox_block(seed, stream, first_row + i, step, static_cast<uint32_t>(b)));
  float* dst = out + static_cast<size_t>(i) * cols + 4 * b;
  for (int k = 0; k < 4 && 4 * b + k < cols; ++k) dst[k] = n.v[k];
}

}  // namespace

void launch_normals(uint64_t seed, uint32_t stream, uint64_t first_row, int rows, uint32_t step, int cols, float* out,
                    cudaStream_t s) {
  const size_t work = static_cast<size_t>(rows) * ((cols + 3) / 4);
  normals_kernel<<<grid_for(work, kBlock), kBlock, 0, s>>>(seed, stream, first_row, rows, step, cols, out);
}

}  // namespace tdc
