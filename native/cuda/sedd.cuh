// CUDA twins of the discrete-chain kernels of cpu/sedd.h (multinomial.cuh: cpu/multinomial.h): one
// thread per (row, categorical column), the per-cell maths shared through core/sedd_*.h, the
// draws through the same Philox blocks, so class indices match the CPU.
#pragma once
#include <algorithm>
#include <vector>

#include "../core/sedd_graph.h"
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
// out[0, rows) = value: a per-row coefficient of the discrete kernels that is one number for the
// whole chunk (SEDD's sigma at a step, an inpainting jump's move probability).
void launch_fill_rows(double* out, int rows, double value, cudaStream_t s);
void launch_cat_apply_fixed(int32_t* x, int rows, int cols, const int32_t* fixed, int64_t fixed_rows,
                            int64_t fixed_first, cudaStream_t s);
void launch_sedd_scale(float* ls, int ld, const int32_t* x, int rows, const DeviceLayout& L, const double* sigma,
                       cudaStream_t s);
// cell_loss [rows x cols]: per cell, weight-free; grad (row stride ld) when not null.
void launch_sedd_entropy(const float* ls, int ld, const int32_t* xt, const int32_t* x0, int rows, const DeviceLayout& L,
                         const double* sigma, const double* weight, float* grad, double* cell_loss, cudaStream_t s);
void launch_sedd_step(const float* ls, int ld, int32_t* x, int rows, const DeviceLayout& L, const td::sedd::StepCoef& c,
                      uint64_t seed, uint64_t row_offset, uint32_t step, double* scratch, int widest, cudaStream_t s);
td::sedd::StepCoef sedd_coef(const TdSeddStep& in);
// Per-row sums of cell losses and the weighted total, in the CPU's order.
void reduce_rows(const double* cells, int rows, int cols, const double* weight, double* row_loss,
                 double* total);

// The host side of a categorical loss op: uploads the scores, classes, per-row coefficients
// (SEDD: sigma; multinomial.cu: its step coefficients) and weights, runs `launch` on device
// pointers, downloads the cell losses and gradient and reduces them per row in the CPU's order.
template <typename Coef, typename Launch>
inline int run_cat_loss(const float* scores, int ld, const int32_t* xt, const int32_t* x0, int rows, const TdCatLayout* L,
                        const Coef* coef, const double* weight, float* grad, double* row_loss, double* total, Launch launch) {
  const size_t cells = static_cast<size_t>(rows) * L->cols;
  LayoutBuffers lb;
  DeviceLayout dl;
  if (lb.upload(L, &dl) != 0) return 1;
  DeviceBuffer<float> dscores, dgrad;
  DeviceBuffer<int32_t> dxt, dx0;
  DeviceBuffer<Coef> dcoef;
  DeviceBuffer<double> dw, dcell;
  TDC_CHECK(dscores.upload(scores, static_cast<size_t>(rows) * ld));
  TDC_CHECK(dxt.upload(xt, cells));
  TDC_CHECK(dx0.upload(x0, cells));
  TDC_CHECK(dcoef.upload(coef, rows));
  TDC_CHECK(dw.upload(weight, rows));
  TDC_CHECK(dcell.alloc(cells));
  if (grad) TDC_CHECK(dgrad.upload(grad, static_cast<size_t>(rows) * ld));
  launch(dscores.get(), dxt.get(), dx0.get(), dl, dcoef.get(), dw.get(), grad ? dgrad.get() : nullptr, dcell.get());
  TDC_CHECK_LAUNCH();
  std::vector<double> cell(cells);
  TDC_CHECK(dcell.download(cell.data(), cells));
  if (grad) TDC_CHECK(dgrad.download(grad, static_cast<size_t>(rows) * ld));
  reduce_rows(cell.data(), rows, L->cols, weight, row_loss, total);
  return 0;
}

// The host side of a reverse-step op: uploads the scores and the classes x, runs `launch`
// with a scratch of `widest` doubles per cell, and downloads x.
template <typename Launch>
inline int run_cat_step(const float* scores, int ld, int32_t* x, int rows, const TdCatLayout* L, Launch launch) {
  const size_t cells = static_cast<size_t>(rows) * L->cols;
  const int widest = widest_states(L);
  LayoutBuffers lb;
  DeviceLayout dl;
  if (lb.upload(L, &dl) != 0) return 1;
  DeviceBuffer<float> dscores;
  DeviceBuffer<int32_t> dx;
  DeviceBuffer<double> scratch;
  TDC_CHECK(dscores.upload(scores, static_cast<size_t>(rows) * ld));
  TDC_CHECK(dx.upload(x, cells));
  TDC_CHECK(scratch.alloc(cells * widest));
  launch(dscores.get(), dx.get(), dl, scratch.get(), widest);
  TDC_CHECK_LAUNCH();
  TDC_CHECK(dx.download(x, cells));
  return 0;
}

// The ops of the C ABI (host buffers in and out, for parity tests).
int cat_corrupt(const int32_t* x0, int rows, const TdCatLayout* L, const double* move, uint64_t seed,
                uint64_t row_offset, uint32_t step, uint32_t column_base, int32_t* xt);
int cat_init(int32_t* x, int rows, const TdCatLayout* L, double keep, uint64_t seed, uint64_t row_offset);
int sedd_scale_log_scores(float* ls, int ld, const int32_t* x, int rows, const TdCatLayout* L, const double* sigma);
int sedd_score_entropy(const float* ls, int ld, const int32_t* xt, const int32_t* x0, int rows, const TdCatLayout* L,
                       const double* sigma, const double* weight, float* grad, double* row_loss, double* total);
int sedd_reverse_step(const float* ls, int ld, int32_t* x, int rows, const TdCatLayout* L, const TdSeddStep* coef,
                      uint64_t seed, uint64_t row_offset, uint32_t step);

}  // namespace tdc
