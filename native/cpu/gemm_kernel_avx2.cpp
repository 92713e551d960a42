// AVX2 + FMA 6x16 micro-kernel (12 accumulator registers, broadcast-FMA). Compiled for the
// baseline target; only these functions are built with target("avx2,fma") and gemm.cpp calls
// them only after __builtin_cpu_supports confirmed both features.
#include "simd.h"
#include "gemm_internal.h"

#if TD_X86_SIMD
#include <immintrin.h>

namespace td {
namespace cpu {
namespace gemm_detail {

// One k step: acc(r, :) = fma(A(r, p), B(p, :), acc(r, :)) for the 6 rows, in row order.
#define TD_GEMM_STEP(A0, A1, A2, A3, A4, A5, BP)                                          \
  do {                                                                                    \
    const __m256 b0 = _mm256_loadu_ps(BP);                                                 \
    const __m256 b1 = _mm256_loadu_ps((BP) + 8);                                           \
    __m256 av = _mm256_broadcast_ss(A0);                                                  \
    c00 = _mm256_fmadd_ps(av, b0, c00); c01 = _mm256_fmadd_ps(av, b1, c01);               \
    av = _mm256_broadcast_ss(A1);                                                         \
    c10 = _mm256_fmadd_ps(av, b0, c10); c11 = _mm256_fmadd_ps(av, b1, c11);               \
    av = _mm256_broadcast_ss(A2);                                                         \
    c20 = _mm256_fmadd_ps(av, b0, c20); c21 = _mm256_fmadd_ps(av, b1, c21);               \
    av = _mm256_broadcast_ss(A3);                                                         \
    c30 = _mm256_fmadd_ps(av, b0, c30); c31 = _mm256_fmadd_ps(av, b1, c31);               \
    av = _mm256_broadcast_ss(A4);                                                         \
    c40 = _mm256_fmadd_ps(av, b0, c40); c41 = _mm256_fmadd_ps(av, b1, c41);               \
    av = _mm256_broadcast_ss(A5);                                                         \
    c50 = _mm256_fmadd_ps(av, b0, c50); c51 = _mm256_fmadd_ps(av, b1, c51);               \
  } while (0)

// C row update, identical for every tile: beta == 0 -> alpha*acc, else alpha*acc + beta*C.
#define TD_GEMM_STORE_ROW(R, ACC0, ACC1)                                                  \
  do {                                                                                    \
    float* cr = c + (R) * ldc;                                                            \
    __m256 v0 = _mm256_mul_ps(va, ACC0), v1 = _mm256_mul_ps(va, ACC1);                    \
    if (beta != 0.0f) {                                                                   \
      v0 = _mm256_add_ps(v0, _mm256_mul_ps(vb, _mm256_loadu_ps(cr)));                     \
      v1 = _mm256_add_ps(v1, _mm256_mul_ps(vb, _mm256_loadu_ps(cr + 8)));                 \
    }                                                                                     \
    _mm256_storeu_ps(cr, v0);                                                             \
    _mm256_storeu_ps(cr + 8, v1);                                                         \
  } while (0)

__attribute__((target("avx2,fma"))) void kernel_avx2_6x16(int kc, const float* a, long rs_a, long cs_a,
                                                          const float* b, long ldb, float* c, long ldc, float alpha,
                                                          float beta) {
  __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps(), c10 = _mm256_setzero_ps(),
         c11 = _mm256_setzero_ps(), c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps(),
         c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps(), c40 = _mm256_setzero_ps(),
         c41 = _mm256_setzero_ps(), c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
  for (int r = 0; r < MR; ++r) {
    _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(c + r * ldc + 15), _MM_HINT_T0);
  }
  if (cs_a == 1) {
    // A rows read in place (row-major A): six row pointers, one index.
    const float* a0 = a;
    const float* a1 = a + rs_a;
    const float* a2 = a + 2 * rs_a;
    const float* a3 = a + 3 * rs_a;
    const float* a4 = a + 4 * rs_a;
    const float* a5 = a + 5 * rs_a;
    int p = 0;
    for (; p < kc; ++p, b += ldb) {
      TD_GEMM_STEP(a0, a1, a2, a3, a4, a5, b);
      ++a0; ++a1; ++a2; ++a3; ++a4; ++a5;
    }
  } else {
    // Column-contiguous A (packed panel, cs_a == MR, or in place with rs_a == 1).
    int p = 0;
    for (; p < kc; ++p, a += cs_a, b += ldb) TD_GEMM_STEP(a, a + 1, a + 2, a + 3, a + 4, a + 5, b);
  }
  const __m256 va = _mm256_set1_ps(alpha);
  const __m256 vb = _mm256_set1_ps(beta);
  TD_GEMM_STORE_ROW(0, c00, c01);
  TD_GEMM_STORE_ROW(1, c10, c11);
  TD_GEMM_STORE_ROW(2, c20, c21);
  TD_GEMM_STORE_ROW(3, c30, c31);
  TD_GEMM_STORE_ROW(4, c40, c41);
  TD_GEMM_STORE_ROW(5, c50, c51);
}

#undef TD_GEMM_STEP
#undef TD_GEMM_STORE_ROW

}  // namespace gemm_detail
}  // namespace cpu
}  // namespace td

#endif
