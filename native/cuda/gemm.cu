#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <mma.h>

#include "../core/philox.h"
#include "common.cuh"
#include "gemm.cuh"
#include "step_math.cuh"

namespace tdc {

namespace {

constexpr int BM = 64, BN = 64, BK = 16;
constexpr int kThreads = 256;  // 16 x 16 threads, 4 x 4 outputs each

__device__ __forceinline__ float activate(float v, int activation) {
  return activation == 1 ? fmaxf(v, 0.0f) : v / (1.0f + __expf(-v));
}

__device__ __forceinline__ float load_a(const float* a, int lda, bool ta, int i, int p, int m, int k) {
  if (i >= m || p >= k) return 0.0f;
  return ta ? a[static_cast<size_t>(p) * lda + i] : a[static_cast<size_t>(i) * lda + p];
}

__device__ __forceinline__ float load_b(const float* b, int ldb, bool tb, int p, int j, int k, int n) {
  if (p >= k || j >= n) return 0.0f;
  return tb ? b[static_cast<size_t>(j) * ldb + p] : b[static_cast<size_t>(p) * ldb + j];
}

// x_new from x and eps_hat (step_math.cuh), with the CPU's Philox noise.
__device__ __forceinline__ void reverse_step(const StepEpilogue& st, float eps, int i, int j, int n) {
  const size_t e = static_cast<size_t>(i) * n + j;
  const float* c = st.coef;
  if (st.sampler != 0) {
    st.x[e] = dpm_update(st.x[e], eps, st.x0_prev[e], c);
    return;
  }
  float v = affine_update(st.x[e], eps, c[0], c[1]);
  if (c[2] > 0.0f) {
    const td::Normal4 z = td::normals_from_block(
        td::philox_block(st.seed, td::kStreamSampleStep, st.row_offset + i, st.noise_step, static_cast<uint32_t>(j / 4)));
    v = add_noise(v, c[2], z.v[j % 4]);
  }
  st.x[e] = v;
}

// Adds in a fixed order with no fused multiply-add, so C (and a step taken from it) has the
// same bits whichever kernel or epilogue produced it.
__device__ __forceinline__ void store_out(float acc, int i, int j, int m, int n, float alpha, float beta, float* c, int ldc,
                                          const GemmEpilogue& epi) {
  if (i >= m || j >= n) return;
  float v = __fmul_rn(alpha, acc);
  float& out = c[static_cast<size_t>(i) * ldc + j];
  if (beta != 0.0f) v = __fadd_rn(v, __fmul_rn(beta, out));
  if (epi.bias) v = __fadd_rn(v, epi.bias[j]);
  if (epi.row_bias) v = __fadd_rn(v, epi.row_bias[static_cast<size_t>(i) * n + j]);
  if (epi.step.x && j < epi.step.cols) {
    reverse_step(epi.step, v, i, j, epi.step.cols);
    return;
  }
  out = v;
  if (epi.post) epi.post[static_cast<size_t>(i) * n + j] = activate(v, epi.activation);
}

__global__ void __launch_bounds__(kThreads) gemm_fp32_kernel(bool ta, bool tb, int m, int n, int k, float alpha,
                                                             const float* a, int lda, const float* b, int ldb, float beta,
                                                             float* c, int ldc, const GemmEpilogue epi) {
  __shared__ float as[BK][BM + 4];
  __shared__ float bs[BK][BN + 4];
  const int tx = threadIdx.x % 16, ty = threadIdx.x / 16;
  const int row0 = blockIdx.y * BM, col0 = blockIdx.x * BN;
  float acc[4][4] = {};
  for (int p0 = 0; p0 < k; p0 += BK) {
    for (int e = threadIdx.x; e < BM * BK; e += kThreads) {
      const int r = e / BK, q = e % BK;
      as[q][r] = load_a(a, lda, ta, row0 + r, p0 + q, m, k);
    }
    for (int e = threadIdx.x; e < BK * BN; e += kThreads) {
      const int q = e / BN, col = e % BN;
      bs[q][col] = load_b(b, ldb, tb, p0 + q, col0 + col, k, n);
    }
    __syncthreads();
    for (int q = 0; q < BK; ++q) {
      float av[4], bv[4];
      for (int r = 0; r < 4; ++r) av[r] = as[q][ty * 4 + r];
      for (int s = 0; s < 4; ++s) bv[s] = bs[q][tx * 4 + s];
      for (int r = 0; r < 4; ++r)
        for (int s = 0; s < 4; ++s) acc[r][s] += av[r] * bv[s];
    }
    __syncthreads();
  }
  for (int r = 0; r < 4; ++r)
    for (int s = 0; s < 4; ++s) store_out(acc[r][s], row0 + ty * 4 + r, col0 + tx * 4 + s, m, n, alpha, beta, c, ldc, epi);
}

// Tensor-core path: a 64 x 64 tile per block, 4 warps of 32 x 32 (2 x 2 fragments of 16 x 16),
// inputs rounded to T (half or bf16), fp32 accumulation, then the same epilogue.
template <typename T>
__device__ __forceinline__ T to_input(float v);
template <>
__device__ __forceinline__ __half to_input<__half>(float v) { return __float2half_rn(v); }
template <>
__device__ __forceinline__ __nv_bfloat16 to_input<__nv_bfloat16>(float v) { return __float2bfloat16_rn(v); }

template <typename T>
__global__ void __launch_bounds__(128) gemm_wmma_kernel(bool ta, bool tb, int m, int n, int k, float alpha,
                                                        const float* a, int lda, const float* b, int ldb, float beta,
                                                        float* c, int ldc, GemmEpilogue epi) {
#if __CUDA_ARCH__ >= 800
  using namespace nvcuda;
  __shared__ __align__(32) T as[BM][BK + 8];
  __shared__ __align__(32) T bs[BK][BN + 8];
  __shared__ __align__(32) float cs[BM][BN + 4];
  const int warp = threadIdx.x / 32;
  const int wr = (warp / 2) * 32, wc = (warp % 2) * 32;
  const int row0 = blockIdx.y * BM, col0 = blockIdx.x * BN;
  wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc[2][2];
  for (int r = 0; r < 2; ++r)
    for (int s = 0; s < 2; ++s) wmma::fill_fragment(acc[r][s], 0.0f);
  for (int p0 = 0; p0 < k; p0 += BK) {
    for (int e = threadIdx.x; e < BM * BK; e += 128) {
      const int r = e / BK, q = e % BK;
      as[r][q] = to_input<T>(load_a(a, lda, ta, row0 + r, p0 + q, m, k));
    }
    for (int e = threadIdx.x; e < BK * BN; e += 128) {
      const int q = e / BN, col = e % BN;
      bs[q][col] = to_input<T>(load_b(b, ldb, tb, p0 + q, col0 + col, k, n));
    }
    __syncthreads();
    wmma::fragment<wmma::matrix_a, 16, 16, 16, T, wmma::row_major> fa[2];
    wmma::fragment<wmma::matrix_b, 16, 16, 16, T, wmma::row_major> fb[2];
    for (int r = 0; r < 2; ++r) wmma::load_matrix_sync(fa[r], &as[wr + 16 * r][0], BK + 8);
    for (int s = 0; s < 2; ++s) wmma::load_matrix_sync(fb[s], &bs[0][wc + 16 * s], BN + 8);
    for (int r = 0; r < 2; ++r)
      for (int s = 0; s < 2; ++s) wmma::mma_sync(acc[r][s], fa[r], fb[s], acc[r][s]);
    __syncthreads();
  }
  for (int r = 0; r < 2; ++r)
    for (int s = 0; s < 2; ++s)
      wmma::store_matrix_sync(&cs[wr + 16 * r][wc + 16 * s], acc[r][s], BN + 4, wmma::mem_row_major);
  __syncthreads();
  for (int e = threadIdx.x; e < BM * BN; e += 128) {
    const int r = e / BN, col = e % BN;
    store_out(cs[r][col], row0 + r, col0 + col, m, n, alpha, beta, c, ldc, epi);
  }
#endif
}

}  // namespace

int device_major() {
  int device = 0, major = 0;
  if (cudaGetDevice(&device) != cudaSuccess ||
      cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device) != cudaSuccess) {
    cudaGetLastError();
    return 0;
  }
  return major;
}

void launch_gemm(bool ta, bool tb, int m, int n, int k, float alpha, const float* a, int lda, const float* b, int ldb,
                 float beta, float* c, int ldc, const GemmEpilogue& epi, int precision, cudaStream_t s) {
  const dim3 grid((n + BN - 1) / BN, (m + BM - 1) / BM);
  // The tensor-core kernels are compiled for sm_80 and newer only (bf16 and fp16 WMMA with
  // these fragment shapes); older devices run the fp32 kernel.
  if (precision != 0 && device_major() >= 8) {
    if (precision == 1) {
      gemm_wmma_kernel<__nv_bfloat16><<<grid, 128, 0, s>>>(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, epi);
    } else {
      gemm_wmma_kernel<__half><<<grid, 128, 0, s>>>(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, epi);
    }
    return;
  }
  gemm_fp32_kernel<<<grid, kThreads, 0, s>>>(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, epi);
}

}  // namespace tdc
