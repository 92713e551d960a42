// Portable 6x16 micro-kernel in plain C++ (any CPU). Same contract as the AVX2 kernel: each
// accumulator is a separate multiply-then-add chain over p = 0..kc-1 (no contraction with
// -ffp-contract=off), so results are self-consistent across tiles, threads and sizes.
#include "gemm_internal.h"

namespace td {
namespace cpu {
namespace gemm_detail {

void kernel_portable_6x16(int kc, const float* a, long rs_a, long cs_a, const float* b, float* c, long ldc,
                          float alpha, float beta) {
  float acc[MR][NR];
  for (int r = 0; r < MR; ++r)
    for (int j = 0; j < NR; ++j) acc[r][j] = 0.0f;
  for (int p = 0; p < kc; ++p) {
    const float* bp = b + static_cast<long>(p) * NR;
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

}  // namespace gemm_detail
}  // namespace cpu
}  // namespace td
