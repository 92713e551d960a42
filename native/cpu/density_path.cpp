#include "density_path.h"

#include <cmath>
#include <vector>

#include "../core/philox.h"
#include "chunks.h"
#include "normals.h"

namespace td {
namespace cpu {

double reference_logp(const float* x, int d, double eta0) {
  const double v = 1.0 + eta0 * eta0;
  double s = 0;
  for (int j = 0; j < d; ++j) s += -0.5 * std::log(2 * M_PI * v) - 0.5 * static_cast<double>(x[j]) * x[j] / v;
  return s;
}

namespace {

struct PathScratch {
  std::unique_ptr<EpsWorkspace> ws;
  std::vector<float> eps, xt, eh;
  std::vector<double> sum, sum2;
};

// The level of pair j: w = (j + u_j) / pairs, rho = rho0 + L w^2 (the square puts more
// pairs near the data end, where eta / b is large; its Jacobian 2 L w cancels that
// 1/sqrt(rho - rho0) behaviour, so the integrand in w is bounded).
struct PairLevel {
  Level lv;
  double b = 0, jac = 0;
};

PairLevel pair_level(const DensityClock& clock, uint64_t seed, int j, int pairs) {
  const double u = uniform_at(seed, kStreamDensityTime, 0, static_cast<uint32_t>(j), 0);
  const double w = (j + u) / pairs;
  const double L = clock.rho_end() - clock.rho0();
  PairLevel p;
  const double r = clock.rho0() + L * w * w;
  p.lv = clock.level(r);
  const double eta0 = std::exp(clock.rho0());
  p.b = std::sqrt(std::max(0.0, p.lv.eta * p.lv.eta - eta0 * eta0));
  p.jac = 2 * L * w;
  return p;
}

}  // namespace

bool density_path(const EpsModel& model, const float* x, int64_t n, const DensityOptions& o, double* out_logp,
                  double* out_se, ThreadPool* pool, const std::atomic<bool>& abort) {
  const int d = model.dim();
  const DensityClock clock(o.alpha_bars, o.T);
  const double eta0 = std::exp(clock.rho0());
  const int pairs = (o.throws + 1) / 2;
  std::vector<PairLevel> levels(pairs);
  for (int j = 0; j < pairs; ++j) levels[j] = pair_level(clock, o.seed, j, pairs);
  const int workers = pool ? pool->size() : 1;
  std::vector<PathScratch> scratch(workers);
  const int chunk = std::max(1, o.chunk_rows);
  return for_each_chunk(n, chunk, pool, abort, nullptr, [&](int64_t first, int rows, int worker) {
    PathScratch& s = scratch[worker];
    if (!s.ws) s.ws = model.workspace();
    const size_t cells = static_cast<size_t>(rows) * d;
    s.eps.resize(cells);
    s.xt.resize(cells);
    s.eh.resize(cells);
    s.sum.assign(rows, 0.0);
    s.sum2.assign(rows, 0.0);
    const float* xc = x + first * d;
    const uint64_t global = o.row_offset + static_cast<uint64_t>(first);
    for (int j = 0; j < pairs; ++j) {
      if (abort.load(std::memory_order_relaxed)) return false;
      const PairLevel& p = levels[j];
      const Level& lv = p.lv;
      const int signs = 2 * j + 1 < o.throws ? 2 : 1;
      fill_normals(o.seed, kStreamDensityEps, global, rows, static_cast<uint32_t>(j), d, s.eps.data());
      const double c = p.b > 0 ? lv.eta / p.b : 0.0;
      const double ref = lv.eta / (1 + lv.eta * lv.eta);  // eps of N(0, I) data is ref * y
      std::vector<double> pair_value(rows, 0.0);
      for (int k = 0; k < signs; ++k) {
        const double sign = k == 0 ? 1.0 : -1.0;
        for (size_t i = 0; i < cells; ++i)
          s.xt[i] = static_cast<float>(lv.alpha * (xc[i] + sign * p.b * s.eps[i]));
        model.eps(*s.ws, lv, s.xt.data(), rows, static_cast<int64_t>(first), s.eh.data());
        for (int r = 0; r < rows; ++r) {
          double h = 0;
          for (int a = 0; a < d; ++a) {
            const size_t i = static_cast<size_t>(r) * d + a;
            const double e = sign * s.eps[i];
            const double y = xc[i] + p.b * e;
            const double eh = s.eh[i], er = ref * y;
            // |eps_hat|^2 - |eps_ref|^2 - 2 (eta / b) (eps_hat - eps_ref) . eps
            h += eh * eh - er * er - 2 * c * (eh - er) * e;
          }
          pair_value[r] += h / signs;
        }
      }
      for (int r = 0; r < rows; ++r) {
        const double g = -p.jac * pair_value[r];
        s.sum[r] += g;
        s.sum2[r] += g * g;
      }
    }
    for (int r = 0; r < rows; ++r) {
      const double mean = s.sum[r] / pairs;
      out_logp[first + r] = reference_logp(xc + static_cast<size_t>(r) * d, d, eta0) + mean;
      out_se[first + r] = pairs > 1 ? std::sqrt(std::max(0.0, (s.sum2[r] - pairs * mean * mean) / (pairs - 1)) / pairs)
                                    : NAN;
    }
    return true;
  });
}

}  // namespace cpu
}  // namespace td
