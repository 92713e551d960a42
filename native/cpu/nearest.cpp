#include "nearest.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <vector>

#include "gemm.h"

namespace td {
namespace cpu {

namespace {

constexpr int kQueryBlock = 96;    // queries per task (a multiple of the GEMM's 6-row tile)
constexpr int kRefBlock = 1024;    // reference rows per GEMM call: a 96 x 1024 score block is 384 KiB
constexpr int kExtraCandidates = 8;  // screened beyond k, then re-ranked exactly

// The kc smallest (score, index) pairs seen so far, sorted; ties keep the earlier index.
struct Candidates {
  float score[16 + kExtraCandidates];
  int32_t index[16 + kExtraCandidates];
  int size = 0;
  int cap = 0;
  float worst() const { return size < cap ? std::numeric_limits<float>::infinity() : score[size - 1]; }
  void insert(float s, int32_t j) {
    int at = size < cap ? size++ : size - 1;
    while (at > 0 && score[at - 1] > s) {
      score[at] = score[at - 1];
      index[at] = index[at - 1];
      --at;
    }
    score[at] = s;
    index[at] = j;
  }
};

double exact_dist2(const float* a, const float* b, int dim) {
  double s = 0;
  for (int d = 0; d < dim; ++d) {
    const double diff = static_cast<double>(a[d]) - static_cast<double>(b[d]);
    s += diff * diff;
  }
  return s;
}

}  // namespace

void nearest_neighbours(const float* queries, int nq, const float* refs, int nr, int dim, int k, int32_t* index,
                        double* dist2, ThreadPool* pool) {
  if (nq < 0 || nr < 1 || dim < 1 || k < 1 || k > nr || k > 16) throw std::invalid_argument("nearest_neighbours: bad sizes");
  const int kc = std::min(nr, k + kExtraCandidates);
  // |r|^2 in float, the precision of the dot products it is combined with for screening.
  std::vector<float> ref_norm(nr);
  for (int j = 0; j < nr; ++j) {
    double s = 0;
    const float* r = refs + static_cast<size_t>(j) * dim;
    for (int d = 0; d < dim; ++d) s += static_cast<double>(r[d]) * r[d];
    ref_norm[j] = static_cast<float>(s);
  }
  const int blocks = (nq + kQueryBlock - 1) / kQueryBlock;
  auto task = [&](int block, int) {
    const int q0 = block * kQueryBlock;
    const int mq = std::min(kQueryBlock, nq - q0);
    std::vector<float> dots(static_cast<size_t>(kQueryBlock) * kRefBlock);
    std::vector<Candidates> cand(mq);
    for (auto& c : cand) c.cap = kc;
    for (int r0 = 0; r0 < nr; r0 += kRefBlock) {
      const int nb = std::min(kRefBlock, nr - r0);
      sgemm(false, true, mq, nb, dim, 1.0f, queries + static_cast<size_t>(q0) * dim, dim,
            refs + static_cast<size_t>(r0) * dim, dim, 0.0f, dots.data(), nb, nullptr);
      const float* norms = ref_norm.data() + r0;
      for (int i = 0; i < mq; ++i) {
        // The screening score |r|^2 - 2 q.r orders references like |q - r|^2 does.
        float* row = dots.data() + static_cast<size_t>(i) * nb;
        for (int j = 0; j < nb; ++j) row[j] = norms[j] - 2.0f * row[j];
        Candidates& c = cand[i];
        float worst = c.worst();
        for (int j = 0; j < nb; ++j) {
          if (row[j] < worst) {
            c.insert(row[j], r0 + j);
            worst = c.worst();
          }
        }
      }
    }
    for (int i = 0; i < mq; ++i) {
      const float* q = queries + static_cast<size_t>(q0 + i) * dim;
      Candidates& c = cand[i];
      std::vector<std::pair<double, int32_t>> exact(c.size);
      for (int t = 0; t < c.size; ++t) exact[t] = {exact_dist2(q, refs + static_cast<size_t>(c.index[t]) * dim, dim), c.index[t]};
      std::sort(exact.begin(), exact.end());
      for (int t = 0; t < k; ++t) {
        index[static_cast<size_t>(q0 + i) * k + t] = exact[t].second;
        dist2[static_cast<size_t>(q0 + i) * k + t] = exact[t].first;
      }
    }
  };
  if (pool) pool->parallel_for(blocks, task);
  else for (int b = 0; b < blocks; ++b) task(b, 0);
}

}  // namespace cpu
}  // namespace td
