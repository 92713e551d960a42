// Log-density of rows by the path-integral estimator (docs/density.md section 2): each row is
// projected in one step to random noise levels with the Gaussian transition kernel, the
// network is evaluated there, and the integrand is averaged. Throws come in antithetic pairs
// (+eps, -eps) at one stratified level; pair j's level is a function of (seed, j) only and its
// noise of (seed, global row, j), so rows [a, b) alone give the bytes of a larger call and the
// thread count never changes a result. Cost per row: exactly `throws` network evaluations.
#pragma once
#include <atomic>
#include <cstdint>
#include <vector>

#include "density_model.h"
#include "thread_pool.h"

namespace td {
namespace cpu {

struct DensityOptions {
  const double* alpha_bars = nullptr;  // [T]
  int T = 0;
  uint64_t seed = 0;
  uint64_t row_offset = 0;  // global index of row 0
  int throws = 100;         // path integral: network evaluations per row
  int steps = 32;           // ODE: RK4 steps
  int probes = 0;           // ODE: 0 = exact trace, else Hutchinson probes per row
  int chunk_rows = 1024;
};

// The level of each antithetic pair (docs/density.md section 2): a function of (seed, pair) only.
// weight = (d rho / d w) / p(w), the importance weight of the pair's level on the clock rho.
struct PairLevel {
  Level lv;
  double b = 0, weight = 0;
};
// uniform_t_share: half of the pairs uniform in the timestep t (mixed models' discrete term).
std::vector<PairLevel> path_levels(const DensityClock& clock, uint64_t seed, int pairs, bool uniform_t_share = false);

// out_logp[n], out_se[n] (NaN with a single throw pair): log p~(x) in the model's coordinates.
bool density_path(const EpsModel& model, const float* x, int64_t n, const DensityOptions& o, double* out_logp,
                  double* out_se, ThreadPool* pool, const std::atomic<bool>& abort);

// log N(x; 0, (1 + eta0^2) I): the exact answer for standard-normal data, the control variate
// both estimators are written against.
double reference_logp(const float* x, int d, double eta0);

}  // namespace cpu
}  // namespace td
