// CUDA twins of the discrete-chain kernels (cpu/sedd.h, cpu/multinomial.h): one
// thread per (row, categorical column), the per-cell maths shared through core/sedd_*.h, the
// draws through the same Philox blocks, so class indices match the CPU.
#pragma once
#include <algorithm>
#include <vector>

#include "../core/sedd_graph.h"
#include "../core/multinomial.h"
#include "common.cuh"
#include "cuda_api.h"

namespace tdc {

// The layout on the device: classes and offsets in device memory.
struct DeviceLayout {
  const int32_t* classes;
  const int32_t* offsets;
  int cols, total;
  td::sedd::Graph graph;
};

struct LayoutBuffers {
  DeviceBuffer<int32_t> classes, offsets;
  int upload(const TdCatLayout* L, DeviceLayout* out) {
    TDC_CHECK(classes.upload(L->classes, L->cols));
    TDC_CHECK(offsets.upload(L->offsets, L->cols));
    *out = {classes.get(), offsets.get(), L->cols, L->total, L->graph == 1 ? td::sedd::Graph::Absorbing : td::sedd::Graph::Uniform};
    return 0;
  }
};

// States of the widest column (the step kernels' per-cell scratch).
inline int widest_states(const TdCatLayout* L) {
  int widest = 1;
  for (int c = 0; c < L->cols; ++c) widest = std::max(widest, L->classes[c] + (L->graph == 1 ? 1 : 0));
  return widest;
}

// Launchers on device pointers, in stream s. Score / logit matrices have row stride ld.
void launch_cat_corrupt(const int32_t* x0, int rows, const DeviceLayout& L, const double* move, uint64_t seed,
                        uint64_t row_offset, uint32_t step, uint32_t column_base, int32_t* xt, cudaStream_t s);
void launch_cat_init(int32_t* x, int rows, const DeviceLayout& L, double keep, uint64_t seed, uint64_t row_offset,
                     cudaStream_t s);
// out[i, 0..total) = one-hot of x's row i (row stride ld).
void launch_cat_one_hot(const int32_t* x, int rows, const DeviceLayout& L, float* out, int ld, cudaStream_t s);
void launch_cat_apply_fixed(int32_t* x, int rows, int cols, const int32_t* fixed, int64_t fixed_rows,
                            int64_t fixed_first, cudaStream_t s);
void launch_sedd_scale(float* ls, int ld, const int32_t* x, int rows, const DeviceLayout& L, const double* sigma,
                       cudaStream_t s);
// cell_loss [rows x cols]: per cell, weight-free; grad (row stride ld) when not null.
void launch_sedd_entropy(const float* ls, int ld, const int32_t* xt, const int32_t* x0, int rows, const DeviceLayout& L,
                         const double* sigma, const double* weight, float* grad, double* cell_loss, cudaStream_t s);
void launch_sedd_step(const float* ls, int ld, int32_t* x, int rows, const DeviceLayout& L, const td::sedd::StepCoef& c,
                      uint64_t seed, uint64_t row_offset, uint32_t step, double* scratch, int widest, cudaStream_t s);
void launch_multinomial_kl(const float* logits, int ld, const int32_t* xt, const int32_t* x0, int rows,
                           const DeviceLayout& L, const TdMultinomialStep* coef, const double* weight, float* grad,
                           double* cell_loss, cudaStream_t s);
void launch_multinomial_step(const float* logits, int ld, int32_t* x, int rows, const DeviceLayout& L,
                             const td::multinomial::StepCoef& c, uint64_t seed, uint64_t row_offset, uint32_t step,
                             double* scratch, int widest, cudaStream_t s);
td::sedd::StepCoef sedd_coef(const TdSeddStep& in);
// Per-row sums of cell losses and the weighted total, in the CPU's order.
void reduce_rows(const double* cells, int rows, int cols, const double* weight, double* row_loss,
                 double* total);

// The ops of the C ABI (host buffers in and out, for parity tests).
int cat_corrupt(const int32_t* x0, int rows, const TdCatLayout* L, const double* move, uint64_t seed,
                uint64_t row_offset, uint32_t step, uint32_t column_base, int32_t* xt);
int cat_init(int32_t* x, int rows, const TdCatLayout* L, double keep, uint64_t seed, uint64_t row_offset);
int sedd_scale_log_scores(float* ls, int ld, const int32_t* x, int rows, const TdCatLayout* L, const double* sigma);
int sedd_score_entropy(const float* ls, int ld, const int32_t* xt, const int32_t* x0, int rows, const TdCatLayout* L,
                       const double* sigma, const double* weight, float* grad, double* row_loss, double* total);
int sedd_reverse_step(const float* ls, int ld, int32_t* x, int rows, const TdCatLayout* L, const TdSeddStep* coef,
                      uint64_t seed, uint64_t row_offset, uint32_t step);
int multinomial_loss(const float* logits, int ld, const int32_t* xt, const int32_t* x0, int rows, const TdCatLayout* L,
                     const TdMultinomialStep* coef, const double* weight, float* grad, double* row_loss, double* total);
int multinomial_step(const float* logits, int ld, int32_t* x, int rows, const TdCatLayout* L,
                     const TdMultinomialStep* coef, uint64_t seed, uint64_t row_offset, uint32_t step);

}  // namespace tdc
