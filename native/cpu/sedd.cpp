#include "sedd.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "../core/philox.h"

namespace td {
namespace cpu {

namespace {

inline Philox4 cell_block(uint64_t seed, uint64_t row, uint32_t step, uint32_t column_base, int c) {
  return philox_block(seed, kStreamCategorical, row, step, (column_base >> 2) + static_cast<uint32_t>(c));
}

// Multiply-shift of a 32-bit draw onto [0, n): exact integers, no float rounding up to n.
inline int32_t draw_class(uint32_t bits, int n) {
  return static_cast<int32_t>((static_cast<uint64_t>(bits) * static_cast<uint64_t>(n)) >> 32);
}

}  // namespace

void cat_corrupt(const int32_t* x0, int rows, const CatLayout& L, const double* move, uint64_t seed,
                 uint64_t row_offset, uint32_t step, uint32_t column_base, int32_t* xt) {
  for (int i = 0; i < rows; ++i) {
    for (int c = 0; c < L.cols; ++c) {
      const size_t at = static_cast<size_t>(i) * L.cols + c;
      const Philox4 b = cell_block(seed, row_offset + i, step, column_base, c);
      const bool moves = static_cast<double>(uniform_closed_open(b.v[0])) < move[i];
      const int n = L.classes[c];
      if (!moves) xt[at] = x0[at];
      else xt[at] = L.graph == sedd::Graph::Absorbing ? n : draw_class(b.v[1], n);
    }
  }
}

void cat_init(int32_t* x, int rows, const CatLayout& L, double keep, uint64_t seed, uint64_t row_offset) {
  for (int i = 0; i < rows; ++i) {
    for (int c = 0; c < L.cols; ++c) {
      const Philox4 b = cell_block(seed, row_offset + i, 0, kCatColumnsInit, c);
      const int n = L.classes[c];
      int32_t v = draw_class(b.v[1], n);
      if (L.graph == sedd::Graph::Absorbing && !(static_cast<double>(uniform_closed_open(b.v[0])) < keep)) v = n;
      x[static_cast<size_t>(i) * L.cols + c] = v;
    }
  }
}

void cat_one_hot(const int32_t* x, int rows, const CatLayout& L, float* out, int ld) {
  for (int i = 0; i < rows; ++i) {
    float* row = out + static_cast<size_t>(i) * ld;
    std::fill(row, row + L.total, 0.0f);
    for (int c = 0; c < L.cols; ++c) row[L.offsets[c] + x[static_cast<size_t>(i) * L.cols + c]] = 1.0f;
  }
}

void cat_apply_fixed(int32_t* x, int rows, int cols, const int32_t* fixed, int64_t fixed_rows, int64_t fixed_first) {
  if (!fixed) return;
  for (int i = 0; i < rows; ++i) {
    const int32_t* f = fixed + (fixed_rows == 1 ? 0 : static_cast<size_t>(fixed_first + i) * cols);
    for (int c = 0; c < cols; ++c) {
      if (f[c] >= 0) x[static_cast<size_t>(i) * cols + c] = f[c];
    }
  }
}

void sedd_scale_log_scores(float* ls, int ld, const int32_t* x, int rows, const CatLayout& L, const double* sigma) {
  const bool absorbing = L.graph == sedd::Graph::Absorbing;
  std::vector<double> log_n(absorbing ? L.cols : 0);
  for (size_t c = 0; c < log_n.size(); ++c) log_n[c] = std::log(static_cast<double>(L.classes[c]));
  double last_sigma = -1.0, shift = 0.0;  // rows of a sampling step share sigma: one log per run
  for (int i = 0; i < rows; ++i) {
    float* row = ls + static_cast<size_t>(i) * ld;
    if (absorbing && sigma[i] != last_sigma) {
      last_sigma = sigma[i];
      shift = std::log(std::expm1(sigma[i]));
    }
    for (int c = 0; c < L.cols; ++c) {
      float* block = row + L.offsets[c];
      if (absorbing) {
        const float s = static_cast<float>(shift + log_n[c]);
        for (int y = 0; y <= L.classes[c]; ++y) block[y] -= s;
      }
      block[x[static_cast<size_t>(i) * L.cols + c]] = 0.0f;
    }
  }
}

double sedd_score_entropy(const float* ls, int ld, const int32_t* xt, const int32_t* x0, int rows,
                          const CatLayout& L, const double* sigma, const double* weight, float* grad,
                          double* row_loss) {
  double total = 0.0;
  for (int i = 0; i < rows; ++i) {
    const double em1 = std::expm1(sigma[i]);
    double row_sum = 0.0;
    for (int c = 0; c < L.cols; ++c) {
      const size_t at = static_cast<size_t>(i) * L.cols + c;
      const size_t off = static_cast<size_t>(i) * ld + L.offsets[c];
      row_sum += sedd::cell_score_entropy(L.graph, L.classes[c], ls + off, xt[at], x0[at], em1, weight[i],
                                          grad ? grad + off : nullptr);
    }
    if (row_loss) row_loss[i] = row_sum;
    total += weight[i] * row_sum;
  }
  return total;
}

sedd::StepCoef sedd_step_coef(const sedd::DiscreteNoise& noise, double t, double t_next, bool euler) {
  sedd::StepCoef c;
  const double sigma = noise.total(t);
  const double sigma_next = t_next > 0.0 ? noise.total(t_next) : 0.0;
  c.final = !(t_next > 0.0);
  c.euler = euler && !c.final;
  const double delta = sigma - sigma_next;
  c.delta_em1 = std::expm1(delta);
  c.delta_move = -std::expm1(-delta);
  c.euler_h = (t - t_next) * noise.rate(t);
  return c;
}

void sedd_step_probs(const float* ls, int ld, const int32_t* x, int rows, const CatLayout& L,
                     const sedd::StepCoef& c, float* probs) {
  std::vector<double> p(widest_states(L));
  for (int i = 0; i < rows; ++i) {
    for (int c_ = 0; c_ < L.cols; ++c_) {
      const int n = L.classes[c_], S = sedd::graph_states(L.graph, n);
      sedd::cell_step_probs(L.graph, n, ls + static_cast<size_t>(i) * ld + L.offsets[c_],
                            x[static_cast<size_t>(i) * L.cols + c_], c, p.data());
      double total = 0.0;
      for (int y = 0; y < S; ++y) total += p[y];
      float* out = probs + static_cast<size_t>(i) * L.total + L.offsets[c_];
      for (int y = 0; y < S; ++y) out[y] = total > 0.0 ? static_cast<float>(p[y] / total) : 0.0f;
    }
  }
}

void sedd_reverse_rate(const float* ls, int ld, const int32_t* x, int rows, const CatLayout& L, float* rate) {
  for (int i = 0; i < rows; ++i) {
    for (int c = 0; c < L.cols; ++c) {
      const int n = L.classes[c], S = sedd::graph_states(L.graph, n);
      const int xc = x[static_cast<size_t>(i) * L.cols + c];
      const float* l = ls + static_cast<size_t>(i) * ld + L.offsets[c];
      float* out = rate + static_cast<size_t>(i) * L.total + L.offsets[c];
      double out_rate = 0.0;
      for (int y = 0; y < S; ++y) {
        if (y == xc) continue;
        const double r = sedd::rate_into(L.graph, n, xc, y) * sedd::score_of(l, y, xc);
        out[y] = static_cast<float>(r);
        out_rate += r;
      }
      out[xc] = static_cast<float>(-out_rate);
    }
  }
}

void sedd_reverse_step(const float* ls, int ld, int32_t* x, int rows, const CatLayout& L, const sedd::StepCoef& c,
                       uint64_t seed, uint64_t row_offset, uint32_t step) {
  std::vector<double> p(widest_states(L));
  for (int i = 0; i < rows; ++i) {
    for (int c_ = 0; c_ < L.cols; ++c_) {
      const int n = L.classes[c_], S = sedd::graph_states(L.graph, n);
      int32_t& xc = x[static_cast<size_t>(i) * L.cols + c_];
      // An unmasked absorbing token never changes: skip its probabilities and its draw.
      if (L.graph == sedd::Graph::Absorbing && xc != n) continue;
      sedd::cell_step_probs(L.graph, n, ls + static_cast<size_t>(i) * ld + L.offsets[c_], xc, c, p.data());
      const Philox4 b = cell_block(seed, row_offset + i, step, kCatColumnsStep, c_);
      xc = sedd::draw_from(p.data(), S, uniform_closed_open(b.v[0]), xc);
      // Scores that underflowed everywhere must still not leave a MASK in the output.
      if (c.final && xc == n && L.graph == sedd::Graph::Absorbing) xc = draw_class(b.v[1], n);
    }
  }
}

}  // namespace cpu
}  // namespace td
