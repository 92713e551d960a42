#include <cuda_runtime.h>

#include "../core/philox.h"
#include "common.cuh"
#include "normals.cuh"
#include "step_math.cuh"

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

__global__ void forward_noise_kernel(const float* x0, int ld_x0, int rows, int cols, const int32_t* t,
                                     const float* sqrt_abar, const float* sqrt_one_minus_abar, uint64_t seed,
                                     uint32_t stream, uint64_t row_offset, uint32_t step, float* xt, int ld_xt,
                                     float* eps) {
  const int blocks = (cols + 3) / 4;
  const size_t idx = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (idx >= static_cast<size_t>(rows) * blocks) return;
  const int i = static_cast<int>(idx / blocks), b = static_cast<int>(idx % blocks);
  const td::Normal4 n = td::normals_from_block(td::philox_block(seed, stream, row_offset + i, step, static_cast<uint32_t>(b)));
  const float a = sqrt_abar[t[i]], s = sqrt_one_minus_abar[t[i]];
  for (int k = 0; k < 4 && 4 * b + k < cols; ++k) {
    const int j = 4 * b + k;
    eps[static_cast<size_t>(i) * cols + j] = n.v[k];
    xt[static_cast<size_t>(i) * ld_xt + j] = a * x0[static_cast<size_t>(i) * ld_x0 + j] + s * n.v[k];
  }
}

__global__ void affine_step_kernel(float* x, const float* eps_hat, int rows, int cols, float x_coef, float eps_coef,
                                   float sigma, uint64_t seed, uint64_t row_offset, uint32_t noise_step) {
  const int blocks = (cols + 3) / 4;
  const size_t idx = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (idx >= static_cast<size_t>(rows) * blocks) return;
  const int i = static_cast<int>(idx / blocks), b = static_cast<int>(idx % blocks);
  td::Normal4 z = {{0, 0, 0, 0}};
  if (sigma > 0.0f) {
    z = td::normals_from_block(td::philox_block(seed, td::kStreamSampleStep, row_offset + i, noise_step, static_cast<uint32_t>(b)));
  }
  for (int k = 0; k < 4 && 4 * b + k < cols; ++k) {
    const size_t e = static_cast<size_t>(i) * cols + 4 * b + k;
    const float v = affine_update(x[e], eps_hat[e], x_coef, eps_coef);
    x[e] = sigma > 0.0f ? add_noise(v, sigma, z.v[k]) : v;
  }
}

struct DpmCoefs {
  float c[6];
};

__global__ void dpm_step_kernel(float* x, const float* eps_hat, float* x0_prev, size_t count, DpmCoefs coefs) {
  const size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (i >= count) return;
  x[i] = dpm_update(x[i], eps_hat[i], x0_prev[i], coefs.c);
}

}  // namespace

void launch_normals(uint64_t seed, uint32_t stream, uint64_t first_row, int rows, uint32_t step, int cols, float* out,
                    cudaStream_t s) {
  const size_t work = static_cast<size_t>(rows) * ((cols + 3) / 4);
  normals_kernel<<<grid_for(work, kBlock), kBlock, 0, s>>>(seed, stream, first_row, rows, step, cols, out);
}

void launch_forward_noise(const float* x0, int ld_x0, int rows, int cols, const int32_t* t, const float* sqrt_abar,
                          const float* sqrt_one_minus_abar, uint64_t seed, uint32_t stream, uint64_t row_offset,
                          uint32_t step, float* xt, int ld_xt, float* eps, cudaStream_t s) {
  const size_t work = static_cast<size_t>(rows) * ((cols + 3) / 4);
  forward_noise_kernel<<<grid_for(work, kBlock), kBlock, 0, s>>>(x0, ld_x0, rows, cols, t, sqrt_abar, sqrt_one_minus_abar,
                                                                 seed, stream, row_offset, step, xt, ld_xt, eps);
}

void launch_affine_step(float* x, const float* eps_hat, int rows, int cols, float x_coef, float eps_coef, float sigma,
                        uint64_t seed, uint64_t row_offset, uint32_t noise_step, cudaStream_t s) {
  const size_t work = static_cast<size_t>(rows) * ((cols + 3) / 4);
  affine_step_kernel<<<grid_for(work, kBlock), kBlock, 0, s>>>(x, eps_hat, rows, cols, x_coef, eps_coef, sigma, seed,
                                                               row_offset, noise_step);
}

void launch_dpm_step(float* x, const float* eps_hat, float* x0_prev, size_t count, const float* c, cudaStream_t s) {
  DpmCoefs coefs;
  for (int k = 0; k < 6; ++k) coefs.c[k] = c[k];
  dpm_step_kernel<<<grid_for(count, kBlock), kBlock, 0, s>>>(x, eps_hat, x0_prev, count, coefs);
}

}  // namespace tdc
