// Kernels of the discrete chains on the CPU (the reference for the CUDA twin): forward
// corruption, one-hot input, SEDD output scaling, the denoising score-entropy loss and its
// gradient, and the reverse steps (analytic / Euler / final denoising) of score-entropy
// discrete diffusion; multinomial diffusion's kernels are in multinomial.h.
//
// Shapes: x, x0, xt are class indices [rows x L.cols] (row-major int32); score / gradient /
// one-hot blocks are float [rows x L.total] inside rows of stride ld (the network's rows),
// the pointer at the first categorical entry of row 0. Every random draw is indexed by
// (seed, kStreamCategorical, row_offset + i, step, column block) so results do not depend on
// threads or chunking.
#pragma once
#include <cstdint>

#include "../core/categorical_spec.h"

namespace td {
namespace cpu {

// x_t from x0: cell (i, c) moves with probability move[i] (SEDD: 1 - e^{-sigma}; multinomial:
// 1 - abar), to a uniform class (uniform graph / multinomial) or to MASK (absorbing). One Philox
// block per cell: counter column block (column_base / 4) + c; v0 decides the move, v1 the class.
void cat_corrupt(const int32_t* x0, int rows, const CatLayout& L, const double* move, uint64_t seed,
                 uint64_t row_offset, uint32_t step, uint32_t column_base, int32_t* xt);

// Start of the reverse chain: uniform classes (uniform graph, multinomial), or for the
// absorbing graph MASK except with probability `keep` (= e^{-sigma_bar(1)}) a uniform class,
// the base whose KL to p_1(. | x0) is finite. Draws at step 0, columns kCatColumnsInit.
void cat_init(int32_t* x, int rows, const CatLayout& L, double keep, uint64_t seed, uint64_t row_offset);

// out[i * ld + offsets[c] + x[i, c]] = 1 and 0 elsewhere in the categorical block.
void cat_one_hot(const int32_t* x, int rows, const CatLayout& L, float* out, int ld);

// Overwrites cells whose fixed class is >= 0 (conditioning). fixed_rows is 1 (broadcast) or rows.
void cat_apply_fixed(int32_t* x, int rows, int cols, const int32_t* fixed, int64_t fixed_rows, int64_t fixed_first);

// Network output -> log scores, in place (reference SEDD.forward): the absorbing graph
// subtracts log(e^sigma - 1) + log(n), so the net learns log p0-like O(1) values instead of
// ratios that grow like 1/sigma; both graphs zero the current state's entry. sigma: [rows].
void sedd_scale_log_scores(float* ls, int ld, const int32_t* x, int rows, const CatLayout& L, const double* sigma);

// sum_i weight[i] * sum_c DSE(i, c); grad (may be null, ld layout) = weight[i] * d DSE / d ls.
// row_loss (may be null) receives sum_c DSE(i, c) per row, unweighted.
double sedd_score_entropy(const float* ls, int ld, const int32_t* xt, const int32_t* x0, int rows,
                          const CatLayout& L, const double* sigma, const double* weight, float* grad,
                          double* row_loss);

// Coefficients of the step from time t to t_next (t_next = 0: the final denoising step,
// always analytic, as the reference's Denoiser).
sedd::StepCoef sedd_step_coef(const sedd::DiscreteNoise& noise, double t, double t_next, bool euler);

// Next-state probabilities (normalised, [rows x L.total]) of one step: for tests.
void sedd_step_probs(const float* ls, int ld, const int32_t* x, int rows, const CatLayout& L,
                     const sedd::StepCoef& c, float* probs);

// Reverse rate Q_bar(x, y) = s_y Q[x][y] (y != x), diagonal = -sum ([rows x L.total]): for tests.
void sedd_reverse_rate(const float* ls, int ld, const int32_t* x, int rows, const CatLayout& L, float* rate);

// One reverse step in place on x; one uniform per cell at columns kCatColumnsStep.
void sedd_reverse_step(const float* ls, int ld, int32_t* x, int rows, const CatLayout& L, const sedd::StepCoef& c,
                       uint64_t seed, uint64_t row_offset, uint32_t step);

}  // namespace cpu
}  // namespace td
