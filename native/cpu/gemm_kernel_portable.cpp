// Portable 6x16 micro-kernel in plain C++ (any CPU). Same contract as the AVX2 kernel: each
// accumulator is a separate multiply-then-add chain over p = 0..kc-1 (no contraction with
// -ffp-contract=off), so results are self-consistent across tiles, threads and sizes.
#include "gemm_internal.h"

namespace td {
namespace cpu {
namespace gemm_detail {

#if defined(__GNUC__)
// GCC/Clang generic vectors (SSE2 on baseline x86-64, NEON on arm64): element-wise IEEE
// multiply and add, the same operations as the scalar version below.
typedef float v4sf __attribute__((vector_size(16)));

static inline v4sf load4(const float* p) {
  v4sf v;
  __builtin_memcpy(&v, p, sizeof(v));
  return v;
}

void kernel_portable_6x16(int kc, const float* a, long rs_a, long cs_a, const float* b, long ldb, float* c, long ldc,
                          float alpha, float beta) {
  // Eight columns at a time: 6 x 2 vector accumulators fit in 16 SSE registers.
  for (int j0 = 0; j0 < NR; j0 += 8) {
    v4sf acc[MR][2];
    for (int r = 0; r < MR; ++r) acc[r][0] = acc[r][1] = v4sf{0.0f, 0.0f, 0.0f, 0.0f};
    const float* bp = b + j0;
    const float* ap = a;
    for (int p = 0; p < kc; ++p, bp += ldb, ap += cs_a) {
      const v4sf b0 = load4(bp), b1 = load4(bp + 4);
      for (int r = 0; r < MR; ++r) {
        const float s = ap[r * rs_a];
        const v4sf av = {s, s, s, s};
        acc[r][0] += av * b0;
        acc[r][1] += av * b1;
      }
    }
    for (int r = 0; r < MR; ++r) {
      float out[8];
      __builtin_memcpy(out, &acc[r][0], sizeof(v4sf));
      __builtin_memcpy(out + 4, &acc[r][1], sizeof(v4sf));
      float* cr = c + r * ldc + j0;
      if (beta != 0.0f) {
        for (int j = 0; j < 8; ++j) cr[j] = alpha * out[j] + beta * cr[j];
      } else {
        for (int j = 0; j < 8; ++j) cr[j] = alpha * out[j];
      }
    }
  }
}
#else
void kernel_portable_6x16(int kc, const float* a, long rs_a, long cs_a, const float* b, long ldb, float* c, long ldc,
                          float alpha, float beta) {
  float acc[MR][NR] = {};
  for (int p = 0; p < kc; ++p) {
    const float* bp = b + static_cast<long>(p) * ldb;
    const float* ap = a + static_cast<long>(p) * cs_a;
    for (int r = 0; r < MR; ++r) {
      const float av = ap[r * rs_a];
      for (int j = 0; j < NR; ++j) acc[r][j] += av * bp[j];
    }
  }
  for (int r = 0; r < MR; ++r) {
    float* cr = c + r * ldc;
    if (beta != 0.0f) {
      for (int j = 0; j < NR; ++j) cr[j] = alpha * acc[r][j] + beta * cr[j];
    } else {
      for (int j = 0; j < NR; ++j) cr[j] = alpha * acc[r][j];
    }
  }
}
#endif

}  // namespace gemm_detail
}  // namespace cpu
}  // namespace td
