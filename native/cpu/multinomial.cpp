#include "multinomial.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "../core/philox.h"

namespace td {
namespace cpu {

multinomial::StepCoef multinomial_coef(const double* alpha_bars, int k, int prev) {
  multinomial::StepCoef c;
  c.b = prev >= 0 ? alpha_bars[prev] : 1.0;
  c.a = alpha_bars[k] / c.b;
  return c;
}

double multinomial_loss(const float* logits, int ld, const int32_t* xt, const int32_t* x0, int rows,
                        const CatLayout& L, const multinomial::StepCoef* coef, const double* weight, float* grad,
                        double* row_loss) {
  double total = 0.0;
  for (int i = 0; i < rows; ++i) {
    double row_sum = 0.0;
    for (int c = 0; c < L.cols; ++c) {
      const size_t at = static_cast<size_t>(i) * L.cols + c;
      const size_t off = static_cast<size_t>(i) * ld + L.offsets[c];
      row_sum += multinomial::cell_kl(logits + off, L.classes[c], xt[at], x0[at], coef[i], weight[i],
                                      grad ? grad + off : nullptr);
    }
    if (row_loss) row_loss[i] = row_sum;
    total += weight[i] * row_sum;
  }
  return total;
}

void multinomial_prior(const int32_t* x0, int rows, const CatLayout& L, double abar_last, double* out) {
  (void)x0;  // the KL to the uniform does not depend on which class x0 is
  double per_row = 0.0;
  for (int c = 0; c < L.cols; ++c) {
    const double K = L.classes[c];
    const double hit = abar_last + (1.0 - abar_last) / K, miss = (1.0 - abar_last) / K;
    per_row += hit * std::log(hit * K) + (K - 1.0) * (miss > 0.0 ? miss * std::log(miss * K) : 0.0);
  }
  for (int i = 0; i < rows; ++i) out[i] = per_row;
}

void multinomial_step_probs(const float* logits, int ld, const int32_t* x, int rows, const CatLayout& L,
                            const multinomial::StepCoef& c, float* probs) {
  std::vector<double> p(widest_states(L));  // L.graph is Uniform here: S_c = N_c
  for (int i = 0; i < rows; ++i) {
    for (int k = 0; k < L.cols; ++k) {
      const int K = L.classes[k];
      multinomial::cell_step_probs(logits + static_cast<size_t>(i) * ld + L.offsets[k], K,
                                   x[static_cast<size_t>(i) * L.cols + k], c, p.data());
      double total = 0.0;
      for (int y = 0; y < K; ++y) total += p[y];
      float* out = probs + static_cast<size_t>(i) * L.total + L.offsets[k];
      for (int y = 0; y < K; ++y) out[y] = static_cast<float>(p[y] / total);
    }
  }
}

void multinomial_step(const float* logits, int ld, int32_t* x, int rows, const CatLayout& L,
                      const multinomial::StepCoef& c, uint64_t seed, uint64_t row_offset, uint32_t step) {
  std::vector<double> p(widest_states(L));  // L.graph is Uniform here: S_c = N_c
  for (int i = 0; i < rows; ++i) {
    for (int k = 0; k < L.cols; ++k) {
      const int K = L.classes[k];
      int32_t& xc = x[static_cast<size_t>(i) * L.cols + k];
      multinomial::cell_step_probs(logits + static_cast<size_t>(i) * ld + L.offsets[k], K, xc, c, p.data());
      const Philox4 b = philox_block(seed, kStreamCategorical, row_offset + i, step, (kCatColumnsStep >> 2) + k);
      xc = sedd::draw_from(p.data(), K, uniform_closed_open(b.v[0]), xc);
    }
  }
}

}  // namespace cpu
}  // namespace td
