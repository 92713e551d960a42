#include "diffusion_ops.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "../core/philox.h"
#include "normals.h"

namespace td {
namespace cpu {

void forward_noise(const float* x0, int rows, int cols, const int32_t* t, const float* sqrt_abar,
                   const float* sqrt_one_minus_abar, uint64_t seed, uint32_t stream, uint64_t row_offset,
                   uint32_t step, float* xt, float* eps_out) {
  fill_normals(seed, stream, row_offset, rows, step, cols, eps_out);
  for (int i = 0; i < rows; ++i) {
    const size_t base = static_cast<size_t>(i) * cols;
    const float a = sqrt_abar[t[i]];
    const float s = sqrt_one_minus_abar[t[i]];
    for (int j = 0; j < cols; ++j) xt[base + j] = a * x0[base + j] + s * eps_out[base + j];
  }
}

double eps_mse(const float* eps_hat, const float* eps, size_t n, float* grad) {
  const size_t block = 1024;
  double total = 0.0;
  const float scale = n > 0 ? 2.0f / static_cast<float>(n) : 0.0f;
  for (size_t start = 0; start < n; start += block) {
    const size_t end = std::min(n, start + block);
    double partial = 0.0;
    for (size_t i = start; i < end; ++i) {
      const float diff = eps_hat[i] - eps[i];
      partial += static_cast<double>(diff) * diff;
      if (grad) grad[i] = scale * diff;
    }
    total += partial;
  }
  return n > 0 ? total / static_cast<double>(n) : 0.0;
}

double eps_mse_masked(const float* eps_hat, const float* eps, const uint8_t* observed, size_t n, float* grad,
                      size_t* count_out) {
  size_t count = 0;
  for (size_t i = 0; i < n; ++i) count += observed[i] != 0;
  if (count_out) *count_out = count;
  const size_t block = 1024;
  double total = 0.0;
  const float scale = count > 0 ? 2.0f / static_cast<float>(count) : 0.0f;
  for (size_t start = 0; start < n; start += block) {
    const size_t end = std::min(n, start + block);
    double partial = 0.0;
    for (size_t i = start; i < end; ++i) {
      if (!observed[i]) {
        if (grad) grad[i] = 0.0f;
        continue;
      }
      const float diff = eps_hat[i] - eps[i];
      partial += static_cast<double>(diff) * diff;
      if (grad) grad[i] = scale * diff;
    }
    total += partial;
  }
  return count > 0 ? total / static_cast<double>(count) : 0.0;
}

AffineStep ddpm_coefficients(const double* betas, const double* alpha_bars, int t, Variance variance) {
  const double beta = betas[t];
  const double alpha = 1.0 - beta;
  const double abar = alpha_bars[t];
  AffineStep c;
  c.x_coef = static_cast<float>(1.0 / std::sqrt(alpha));
  c.eps_coef = static_cast<float>(-beta / std::sqrt(1.0 - abar) / std::sqrt(alpha));
  if (t > 0) {
    const double var = variance == Variance::Beta ? beta : beta * (1.0 - alpha_bars[t - 1]) / (1.0 - abar);
    c.sigma = static_cast<float>(std::sqrt(var));
  }
  return c;
}

AffineStep ddim_coefficients(const double* alpha_bars, int t, int prev, double eta) {
  const double abar_t = alpha_bars[t];
  const double abar_p = prev >= 0 ? alpha_bars[prev] : 1.0;
  const double sigma = eta * std::sqrt((1.0 - abar_p) / (1.0 - abar_t)) * std::sqrt(1.0 - abar_t / abar_p);
  const double dir = std::sqrt(std::max(0.0, 1.0 - abar_p - sigma * sigma));
  // x_p = sqrt(abar_p) (x - sqrt(1 - abar_t) eps)/sqrt(abar_t) + dir eps + sigma z
  const double ratio = std::sqrt(abar_p / abar_t);
  AffineStep c;
  c.x_coef = static_cast<float>(ratio);
  c.eps_coef = static_cast<float>(dir - ratio * std::sqrt(1.0 - abar_t));
  c.sigma = static_cast<float>(sigma);
  return c;
}

void affine_step(float* x, const float* eps_hat, int rows, int cols, const AffineStep& c, uint64_t seed,
                 uint64_t row_offset, uint32_t noise_step) {
  const size_t count = static_cast<size_t>(rows) * cols;
  for (size_t i = 0; i < count; ++i) x[i] = c.x_coef * x[i] + c.eps_coef * eps_hat[i];
  if (c.sigma <= 0.0f) return;
  // Noise in row blocks, so the scratch stays small and in cache.
  constexpr int kBlockRows = 64;
  thread_local std::vector<float> z;
  z.resize(static_cast<size_t>(kBlockRows) * cols);
  for (int i0 = 0; i0 < rows; i0 += kBlockRows) {
    const int block = std::min(kBlockRows, rows - i0);
    fill_normals(seed, kStreamSampleStep, row_offset + i0, block, noise_step, cols, z.data());
    float* xb = x + static_cast<size_t>(i0) * cols;
    const size_t n = static_cast<size_t>(block) * cols;
    for (size_t k = 0; k < n; ++k) xb[k] += c.sigma * z[k];
  }
}

DpmStep dpm_solver_coefficients(const double* alpha_bars, int prev_t, int t, int prev, bool second_order) {
  auto alpha_of = [&](int s) { return s >= 0 ? std::sqrt(alpha_bars[s]) : 1.0; };
  auto sigma_of = [&](int s) { return s >= 0 ? std::sqrt(1.0 - alpha_bars[s]) : 0.0; };
  auto lambda_of = [&](int s) { return std::log(alpha_of(s)) - std::log(sigma_of(s)); };
  DpmStep c;
  const double a_t = alpha_of(t), s_t = sigma_of(t);
  c.x0_from_x = static_cast<float>(1.0 / a_t);
  c.x0_from_eps = static_cast<float>(-s_t / a_t);
  if (prev < 0) {
    // Final step to the clean end: sigma = 0, so x' = D; a first-order end (x' = x0) is
    // the stable choice for few steps (DPM-Solver++ "lower order final").
    c.x_coef = 0.0f;
    c.d_coef = 1.0f;
    return c;
  }
  const double a_p = alpha_of(prev), s_p = sigma_of(prev);
  const double h = lambda_of(prev) - lambda_of(t);
  c.x_coef = static_cast<float>(s_p / s_t);
  c.d_coef = static_cast<float>(-a_p * std::expm1(-h));
  if (second_order && prev_t >= 0) {
    const double h_prev = lambda_of(t) - lambda_of(prev_t);
    const double r = h_prev / h;
    c.cur_weight = static_cast<float>(1.0 + 1.0 / (2.0 * r));
    c.prev_weight = static_cast<float>(-1.0 / (2.0 * r));
  }
  return c;
}

void dpm_solver_step(float* x, const float* eps_hat, float* x0_prev, int rows, int cols, const DpmStep& c) {
  const size_t count = static_cast<size_t>(rows) * cols;
  for (size_t i = 0; i < count; ++i) {
    const float x0 = c.x0_from_x * x[i] + c.x0_from_eps * eps_hat[i];
    const float d = c.cur_weight * x0 + c.prev_weight * x0_prev[i];
    x[i] = c.x_coef * x[i] + c.d_coef * d;
    x0_prev[i] = x0;
  }
}

}  // namespace cpu
}  // namespace td
