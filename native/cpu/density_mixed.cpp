#include "density_mixed.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "chunks.h"
#include "normals.h"
#include "multinomial.h"
#include "sedd.h"
#include "mixed_trainer.h"

namespace td {
namespace cpu {

namespace {

struct MixedScratch {
  std::unique_ptr<EpsWorkspace> ws;
  std::vector<float> eps, fill, input, out;
  std::vector<int32_t> xtc;
  std::vector<double> sigma, move, unit, row_loss, sum, sum2, sum_cat, sum_cat2, pair_g, pair_c, prior;
  std::vector<multinomial::StepCoef> coef;
};

// The discrete chain at a pair's level: SEDD runs at tau = (t + 1) / T as in training (t the
// fractional Gaussian timestep); multinomial has integer steps only, k = floor(t T / (T - 1)),
// so a uniform t on [0, T - 1] gives a uniform k on 0..T-1, the grid nll averages over.
struct DiscreteLevel {
  double sigma = 0, move = 0, factor = 0;  // factor: sigma_bar'(tau) (SEDD) or T (multinomial)
  multinomial::StepCoef coef;
};

DiscreteLevel discrete_level(const DenoiserModel& m, const DensityOptions& o, double t) {
  DiscreteLevel d;
  const int T = o.T;
  if (m.cat.method == CatMethod::Sedd) {
    const double tau = (t + 1.0) / T;
    d.sigma = m.cat.noise.total(tau);
    d.move = -std::expm1(-d.sigma);
    d.factor = m.cat.noise.rate(tau);
  } else {
    const int k = std::min(T - 1, static_cast<int>(std::floor(t * T / (T - 1))));
    d.move = 1.0 - o.alpha_bars[k];
    d.coef = multinomial_coef(o.alpha_bars, k, k - 1);
    d.factor = T;
  }
  return d;
}

// log N(x; 0, (1 + eta0^2) I) over the observed cells: the control variate's exact part.
double reference_logp_observed(const float* x, const uint8_t* obs, int d, double eta0) {
  const double v = 1.0 + eta0 * eta0;
  double s = 0;
  for (int j = 0; j < d; ++j)
    if (!obs || obs[j]) s += -0.5 * std::log(2 * M_PI * v) - 0.5 * static_cast<double>(x[j]) * x[j] / v;
  return s;
}

}  // namespace

bool density_path_mixed(const DenoiserModel& m, const EpsModel& net, const MixedRows& data, const DensityOptions& o,
                        double* out_logp, double* out_se, double* out_discrete, double* out_discrete_se, ThreadPool* pool,
                        const std::atomic<bool>& abort) {
  const int d = m.numeric_dim(), D = m.cfg.data_dim, C = static_cast<int>(m.cat.classes.size());
  const CatLayout L = m.cat.layout();
  const bool sedd = m.cat.method == CatMethod::Sedd;
  const DensityClock clock(o.alpha_bars, o.T);
  const double eta0 = std::exp(clock.rho0());
  const int pairs = (o.throws + 1) / 2;
  // Half of the pairs uniform in t: the discrete term's weights stay near or below 2.
  const std::vector<PairLevel> levels = path_levels(clock, o.seed, pairs, true);
  // The discrete term is the mean over t uniform on [0, T - 1] of its integrand (the quantity
  // nll averages over its grid); the pair's importance weight in t is (dt/drho)(drho/dw)/p(w).
  std::vector<DiscreteLevel> disc(pairs);
  std::vector<double> t_weight(pairs);
  for (int j = 0; j < pairs; ++j) {
    disc[j] = discrete_level(m, o, levels[j].lv.t);
    t_weight[j] = levels[j].weight * clock.dt_drho(std::log(levels[j].lv.eta)) / (o.T - 1);
  }
  const int workers = pool ? pool->size() : 1;
  std::vector<MixedScratch> scratch(workers);
  const int chunk = std::max(1, o.chunk_rows);
  return for_each_chunk(data.n, chunk, pool, abort, nullptr, [&](int64_t first, int rows, int worker) {
    MixedScratch& s = scratch[worker];
    if (!s.ws) s.ws = net.workspace();
    const size_t cells = static_cast<size_t>(rows) * d;
    s.eps.resize(cells);
    s.fill.resize(cells);
    s.input.assign(static_cast<size_t>(rows) * D, 0.0f);
    s.out.resize(static_cast<size_t>(rows) * D);
    s.xtc.resize(static_cast<size_t>(rows) * C);
    s.sigma.resize(rows);
    s.move.resize(rows);
    s.unit.assign(rows, 1.0);
    s.row_loss.resize(rows);
    s.coef.resize(rows);
    s.sum.assign(rows, 0.0);
    s.sum2.assign(rows, 0.0);
    s.sum_cat.assign(rows, 0.0);
    s.sum_cat2.assign(rows, 0.0);
    s.prior.resize(rows);
    const float* xc = data.x + first * d;
    const int32_t* x0c = data.categorical + first * C;
    const uint8_t* obs = data.observed ? data.observed + first * d : nullptr;
    const uint64_t global = o.row_offset + static_cast<uint64_t>(first);
    for (int j = 0; j < pairs; ++j) {
      if (abort.load(std::memory_order_relaxed)) return false;
      const PairLevel& p = levels[j];
      const Level& lv = p.lv;
      const DiscreteLevel& q = disc[j];
      const int signs = 2 * j + 1 < o.throws ? 2 : 1;
      if (d > 0) fill_normals(o.seed, kStreamDensityEps, global, rows, static_cast<uint32_t>(j), d, s.eps.data());
      // Masked cells (gaps, point masses) hold no value; training fed the network a placeholder
      // drawn from the column's values (about N(0, 1) in model coordinates), so a fresh N(0, 1)
      // draw per throw stands in for it: the estimate averages over the unused cell.
      if (obs) fill_normals(o.seed, kStreamDensityFill, global, rows, static_cast<uint32_t>(j), d, s.fill.data());
      std::fill(s.move.begin(), s.move.end(), q.move);
      std::fill(s.sigma.begin(), s.sigma.end(), q.sigma);
      std::fill(s.coef.begin(), s.coef.end(), q.coef);
      // Both signs of a pair share the categorical corruption (drawn from (seed, row, pair)).
      cat_corrupt(x0c, rows, L, s.move.data(), o.seed, global, static_cast<uint32_t>(j), kCatColumnsDensity, s.xtc.data());
      const double c = p.b > 0 ? lv.eta / p.b : 0.0;
      const double ref = lv.eta / (1 + lv.eta * lv.eta);
      s.pair_g.assign(rows, 0.0);
      s.pair_c.assign(rows, 0.0);
      for (int k = 0; k < signs; ++k) {
        const double sign = k == 0 ? 1.0 : -1.0;
        for (int r = 0; r < rows; ++r)
          for (int a = 0; a < d; ++a) {
            const size_t i = static_cast<size_t>(r) * d + a;
            const float x0 = obs && !obs[i] ? s.fill[i] : xc[i];
            s.input[static_cast<size_t>(r) * D + a] = static_cast<float>(lv.alpha * (x0 + sign * p.b * s.eps[i]));
          }
        cat_one_hot(s.xtc.data(), rows, L, s.input.data() + d, D);
        net.eps(*s.ws, lv, s.input.data(), rows, static_cast<int64_t>(first), s.out.data());
        for (int r = 0; r < rows; ++r) {
          double h = 0;
          for (int a = 0; a < d; ++a) {
            const size_t i = static_cast<size_t>(r) * d + a;
            if (obs && !obs[i]) continue;  // not data: left out, as the training loss masks it
            const double e = sign * s.eps[i];
            const double y = xc[i] + p.b * e;
            const double eh = s.out[static_cast<size_t>(r) * D + a], er = ref * y;
            h += eh * eh - er * er - 2 * c * (eh - er) * e;
          }
          s.pair_g[r] += h / signs;
        }
        float* head = s.out.data() + d;
        if (sedd) {
          sedd_scale_log_scores(head, D, s.xtc.data(), rows, L, s.sigma.data());
          sedd_score_entropy(head, D, s.xtc.data(), x0c, rows, L, s.sigma.data(), s.unit.data(), nullptr, s.row_loss.data());
        } else {
          multinomial_loss(head, D, s.xtc.data(), x0c, rows, L, s.coef.data(), s.unit.data(), nullptr, s.row_loss.data());
        }
        for (int r = 0; r < rows; ++r) s.pair_c[r] += q.factor * s.row_loss[r] / signs;
      }
      for (int r = 0; r < rows; ++r) {
        const double gc = -t_weight[j] * s.pair_c[r];
        const double g = -p.weight * s.pair_g[r] + gc;
        s.sum[r] += g;
        s.sum2[r] += g * g;
        s.sum_cat[r] += gc;
        s.sum_cat2[r] += gc * gc;
      }
    }
    TrainData td;
    td.categorical = x0c;
    td.rows = rows;
    td.alpha_bars = o.alpha_bars;
    td.timesteps = o.T;
    categorical_prior(m, td, s.prior.data());
    for (int r = 0; r < rows; ++r) {
      const double mean = s.sum[r] / pairs;
      const double discrete = s.sum_cat[r] / pairs - s.prior[r];
      out_discrete[first + r] = discrete;
      out_logp[first + r] = reference_logp_observed(xc + static_cast<size_t>(r) * d, obs ? obs + static_cast<size_t>(r) * d : nullptr,
                                                    d, eta0) + mean - s.prior[r];
      out_se[first + r] = pairs > 1 ? std::sqrt(std::max(0.0, (s.sum2[r] - pairs * mean * mean) / (pairs - 1)) / pairs)
                                    : NAN;
      const double cat_mean = s.sum_cat[r] / pairs;
      out_discrete_se[first + r] =
          pairs > 1 ? std::sqrt(std::max(0.0, (s.sum_cat2[r] - pairs * cat_mean * cat_mean) / (pairs - 1)) / pairs) : NAN;
    }
    return true;
  });
}

}  // namespace cpu
}  // namespace td
