// Kernels of multinomial diffusion (Tab-DDPM's categorical chain) on the CPU, the
// `categorical.method: 'multinomial'` alternative to SEDD. Same shapes and draw indexing as
// sedd.h (corruption and init are shared: cat_corrupt with move = 1 - abar, cat_init).
#pragma once
#include <cstdint>

#include "../core/multinomial.h"
#include "../core/categorical_spec.h"

namespace td {
namespace cpu {

// a = abar_k / abar_prev, b = abar_prev, with abar_{-1} = 1 (prev = -1: the clean end).
multinomial::StepCoef multinomial_coef(const double* alpha_bars, int k, int prev);

// sum_i weight[i] * sum_c KL(q || p)(i, c); coef: [rows] (each row has its own timestep).
// grad (may be null, ld layout) = weight[i] * dKL/dlogits; row_loss (may be null) = sum_c KL per row.
double multinomial_loss(const float* logits, int ld, const int32_t* xt, const int32_t* x0, int rows,
                        const CatLayout& L, const multinomial::StepCoef* coef, const double* weight, float* grad,
                        double* row_loss);

// KL(q(x_{T-1} | x0) || Uniform(K)) summed over the columns of each row: the prior term.
void multinomial_prior(const int32_t* x0, int rows, const CatLayout& L, double abar_last, double* out);

// Next-state probabilities (normalised, [rows x L.total]) of one step: for tests.
void multinomial_step_probs(const float* logits, int ld, const int32_t* x, int rows, const CatLayout& L,
                            const multinomial::StepCoef& c, float* probs);

// One reverse step in place; one uniform per cell at columns kCatColumnsStep.
void multinomial_step(const float* logits, int ld, int32_t* x, int rows, const CatLayout& L,
                      const multinomial::StepCoef& c, uint64_t seed, uint64_t row_offset, uint32_t step);

}  // namespace cpu
}  // namespace td
