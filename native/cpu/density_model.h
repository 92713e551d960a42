// What the density estimators evaluate: a noise predictor eps(x_t, level) in the VP
// coordinates the network was trained in, optionally with the trace of its Jacobian in x_t
// (exact through d forward-mode passes, or Hutchinson probes). Two implementations: the
// trained MLP (density_model.cpp) and the exact predictor of a Gaussian mixture, the oracle of
// test/density-path.test.mjs and test/density-ode.test.mjs. The maths is docs/density.md.
#pragma once
#include <cmath>
#include <cstdint>
#include <memory>
#include <vector>

#include "model.h"

namespace td {
namespace cpu {

// Philox streams of the estimators (kept apart from core/philox.h's 1..9).
enum DensityStream : uint32_t {
  kStreamDensityTime = 20,   // the stratified time of each throw pair
  kStreamDensityEps = 21,    // the noise of each throw pair, per row
  kStreamDensityProbe = 22,  // Hutchinson probes of the ODE estimator, per row
  kStreamDensityFill = 23,   // mixed models: the masked numeric cells' stand-in values, per row
};

// Mixed models: the categorical corruption of the path integral's throws, at column blocks apart
// from core/categorical_spec.h's kCatColumns* (0..3 << 28) on kStreamCategorical.
constexpr uint32_t kCatColumnsDensity = 4u << 28;

// One noise level: eta = sigma / alpha; t is the (fractional) timestep given to the network.
struct Level {
  double t = 0, eta = 0, alpha = 1, sigma = 0;
  static Level from_eta(double t, double eta);
};

// The continuous clock over the schedule: rho = log(eta), eta_t = sqrt((1 - abar_t) / abar_t),
// piecewise linear in t between the integer timesteps.
struct DensityClock {
  std::vector<double> rho;  // [T], increasing
  explicit DensityClock(const double* alpha_bars, int T);
  double rho0() const { return rho.front(); }
  double rho_end() const { return rho.back(); }
  double t_of(double r) const;  // inverse of the piecewise-linear rho(t)
  double dt_drho(double r) const;  // its slope (0 outside [rho0, rho_end])
  Level level(double r) const { return Level::from_eta(t_of(r), std::exp(r)); }
};

struct EpsWorkspace {
  virtual ~EpsWorkspace() = default;
};

class EpsModel {
 public:
  virtual ~EpsModel() = default;
  virtual int dim() const = 0;
  virtual std::unique_ptr<EpsWorkspace> workspace() const = 0;
  // eps_out[rows x d] at x_t[rows x d]. first_row: global index of row 0 (per-row context).
  virtual void eps(EpsWorkspace& ws, const Level& lv, const float* x, int rows, int64_t first_row,
                   float* eps_out) const = 0;
  // eps and tr(d eps / d x_t) per row: exact when probes is null (trace [rows]), else
  // v^T J v per probe, trace [rows x n_probes], with probes [n_probes x rows x d] (each
  // probe block row-aligned with x).
  virtual void eps_trace(EpsWorkspace& ws, const Level& lv, const float* x, int rows, int64_t first_row,
                         const float* probes, int n_probes, float* eps_out, double* trace) const = 0;
};

// The trained denoiser (EMA weights when present), with an optional context [rows x c] or
// one broadcast row.
std::unique_ptr<EpsModel> make_mlp_eps(const DenoiserModel& model, const float* context, int64_t context_rows);

// The exact eps of a Gaussian mixture sum_k w_k N(m_k, S_k) in data coordinates: at a level,
// x_t ~ sum_k w_k N(alpha m_k, alpha^2 S_k + sigma^2 I) and eps = -sigma grad log p(x_t).
// covs are full d x d (row-major), symmetric positive definite.
struct MixtureSpec {
  int d = 0, k = 0;
  std::vector<double> weights, means, covs;
};
std::unique_ptr<EpsModel> make_mixture_eps(const MixtureSpec& spec);

}  // namespace cpu
}  // namespace td
