// Fused element-wise ops of the Gaussian chain: forward noising, eps-MSE loss, and the
// reverse DDPM, DDIM and DPM-Solver++(2M) updates. Coefficients are computed in double
// from the schedule arrays, once per step, then applied in float per element.
#pragma once
#include <cstddef>
#include <cstdint>

namespace td {
namespace cpu {

// x_t = sqrt(abar_t) x0 + sqrt(1 - abar_t) eps, with eps drawn inline at
// (seed, stream, row_offset + i, step, column). t holds one timestep per row.
void forward_noise(const float* x0, int rows, int cols, const int32_t* t, const float* sqrt_abar,
                   const float* sqrt_one_minus_abar, uint64_t seed, uint32_t stream, uint64_t row_offset,
                   uint32_t step, float* xt, float* eps_out);

// Mean of (eps_hat - eps)^2 over n values (summed in fixed blocks of rows so the result
// does not depend on threads); grad, when given, receives d loss / d eps_hat.
double eps_mse(const float* eps_hat, const float* eps, size_t n, float* grad);

// eps_mse over the observed cells only (missing values masked out of the loss): observed[i]
// is 1 for a cell that counts and 0 for a gap. Returns the sum of (eps_hat - eps)^2 over
// observed cells / count, count = number of observed cells; grad, when given, receives
// 2 (eps_hat - eps) / count on observed cells and exactly 0 on gaps. No observed cell: 0 loss
// and 0 gradient. Same blocks and divisions as eps_mse, so an all-ones mask gives its bytes.
// count_out, when given, receives count.
double eps_mse_masked(const float* eps_hat, const float* eps, const uint8_t* observed, size_t n, float* grad,
                      size_t* count_out = nullptr);

enum class Variance { Beta = 0, Posterior = 1 };

struct AffineStep {
  // x' = x_coef * x + eps_coef * eps_hat + sigma * z
  float x_coef = 0, eps_coef = 0, sigma = 0;
};

// DDPM at timestep t: mean = (x - beta_t / sqrt(1 - abar_t) eps_hat) / sqrt(alpha_t); no noise at t = 0.
AffineStep ddpm_coefficients(const double* betas, const double* alpha_bars, int t, Variance variance);

// DDIM from t to prev (prev = -1 means the clean end, abar = 1).
AffineStep ddim_coefficients(const double* alpha_bars, int t, int prev, double eta);

// Applies x' = x_coef x + eps_coef eps_hat + sigma z in place, z drawn at
// (seed, kStreamSampleStep, row_offset + i, noise_step, column) only when sigma > 0.
void affine_step(float* x, const float* eps_hat, int rows, int cols, const AffineStep& c, uint64_t seed,
                 uint64_t row_offset, uint32_t noise_step);

// DPM-Solver++(2M), data-prediction form. D = (1 + 1/(2r)) x0 - 1/(2r) x0_prev (or x0
// for a first-order step); x' = (sigma_p / sigma_t) x - alpha_p (e^{-h} - 1) D.
struct DpmStep {
  float x_coef = 0;        // sigma_p / sigma_t
  float d_coef = 0;        // -alpha_p (e^{-h} - 1)
  float cur_weight = 1;    // weight of x0 in D
  float prev_weight = 0;   // weight of x0_prev in D
  float x0_from_x = 0;     // x0 = x0_from_x * x + x0_from_eps * eps_hat
  float x0_from_eps = 0;
};

// t -> prev (prev = -1: the clean end). prev_t is the timestep before t in the sequence
// (-1 when t is the first step), which sets the ratio r of the multistep update.
DpmStep dpm_solver_coefficients(const double* alpha_bars, int prev_t, int t, int prev, bool second_order);

// Applies one DPM-Solver++(2M) step in place; x0_prev holds the previous data prediction
// and receives this step's one (so it must persist across steps of a chunk).
void dpm_solver_step(float* x, const float* eps_hat, float* x0_prev, int rows, int cols, const DpmStep& c);

}  // namespace cpu
}  // namespace td
