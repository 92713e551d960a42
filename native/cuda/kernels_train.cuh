// Element-wise and reduction kernels of training: activation gradient, bias gradient, eps-MSE,
// global gradient norm, AdamW, EMA, dropout masks, minibatch assembly. Reductions run in fixed
// blocks whose partial sums the host adds in order, so every result is deterministic.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

namespace tdc {

constexpr int kReduceBlock = 1024;  // elements per partial sum

// dh *= act'(z) * mask (mask may be null)
void launch_activation_backward(int activation, const float* z, const float* mask, float* dh, size_t n, cudaStream_t s);
// h *= mask, where mask[i, j] = keep ? 1/(1-p) : 0 from the shared Philox rule.
void launch_dropout(float* h, float* mask, int rows, int width, int unit_offset, float p, uint64_t seed, uint32_t step,
                    cudaStream_t s);
// db[j] = sum_i dz[i, j], rows summed in order.
void launch_bias_grad(const float* dz, int rows, int cols, float* db, cudaStream_t s);
// grad = 2 (eps_hat - eps) / n; partial[b] = sum of squared differences in block b.
void launch_eps_mse(const float* eps_hat, const float* eps, size_t n, float* grad, double* partial, cudaStream_t s);
// The same over [rows x cols] eps, with eps_hat and grad rows ld_hat / ld_grad apart (the
// numeric part of a mixed model's output); n = rows * cols in the scale.
void launch_eps_mse_strided(const float* eps_hat, int ld_hat, const float* eps, int rows, int cols, float* grad,
                            int ld_grad, double* partial, cudaStream_t s);
// Masked twins (cpu eps_mse_masked): only cells with observed[e] != 0 ([rows x cols], as eps)
// enter the sums; their gradient is 2 (eps_hat - eps) / count, count = the observed cells
// (counted by the caller), and gaps get exactly 0.
void launch_eps_mse_masked(const float* eps_hat, const float* eps, const uint8_t* observed, size_t n, size_t count,
                           float* grad, double* partial, cudaStream_t s);
void launch_eps_mse_strided_masked(const float* eps_hat, int ld_hat, const float* eps, const uint8_t* observed, int rows,
                                   int cols, size_t count, float* grad, int ld_grad, double* partial, cudaStream_t s);
// partial[b] = sum of g^2 in block b.
void launch_sum_squares(const float* g, size_t n, double* partial, cudaStream_t s);
void launch_scale(float* g, size_t n, float factor, cudaStream_t s);
void launch_adamw(float* p, const float* g, float* m, float* v, size_t n, float step_size, float inv_sqrt_bc2, float decay,
                  float beta1, float beta2, float eps, cudaStream_t s);
void launch_ema(float* ema, const float* p, size_t n, float decay, cudaStream_t s);
// Batch row i: data row and timestep from the shared minibatch rule; copies context and the
// time embedding into the network input [batch x in_dim] from column `lead` on (after the
// data block: d, or a mixed model's numeric and one-hot columns), x0 into x0_out [batch x d]
// and, when observed is not null, the row's observed mask into obs_out [batch x d].
void launch_assemble_batch(const float* x, const float* context, int64_t rows, int d, int c, int lead, const float* time_table,
                           int time_dim, int T, uint64_t seed, int64_t step, int batch, float* input, int in_dim,
                           float* x0_out, int32_t* t_out, const uint8_t* observed, uint8_t* obs_out, cudaStream_t s);

inline size_t reduce_blocks(size_t n) { return (n + kReduceBlock - 1) / kReduceBlock; }

}  // namespace tdc
