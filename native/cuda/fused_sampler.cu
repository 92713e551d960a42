#include <cstdlib>

#include "../core/philox.h"
#include "common.cuh"
#include "fused_sampler.cuh"
#include "step_math.cuh"

namespace tdc {

namespace {

constexpr int kTileRows = 32;   // rows per block: 32 accumulators per thread
constexpr int kThreads = 128;   // one thread per output unit of a layer

struct FusedLayout {
  int layers;
  int in[TD_CUDA_MAX_LAYERS], out[TD_CUDA_MAX_LAYERS];
  size_t w[TD_CUDA_MAX_LAYERS], b[TD_CUDA_MAX_LAYERS];
  int data_dim, activation;
};

__device__ __forceinline__ float act(float v, int activation) {
  return activation == 1 ? fmaxf(v, 0.0f) : v / (1.0f + __expf(-v));
}

// out[r][j] = act?(bias[j] (+ row_bias[r][j]) + sum_i in[r][i] W[i][j]) for the tile. A task
// is one output column for R rows of the tile: R = 32 for wide layers (a thread per column),
// fewer for narrow ones (the output layer) so that they still use every thread.
template <int R>
__device__ void dense_rows(const float* __restrict__ in, int in_dim, int in_stride, float* __restrict__ out, int out_dim,
                           const float* __restrict__ w, const float* __restrict__ bias, const float* __restrict__ row_bias,
                           int tile_rows, bool apply_act, int activation) {
  constexpr int kGroups = kTileRows / R;
  for (int task = threadIdx.x; task < out_dim * kGroups; task += blockDim.x) {
    const int j = task % out_dim, r0 = (task / out_dim) * R;
    float acc[R];
    const float b = bias[j];
    // Padding rows of the last tile have no row_bias row: reading it would run past the chunk.
    for (int r = 0; r < R; ++r) acc[r] = row_bias && r0 + r < tile_rows ? b + row_bias[(r0 + r) * out_dim + j] : b;
    // Four inputs per shared-memory load (a broadcast within a row group), so the loop is bound
    // by the FMAs, not by shared-memory issue. Same summation order as one input at a time.
    int i = 0;
    for (; i + 4 <= in_dim; i += 4) {
      const float w0 = __ldg(w + static_cast<size_t>(i) * out_dim + j), w1 = __ldg(w + static_cast<size_t>(i + 1) * out_dim + j),
                  w2 = __ldg(w + static_cast<size_t>(i + 2) * out_dim + j), w3 = __ldg(w + static_cast<size_t>(i + 3) * out_dim + j);
      for (int r = 0; r < R; ++r) {
        const float4 v = *reinterpret_cast<const float4*>(in + (r0 + r) * in_stride + i);
        acc[r] += v.x * w0;
        acc[r] += v.y * w1;
        acc[r] += v.z * w2;
        acc[r] += v.w * w3;
      }
    }
    for (; i < in_dim; ++i) {
      const float wij = __ldg(w + static_cast<size_t>(i) * out_dim + j);
      for (int r = 0; r < R; ++r) acc[r] += in[(r0 + r) * in_stride + i] * wij;
    }
    for (int r = 0; r < R; ++r) out[(r0 + r) * kFusedMaxWidth + j] = apply_act ? act(acc[r], activation) : acc[r];
  }
}

__device__ void dense_layer(const float* __restrict__ in, int in_dim, int in_stride, float* __restrict__ out, int out_dim,
                            const float* __restrict__ w, const float* __restrict__ bias, const float* __restrict__ row_bias,
                            int tile_rows, bool apply_act, int activation) {
  if (out_dim * (kTileRows / 4) <= static_cast<int>(blockDim.x)) {
    dense_rows<4>(in, in_dim, in_stride, out, out_dim, w, bias, row_bias, tile_rows, apply_act, activation);
  } else {
    dense_rows<kTileRows>(in, in_dim, in_stride, out, out_dim, w, bias, row_bias, tile_rows, apply_act, activation);
  }
}

__global__ void __launch_bounds__(kThreads) fused_sample_kernel(FusedLayout L, const float* __restrict__ params,
                                                                const SampleChain C) {
  const float* __restrict__ first_bias = C.first_bias;
  const float* __restrict__ coefs = C.coefs;
  const int32_t* __restrict__ timesteps = C.timesteps;
  const float* __restrict__ row_bias = C.row_bias;
  const int steps = C.steps, sampler = C.sampler, rows = C.rows;
  const uint64_t seed = C.seed;
  // 16-byte aligned: dense_layer reads the inputs four at a time.
  __shared__ __align__(16) float xs[kTileRows * kFusedMaxData];
  __shared__ float x0p[kTileRows * kFusedMaxData];
  __shared__ __align__(16) float ha[kTileRows * kFusedMaxWidth];
  __shared__ __align__(16) float hb[kTileRows * kFusedMaxWidth];
  const int d = L.data_dim;
  const int tile_first = blockIdx.x * kTileRows;
  const int tile_rows = min(kTileRows, rows - tile_first);
  const int blocks4 = (d + 3) / 4;
  const uint64_t global0 = C.first_global_row + static_cast<uint64_t>(tile_first);
  const int hidden0 = L.out[0];

  // x_T ~ N(0, I) with the same draws as the CPU (stream SampleInit, step 0); padding rows are 0.
  for (int e = threadIdx.x; e < kTileRows * blocks4; e += blockDim.x) {
    const int r = e / blocks4, b = e % blocks4;
    td::Normal4 n = {{0, 0, 0, 0}};
    if (r < tile_rows) n = td::normals_from_block(td::philox_block(seed, td::kStreamSampleInit, global0 + r, 0, b));
    for (int k = 0; k < 4 && 4 * b + k < d; ++k) {
      xs[r * kFusedMaxData + 4 * b + k] = n.v[k];
      x0p[r * kFusedMaxData + 4 * b + k] = 0.0f;
    }
  }
  __syncthreads();

  const float* tile_row_bias = row_bias ? row_bias + static_cast<size_t>(tile_first) * hidden0 : nullptr;
  for (int k = 0; k < steps; ++k) {
    // Layer 0 multiplies x by the data rows of W0; time and context sit in first_bias/row_bias.
    float* cur = ha;
    float* nxt = hb;
    dense_layer(xs, d, kFusedMaxData, cur, hidden0, params + L.w[0], first_bias + static_cast<size_t>(k) * hidden0,
                tile_row_bias, tile_rows, L.layers > 1, L.activation);
    __syncthreads();
    for (int l = 1; l < L.layers; ++l) {
      const bool last = l + 1 == L.layers;
      dense_layer(cur, L.in[l], kFusedMaxWidth, nxt, L.out[l], params + L.w[l], params + L.b[l], nullptr, tile_rows, !last,
                  L.activation);
      __syncthreads();
      float* t = cur;
      cur = nxt;
      nxt = t;
    }
    // cur holds eps_hat [tile x d] (row stride kFusedMaxWidth). The update uses unfused
    // multiply and add, as the CPU does, so given eps_hat the arithmetic is the CPU's.
    const float* c = coefs + static_cast<size_t>(k) * 6;
    for (int e = threadIdx.x; e < kTileRows * blocks4; e += blockDim.x) {
      const int r = e / blocks4, b = e % blocks4;
      if (r >= tile_rows) continue;
      td::Normal4 z = {{0, 0, 0, 0}};
      if (sampler == 0 && c[2] > 0.0f) {
        z = td::normals_from_block(td::philox_block(seed, td::kStreamSampleStep, global0 + r, static_cast<uint32_t>(timesteps[k]), b));
      }
      for (int q = 0; q < 4 && 4 * b + q < d; ++q) {
        const int j = 4 * b + q;
        float& xv = xs[r * kFusedMaxData + j];
        const float eps = cur[r * kFusedMaxWidth + j];
        if (sampler == 0) {
          const float v = affine_update(xv, eps, c[0], c[1]);
          xv = c[2] > 0.0f ? add_noise(v, c[2], z.v[q]) : v;
        } else {
          xv = dpm_update(xv, eps, x0p[r * kFusedMaxData + j], c);
        }
      }
    }
    __syncthreads();
  }
  for (int e = threadIdx.x; e < tile_rows * d; e += blockDim.x) {
    const int r = e / d, j = e % d;
    C.x[static_cast<size_t>(tile_first + r) * d + j] = xs[r * kFusedMaxData + j];
  }
}

}  // namespace

bool fused_sampler_supports(const TdMlpDesc& desc, const TdSampleArgs& args) {
  // TABULAR_DIFFUSION_CUDA_FUSED=0 forces the layer-by-layer path (parity tests compare both).
  const char* env = std::getenv("TABULAR_DIFFUSION_CUDA_FUSED");
  if (env && env[0] == '0') return false;
  if (args.precision != TD_PRECISION_FP32) return false;
  if (desc.data_dim > kFusedMaxData || desc.layers < 2) return false;
  if (desc.out[desc.layers - 1] != desc.data_dim) return false;
  for (int l = 0; l < desc.layers; ++l) {
    if (desc.out[l] > kFusedMaxWidth) return false;
  }
  return true;
}

void launch_fused_sample(const TdMlpDesc& desc, const float* params, const SampleChain& chain, cudaStream_t s) {
  FusedLayout L;
  L.layers = desc.layers;
  for (int l = 0; l < desc.layers; ++l) {
    L.in[l] = desc.in[l];
    L.out[l] = desc.out[l];
    L.w[l] = desc.weight_offset[l];
    L.b[l] = desc.bias_offset[l];
  }
  L.data_dim = desc.data_dim;
  L.activation = desc.activation;
  const unsigned grid = static_cast<unsigned>((chain.rows + kTileRows - 1) / kTileRows);
  fused_sample_kernel<<<grid, kThreads, 0, s>>>(L, params, chain);
}

}  // namespace tdc
