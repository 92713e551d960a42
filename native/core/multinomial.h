// Per-cell maths of multinomial diffusion (Hoogeboom et al. 2021), Tab-DDPM's categorical
// chain, for one column with K classes; the alternative to SEDD (categorical.method
// 'multinomial'), on the Gaussian chain's own timesteps and alpha_bar.
//   q(x_k | x0) = Cat(abar_k onehot(x0) + (1 - abar_k) / K)
//   step k -> prev (prev = k - 1 for DDPM; any earlier step for a subsequence; -1 = clean):
//     a = abar_k / abar_prev, b = abar_prev (abar_{-1} = 1)
//     q(x_prev | x_k, x0) ∝ (a [y == x_k] + (1 - a)/K) (b [y == x0] + (1 - b)/K)
//     p(x_prev | x_k)     ∝ (a [y == x_k] + (1 - a)/K) (b xhat_y   + (1 - b)/K), xhat = softmax(logits)
// At k = 0 (b = 1) q is onehot(x0) and KL(q || p) is Tab-DDPM's decoder NLL -log p(x0 | x1).
// Everything in log space, so a softmax entry that underflows never turns into -inf * 0.
#pragma once
#include <cmath>

#include "philox.h"

namespace td {
namespace multinomial {

struct StepCoef {
  double a = 1;  // abar_k / abar_prev
  double b = 1;  // abar_prev
};

TD_HD double log_add(double p, double q) {
  if (p == -INFINITY) return q;
  if (q == -INFINITY) return p;
  return p > q ? p + log1p(exp(q - p)) : q + log1p(exp(p - q));
}

// log softmax normaliser of logits[0..K): max and log sum exp(l - max).
TD_HD void softmax_norm(const float* logits, int K, double& max, double& log_z) {
  max = logits[0];
  for (int y = 1; y < K; ++y) max = logits[y] > max ? logits[y] : max;
  double z = 0.0;
  for (int y = 0; y < K; ++y) z += exp(static_cast<double>(logits[y]) - max);
  log_z = log(z);
}

// Per-cell constants of the log posterior: log of the first factor at y == x and elsewhere,
// log b and log((1 - b)/K) (-inf when b = 1, the step to the clean end).
struct CellLogs {
  double first_x, first_other, log_b, log_rest;
};

TD_HD CellLogs cell_logs(int K, const StepCoef& c) {
  CellLogs g;
  g.first_x = log(c.a + (1.0 - c.a) / K);
  g.first_other = log((1.0 - c.a) / K);
  g.log_b = log(c.b);
  g.log_rest = c.b < 1.0 ? log((1.0 - c.b) / K) : -INFINITY;
  return g;
}

// log of the unnormalised model posterior u_y = (a [y == x] + (1 - a)/K) (b xhat_y + (1 - b)/K).
TD_HD double log_model_u(const CellLogs& g, double log_xhat, bool at_x) {
  return (at_x ? g.first_x : g.first_other) + log_add(g.log_b + log_xhat, g.log_rest);
}

// The true posterior's unnormalised mass at y (x0 known).
TD_HD double true_q(int K, int x, int x0, int y, const StepCoef& c) {
  return ((y == x ? c.a : 0.0) + (1.0 - c.a) / K) * ((y == x0 ? c.b : 0.0) + (1.0 - c.b) / K);
}

// KL(q(. | x_k, x0) || p(. | x_k)) of one cell; grad (when not null) receives weight * dKL/dlogits.
// dKL/dlog u_y = p_y - q_y; d log u_y / d logit_j = rho_y ([y == j] - xhat_j) with
// rho_y = b xhat_y / (b xhat_y + (1 - b)/K), so dKL/dlogit_j = w_j - xhat_j sum_y w_y, w_y = (p_y - q_y) rho_y.
TD_HD double cell_kl(const float* logits, int K, int x, int x0, const StepCoef& c, double weight, float* grad) {
  double max, log_z;
  softmax_norm(logits, K, max, log_z);
  const CellLogs g = cell_logs(K, c);
  double log_u_total = -INFINITY, q_total = 0.0;
  for (int y = 0; y < K; ++y) {
    log_u_total = log_add(log_u_total, log_model_u(g, static_cast<double>(logits[y]) - max - log_z, y == x));
    q_total += true_q(K, x, x0, y, c);
  }
  double kl = 0.0, w_sum = 0.0;
  for (int pass = 0; pass < (grad ? 2 : 1); ++pass) {
    for (int y = 0; y < K; ++y) {
      const double log_xhat = static_cast<double>(logits[y]) - max - log_z;
      const double log_p = log_model_u(g, log_xhat, y == x) - log_u_total;
      const double q = true_q(K, x, x0, y, c) / q_total;
      if (pass == 0 && q > 0.0) kl += q * (log(q) - log_p);
      if (!grad) continue;
      const double bx = c.b * exp(log_xhat), rest = (1.0 - c.b) / K;
      const double rho = bx + rest > 0.0 ? bx / (bx + rest) : 1.0;
      const double w = (exp(log_p) - q) * rho;
      if (pass == 0) w_sum += w;
      else grad[y] = static_cast<float>(weight * (w - exp(log_xhat) * w_sum));
    }
  }
  return kl > 0.0 ? kl : 0.0;  // rounding can leave -1e-17 at the optimum
}

// Unnormalised step probabilities p[0..K) of the model posterior. Linear space is safe here:
// exp(l - max) only underflows below e^-745, where the class cannot be drawn anyway.
TD_HD void cell_step_probs(const float* logits, int K, int x, const StepCoef& c, double* p) {
  double max = logits[0];
  for (int y = 1; y < K; ++y) max = logits[y] > max ? logits[y] : max;
  double z = 0.0;
  for (int y = 0; y < K; ++y) {
    p[y] = exp(static_cast<double>(logits[y]) - max);
    z += p[y];
  }
  const double rest = (1.0 - c.b) / K, first_other = (1.0 - c.a) / K;
  for (int y = 0; y < K; ++y) p[y] = ((y == x ? c.a : 0.0) + first_other) * (c.b * p[y] / z + rest);
}

}  // namespace multinomial
}  // namespace td
