// Temporary GEMM: row-parallel reference loops. The blocked AVX2/FMA kernels replace it.
#include "gemm.h"

#include <algorithm>

namespace td {
namespace cpu {

void sgemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float* a, int lda,
           const float* b, int ldb, float beta, float* c, int ldc, ThreadPool* pool) {
  const int rows_per_task = 16;
  const int tasks = (m + rows_per_task - 1) / rows_per_task;
  auto run = [&](int task, int) {
    const int i0 = task * rows_per_task;
    const int rows = std::min(rows_per_task, m - i0);
    const float* a_block = trans_a ? a + i0 : a + static_cast<long>(i0) * lda;
    sgemm_reference(trans_a, trans_b, rows, n, k, alpha, a_block, lda, b, ldb, beta, c + static_cast<long>(i0) * ldc, ldc);
  };
  if (pool) pool->parallel_for(tasks, run);
  else for (int t = 0; t < tasks; ++t) run(t, 0);
}

const char* gemm_kernel_name() { return "reference"; }

}  // namespace cpu
}  // namespace td
