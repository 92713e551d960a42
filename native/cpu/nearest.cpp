#include "nearest.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <vector>

#include "gemm.h"
#include "guarded_for.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define TD_NEAREST_X86 1
#endif

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

// Screens one row of dot products: score_j = |r_j|^2 - 2 q.r_j (it orders references as
// |q - r_j|^2 does), offered to the candidates in reference order.
void screen_portable(const float* dots, const float* norms, int nb, int r0, Candidates& c) {
  float worst = c.worst();
  for (int j = 0; j < nb; ++j) {
    const float s = norms[j] - 2.0f * dots[j];
    if (s < worst) {
      c.insert(s, r0 + j);
      worst = c.worst();
    }
  }
}

#ifdef TD_NEAREST_X86
// The same screen, 8 references at a time: the same float operations (a multiply then a
// subtract, no FMA), and lanes that pass are offered in order, so the candidates are identical.
__attribute__((target("avx2"))) void screen_avx2(const float* dots, const float* norms, int nb, int r0, Candidates& c) {
  const __m256 two = _mm256_set1_ps(2.0f);
  __m256 worst = _mm256_set1_ps(c.worst());
  int j = 0;
  for (; j + 8 <= nb; j += 8) {
    const __m256 s = _mm256_sub_ps(_mm256_loadu_ps(norms + j), _mm256_mul_ps(two, _mm256_loadu_ps(dots + j)));
    int mask = _mm256_movemask_ps(_mm256_cmp_ps(s, worst, _CMP_LT_OQ));
    if (mask == 0) continue;
    alignas(32) float lanes[8];
    _mm256_store_ps(lanes, s);
    while (mask != 0) {
      const int l = __builtin_ctz(static_cast<unsigned>(mask));
      mask &= mask - 1;
      if (lanes[l] < c.worst()) c.insert(lanes[l], r0 + j + l);
    }
    worst = _mm256_set1_ps(c.worst());
  }
  screen_portable(dots + j, norms + j, nb - j, r0 + j, c);
}
#endif

using ScreenFn = void (*)(const float*, const float*, int, int, Candidates&);

ScreenFn choose_screen() {
#ifdef TD_NEAREST_X86
  if (__builtin_cpu_supports("avx2")) return screen_avx2;
#endif
  return screen_portable;
}

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
  static const ScreenFn screen = choose_screen();
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
      for (int i = 0; i < mq; ++i) screen(dots.data() + static_cast<size_t>(i) * nb, norms, nb, r0, cand[i]);
    }
    for (int i = 0; i < mq; ++i) {
      const float* q = queries + static_cast<size_t>(q0 + i) * dim;
      Candidates& c = cand[i];
      std::vector<std::pair<double, int32_t>> exact;
      if (c.size >= k) {
        for (int t = 0; t < c.size; ++t) exact.emplace_back(exact_dist2(q, refs + static_cast<size_t>(c.index[t]) * dim, dim), c.index[t]);
      } else {
        // Scores overflowed to inf/NaN (values near the float limit): search every reference.
        for (int j = 0; j < nr; ++j) exact.emplace_back(exact_dist2(q, refs + static_cast<size_t>(j) * dim, dim), j);
      }
      std::sort(exact.begin(), exact.end());
      for (int t = 0; t < k; ++t) {
        index[static_cast<size_t>(q0 + i) * k + t] = exact[t].second;
        dist2[static_cast<size_t>(q0 + i) * k + t] = exact[t].first;
      }
    }
  };
  // A few blocks of small rows: one thread is faster than waking others (the result is the same).
  guarded_for(static_cast<int64_t>(nq) * nr * dim >= (int64_t{1} << 24) ? pool : nullptr, blocks, task);
}

}  // namespace cpu
}  // namespace td
