// Single-precision GEMM for the MLP: C = alpha * op(A) * op(B) + beta * C, row-major.
//
// Determinism contract (tests rely on it): every element of C is computed with the same
// sequence of float operations whatever the thread count, the position of its row or
// column inside a tile, and the total M — so a row of a 10-row call equals the same row of
// a 100000-row call, bit for bit. Work is split across threads by output tiles only.
#pragma once
#include "thread_pool.h"

namespace td {
namespace cpu {

void sgemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float* a, int lda,
           const float* b, int ldb, float beta, float* c, int ldc, ThreadPool* pool);

// The kernel chosen for this CPU at run time ("avx2-fma" or "portable").
const char* gemm_kernel_name();

// Straightforward triple loop, the reference the tests compare the fast kernels against.
void sgemm_reference(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float* a, int lda,
                     const float* b, int ldb, float beta, float* c, int ldc);

}  // namespace cpu
}  // namespace td
