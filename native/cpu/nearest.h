// Exact k-nearest neighbours by squared Euclidean distance, for the privacy metrics
// (distance to closest record, docs/evaluation.md). Blocks of queries against blocks of
// reference rows go through the GEMM (|q - r|^2 = |q|^2 + |r|^2 - 2 q.r); the best few
// candidates of each query are then re-ranked by the distance recomputed directly in double,
// so the distances returned carry no cancellation error.
//
// Determinism: a query's candidates depend only on its own row (the GEMM's per-element
// contract, gemm.h) and are scanned in reference order; ties go to the lower index.
#pragma once
#include <cstdint>

#include "thread_pool.h"

namespace td {
namespace cpu {

// queries [nq x dim], refs [nr x dim], row-major. Writes index/dist2 [nq x k] (nearest first).
// Requires 1 <= k <= nr and k <= 16.
void nearest_neighbours(const float* queries, int nq, const float* refs, int nr, int dim, int k, int32_t* index,
                        double* dist2, ThreadPool* pool);

}  // namespace cpu
}  // namespace td
