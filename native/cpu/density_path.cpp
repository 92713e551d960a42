#include "density_path.h"

#include <algorithm>
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
  std::vector<double> sum, sum2, pair_value;
};

// Where the pairs go. In w in [0, 1], rho = rho0 + L w^2: the square's Jacobian 2 L w cancels
// the 1/sqrt(rho - rho0) growth of eta / b at the data end, so the integrand in w is bounded.
// Over w the pairs follow the density p(w) = (kFloor + bump(w)) / Z, bump a Gaussian in rho
// around kCentre (sigma/alpha about 0.37): on standardised data most of the integrand's variance
// sits where the noise is comparable to the data's own structure (docs/density.md section 2).
// Pair j takes the stratum u in [j, j + 1) / pairs, mapped through the inverse CDF of p on a
// fine grid (exact for the piecewise-constant p). All of it depends on (seed, j) only.
constexpr double kFloor = 0.3, kCentre = -1.0, kWidth = 1.2;
constexpr int kGrid = 2048;

struct TimeWarp {
  std::vector<double> cdf;  // [kGrid + 1]
  std::vector<double> pdf;  // [kGrid], normalised over w in [0, 1]
  double rho0, L;
  // uniform_t: mixed models (density_mixed.cpp) put half of the pairs uniformly in the timestep t,
  // so the discrete term, a mean over t, gets importance weights of at most 2.
  TimeWarp(double rho0_, double rho_end, const DensityClock* uniform_t = nullptr)
      : cdf(kGrid + 1, 0.0), pdf(kGrid), rho0(rho0_), L(rho_end - rho0_) {
    for (int i = 0; i < kGrid; ++i) {
      const double w = (i + 0.5) / kGrid, r = rho0 + L * w * w, z = (r - kCentre) / kWidth;
      pdf[i] = kFloor + std::exp(-0.5 * z * z);
      cdf[i + 1] = cdf[i] + pdf[i] / kGrid;
    }
    const double total = cdf[kGrid];
    for (int i = 0; i < kGrid; ++i) pdf[i] /= total;
    for (int i = 0; i <= kGrid; ++i) cdf[i] /= total;
    if (!uniform_t) return;
    std::vector<double> q(kGrid);
    double qt = 0;
    for (int i = 0; i < kGrid; ++i) {
      const double w = (i + 0.5) / kGrid;
      q[i] = 2 * L * w * uniform_t->dt_drho(rho0 + L * w * w);
      qt += q[i] / kGrid;
    }
    for (int i = 0; i < kGrid; ++i) {
      pdf[i] = 0.5 * pdf[i] + 0.5 * q[i] / qt;
      cdf[i + 1] = cdf[i] + pdf[i] / kGrid;
    }
    const double blended = cdf[kGrid];
    for (int i = 0; i < kGrid; ++i) pdf[i] /= blended;
    for (int i = 0; i <= kGrid; ++i) cdf[i] /= blended;
  }
  // w with CDF(w) = u, and p(w).
  void invert(double u, double* w, double* p) const {
    int i = static_cast<int>(std::upper_bound(cdf.begin(), cdf.end(), u) - cdf.begin()) - 1;
    i = std::min(std::max(i, 0), kGrid - 1);
    *w = (i + (u - cdf[i]) / (pdf[i] / kGrid) ) / kGrid;
    *w = std::min(std::max(*w, 0.0), 1.0);
    *p = pdf[i];
  }
};

PairLevel pair_level(const DensityClock& clock, const TimeWarp& warp, uint64_t seed, int j, int pairs) {
  const double u = (j + uniform_at(seed, kStreamDensityTime, 0, static_cast<uint32_t>(j), 0)) / pairs;
  double w, p;
  warp.invert(u, &w, &p);
  PairLevel out;
  out.lv = clock.level(warp.rho0 + warp.L * w * w);
  const double eta0 = std::exp(clock.rho0());
  out.b = std::sqrt(std::max(0.0, out.lv.eta * out.lv.eta - eta0 * eta0));
  out.weight = 2 * warp.L * w / p;
  return out;
}

}  // namespace

std::vector<PairLevel> path_levels(const DensityClock& clock, uint64_t seed, int pairs, bool uniform_t_share) {
  const TimeWarp warp(clock.rho0(), clock.rho_end(), uniform_t_share ? &clock : nullptr);
  std::vector<PairLevel> levels(pairs);
  for (int j = 0; j < pairs; ++j) levels[j] = pair_level(clock, warp, seed, j, pairs);
  return levels;
}

bool density_path(const EpsModel& model, const float* x, int64_t n, const DensityOptions& o, double* out_logp,
                  double* out_se, ThreadPool* pool, const std::atomic<bool>& abort) {
  const int d = model.dim();
  const DensityClock clock(o.alpha_bars, o.T);
  const double eta0 = std::exp(clock.rho0());
  const int pairs = (o.throws + 1) / 2;
  const std::vector<PairLevel> levels = path_levels(clock, o.seed, pairs);
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
      s.pair_value.assign(rows, 0.0);
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
          s.pair_value[r] += h / signs;
        }
      }
      for (int r = 0; r < rows; ++r) {
        const double g = -p.weight * s.pair_value[r];
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
