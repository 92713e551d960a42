// Noise of the discrete chain (SEDD, Lou, Meng & Ermon 2024): the total noise sigma_bar(t)
// on t in [0, 1] and its rate d sigma_bar / dt, as in the reference noise_lib.py:
//   log-linear: sigma_bar(t) = -log(1 - (1 - eps) t),  rate = (1 - eps) / (1 - (1 - eps) t)
//   geometric:  sigma_bar(t) = sigma_min^(1 - t) sigma_max^t,  rate = sigma_bar(t) log(sigma_max / sigma_min)
// Computed in double on the host, once per step (sampling) or per batch row (training).
#pragma once
#include <cmath>

namespace td {
namespace sedd {

enum class NoiseKind : int { LogLinear = 0, Geometric = 1 };

struct DiscreteNoise {
  NoiseKind kind = NoiseKind::LogLinear;
  double eps = 1e-3;        // log-linear: sigma_bar(1) = -log(eps)
  double sigma_min = 1e-4;  // geometric (the reference config's values)
  double sigma_max = 20.0;

  double total(double t) const {
    if (kind == NoiseKind::LogLinear) return -std::log1p(-(1.0 - eps) * t);
    return std::pow(sigma_min, 1.0 - t) * std::pow(sigma_max, t);
  }

  double rate(double t) const {
    if (kind == NoiseKind::LogLinear) return (1.0 - eps) / (1.0 - (1.0 - eps) * t);
    return total(t) * (std::log(sigma_max) - std::log(sigma_min));
  }
};

// The shared clock: Gaussian timestep k of T is discrete time (k + 1) / T, so the last
// Gaussian step (k = 0) is followed by the discrete chain's final denoising to t = 0.
inline double clock_time(int k, int T) { return static_cast<double>(k + 1) / static_cast<double>(T); }

}  // namespace sedd
}  // namespace td
