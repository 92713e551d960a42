#include "simd.h"
#include "normals.h"

#include <algorithm>

#include "../core/philox.h"

#if TD_X86_SIMD
#include <immintrin.h>
#endif

namespace td {
namespace cpu {

void fill_normals_scalar(uint64_t seed, uint32_t stream, uint64_t first_row, int rows, uint32_t step, int cols,
                         float* out) {
  for (int i = 0; i < rows; ++i) normal_row(seed, stream, first_row + i, step, out + static_cast<size_t>(i) * cols, cols);
}

#if TD_X86_SIMD
namespace {

const bool kHasAvx2 = __builtin_cpu_supports("avx2");

#define TD_AVX2 __attribute__((target("avx2")))

// (hi, lo) of the 32x32 -> 64-bit products of each lane of b with the constant m.
TD_AVX2 inline void mulhilo8(uint32_t m, __m256i b, __m256i& hi, __m256i& lo) {
  const __m256i mv = _mm256_set1_epi32(static_cast<int>(m));
  const __m256i even = _mm256_mul_epu32(b, mv);
  const __m256i odd = _mm256_mul_epu32(_mm256_srli_epi64(b, 32), mv);
  lo = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
  hi = _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA);
}

TD_AVX2 inline void philox8(__m256i c[4], uint32_t k0, uint32_t k1) {
  for (int round = 0; round < 10; ++round) {
    __m256i hi0, lo0, hi1, lo1;
    mulhilo8(0xD2511F53u, c[0], hi0, lo0);
    mulhilo8(0xCD9E8D57u, c[2], hi1, lo1);
    const __m256i k0v = _mm256_set1_epi32(static_cast<int>(k0)), k1v = _mm256_set1_epi32(static_cast<int>(k1));
    c[0] = _mm256_xor_si256(_mm256_xor_si256(hi1, c[1]), k0v);
    c[1] = lo1;
    c[2] = _mm256_xor_si256(_mm256_xor_si256(hi0, c[3]), k1v);
    c[3] = lo0;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
}

TD_AVX2 inline __m256 uniform8(__m256i x, bool open) {
  const __m256 u = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_srli_epi32(x, 8)), _mm256_set1_ps(5.9604644775390625e-08f));
  return open ? _mm256_add_ps(u, _mm256_set1_ps(2.98023223876953125e-08f)) : u;
}

TD_AVX2 inline __m256 poly_step(__m256 p, __m256 x, float c) { return _mm256_add_ps(_mm256_mul_ps(p, x), _mm256_set1_ps(c)); }

// portable_logf, lane-wise.
TD_AVX2 inline __m256 log8(__m256 x) {
  const __m256i bits = _mm256_castps_si256(x);
  __m256i e = _mm256_sub_epi32(_mm256_and_si256(_mm256_srli_epi32(bits, 23), _mm256_set1_epi32(0xFF)), _mm256_set1_epi32(127));
  __m256 m = _mm256_castsi256_ps(_mm256_or_si256(_mm256_and_si256(bits, _mm256_set1_epi32(0x007FFFFF)), _mm256_set1_epi32(0x3F800000)));
  const __m256 big = _mm256_cmp_ps(m, _mm256_set1_ps(1.41421353816986083984375f), _CMP_GE_OQ);
  m = _mm256_blendv_ps(m, _mm256_mul_ps(m, _mm256_set1_ps(0.5f)), big);
  e = _mm256_sub_epi32(e, _mm256_castps_si256(big));  // big lanes are all ones (-1): e + 1
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256 s = _mm256_div_ps(_mm256_sub_ps(m, one), _mm256_add_ps(m, one));
  const __m256 s2 = _mm256_mul_ps(s, s);
  __m256 poly = _mm256_set1_ps(1.0f / 13.0f);
  poly = poly_step(poly, s2, 1.0f / 11.0f);
  poly = poly_step(poly, s2, 1.0f / 9.0f);
  poly = poly_step(poly, s2, 1.0f / 7.0f);
  poly = poly_step(poly, s2, 1.0f / 5.0f);
  poly = poly_step(poly, s2, 1.0f / 3.0f);
  poly = poly_step(poly, s2, 1.0f);
  const __m256 log_m = _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(2.0f), s), poly);
  return _mm256_add_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(e), _mm256_set1_ps(0.693147180559945309f)), log_m);
}

// portable_sincos_turns, lane-wise.
TD_AVX2 inline void sincos8(__m256 u, __m256& s, __m256& c) {
  const __m256 q4 = _mm256_mul_ps(u, _mm256_set1_ps(4.0f));
  const __m256i quadrant = _mm256_cvttps_epi32(q4);
  __m256 f = _mm256_sub_ps(q4, _mm256_cvtepi32_ps(quadrant));
  const __m256 mirrored = _mm256_cmp_ps(f, _mm256_set1_ps(0.5f), _CMP_GT_OQ);
  f = _mm256_blendv_ps(f, _mm256_sub_ps(_mm256_set1_ps(1.0f), f), mirrored);
  const __m256 x = _mm256_mul_ps(f, _mm256_set1_ps(1.57079632679489662f));
  const __m256 x2 = _mm256_mul_ps(x, x);
  __m256 sp = _mm256_set1_ps(-1.0f / 39916800.0f);
  sp = poly_step(sp, x2, 1.0f / 362880.0f);
  sp = poly_step(sp, x2, -1.0f / 5040.0f);
  sp = poly_step(sp, x2, 1.0f / 120.0f);
  sp = poly_step(sp, x2, -1.0f / 6.0f);
  sp = poly_step(sp, x2, 1.0f);
  const __m256 sin_x = _mm256_mul_ps(x, sp);
  __m256 cp = _mm256_set1_ps(1.0f / 479001600.0f);
  cp = poly_step(cp, x2, -1.0f / 3628800.0f);
  cp = poly_step(cp, x2, 1.0f / 40320.0f);
  cp = poly_step(cp, x2, -1.0f / 720.0f);
  cp = poly_step(cp, x2, 1.0f / 24.0f);
  cp = poly_step(cp, x2, -0.5f);
  cp = poly_step(cp, x2, 1.0f);
  const __m256 sq = _mm256_blendv_ps(sin_x, cp, mirrored);
  const __m256 cq = _mm256_blendv_ps(cp, sin_x, mirrored);
  // quadrant 0: (sq, cq); 1: (cq, -sq); 2: (-sq, -cq); 3: (-cq, sq)
  const __m256i q = _mm256_and_si256(quadrant, _mm256_set1_epi32(3));
  const __m256 odd = _mm256_castsi256_ps(_mm256_cmpeq_epi32(_mm256_and_si256(q, _mm256_set1_epi32(1)), _mm256_set1_epi32(1)));
  const __m256 sin_neg = _mm256_castsi256_ps(_mm256_cmpgt_epi32(q, _mm256_set1_epi32(1)));  // q in {2, 3}
  const __m256 cos_neg = _mm256_castsi256_ps(
      _mm256_or_si256(_mm256_cmpeq_epi32(q, _mm256_set1_epi32(1)), _mm256_cmpeq_epi32(q, _mm256_set1_epi32(2))));
  const __m256 sign = _mm256_set1_ps(-0.0f);
  const __m256 s_abs = _mm256_blendv_ps(sq, cq, odd);
  const __m256 c_abs = _mm256_blendv_ps(cq, sq, odd);
  s = _mm256_xor_ps(s_abs, _mm256_and_ps(sin_neg, sign));
  c = _mm256_xor_ps(c_abs, _mm256_and_ps(cos_neg, sign));
}

TD_AVX2 void fill_normals_avx2(uint64_t seed, uint32_t stream, uint64_t first_row, int rows, uint32_t step, int cols,
                               float* out) {
  const uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
  const int blocks = (cols + 3) / 4;
  alignas(32) uint32_t row_lo[8], row_hi[8];
  alignas(32) float lanes[4][8];
  for (int i0 = 0; i0 < rows; i0 += 8) {
    const int count = std::min(8, rows - i0);
    for (int l = 0; l < 8; ++l) {
      const uint64_t row = first_row + static_cast<uint64_t>(i0 + l);
      row_lo[l] = static_cast<uint32_t>(row);
      row_hi[l] = static_cast<uint32_t>((row >> 32) & 0xFFFFu) | (stream << 16);
    }
    const __m256i lo = _mm256_load_si256(reinterpret_cast<const __m256i*>(row_lo));
    const __m256i hi = _mm256_load_si256(reinterpret_cast<const __m256i*>(row_hi));
    for (int b = 0; b < blocks; ++b) {
      __m256i c[4] = {_mm256_set1_epi32(b), _mm256_set1_epi32(static_cast<int>(step)), lo, hi};
      philox8(c, k0, k1);
      for (int pair = 0; pair < 2; ++pair) {
        const __m256 u1 = uniform8(c[2 * pair], true);
        const __m256 u2 = uniform8(c[2 * pair + 1], false);
        const __m256 r = _mm256_sqrt_ps(_mm256_mul_ps(_mm256_set1_ps(-2.0f), log8(u1)));
        __m256 s, co;
        sincos8(u2, s, co);
        _mm256_store_ps(lanes[2 * pair], _mm256_mul_ps(r, co));
        _mm256_store_ps(lanes[2 * pair + 1], _mm256_mul_ps(r, s));
      }
      const int width = std::min(4, cols - 4 * b);
      for (int l = 0; l < count; ++l) {
        float* dst = out + static_cast<size_t>(i0 + l) * cols + 4 * b;
        for (int k = 0; k < width; ++k) dst[k] = lanes[k][l];
      }
    }
  }
}

}  // namespace
#endif

void fill_normals(uint64_t seed, uint32_t stream, uint64_t first_row, int rows, uint32_t step, int cols, float* out) {
#if TD_X86_SIMD
  if (kHasAvx2) return fill_normals_avx2(seed, stream, first_row, rows, step, cols, out);
#endif
  fill_normals_scalar(seed, stream, first_row, rows, step, cols, out);
}

}  // namespace cpu
}  // namespace td
