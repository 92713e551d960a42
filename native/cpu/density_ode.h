// Log-density of rows by the probability-flow ODE (docs/density.md section 3): y = x_t / alpha
// follows dy/deta = eps_hat(alpha y, t(eta)), integrated on the clock rho = log(eta) from the
// data level rho_0 to the chain's end with classic fixed-step RK4; the log-density change is
// the integral of the drift's divergence, eta * alpha * tr(d eps / d x_t), taken exactly by d
// forward-mode passes (probes = 0) or by Hutchinson's estimator with Rademacher probes drawn
// per (seed, global row, probe), fixed along the path.
#pragma once
#include <atomic>
#include <cstdint>

#include "density_path.h"

namespace td {
namespace cpu {

// out_se: 0 for the exact trace (no Monte Carlo part), the probes' standard error with
// Hutchinson (NaN with one probe).
bool density_ode(const EpsModel& model, const float* x, int64_t n, const DensityOptions& o, double* out_logp,
                 double* out_se, ThreadPool* pool, const std::atomic<bool>& abort);

}  // namespace cpu
}  // namespace td
