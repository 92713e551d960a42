// CUDA twins of multinomial diffusion's kernels (cpu/multinomial.h): the loss and the reverse
// step, one thread per (row, categorical column), drawing through the same Philox blocks as the CPU.
#pragma once
#include "../core/multinomial.h"
#include "sedd.cuh"

namespace tdc {

void launch_multinomial_kl(const float* logits, int ld, const int32_t* xt, const int32_t* x0, int rows,
                           const DeviceLayout& L, const TdMultinomialStep* coef, const double* weight, float* grad,
                           double* cell_loss, cudaStream_t s);
void launch_multinomial_step(const float* logits, int ld, int32_t* x, int rows, const DeviceLayout& L,
                             const td::multinomial::StepCoef& c, uint64_t seed, uint64_t row_offset, uint32_t step,
                             double* scratch, int widest, cudaStream_t s);

// The ops of the C ABI (host buffers in and out, for parity tests).
int multinomial_loss(const float* logits, int ld, const int32_t* xt, const int32_t* x0, int rows, const TdCatLayout* L,
                     const TdMultinomialStep* coef, const double* weight, float* grad, double* row_loss, double* total);
int multinomial_step(const float* logits, int ld, int32_t* x, int rows, const TdCatLayout* L,
                     const TdMultinomialStep* coef, uint64_t seed, uint64_t row_offset, uint32_t step);

}  // namespace tdc
