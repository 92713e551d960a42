#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "../core/philox.h"
#include "common.cuh"
#include "fused_mma_sampler.cuh"
#include "step_math.cuh"

namespace tdc {

namespace {

// Blocks per SM the compiler must fit (it caps registers to match) for d <= 16: measured on an
// H200, 3 (160 registers, no spills) ran 13% faster than 4 (128 registers, 200 bytes spilled).
constexpr int kMinBlocksNarrow = 3;

constexpr int kWarps = 4;
constexpr int kThreads = 32 * kWarps;
constexpr int kMaxTiles = kMmaMaxWidth / 8;    // n8 output tiles of the widest layer
constexpr int kMaxChunks = kMmaMaxWidth / 16;  // k16 input chunks of the widest layer

// Fragment layouts of mma.m16n8k16 (PTX ISA, "Matrix Fragments for mma.m16n8k16"), with
// g = lane / 4 and t = lane % 4. Each thread holds, per 16-column chunk c of a 16-row tile,
// eight values e0..e7: e0,e1 = (row g, cols 2t, 2t+1), e2,e3 = (row g+8, same cols),
// e4..e7 = the same at cols 8+2t, 9+2t. That is both the A operand (a0..a3 = e0e1, e2e3,
// e4e5, e6e7) and the accumulators of output tiles 2c (e0..e3) and 2c+1 (e4..e7).

template <bool kBf16>
__device__ __forceinline__ uint32_t pack2(float lo, float hi) {
  uint32_t bits;
  if constexpr (kBf16) {
    const __nv_bfloat162 v = __floats2bfloat162_rn(lo, hi);
    memcpy(&bits, &v, sizeof bits);
  } else {
    const __half2 v = __floats2half2_rn(lo, hi);
    memcpy(&bits, &v, sizeof bits);
  }
  return bits;
}

template <bool kBf16>
__device__ __forceinline__ void mma16816(float (&d)[4], const uint32_t (&a)[4], uint2 b) {
#if __CUDA_ARCH__ >= 800
  if constexpr (kBf16) {
    asm("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b.x), "r"(b.y));
  } else {
    asm("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
        : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b.x), "r"(b.y));
  }
#endif
}

// SiLU(v) = v sigmoid(v) = v (1 + tanh(v/2)) / 2: one hardware tanh (rel. error ~2^-11, below
// the bf16/fp16 rounding that follows) instead of an exp and a division.
__device__ __forceinline__ float activate(float v, int activation) {
  if (activation == 1) return fmaxf(v, 0.0f);
  float th;
  asm("tanh.approx.f32 %0, %1;" : "=f"(th) : "f"(0.5f * v));
  return 0.5f * v * (1.0f + th);
}

// acc[j] += a[q] B(q, j) over the layer's k chunks and output tiles.
template <bool kBf16>
__device__ __forceinline__ void layer_mma(const MmaLayer& L, const uint2* frags, const uint32_t (&a)[kMaxChunks][4],
                                          float (&acc)[kMaxTiles][4], int lane) {
  const int k_chunks = L.k_chunks, n_tiles = L.n_tiles;
#pragma unroll
  for (int q = 0; q < kMaxChunks; ++q) {
    if (q >= k_chunks) break;
    const uint2* chunk = frags + L.frag_offset + q * n_tiles * 32 + lane;
    // A predicate, not an early exit, for the tiles: measured on an H200, the exit made the
    // whole chain 14% slower (2.26e9 against 2.57e9 row-steps/s at 128x128).
#pragma unroll
    for (int j = 0; j < kMaxTiles; ++j) {
      if (j < n_tiles) mma16816<kBf16>(acc[j], a[q], chunk[j * 32]);
    }
  }
}

// act(acc) of the finished layer, rounded into the A fragments of the next.
template <bool kBf16>
__device__ __forceinline__ void to_fragments(const float (&acc)[kMaxTiles][4], int k_chunks, int activation,
                                             uint32_t (&a)[kMaxChunks][4]) {
#pragma unroll
  for (int q = 0; q < kMaxChunks; ++q) {
    if (q >= k_chunks) break;
    const float* lo = acc[2 * q];
    const float* hi = acc[2 * q + 1];
    a[q][0] = pack2<kBf16>(activate(lo[0], activation), activate(lo[1], activation));
    a[q][1] = pack2<kBf16>(activate(lo[2], activation), activate(lo[3], activation));
    a[q][2] = pack2<kBf16>(activate(hi[0], activation), activate(hi[1], activation));
    a[q][3] = pack2<kBf16>(activate(hi[2], activation), activate(hi[3], activation));
  }
}

// The CPU's normals for this thread's eight values of chunk c: lane pairs (t, t^1) share the
// two Philox blocks of their columns; the even lane draws row g's blocks, the odd lane row
// g+8's, and each hands the other the two normals it needs. Columns >= d get 0.
__device__ __forceinline__ void draw_chunk(uint64_t seed, uint32_t stream, uint64_t my_row, uint32_t step, int t, int c,
                                           int d, float (&z)[8]) {
  const bool odd = (t & 1) != 0;
#pragma unroll
  for (int h = 0; h < 2; ++h) {
    const uint32_t block = static_cast<uint32_t>(4 * c + 2 * h + (t >> 1));
    td::Normal4 n = {{0.0f, 0.0f, 0.0f, 0.0f}};
    if (4 * static_cast<int>(block) < d) n = td::normals_from_block(td::philox_block(seed, stream, my_row, step, block));
    const float r0 = __shfl_xor_sync(0xffffffffu, odd ? n.v[0] : n.v[2], 1);
    const float r1 = __shfl_xor_sync(0xffffffffu, odd ? n.v[1] : n.v[3], 1);
    z[4 * h + 0] = odd ? r0 : n.v[0];
    z[4 * h + 1] = odd ? r1 : n.v[1];
    z[4 * h + 2] = odd ? n.v[2] : r0;
    z[4 * h + 3] = odd ? n.v[3] : r1;
  }
}

__device__ __forceinline__ int value_col(int c, int e, int t) { return 16 * c + (e >= 4 ? 8 : 0) + 2 * t + (e & 1); }
__device__ __forceinline__ bool value_row_b(int e) { return (e & 2) != 0; }

template <bool kBf16, int DC>
__global__ void __launch_bounds__(kThreads, DC == 1 ? kMinBlocksNarrow : 2) mma_sample_kernel(MmaPlan P, int first_width, const uint2* __restrict__ frags_g,
                                                              const float* __restrict__ biases_g, const SampleChain C) {
#if __CUDA_ARCH__ >= 800
  extern __shared__ uint2 smem[];
  __shared__ MmaLayer layers[kMmaMaxLayers];
  uint2* frags = smem;
  float* biases = reinterpret_cast<float*>(smem + P.frag_count);
  for (int i = threadIdx.x; i < P.frag_count; i += blockDim.x) frags[i] = frags_g[i];
  for (int i = threadIdx.x; i < P.bias_count; i += blockDim.x) biases[i] = biases_g[i];
  if (threadIdx.x < kMmaMaxLayers) layers[threadIdx.x] = P.layer[threadIdx.x];
  __syncthreads();

  const float* __restrict__ first_bias = C.first_bias;
  const float* __restrict__ coefs = C.coefs;
  const int32_t* __restrict__ timesteps = C.timesteps;
  const float* __restrict__ row_bias = C.row_bias;
  const int steps = C.steps, sampler = C.sampler, rows = C.rows;
  const uint64_t seed = C.seed, first_global_row = C.first_global_row;
  const int lane = threadIdx.x & 31, g = lane >> 2, t = lane & 3;
  const int d = P.data_dim, activation = P.activation, last = P.layers - 1;
  const int tiles = (rows + 15) / 16;
  for (int tile = blockIdx.x * kWarps + static_cast<int>(threadIdx.x >> 5); tile < tiles; tile += gridDim.x * kWarps) {
    const int row_a = 16 * tile + g, row_b = row_a + 8;
    const uint64_t my_row = first_global_row + static_cast<uint64_t>((t & 1) ? row_b : row_a);
    float x[DC][8], x0_prev[DC][8];
#pragma unroll
    for (int c = 0; c < DC; ++c) {
      draw_chunk(seed, td::kStreamSampleInit, my_row, 0, t, c, d, x[c]);
#pragma unroll
      for (int e = 0; e < 8; ++e) {
        if (value_col(c, e, t) >= d) x[c][e] = 0.0f;
        x0_prev[c][e] = 0.0f;
      }
    }
    const float* rb_a = row_bias && row_a < rows ? row_bias + static_cast<size_t>(row_a) * first_width : nullptr;
    const float* rb_b = row_bias && row_b < rows ? row_bias + static_cast<size_t>(row_b) * first_width : nullptr;

    for (int k = 0; k < steps; ++k) {
      float acc[kMaxTiles][4];
      uint32_t a[kMaxChunks][4];
      // Layer 0: the per-step bias (b0 + time term), the row's context term, then x W0.
      const float* fb = first_bias + static_cast<size_t>(k) * first_width;
      const int first_tiles = layers[0].n_tiles;
#pragma unroll
      for (int j = 0; j < kMaxTiles; ++j) {
        if (j >= first_tiles) break;
        const int col = 8 * j + 2 * t;
        const float b0 = col < first_width ? __ldg(fb + col) : 0.0f;
        const float b1 = col + 1 < first_width ? __ldg(fb + col + 1) : 0.0f;
        acc[j][0] = b0 + (rb_a && col < first_width ? rb_a[col] : 0.0f);
        acc[j][1] = b1 + (rb_a && col + 1 < first_width ? rb_a[col + 1] : 0.0f);
        acc[j][2] = b0 + (rb_b && col < first_width ? rb_b[col] : 0.0f);
        acc[j][3] = b1 + (rb_b && col + 1 < first_width ? rb_b[col + 1] : 0.0f);
      }
#pragma unroll
      for (int c = 0; c < DC; ++c) {
        a[c][0] = pack2<kBf16>(x[c][0], x[c][1]);
        a[c][1] = pack2<kBf16>(x[c][2], x[c][3]);
        a[c][2] = pack2<kBf16>(x[c][4], x[c][5]);
        a[c][3] = pack2<kBf16>(x[c][6], x[c][7]);
      }
      layer_mma<kBf16>(layers[0], frags, a, acc, lane);
      for (int l = 1; l <= last; ++l) {
        const MmaLayer L = layers[l];
        to_fragments<kBf16>(acc, L.k_chunks, activation, a);
        const float* bias = biases + L.bias_offset;
#pragma unroll
        for (int j = 0; j < kMaxTiles; ++j) {
          if (j >= L.n_tiles) break;
          const float2 b = *reinterpret_cast<const float2*>(bias + 8 * j + 2 * t);
          acc[j][0] = b.x;
          acc[j][1] = b.y;
          acc[j][2] = b.x;
          acc[j][3] = b.y;
        }
        layer_mma<kBf16>(L, frags, a, acc, lane);
      }
      // acc tiles 2c, 2c+1 hold eps_hat for chunk c. The update is the CPU's arithmetic
      // (unfused multiply and add) on fp32 x; only the network's input was rounded.
      float cf6[6];
#pragma unroll
      for (int q = 0; q < 6; ++q) cf6[q] = __ldg(coefs + static_cast<size_t>(k) * 6 + q);
      const bool noisy = sampler == 0 && cf6[2] > 0.0f;
      const uint32_t noise_step = static_cast<uint32_t>(__ldg(timesteps + k));
#pragma unroll
      for (int c = 0; c < DC; ++c) {
        float z[8] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
        if (noisy) draw_chunk(seed, td::kStreamSampleStep, my_row, noise_step, t, c, d, z);
#pragma unroll
        for (int e = 0; e < 8; ++e) {
          if (value_col(c, e, t) >= d) continue;
          const float eps = acc[2 * c + (e >> 2)][e & 3];
          float& xv = x[c][e];
          if (sampler == 0) {
            const float v = affine_update(xv, eps, cf6[0], cf6[1]);
            xv = noisy ? add_noise(v, cf6[2], z[e]) : v;
          } else {
            xv = dpm_update(xv, eps, x0_prev[c][e], cf6);
          }
        }
      }
    }
#pragma unroll
    for (int c = 0; c < DC; ++c) {
#pragma unroll
      for (int e = 0; e < 8; ++e) {
        const int col = value_col(c, e, t), row = value_row_b(e) ? row_b : row_a;
        if (col < d && row < rows) C.x[static_cast<size_t>(row) * d + col] = x[c][e];
      }
    }
  }
#endif
}

uint32_t pack_host(float lo, float hi, int precision) {
  uint16_t l, h;
  if (precision == TD_PRECISION_BF16) {
    const __nv_bfloat16 a = __float2bfloat16_rn(lo), b = __float2bfloat16_rn(hi);
    memcpy(&l, &a, 2);
    memcpy(&h, &b, 2);
  } else {
    const __half a = __float2half_rn(lo), b = __float2half_rn(hi);
    memcpy(&l, &a, 2);
    memcpy(&h, &b, 2);
  }
  return static_cast<uint32_t>(l) | (static_cast<uint32_t>(h) << 16);
}

int layer_input(const TdMlpDesc& desc, int l) { return l == 0 ? desc.data_dim : desc.out[l - 1]; }
int tiles_of(int width) { return 2 * ((width + 15) / 16); }

size_t shared_bytes(const TdMlpDesc& desc) {
  size_t frags = 0, biases = 0;
  for (int l = 0; l < desc.layers; ++l) {
    frags += static_cast<size_t>((layer_input(desc, l) + 15) / 16) * tiles_of(desc.out[l]) * 32;
    if (l > 0) biases += static_cast<size_t>(tiles_of(desc.out[l])) * 8;
  }
  return frags * sizeof(uint2) + biases * sizeof(float);
}

size_t dynamic_shared(const MmaPlan& P) {
  return static_cast<size_t>(P.frag_count) * sizeof(uint2) + static_cast<size_t>(P.bias_count) * sizeof(float);
}

// Blocks of the persistent grid: as many as fit on the device at once.
template <bool kBf16, int DC>
cudaError_t grid_size(const MmaPlan& P, int* grid) {
  auto kernel = mma_sample_kernel<kBf16, DC>;
  const size_t smem = dynamic_shared(P);
  cudaError_t err = cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(smem));
  int per_sm = 0, device = 0, sms = 0;
  if (err == cudaSuccess) err = cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, kernel, kThreads, smem);
  if (err == cudaSuccess) err = cudaGetDevice(&device);
  if (err == cudaSuccess) err = cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device);
  *grid = std::max(1, per_sm) * std::max(1, sms);
  return err;
}

template <bool kBf16, int DC>
cudaError_t launch_with(const MmaPlan& P, int first_width, const uint32_t* frags, const float* biases,
                        const SampleChain& chain, cudaStream_t s) {
  int most = 0;
  const cudaError_t err = grid_size<kBf16, DC>(P, &most);
  if (err != cudaSuccess) return err;
  // Persistent: at most one wave of blocks; each warp strides over the 16-row tiles.
  const int tiles = (chain.rows + 15) / 16;
  const int grid = std::max(1, std::min((tiles + kWarps - 1) / kWarps, most));
  mma_sample_kernel<kBf16, DC><<<grid, kThreads, dynamic_shared(P), s>>>(
      P, first_width, reinterpret_cast<const uint2*>(frags), biases, chain);
  return cudaGetLastError();
}

// Names one kernel instance: input format and data chunks.
template <bool kBf16, int DC>
struct Instance {
  static constexpr bool bf16 = kBf16;
  static constexpr int chunks = DC;
};

// Calls fn(Instance<...>{}) for the plan's kernel instance.
template <typename Fn>
cudaError_t dispatch(const MmaPlan& P, Fn&& fn) {
  const int chunks = (P.data_dim + 15) / 16;
  const bool bf16 = P.precision == TD_PRECISION_BF16;
  switch (chunks) {
    case 1: return bf16 ? fn(Instance<true, 1>{}) : fn(Instance<false, 1>{});
    case 2: return bf16 ? fn(Instance<true, 2>{}) : fn(Instance<false, 2>{});
    case 3: return bf16 ? fn(Instance<true, 3>{}) : fn(Instance<false, 3>{});
    default: return bf16 ? fn(Instance<true, 4>{}) : fn(Instance<false, 4>{});
  }
}

}  // namespace

bool mma_sampler_supports(const TdMlpDesc& desc, const TdSampleArgs& args) {
  const char* env = std::getenv("TABULAR_DIFFUSION_CUDA_FUSED");
  if (env && env[0] == '0') return false;
  if (args.precision != TD_PRECISION_BF16 && args.precision != TD_PRECISION_FP16) return false;
  if (device_major() < 8) return false;  // mma.m16n8k16 with bf16/fp16 needs sm_80
  if (desc.layers < 1 || desc.layers > kMmaMaxLayers) return false;
  if (desc.data_dim < 1 || desc.data_dim > kMmaMaxData || desc.out[desc.layers - 1] != desc.data_dim) return false;
  for (int l = 0; l < desc.layers; ++l) {
    if (desc.out[l] > kMmaMaxWidth) return false;
  }
  int device = 0, optin = 0;
  if (cudaGetDevice(&device) != cudaSuccess ||
      cudaDeviceGetAttribute(&optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, device) != cudaSuccess) {
    cudaGetLastError();
    return false;
  }
  return shared_bytes(desc) + sizeof(MmaLayer) * kMmaMaxLayers <= static_cast<size_t>(optin);
}

MmaPlan pack_mma_weights(const TdMlpDesc& desc, const float* params, int precision, std::vector<uint32_t>* frags,
                         std::vector<float>* biases) {
  MmaPlan P{};
  P.layers = desc.layers;
  P.data_dim = desc.data_dim;
  P.activation = desc.activation;
  P.precision = precision;
  frags->clear();
  biases->clear();
  for (int l = 0; l < desc.layers; ++l) {
    const int in = layer_input(desc, l), out = desc.out[l];
    MmaLayer& L = P.layer[l];
    L.k_chunks = (in + 15) / 16;
    L.n_tiles = tiles_of(out);
    L.frag_offset = static_cast<int>(frags->size() / 2);
    L.bias_offset = static_cast<int>(biases->size());
    // Layer 0 multiplies the data rows of W0 only (rows 0..d-1; context and time are biases).
    const float* w = params + desc.weight_offset[l];
    auto weight = [&](int k, int n) { return k < in && n < out ? w[static_cast<size_t>(k) * out + n] : 0.0f; };
    for (int q = 0; q < L.k_chunks; ++q) {
      for (int j = 0; j < L.n_tiles; ++j) {
        for (int lane = 0; lane < 32; ++lane) {
          // B fragment of mma.m16n8k16: b0 = (k 2t, 2t+1; n g), b1 = (k 2t+8, 2t+9; n g).
          const int n = 8 * j + lane / 4, k = 16 * q + 2 * (lane % 4);
          frags->push_back(pack_host(weight(k, n), weight(k + 1, n), precision));
          frags->push_back(pack_host(weight(k + 8, n), weight(k + 9, n), precision));
        }
      }
    }
    if (l > 0) {
      for (int n = 0; n < 8 * L.n_tiles; ++n) biases->push_back(n < out ? params[desc.bias_offset[l] + n] : 0.0f);
    }
  }
  P.frag_count = static_cast<int>(frags->size() / 2);
  P.bias_count = static_cast<int>(biases->size());
  return P;
}

cudaError_t launch_mma_sample(const MmaPlan& P, int first_width, const uint32_t* frags, const float* biases,
                              const SampleChain& chain, cudaStream_t s) {
  return dispatch(P, [&](auto inst) {
    using I = decltype(inst);
    return launch_with<I::bf16, I::chunks>(P, first_width, frags, biases, chain, s);
  });
}

int64_t mma_rows_per_round(const MmaPlan& P) {
  int grid = 0;
  const cudaError_t err = dispatch(P, [&](auto inst) {
    using I = decltype(inst);
    return grid_size<I::bf16, I::chunks>(P, &grid);
  });
  if (err != cudaSuccess) {
    cudaGetLastError();
    return 0;
  }
  return static_cast<int64_t>(grid) * kWarps * 16;
}

}  // namespace tdc
