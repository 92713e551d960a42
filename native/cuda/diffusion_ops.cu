// CUDA twin of native/cpu/diffusion_ops.cpp (see diffusion_ops.cuh). Moved here unchanged
// from normals.cu (kernels) and api.cu (entry points); this file is compiled with --fmad=false
// as normals.cu is, so the kernels keep their bits.
#include <cuda_runtime.h>

#include <vector>

#include "../core/philox.h"
#include "common.cuh"
#include "diffusion_ops.cuh"
#include "kernels_train.cuh"
#include "step_math.cuh"

namespace tdc {

namespace {

constexpr unsigned kBlock = 256;

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

int forward_noise(const float* x0, int rows, int cols, const int32_t* t, const float* sqrt_abar,
                  const float* sqrt_one_minus_abar, int T, uint64_t seed, uint32_t stream, uint64_t row_offset,
                  uint32_t step, float* xt, float* eps) {
  const size_t count = static_cast<size_t>(rows) * cols;
  DeviceBuffer<float> dx0, dxt, deps, dsa, dsb;
  DeviceBuffer<int32_t> dt;
  TDC_CHECK(dx0.upload(x0, count));
  TDC_CHECK(dt.upload(t, rows));
  TDC_CHECK(dsa.upload(sqrt_abar, T));
  TDC_CHECK(dsb.upload(sqrt_one_minus_abar, T));
  TDC_CHECK(dxt.alloc(count));
  TDC_CHECK(deps.alloc(count));
  launch_forward_noise(dx0.get(), cols, rows, cols, dt.get(), dsa.get(), dsb.get(), seed, stream, row_offset, step,
                       dxt.get(), cols, deps.get(), 0);
  TDC_CHECK_LAUNCH();
  TDC_CHECK(dxt.download(xt, count));
  TDC_CHECK(deps.download(eps, count));
  return 0;
}

int affine_step(float* x, const float* eps_hat, int rows, int cols, float x_coef, float eps_coef, float sigma,
                uint64_t seed, uint64_t row_offset, uint32_t noise_step) {
  const size_t count = static_cast<size_t>(rows) * cols;
  DeviceBuffer<float> dx, de;
  TDC_CHECK(dx.upload(x, count));
  TDC_CHECK(de.upload(eps_hat, count));
  launch_affine_step(dx.get(), de.get(), rows, cols, x_coef, eps_coef, sigma, seed, row_offset, noise_step, 0);
  TDC_CHECK_LAUNCH();
  TDC_CHECK(dx.download(x, count));
  return 0;
}

int dpm_step(float* x, const float* eps_hat, float* x0_prev, int rows, int cols, const float* coefs6) {
  const size_t count = static_cast<size_t>(rows) * cols;
  DeviceBuffer<float> dx, de, dp;
  TDC_CHECK(dx.upload(x, count));
  TDC_CHECK(de.upload(eps_hat, count));
  TDC_CHECK(dp.upload(x0_prev, count));
  launch_dpm_step(dx.get(), de.get(), dp.get(), count, coefs6, 0);
  TDC_CHECK_LAUNCH();
  TDC_CHECK(dx.download(x, count));
  TDC_CHECK(dp.download(x0_prev, count));
  return 0;
}

int eps_mse(const float* eps_hat, const float* eps, size_t n, double* loss, float* grad) {
  DeviceBuffer<float> dh, de, dg;
  DeviceBuffer<double> partial;
  TDC_CHECK(dh.upload(eps_hat, n));
  TDC_CHECK(de.upload(eps, n));
  TDC_CHECK(dg.alloc(n));
  const size_t blocks = reduce_blocks(n);
  TDC_CHECK(partial.alloc(blocks));
  launch_eps_mse(dh.get(), de.get(), n, dg.get(), partial.get(), 0);
  TDC_CHECK_LAUNCH();
  std::vector<double> host(blocks);
  TDC_CHECK(partial.download(host.data(), blocks));
  double total = 0.0;
  for (double p : host) total += p;
  *loss = n > 0 ? total / static_cast<double>(n) : 0.0;
  TDC_CHECK(dg.download(grad, n));
  return 0;
}

int eps_mse_masked(const float* eps_hat, const float* eps, const uint8_t* observed, size_t n, double* loss, float* grad) {
  DeviceBuffer<float> dh, de, dg;
  DeviceBuffer<uint8_t> dm;
  DeviceBuffer<double> partial;
  TDC_CHECK(dh.upload(eps_hat, n));
  TDC_CHECK(de.upload(eps, n));
  TDC_CHECK(dm.upload(observed, n));
  TDC_CHECK(dg.alloc(n));
  size_t count = 0;
  for (size_t i = 0; i < n; ++i) count += observed[i] != 0;
  const size_t blocks = reduce_blocks(n);
  TDC_CHECK(partial.alloc(blocks));
  launch_eps_mse_masked(dh.get(), de.get(), dm.get(), n, count, dg.get(), partial.get(), 0);
  TDC_CHECK_LAUNCH();
  std::vector<double> host(blocks);
  TDC_CHECK(partial.download(host.data(), blocks));
  double total = 0.0;
  for (double p : host) total += p;
  *loss = count > 0 ? total / static_cast<double>(count) : 0.0;
  TDC_CHECK(dg.download(grad, n));
  return 0;
}

}  // namespace tdc
