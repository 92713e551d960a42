// Per-cell maths of score-entropy discrete diffusion (SEDD, Lou, Meng & Ermon 2024) for one
// categorical column with n classes, checked formula by formula against the reference code
// (louaaron/Score-Entropy-Discrete-Diffusion: graph_lib.py, losses.py, sampling.py).
//
// States: uniform graph S = n; absorbing graph S = n + 1 with MASK = n.
// Rates, in the reference's convention Q[to][from]:
//   uniform:   Q[y][x] = 1/n (y != x), Q[x][x] = -(n - 1)/n
//   absorbing: Q[MASK][x] = 1 (x != MASK), Q[x][x] = -1 (x != MASK)
// rate_into(x, y) = Q[x][y] is the weight of the pair (x, y) in the score entropy and the
// factor of s_y in the reverse rate from x to y (graph_lib.Graph.reverse_rate).
//
// The network's log score vector ls[0..S) approximates log p_t(y) / p_t(x); the entry of the
// current state x is always taken as 0 (the reference scatters zeros there), whatever it holds.
// Host/device: the CUDA twin includes this header. No allocation: callers pass the S-entry
// probability buffer of a step.
#pragma once
#include <cmath>
#include <cstdint>

#include "philox.h"

namespace td {
namespace sedd {

enum class Graph : int { Uniform = 0, Absorbing = 1 };

// Log scores are clamped here before exp so an untrained network cannot overflow a double;
// true ratios stay far inside (|log ratio| < 25 for sigma >= 1e-8 and n <= 1000).
constexpr float kMaxLogScore = 60.0f;

TD_HD int graph_states(Graph g, int n) { return g == Graph::Absorbing ? n + 1 : n; }

TD_HD double score_of(const float* ls, int y, int x) {
  if (y == x) return 1.0;
  const float l = ls[y] < kMaxLogScore ? ls[y] : kMaxLogScore;
  return exp(static_cast<double>(l));
}

// p_sigma(y | x0): the forward transition e^{sigma Q} from x0.
TD_HD double transition_prob(Graph g, int n, int x0, int y, double sigma) {
  const double move = -expm1(-sigma);  // 1 - e^{-sigma}
  if (g == Graph::Uniform) return y == x0 ? 1.0 - move * (n - 1) / n : move / n;
  if (y == x0) return 1.0 - move;
  return y == n ? move : 0.0;
}

// Q[x][y], y != x: the forward rate from y into x.
TD_HD double rate_into(Graph g, int n, int x, int y) {
  if (g == Graph::Uniform) return 1.0 / n;
  return (x == n && y != n) ? 1.0 : 0.0;
}

// r_y = p_sigma(y | x0) / p_sigma(x | x0) for y != x, where x is reachable from x0;
// em1 = e^sigma - 1. Closed forms of the reference's Uniform/Absorbing.score_entropy:
//   uniform, x == x0: r = em1 / (n + em1) for every y;  x != x0: r_{x0} = 1 + n / em1, else 1;
//   absorbing, x == MASK: r_{x0} = 1 / em1, else 0 (only x == MASK carries weight).
TD_HD double true_ratio(Graph g, int n, int x0, int x, int y, double em1) {
  if (g == Graph::Uniform) {
    if (x == x0) return em1 / (n + em1);
    return y == x0 ? 1.0 + n / em1 : 1.0;
  }
  return y == x0 ? 1.0 / em1 : 0.0;
}

// K(a) = a (log a - 1), with K(0) = 0: makes the score entropy vanish at s = r.
TD_HD double entropy_constant(double r) { return r > 0.0 ? r * (log(r) - 1.0) : 0.0; }

// Denoising score entropy of one cell: sum_{y != x} Q[x][y] (s_y - r_y log s_y + K(r_y)),
// >= 0 with equality iff s_y = r_y wherever Q[x][y] > 0. grad (when not null) receives
// weight * d/d ls_y = weight * Q[x][y] (s_y - r_y), and 0 at y = x and unused entries.
TD_HD double cell_score_entropy(Graph g, int n, const float* ls, int x, int x0, double em1, double weight,
                                float* grad) {
  const int S = graph_states(g, n);
  // r takes at most two values per cell: r_y at y = x0 and one value elsewhere (see true_ratio).
  const int other = x0 == 0 ? 1 : 0;
  const double r_x0 = true_ratio(g, n, x0, x, x0, em1), k_x0 = entropy_constant(r_x0);
  const double r_else = true_ratio(g, n, x0, x, other, em1), k_else = entropy_constant(r_else);
  double loss = 0.0;
  for (int y = 0; y < S; ++y) {
    const double w = y == x ? 0.0 : rate_into(g, n, x, y);
    if (w == 0.0) {
      if (grad) grad[y] = 0.0f;
      continue;
    }
    const double r = y == x0 ? r_x0 : r_else;
    const float l = ls[y] < kMaxLogScore ? ls[y] : kMaxLogScore;
    const double s = exp(static_cast<double>(l));
    loss += w * (s - r * static_cast<double>(l) + (y == x0 ? k_x0 : k_else));
    // Straight-through above the clamp: the gradient still pushes a huge score down.
    if (grad) grad[y] = static_cast<float>(weight * w * (s - r));
  }
  return loss;
}

// Coefficients of one reverse step from sigma to sigma_next (< sigma), shared by all rows.
struct StepCoef {
  double delta_em1 = 0;   // e^{delta} - 1, delta = sigma - sigma_next (analytic)
  double delta_move = 0;  // 1 - e^{-delta} (analytic, uniform graph)
  double euler_h = 0;     // dt * d sigma/dt at the current time (Euler)
  bool euler = false;
  bool final = false;     // last step to sigma = 0: MASK is never drawn
};

// Unnormalised next-state probabilities of one cell, p[0..S) (negative values clamped to 0).
// Analytic (Tweedie) step: p = staggered_score(s, delta) * transp_transition(x, delta);
// Euler (tau-leaping) step: p = onehot(x) + h * reverse_rate(x, s).
TD_HD void cell_step_probs(Graph g, int n, const float* ls, int x, const StepCoef& c, double* p) {
  const int S = graph_states(g, n);
  if (c.euler) {
    double out = 0.0;
    for (int y = 0; y < S; ++y) {
      if (y == x) continue;
      p[y] = c.euler_h * rate_into(g, n, x, y) * score_of(ls, y, x);
      out += p[y];
    }
    p[x] = 1.0 - out;
  } else if (g == Graph::Uniform) {
    // staggered_y = e^delta s_y - (e^delta - 1) sum(s) / n; transition from x over delta.
    double total = 0.0;
    for (int y = 0; y < S; ++y) total += score_of(ls, y, x);
    for (int y = 0; y < S; ++y) {
      const double s = score_of(ls, y, x);
      const double staggered = s + c.delta_em1 * (s - total / n);
      const double trans = y == x ? 1.0 - c.delta_move * (n - 1) / n : c.delta_move / n;
      p[y] = staggered * trans;
    }
  } else {
    // Absorbing: an unmasked token stays; MASK unmasks to y with (e^delta - 1) s_y and stays
    // masked with 1 - (e^delta - 1) sum_{y < n} s_y.
    for (int y = 0; y < S; ++y) p[y] = 0.0;
    if (x != n) {
      p[x] = 1.0;
    } else {
      double unmask = 0.0;
      for (int y = 0; y < n; ++y) {
        p[y] = c.delta_em1 * score_of(ls, y, x);
        unmask += p[y];
      }
      p[n] = 1.0 - unmask;
    }
  }
  if (c.final && g == Graph::Absorbing) p[n] = 0.0;
  for (int y = 0; y < S; ++y) {
    if (!(p[y] > 0.0)) p[y] = 0.0;  // also maps NaN to 0
  }
}

// Inverse-CDF draw from unnormalised p[0..S) with one uniform u in [0, 1): the first y whose
// cumulative mass exceeds u * total. One draw per cell (a race would need S). Keeps
// `fallback` when no mass is left.
TD_HD int draw_from(const double* p, int S, float u, int fallback) {
  double total = 0.0;
  for (int y = 0; y < S; ++y) total += p[y];
  if (!(total > 0.0)) return fallback;
  const double target = static_cast<double>(u) * total;
  double cum = 0.0;
  int last = fallback;
  for (int y = 0; y < S; ++y) {
    if (p[y] <= 0.0) continue;
    cum += p[y];
    last = y;
    if (cum > target) return y;
  }
  return last;  // rounding: u * total landed on the total
}

}  // namespace sedd
}  // namespace td
