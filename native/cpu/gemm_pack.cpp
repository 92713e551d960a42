// Packing of A and B panels for the blocked SGEMM. Pure data movement (no arithmetic), so the
// packed values are bit-exact copies and the choice of routine never affects results.
#include "simd.h"
#include <cstring>

#include "gemm_internal.h"

#if TD_X86_SIMD
#include <immintrin.h>
#endif

namespace td {
namespace cpu {
namespace gemm_detail {

namespace {

#if TD_X86_SIMD
// Transposed B, full 16-column panel: dst[p * 16 + c] = src[c * ldb + p], 8x8 blocks with AVX.
__attribute__((target("avx2,fma"))) void pack_bt_panel_avx2(const float* src, long ldb, int kb, float* dst) {
  int p = 0;
  for (; p + 8 <= kb; p += 8) {
    for (int half = 0; half < 2; ++half) {
      const float* s = src + static_cast<long>(half) * 8 * ldb + p;
      __m256 r0 = _mm256_loadu_ps(s + 0 * ldb), r1 = _mm256_loadu_ps(s + 1 * ldb);
      __m256 r2 = _mm256_loadu_ps(s + 2 * ldb), r3 = _mm256_loadu_ps(s + 3 * ldb);
      __m256 r4 = _mm256_loadu_ps(s + 4 * ldb), r5 = _mm256_loadu_ps(s + 5 * ldb);
      __m256 r6 = _mm256_loadu_ps(s + 6 * ldb), r7 = _mm256_loadu_ps(s + 7 * ldb);
      __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1);
      __m256 t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3);
      __m256 t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5);
      __m256 t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
      __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
      __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
      __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
      __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
      float* d = dst + static_cast<long>(p) * 16 + half * 8;
      _mm256_store_ps(d + 0 * 16, _mm256_permute2f128_ps(u0, u4, 0x20));
      _mm256_store_ps(d + 1 * 16, _mm256_permute2f128_ps(u1, u5, 0x20));
      _mm256_store_ps(d + 2 * 16, _mm256_permute2f128_ps(u2, u6, 0x20));
      _mm256_store_ps(d + 3 * 16, _mm256_permute2f128_ps(u3, u7, 0x20));
      _mm256_store_ps(d + 4 * 16, _mm256_permute2f128_ps(u0, u4, 0x31));
      _mm256_store_ps(d + 5 * 16, _mm256_permute2f128_ps(u1, u5, 0x31));
      _mm256_store_ps(d + 6 * 16, _mm256_permute2f128_ps(u2, u6, 0x31));
      _mm256_store_ps(d + 7 * 16, _mm256_permute2f128_ps(u3, u7, 0x31));
    }
  }
  for (; p < kb; ++p)
    for (int c = 0; c < 16; ++c) dst[static_cast<long>(p) * 16 + c] = src[c * ldb + p];
}
#endif

}  // namespace

void pack_b(bool trans_b, const float* b, int ldb, int p0, int kb, int j0, int cols, float* dst, bool simd) {
  (void)simd;
  for (int j = 0; j < cols; j += NR, dst += static_cast<long>(kb) * NR) {
    const int w = cols - j < NR ? cols - j : NR;
    if (!trans_b) {
      const float* src = b + static_cast<long>(p0) * ldb + j0 + j;
      if (w == NR) {
        for (int p = 0; p < kb; ++p) std::memcpy(dst + static_cast<long>(p) * NR, src + static_cast<long>(p) * ldb, NR * sizeof(float));
      } else {
        for (int p = 0; p < kb; ++p) {
          float* d = dst + static_cast<long>(p) * NR;
          const float* s = src + static_cast<long>(p) * ldb;
          int c = 0;
          for (; c < w; ++c) d[c] = s[c];
          for (; c < NR; ++c) d[c] = 0.0f;
        }
      }
    } else {
      const float* src = b + static_cast<long>(j0 + j) * ldb + p0;
#if TD_X86_SIMD
      if (simd && w == NR) {
        pack_bt_panel_avx2(src, ldb, kb, dst);
        continue;
      }
#endif
      for (int c = 0; c < w; ++c) {
        const float* s = src + static_cast<long>(c) * ldb;
        for (int p = 0; p < kb; ++p) dst[static_cast<long>(p) * NR + c] = s[p];
      }
      for (int c = w; c < NR; ++c)
        for (int p = 0; p < kb; ++p) dst[static_cast<long>(p) * NR + c] = 0.0f;
    }
  }
}

void pack_a(bool trans_a, const float* a, int lda, int i0, int rows, int p0, int kb, float* dst) {
  if (trans_a) {
    const float* src = a + static_cast<long>(p0) * lda + i0;
    if (rows == MR) {
      for (int p = 0; p < kb; ++p) {
        const float* s = src + static_cast<long>(p) * lda;
        std::memcpy(dst + static_cast<long>(p) * MR, s, MR * sizeof(float));
      }
    } else {
      for (int p = 0; p < kb; ++p) {
        const float* s = src + static_cast<long>(p) * lda;
        float* d = dst + static_cast<long>(p) * MR;
        int r = 0;
        for (; r < rows; ++r) d[r] = s[r];
        for (; r < MR; ++r) d[r] = 0.0f;
      }
    }
  } else {
    for (int r = 0; r < MR; ++r) {
      if (r < rows) {
        const float* s = a + static_cast<long>(i0 + r) * lda + p0;
        for (int p = 0; p < kb; ++p) dst[static_cast<long>(p) * MR + r] = s[p];
      } else {
        for (int p = 0; p < kb; ++p) dst[static_cast<long>(p) * MR + r] = 0.0f;
      }
    }
  }
}

}  // namespace gemm_detail
}  // namespace cpu
}  // namespace td
