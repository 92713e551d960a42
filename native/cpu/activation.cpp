#include "simd.h"
#include "activation.h"

#include <cstdint>
#include <cstring>

#if TD_X86_SIMD
#include <immintrin.h>
#endif

namespace td {
namespace cpu {

namespace {

// Cody-Waite reduction x = k ln2 + r, |r| <= ln2/2, then a degree-6 polynomial for e^r
// (Cephes expf coefficients) and 2^k from the exponent bits. Branch-free so loops vectorise.
inline float exp_poly(float x) {
  x = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x);
  const float kf = static_cast<float>(static_cast<int>(x * 1.44269504088896341f + (x >= 0.0f ? 0.5f : -0.5f)));
  float r = x - kf * 0.693359375f;
  r = r - kf * -2.12194440e-4f;
  const float r2 = r * r;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  const float er = p * r2 + r + 1.0f;
  const int32_t bits = (static_cast<int32_t>(kf) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return er * scale;
}

inline float silu(float z) { return z / (1.0f + exp_poly(-z)); }

inline float silu_grad(float z) {
  const float s = 1.0f / (1.0f + exp_poly(-z));
  return s * (1.0f + z * (1.0f - s));
}

void silu_forward_scalar(const float* z, float* h, size_t n) {
  for (size_t i = 0; i < n; ++i) h[i] = silu(z[i]);
}

void silu_backward_scalar(const float* z, const float* mask, float* dh, size_t n) {
  for (size_t i = 0; i < n; ++i) dh[i] = dh[i] * silu_grad(z[i]) * (mask ? mask[i] : 1.0f);
}

#if TD_X86_SIMD
const bool kHasAvx2 = __builtin_cpu_supports("avx2");

// The same arithmetic as exp_poly, 8 lanes at a time (mul and add kept separate: no FMA).
__attribute__((target("avx2"))) inline __m256 exp_poly8(__m256 x) {
  x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.0f)), _mm256_set1_ps(88.0f));
  const __m256 half = _mm256_blendv_ps(_mm256_set1_ps(-0.5f), _mm256_set1_ps(0.5f),
                                       _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_GE_OQ));
  const __m256i ki = _mm256_cvttps_epi32(_mm256_add_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)), half));
  const __m256 kf = _mm256_cvtepi32_ps(ki);
  __m256 r = _mm256_sub_ps(x, _mm256_mul_ps(kf, _mm256_set1_ps(0.693359375f)));
  r = _mm256_sub_ps(r, _mm256_mul_ps(kf, _mm256_set1_ps(-2.12194440e-4f)));
  const __m256 r2 = _mm256_mul_ps(r, r);
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(5.0000001201e-1f));
  const __m256 er = _mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(p, r2), r), _mm256_set1_ps(1.0f));
  const __m256 scale = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(ki, _mm256_set1_epi32(127)), 23));
  return _mm256_mul_ps(er, scale);
}

__attribute__((target("avx2"))) inline __m256 sigmoid8(__m256 z) {
  const __m256 one = _mm256_set1_ps(1.0f);
  return _mm256_div_ps(one, _mm256_add_ps(one, exp_poly8(_mm256_sub_ps(_mm256_setzero_ps(), z))));
}

__attribute__((target("avx2"))) inline __m256 silu_grad8(__m256 z) {
  const __m256 s = sigmoid8(z);
  const __m256 one = _mm256_set1_ps(1.0f);
  return _mm256_mul_ps(s, _mm256_add_ps(one, _mm256_mul_ps(z, _mm256_sub_ps(one, s))));  // s (1 + z (1 - s))
}

// The tail of a buffer goes through a zero-padded block, so every element sees the same
// instructions: a row's result must not depend on where it sits in the batch.
__attribute__((target("avx2"))) void silu_forward_avx2(const float* z, float* h, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(z + i);
    _mm256_storeu_ps(h + i, _mm256_mul_ps(v, sigmoid8(v)));
  }
  if (i == n) return;
  alignas(32) float buf[8] = {0};
  std::memcpy(buf, z + i, (n - i) * sizeof(float));
  const __m256 v = _mm256_load_ps(buf);
  _mm256_store_ps(buf, _mm256_mul_ps(v, sigmoid8(v)));
  std::memcpy(h + i, buf, (n - i) * sizeof(float));
}

__attribute__((target("avx2"))) void silu_backward_avx2(const float* z, const float* mask, float* dh, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 g = _mm256_mul_ps(_mm256_loadu_ps(dh + i), silu_grad8(_mm256_loadu_ps(z + i)));
    g = _mm256_mul_ps(g, mask ? _mm256_loadu_ps(mask + i) : _mm256_set1_ps(1.0f));
    _mm256_storeu_ps(dh + i, g);
  }
  if (i == n) return;
  alignas(32) float zb[8] = {0}, db[8] = {0}, mb[8] = {1, 1, 1, 1, 1, 1, 1, 1};
  std::memcpy(zb, z + i, (n - i) * sizeof(float));
  std::memcpy(db, dh + i, (n - i) * sizeof(float));
  if (mask) std::memcpy(mb, mask + i, (n - i) * sizeof(float));
  const __m256 g = _mm256_mul_ps(_mm256_mul_ps(_mm256_load_ps(db), silu_grad8(_mm256_load_ps(zb))), _mm256_load_ps(mb));
  _mm256_store_ps(db, g);
  std::memcpy(dh + i, db, (n - i) * sizeof(float));
}
#else
const bool kHasAvx2 = false;
#endif

}  // namespace

float fast_exp(float x) { return exp_poly(x); }

void activation_forward(Activation act, const float* z, float* h, size_t n) {
  if (act == Activation::ReLU) {
    for (size_t i = 0; i < n; ++i) h[i] = z[i] > 0.0f ? z[i] : 0.0f;
    return;
  }
#if TD_X86_SIMD
  if (kHasAvx2) return silu_forward_avx2(z, h, n);
#endif
  silu_forward_scalar(z, h, n);
}

void activation_backward(Activation act, const float* z, const float* mask, float* dh, size_t n) {
  if (act == Activation::ReLU) {
    for (size_t i = 0; i < n; ++i) dh[i] = z[i] > 0.0f ? dh[i] * (mask ? mask[i] : 1.0f) : 0.0f;
    return;
  }
#if TD_X86_SIMD
  if (kHasAvx2) return silu_backward_avx2(z, mask, dh, n);
#endif
  silu_backward_scalar(z, mask, dh, n);
}

}  // namespace cpu
}  // namespace td
