#include "../core/minibatch.h"
#include "common.cuh"
#include "kernels_train.cuh"

namespace tdc {

namespace {

constexpr unsigned kBlock = 256;

__global__ void activation_backward_kernel(int activation, const float* z, const float* mask, float* dh, size_t n) {
  const size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (i >= n) return;
  float d;
  if (activation == 1) {
    d = z[i] > 0.0f ? 1.0f : 0.0f;
  } else {
    const float s = 1.0f / (1.0f + __expf(-z[i]));
    d = s * (1.0f + z[i] * (1.0f - s));
  }
  dh[i] = dh[i] * d * (mask ? mask[i] : 1.0f);
}

__global__ void dropout_kernel(float* h, float* mask, int rows, int width, int unit_offset, float p, uint64_t seed,
                               uint32_t step) {
  const size_t idx = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (idx >= static_cast<size_t>(rows) * width) return;
  const int i = static_cast<int>(idx / width), j = static_cast<int>(idx % width);
  const float m = td::dropout_keeps(seed, step, i, unit_offset + j, p) ? 1.0f / (1.0f - p) : 0.0f;
  mask[idx] = m;
  h[idx] *= m;
}

__global__ void bias_grad_kernel(const float* dz, int rows, int cols, float* db) {
  const int j = blockIdx.x * blockDim.x + threadIdx.x;
  if (j >= cols) return;
  float acc = 0.0f;
  for (int i = 0; i < rows; ++i) acc += dz[static_cast<size_t>(i) * cols + j];
  db[j] = acc;
}

// eps-MSE: the CUDA twin of cpu::eps_mse / eps_mse_masked (entry points in diffusion_ops.cu).
// It stays in this file, compiled with fused multiply-add allowed, because the training loop
// launches it too and --fmad=false (diffusion_ops.cu) could change the loss's bits on the GPU.
// One block of 256 threads per kReduceBlock elements; a fixed tree order inside the block.
// Element e of the [rows x cols] eps is (e / cols, e % cols); eps_hat and grad have row strides.
// With an observed mask (same layout as eps) gaps add nothing and get a zero gradient, and the
// scale is the caller's masked_scale = 2 / (observed cells) instead of 2 / n.
__global__ void eps_mse_kernel(const float* eps_hat, size_t ld_hat, const float* eps, size_t n, size_t cols, float* grad,
                               size_t ld_grad, double* partial, const uint8_t* observed, float masked_scale) {
  __shared__ double sums[256];
  const size_t base = blockIdx.x * static_cast<size_t>(kReduceBlock);
  const float scale = observed ? masked_scale : 2.0f / static_cast<float>(n);
  double local = 0.0;
  for (int k = threadIdx.x; k < kReduceBlock; k += blockDim.x) {
    const size_t i = base + k;
    if (i < n) {
      const size_t r = i / cols, c = i % cols;
      if (observed && !observed[i]) {
        grad[r * ld_grad + c] = 0.0f;
        continue;
      }
      const float diff = eps_hat[r * ld_hat + c] - eps[i];
      grad[r * ld_grad + c] = scale * diff;
      local += static_cast<double>(diff) * diff;
    }
  }
  sums[threadIdx.x] = local;
  __syncthreads();
  for (int stride = 128; stride > 0; stride /= 2) {
    if (threadIdx.x < stride) sums[threadIdx.x] += sums[threadIdx.x + stride];
    __syncthreads();
  }
  if (threadIdx.x == 0) partial[blockIdx.x] = sums[0];
}

__global__ void sum_squares_kernel(const float* g, size_t n, double* partial) {
  __shared__ double sums[256];
  const size_t base = blockIdx.x * static_cast<size_t>(kReduceBlock);
  double local = 0.0;
  for (int k = threadIdx.x; k < kReduceBlock; k += blockDim.x) {
    const size_t i = base + k;
    if (i < n) local += static_cast<double>(g[i]) * g[i];
  }
  sums[threadIdx.x] = local;
  __syncthreads();
  for (int stride = 128; stride > 0; stride /= 2) {
    if (threadIdx.x < stride) sums[threadIdx.x] += sums[threadIdx.x + stride];
    __syncthreads();
  }
  if (threadIdx.x == 0) partial[blockIdx.x] = sums[0];
}

__global__ void scale_kernel(float* g, size_t n, float factor) {
  const size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (i < n) g[i] *= factor;
}

__global__ void adamw_kernel(float* p, const float* g, float* m, float* v, size_t n, float step_size, float inv_sqrt_bc2,
                             float decay, float b1, float b2, float eps) {
  const size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (i >= n) return;
  const float gi = g[i];
  m[i] = b1 * m[i] + (1.0f - b1) * gi;
  v[i] = b2 * v[i] + (1.0f - b2) * gi * gi;
  const float denom = sqrtf(v[i]) * inv_sqrt_bc2 + eps;
  p[i] = p[i] * decay - step_size * m[i] / denom;
}

__global__ void ema_kernel(float* ema, const float* p, size_t n, float decay) {
  const size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (i < n) ema[i] = decay * ema[i] + (1.0f - decay) * p[i];
}

__global__ void assemble_batch_kernel(const float* x, const float* context, int64_t rows, int d, int c, int lead,
                                      const float* time_table, int time_dim, int T, uint64_t seed, int64_t step, int batch,
                                      float* input, int in_dim, float* x0_out, int32_t* t_out, const uint8_t* observed,
                                      uint8_t* obs_out) {
  const int i = blockIdx.x;
  if (i >= batch) return;
  const int64_t row = td::minibatch_row(seed, step, i, rows);
  const int t = td::minibatch_timestep(seed, step, i, T);
  if (threadIdx.x == 0) t_out[i] = t;
  float* dst = input + static_cast<size_t>(i) * in_dim;
  for (int j = threadIdx.x; j < d; j += blockDim.x) x0_out[static_cast<size_t>(i) * d + j] = x[row * d + j];
  if (observed) {
    for (int j = threadIdx.x; j < d; j += blockDim.x) obs_out[static_cast<size_t>(i) * d + j] = observed[row * d + j];
  }
  for (int j = threadIdx.x; j < c; j += blockDim.x) dst[lead + j] = context[row * c + j];
  for (int j = threadIdx.x; j < time_dim; j += blockDim.x) dst[lead + c + j] = time_table[static_cast<size_t>(t) * time_dim + j];
}

}  // namespace

void launch_activation_backward(int activation, const float* z, const float* mask, float* dh, size_t n, cudaStream_t s) {
  activation_backward_kernel<<<grid_for(n, kBlock), kBlock, 0, s>>>(activation, z, mask, dh, n);
}

void launch_dropout(float* h, float* mask, int rows, int width, int unit_offset, float p, uint64_t seed, uint32_t step,
                    cudaStream_t s) {
  const size_t n = static_cast<size_t>(rows) * width;
  dropout_kernel<<<grid_for(n, kBlock), kBlock, 0, s>>>(h, mask, rows, width, unit_offset, p, seed, step);
}

void launch_bias_grad(const float* dz, int rows, int cols, float* db, cudaStream_t s) {
  bias_grad_kernel<<<grid_for(cols, 128), 128, 0, s>>>(dz, rows, cols, db);
}

void launch_eps_mse(const float* eps_hat, const float* eps, size_t n, float* grad, double* partial, cudaStream_t s) {
  eps_mse_kernel<<<static_cast<unsigned>(reduce_blocks(n)), 256, 0, s>>>(eps_hat, 0, eps, n, n > 0 ? n : 1, grad, 0, partial,
                                                                          nullptr, 0.0f);
}

// The scale as the CPU computes it (host float division), so both backends use the same bits.
static float masked_scale(size_t count) { return count > 0 ? 2.0f / static_cast<float>(count) : 0.0f; }

void launch_eps_mse_masked(const float* eps_hat, const float* eps, const uint8_t* observed, size_t n, size_t count,
                           float* grad, double* partial, cudaStream_t s) {
  eps_mse_kernel<<<static_cast<unsigned>(reduce_blocks(n)), 256, 0, s>>>(eps_hat, 0, eps, n, n > 0 ? n : 1, grad, 0, partial,
                                                                          observed, masked_scale(count));
}

void launch_eps_mse_strided_masked(const float* eps_hat, int ld_hat, const float* eps, const uint8_t* observed, int rows,
                                   int cols, size_t count, float* grad, int ld_grad, double* partial, cudaStream_t s) {
  const size_t n = static_cast<size_t>(rows) * cols;
  eps_mse_kernel<<<static_cast<unsigned>(reduce_blocks(n)), 256, 0, s>>>(eps_hat, ld_hat, eps, n, cols, grad, ld_grad,
                                                                          partial, observed, masked_scale(count));
}

void launch_eps_mse_strided(const float* eps_hat, int ld_hat, const float* eps, int rows, int cols, float* grad,
                            int ld_grad, double* partial, cudaStream_t s) {
  const size_t n = static_cast<size_t>(rows) * cols;
  eps_mse_kernel<<<static_cast<unsigned>(reduce_blocks(n)), 256, 0, s>>>(eps_hat, ld_hat, eps, n, cols, grad, ld_grad,
                                                                          partial, nullptr, 0.0f);
}

void launch_sum_squares(const float* g, size_t n, double* partial, cudaStream_t s) {
  sum_squares_kernel<<<static_cast<unsigned>(reduce_blocks(n)), 256, 0, s>>>(g, n, partial);
}

void launch_scale(float* g, size_t n, float factor, cudaStream_t s) {
  scale_kernel<<<grid_for(n, kBlock), kBlock, 0, s>>>(g, n, factor);
}

void launch_adamw(float* p, const float* g, float* m, float* v, size_t n, float step_size, float inv_sqrt_bc2, float decay,
                  float beta1, float beta2, float eps, cudaStream_t s) {
  adamw_kernel<<<grid_for(n, kBlock), kBlock, 0, s>>>(p, g, m, v, n, step_size, inv_sqrt_bc2, decay, beta1, beta2, eps);
}

void launch_ema(float* ema, const float* p, size_t n, float decay, cudaStream_t s) {
  ema_kernel<<<grid_for(n, kBlock), kBlock, 0, s>>>(ema, p, n, decay);
}

void launch_assemble_batch(const float* x, const float* context, int64_t rows, int d, int c, int lead, const float* time_table,
                           int time_dim, int T, uint64_t seed, int64_t step, int batch, float* input, int in_dim,
                           float* x0_out, int32_t* t_out, const uint8_t* observed, uint8_t* obs_out, cudaStream_t s) {
  assemble_batch_kernel<<<batch, 64, 0, s>>>(x, context, rows, d, c, lead, time_table, time_dim, T, seed, step, batch, input,
                                             in_dim, x0_out, t_out, observed, obs_out);
}

}  // namespace tdc
