#include "density_ode.h"

#include <cmath>
#include <vector>

#include "../core/philox.h"
#include "chunks.h"

namespace td {
namespace cpu {

namespace {

struct OdeScratch {
  std::unique_ptr<EpsWorkspace> ws;
  std::vector<double> y, k_sum, acc;  // state, RK4 slope sum, per-row per-probe divergence integral
  std::vector<float> xt, eh, probes;
  std::vector<double> trace;
};

}  // namespace

bool density_ode(const EpsModel& model, const float* x, int64_t n, const DensityOptions& o, double* out_logp,
                 double* out_se, ThreadPool* pool, const std::atomic<bool>& abort) {
  const int d = model.dim();
  const DensityClock clock(o.alpha_bars, o.T);
  const int S = std::max(1, o.steps);
  const double r0 = clock.rho0(), h = (clock.rho_end() - r0) / S;
  const int K = std::max(1, o.probes);
  const int workers = pool ? pool->size() : 1;
  std::vector<OdeScratch> scratch(workers);
  // Tangent buffers hold (directions x rows) rows: fewer rows per chunk when there are many
  // directions (chunking never changes a row's result).
  const int directions = o.probes > 0 ? o.probes : d;
  const int chunk = std::max(1, directions > 64 ? o.chunk_rows * 64 / directions : o.chunk_rows);
  const Level end = clock.level(clock.rho_end());
  return for_each_chunk(n, chunk, pool, abort, nullptr, [&](int64_t first, int rows, int worker) {
    OdeScratch& s = scratch[worker];
    if (!s.ws) s.ws = model.workspace();
    const size_t cells = static_cast<size_t>(rows) * d;
    const float* xc = x + first * d;
    s.y.assign(xc, xc + cells);
    s.k_sum.resize(cells);
    s.xt.resize(cells);
    s.eh.resize(cells);
    s.acc.assign(static_cast<size_t>(rows) * K, 0.0);
    s.trace.resize(static_cast<size_t>(rows) * K);
    const float* probes = nullptr;
    if (o.probes > 0) {
      s.probes.resize(static_cast<size_t>(K) * cells);
      const uint64_t global = o.row_offset + static_cast<uint64_t>(first);
      for (int k = 0; k < K; ++k)
        for (int r = 0; r < rows; ++r)
          for (int a = 0; a < d; ++a)
            s.probes[(static_cast<size_t>(k) * rows + r) * d + a] =
                uniform_at(o.seed, kStreamDensityProbe, global + r, static_cast<uint32_t>(k), static_cast<uint32_t>(a)) < 0.5f
                    ? -1.0f : 1.0f;
      probes = s.probes.data();
    }
    std::vector<double> y0(cells);
    const int tr_cols = o.probes > 0 ? K : 1;
    for (int step = 0; step < S; ++step) {
      if (abort.load(std::memory_order_relaxed)) return false;
      const double r = r0 + step * h;
      y0 = s.y;
      std::fill(s.k_sum.begin(), s.k_sum.end(), 0.0);
      // Classic RK4: stages at r, r + h/2 (twice), r + h, weights 1/6, 2/6, 2/6, 1/6.
      static const double kNode[4] = {0.0, 0.5, 0.5, 1.0};
      static const double kWeight[4] = {1.0 / 6, 2.0 / 6, 2.0 / 6, 1.0 / 6};
      std::vector<double> stage_y = y0;
      for (int q = 0; q < 4; ++q) {
        const Level lv = clock.level(r + kNode[q] * h);
        for (size_t i = 0; i < cells; ++i) s.xt[i] = static_cast<float>(lv.alpha * stage_y[i]);
        model.eps_trace(*s.ws, lv, s.xt.data(), rows, static_cast<int64_t>(first), probes, o.probes, s.eh.data(),
                        s.trace.data());
        const double scale = lv.eta;  // dy/drho = eta * eps_hat
        for (int rr = 0; rr < rows; ++rr)
          for (int k = 0; k < K; ++k)
            s.acc[static_cast<size_t>(rr) * K + k] +=
                h * kWeight[q] * lv.eta * lv.alpha * s.trace[static_cast<size_t>(rr) * tr_cols + (tr_cols > 1 ? k : 0)];
        for (size_t i = 0; i < cells; ++i) s.k_sum[i] += kWeight[q] * scale * s.eh[i];
        if (q < 3) {
          const double next = kNode[q + 1] * h;
          for (size_t i = 0; i < cells; ++i) stage_y[i] = y0[i] + next * scale * s.eh[i];
        }
      }
      for (size_t i = 0; i < cells; ++i) s.y[i] = y0[i] + h * s.k_sum[i];
    }
    // log p~(x) = log p_end(y_end) + integral of the divergence; p_end(y) = alpha^d N(alpha y; 0, I).
    for (int rr = 0; rr < rows; ++rr) {
      double prior = d * std::log(end.alpha);
      for (int a = 0; a < d; ++a) {
        const double z = end.alpha * s.y[static_cast<size_t>(rr) * d + a];
        prior += -0.5 * std::log(2 * M_PI) - 0.5 * z * z;
      }
      double mean = 0, m2 = 0;
      for (int k = 0; k < K; ++k) mean += s.acc[static_cast<size_t>(rr) * K + k];
      mean /= K;
      for (int k = 0; k < K; ++k) m2 += (s.acc[static_cast<size_t>(rr) * K + k] - mean) * (s.acc[static_cast<size_t>(rr) * K + k] - mean);
      out_logp[first + rr] = prior + mean;
      out_se[first + rr] = o.probes == 0 ? 0.0 : K > 1 ? std::sqrt(m2 / (K - 1) / K) : NAN;
    }
    return true;
  });
}

}  // namespace cpu
}  // namespace td
