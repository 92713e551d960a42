// Kernels whose results must match the CPU backend bit for bit: Philox normals and the
// element-wise diffusion updates. Compiled with --fmad=false (see CMakeLists.txt) so no
// multiply-add is fused, as on the CPU (-ffp-contract=off).
#pragma once
#include <cstdint>

namespace tdc {

// out[i * cols + j] = normal_at(seed, stream, first_row + i, step, j)
void launch_normals(uint64_t seed, uint32_t stream, uint64_t first_row, int rows, uint32_t step, int cols, float* out,
                    cudaStream_t s);

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

}  // namespace tdc
