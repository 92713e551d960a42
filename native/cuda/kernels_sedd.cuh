// CUDA twins of the discrete-chain kernels (cpu/sedd_ops.h, cpu/sedd_multinomial.h): one
// thread per (row, categorical column), the per-cell maths shared through core/sedd_*.h, the
// draws through the same Philox blocks, so class indices match the CPU.
#pragma once
#include "cuda_api.h"

namespace tdc {

int sedd_cat_corrupt(const int32_t* x0, int rows, const TdCatLayout* L, const double* move, uint64_t seed,
                     uint64_t row_offset, uint32_t step, uint32_t column_base, int32_t* xt);
int sedd_cat_init(int32_t* x, int rows, const TdCatLayout* L, double keep, uint64_t seed, uint64_t row_offset);
int sedd_scale(float* ls, int ld, const int32_t* x, int rows, const TdCatLayout* L, const double* sigma);
int sedd_entropy(const float* ls, int ld, const int32_t* xt, const int32_t* x0, int rows, const TdCatLayout* L,
                 const double* sigma, const double* weight, float* grad, double* row_loss, double* total);
int sedd_step(const float* ls, int ld, int32_t* x, int rows, const TdCatLayout* L, const TdSeddStep* coef,
              uint64_t seed, uint64_t row_offset, uint32_t step);
int multinomial_kl(const float* logits, int ld, const int32_t* xt, const int32_t* x0, int rows, const TdCatLayout* L,
                   const TdMultinomialStep* coef, const double* weight, float* grad, double* row_loss, double* total);
int multinomial_reverse(const float* logits, int ld, int32_t* x, int rows, const TdCatLayout* L,
                        const TdMultinomialStep* coef, uint64_t seed, uint64_t row_offset, uint32_t step);

}  // namespace tdc
