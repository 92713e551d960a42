// CUDA twin of native/cpu/diffusion_ops.cpp: forward noising, the DDPM/DDIM affine step and the
// DPM-Solver++(2M) step, bit for bit the CPU's. Compiled with --fmad=false (see CMakeLists.txt)
// so no multiply-add is fused, as on the CPU (-ffp-contract=off). The eps-MSE kernel these entry
// points launch stays in kernels_train.cu (shared with the training loop; see the note there).
#pragma once
#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

namespace tdc {

// xt = sqrt_abar[t_i] x0 + sqrt(1 - abar)[t_i] eps, eps drawn inline; x0/xt may have a row
// stride (ld) so training can write x_t straight into the network input.
void launch_forward_noise(const float* x0, int ld_x0, int rows, int cols, const int32_t* t, const float* sqrt_abar,
                          const float* sqrt_one_minus_abar, uint64_t seed, uint32_t stream, uint64_t row_offset,
                          uint32_t step, float* xt, int ld_xt, float* eps, cudaStream_t s);

// x = x_coef x + eps_coef eps_hat, then x += sigma z when sigma > 0 (two roundings, as on the CPU).
void launch_affine_step(float* x, const float* eps_hat, int rows, int cols, float x_coef, float eps_coef, float sigma,
                        uint64_t seed, uint64_t row_offset, uint32_t noise_step, cudaStream_t s);

// DPM-Solver++(2M); coefs = {x_coef, d_coef, cur_weight, prev_weight, x0_from_x, x0_from_eps}.
void launch_dpm_step(float* x, const float* eps_hat, float* x0_prev, size_t count, const float* coefs6, cudaStream_t s);

// Host-buffer entry points of the library's table (cuda_api.h: forward_noise, affine_step,
// dpm_step, eps_mse, eps_mse_masked): copy in, run the kernel, copy out; 0 on success.
int forward_noise(const float* x0, int rows, int cols, const int32_t* t, const float* sqrt_abar,
                  const float* sqrt_one_minus_abar, int T, uint64_t seed, uint32_t stream, uint64_t row_offset,
                  uint32_t step, float* xt, float* eps);
int affine_step(float* x, const float* eps_hat, int rows, int cols, float x_coef, float eps_coef, float sigma,
                uint64_t seed, uint64_t row_offset, uint32_t noise_step);
int dpm_step(float* x, const float* eps_hat, float* x0_prev, int rows, int cols, const float* coefs6);
int eps_mse(const float* eps_hat, const float* eps, size_t n, double* loss, float* grad);
int eps_mse_masked(const float* eps_hat, const float* eps, const uint8_t* observed, size_t n, double* loss, float* grad);

}  // namespace tdc
