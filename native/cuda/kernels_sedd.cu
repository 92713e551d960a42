#include <algorithm>
#include <vector>

#include "../core/philox.h"
#include "../core/sedd_multinomial.h"
#include "../core/sedd_spec.h"
#include "common.cuh"
#include "kernels_sedd.cuh"

namespace tdc {

namespace {

constexpr unsigned kBlock = 128;

// The layout on the device: classes and offsets copied next to each other.
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

int widest_states(const TdCatLayout* L) {
  int widest = 1;
  for (int c = 0; c < L->cols; ++c) widest = std::max(widest, L->classes[c] + (L->graph == 1 ? 1 : 0));
  return widest;
}

__device__ __forceinline__ td::Philox4 cell_block(uint64_t seed, uint64_t row, uint32_t step, uint32_t column_base, int c) {
  return td::philox_block(seed, td::kStreamCategorical, row, step, (column_base >> 2) + static_cast<uint32_t>(c));
}

__device__ __forceinline__ int32_t draw_class(uint32_t bits, int n) {
  return static_cast<int32_t>((static_cast<uint64_t>(bits) * static_cast<uint64_t>(n)) >> 32);
}

__global__ void corrupt_kernel(const int32_t* x0, int rows, DeviceLayout L, const double* move, uint64_t seed,
                               uint64_t row_offset, uint32_t step, uint32_t column_base, int32_t* xt) {
  const size_t at = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (at >= static_cast<size_t>(rows) * L.cols) return;
  const int i = static_cast<int>(at / L.cols), c = static_cast<int>(at % L.cols);
  const td::Philox4 b = cell_block(seed, row_offset + i, step, column_base, c);
  const bool moves = static_cast<double>(td::uniform_closed_open(b.v[0])) < move[i];
  const int n = L.classes[c];
  xt[at] = !moves ? x0[at] : (L.graph == td::sedd::Graph::Absorbing ? n : draw_class(b.v[1], n));
}

__global__ void init_kernel(int32_t* x, int rows, DeviceLayout L, double keep, uint64_t seed, uint64_t row_offset) {
  const size_t at = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (at >= static_cast<size_t>(rows) * L.cols) return;
  const int i = static_cast<int>(at / L.cols), c = static_cast<int>(at % L.cols);
  const td::Philox4 b = cell_block(seed, row_offset + i, 0, td::kCatColumnsInit, c);
  const int n = L.classes[c];
  int32_t v = draw_class(b.v[1], n);
  if (L.graph == td::sedd::Graph::Absorbing && !(static_cast<double>(td::uniform_closed_open(b.v[0])) < keep)) v = n;
  x[at] = v;
}

__global__ void scale_kernel(float* ls, int ld, const int32_t* x, int rows, DeviceLayout L, const double* sigma) {
  const size_t at = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (at >= static_cast<size_t>(rows) * L.cols) return;
  const int i = static_cast<int>(at / L.cols), c = static_cast<int>(at % L.cols);
  float* block = ls + static_cast<size_t>(i) * ld + L.offsets[c];
  if (L.graph == td::sedd::Graph::Absorbing) {
    const float s = static_cast<float>(log(expm1(sigma[i])) + log(static_cast<double>(L.classes[c])));
    for (int y = 0; y <= L.classes[c]; ++y) block[y] -= s;
  }
  block[x[at]] = 0.0f;
}

__global__ void entropy_kernel(const float* ls, int ld, const int32_t* xt, const int32_t* x0, int rows, DeviceLayout L,
                               const double* sigma, const double* weight, float* grad, double* cell_loss) {
  const size_t at = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (at >= static_cast<size_t>(rows) * L.cols) return;
  const int i = static_cast<int>(at / L.cols), c = static_cast<int>(at % L.cols);
  const size_t off = static_cast<size_t>(i) * ld + L.offsets[c];
  cell_loss[at] = td::sedd::cell_score_entropy(L.graph, L.classes[c], ls + off, xt[at], x0[at], expm1(sigma[i]),
                                               weight[i], grad ? grad + off : nullptr);
}

__global__ void step_kernel(const float* ls, int ld, int32_t* x, int rows, DeviceLayout L, td::sedd::StepCoef coef,
                            uint64_t seed, uint64_t row_offset, uint32_t step, double* scratch, int widest) {
  const size_t at = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (at >= static_cast<size_t>(rows) * L.cols) return;
  const int i = static_cast<int>(at / L.cols), c = static_cast<int>(at % L.cols);
  const int n = L.classes[c], S = td::sedd::graph_states(L.graph, n);
  int32_t xc = x[at];
  if (L.graph == td::sedd::Graph::Absorbing && xc != n) return;  // unmasked tokens never change
  double* p = scratch + at * widest;
  td::sedd::cell_step_probs(L.graph, n, ls + static_cast<size_t>(i) * ld + L.offsets[c], xc, coef, p);
  const td::Philox4 b = cell_block(seed, row_offset + i, step, td::kCatColumnsStep, c);
  xc = td::sedd::draw_from(p, S, td::uniform_closed_open(b.v[0]), xc);
  if (coef.final && xc == n && L.graph == td::sedd::Graph::Absorbing) xc = draw_class(b.v[1], n);
  x[at] = xc;
}

__global__ void kl_kernel(const float* logits, int ld, const int32_t* xt, const int32_t* x0, int rows, DeviceLayout L,
                          const TdMultinomialStep* coef, const double* weight, float* grad, double* cell_loss) {
  const size_t at = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (at >= static_cast<size_t>(rows) * L.cols) return;
  const int i = static_cast<int>(at / L.cols), c = static_cast<int>(at % L.cols);
  const size_t off = static_cast<size_t>(i) * ld + L.offsets[c];
  td::multinomial::StepCoef k;
  k.a = coef[i].a;
  k.b = coef[i].b;
  cell_loss[at] = td::multinomial::cell_kl(logits + off, L.classes[c], xt[at], x0[at], k, weight[i], grad ? grad + off : nullptr);
}

__global__ void multinomial_step_kernel(const float* logits, int ld, int32_t* x, int rows, DeviceLayout L,
                                        td::multinomial::StepCoef coef, uint64_t seed, uint64_t row_offset,
                                        uint32_t step, double* scratch, int widest) {
  const size_t at = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (at >= static_cast<size_t>(rows) * L.cols) return;
  const int i = static_cast<int>(at / L.cols), c = static_cast<int>(at % L.cols);
  const int K = L.classes[c];
  double* p = scratch + at * widest;
  td::multinomial::cell_step_probs(logits + static_cast<size_t>(i) * ld + L.offsets[c], K, x[at], coef, p);
  const td::Philox4 b = td::philox_block(seed, td::kStreamCategorical, row_offset + i, step, (td::kCatColumnsStep >> 2) + c);
  x[at] = td::sedd::draw_from(p, K, td::uniform_closed_open(b.v[0]), x[at]);
}

// Per-row sums and the weighted total in the CPU's order (row by row, columns in order).
void reduce_rows(const std::vector<double>& cells, int rows, int cols, const double* weight, double* row_loss,
                 double* total) {
  double t = 0.0;
  for (int i = 0; i < rows; ++i) {
    double row_sum = 0.0;
    for (int c = 0; c < cols; ++c) row_sum += cells[static_cast<size_t>(i) * cols + c];
    if (row_loss) row_loss[i] = row_sum;
    t += weight[i] * row_sum;
  }
  *total = t;
}

}  // namespace

int sedd_cat_corrupt(const int32_t* x0, int rows, const TdCatLayout* L, const double* move, uint64_t seed,
                     uint64_t row_offset, uint32_t step, uint32_t column_base, int32_t* xt) {
  const size_t cells = static_cast<size_t>(rows) * L->cols;
  LayoutBuffers lb;
  DeviceLayout dl;
  if (lb.upload(L, &dl) != 0) return 1;
  DeviceBuffer<int32_t> dx0, dxt;
  DeviceBuffer<double> dmove;
  TDC_CHECK(dx0.upload(x0, cells));
  TDC_CHECK(dmove.upload(move, rows));
  TDC_CHECK(dxt.alloc(cells));
  corrupt_kernel<<<grid_for(cells, kBlock), kBlock>>>(dx0.get(), rows, dl, dmove.get(), seed, row_offset, step, column_base, dxt.get());
  TDC_CHECK_LAUNCH();
  TDC_CHECK(dxt.download(xt, cells));
  return 0;
}

int sedd_cat_init(int32_t* x, int rows, const TdCatLayout* L, double keep, uint64_t seed, uint64_t row_offset) {
  const size_t cells = static_cast<size_t>(rows) * L->cols;
  LayoutBuffers lb;
  DeviceLayout dl;
  if (lb.upload(L, &dl) != 0) return 1;
  DeviceBuffer<int32_t> dx;
  TDC_CHECK(dx.alloc(cells));
  init_kernel<<<grid_for(cells, kBlock), kBlock>>>(dx.get(), rows, dl, keep, seed, row_offset);
  TDC_CHECK_LAUNCH();
  TDC_CHECK(dx.download(x, cells));
  return 0;
}

int sedd_scale(float* ls, int ld, const int32_t* x, int rows, const TdCatLayout* L, const double* sigma) {
  const size_t cells = static_cast<size_t>(rows) * L->cols;
  LayoutBuffers lb;
  DeviceLayout dl;
  if (lb.upload(L, &dl) != 0) return 1;
  DeviceBuffer<float> dls;
  DeviceBuffer<int32_t> dx;
  DeviceBuffer<double> ds;
  TDC_CHECK(dls.upload(ls, static_cast<size_t>(rows) * ld));
  TDC_CHECK(dx.upload(x, cells));
  TDC_CHECK(ds.upload(sigma, rows));
  scale_kernel<<<grid_for(cells, kBlock), kBlock>>>(dls.get(), ld, dx.get(), rows, dl, ds.get());
  TDC_CHECK_LAUNCH();
  TDC_CHECK(dls.download(ls, static_cast<size_t>(rows) * ld));
  return 0;
}

int sedd_entropy(const float* ls, int ld, const int32_t* xt, const int32_t* x0, int rows, const TdCatLayout* L,
                 const double* sigma, const double* weight, float* grad, double* row_loss, double* total) {
  const size_t cells = static_cast<size_t>(rows) * L->cols;
  LayoutBuffers lb;
  DeviceLayout dl;
  if (lb.upload(L, &dl) != 0) return 1;
  DeviceBuffer<float> dls, dgrad;
  DeviceBuffer<int32_t> dxt, dx0;
  DeviceBuffer<double> ds, dw, dcell;
  TDC_CHECK(dls.upload(ls, static_cast<size_t>(rows) * ld));
  TDC_CHECK(dxt.upload(xt, cells));
  TDC_CHECK(dx0.upload(x0, cells));
  TDC_CHECK(ds.upload(sigma, rows));
  TDC_CHECK(dw.upload(weight, rows));
  TDC_CHECK(dcell.alloc(cells));
  if (grad) TDC_CHECK(dgrad.upload(grad, static_cast<size_t>(rows) * ld));
  entropy_kernel<<<grid_for(cells, kBlock), kBlock>>>(dls.get(), ld, dxt.get(), dx0.get(), rows, dl, ds.get(), dw.get(),
                                                      grad ? dgrad.get() : nullptr, dcell.get());
  TDC_CHECK_LAUNCH();
  std::vector<double> cell(cells);
  TDC_CHECK(dcell.download(cell.data(), cells));
  if (grad) TDC_CHECK(dgrad.download(grad, static_cast<size_t>(rows) * ld));
  reduce_rows(cell, rows, L->cols, weight, row_loss, total);
  return 0;
}

int sedd_step(const float* ls, int ld, int32_t* x, int rows, const TdCatLayout* L, const TdSeddStep* coef,
              uint64_t seed, uint64_t row_offset, uint32_t step) {
  const size_t cells = static_cast<size_t>(rows) * L->cols;
  const int widest = widest_states(L);
  LayoutBuffers lb;
  DeviceLayout dl;
  if (lb.upload(L, &dl) != 0) return 1;
  DeviceBuffer<float> dls;
  DeviceBuffer<int32_t> dx;
  DeviceBuffer<double> scratch;
  TDC_CHECK(dls.upload(ls, static_cast<size_t>(rows) * ld));
  TDC_CHECK(dx.upload(x, cells));
  TDC_CHECK(scratch.alloc(cells * widest));
  td::sedd::StepCoef c;
  c.delta_em1 = coef->delta_em1;
  c.delta_move = coef->delta_move;
  c.euler_h = coef->euler_h;
  c.euler = coef->euler != 0;
  c.final = coef->final_step != 0;
  step_kernel<<<grid_for(cells, kBlock), kBlock>>>(dls.get(), ld, dx.get(), rows, dl, c, seed, row_offset, step,
                                                   scratch.get(), widest);
  TDC_CHECK_LAUNCH();
  TDC_CHECK(dx.download(x, cells));
  return 0;
}

int multinomial_kl(const float* logits, int ld, const int32_t* xt, const int32_t* x0, int rows, const TdCatLayout* L,
                   const TdMultinomialStep* coef, const double* weight, float* grad, double* row_loss, double* total) {
  const size_t cells = static_cast<size_t>(rows) * L->cols;
  LayoutBuffers lb;
  DeviceLayout dl;
  if (lb.upload(L, &dl) != 0) return 1;
  DeviceBuffer<float> dl_, dgrad;
  DeviceBuffer<int32_t> dxt, dx0;
  DeviceBuffer<double> dw, dcell;
  DeviceBuffer<TdMultinomialStep> dc;
  TDC_CHECK(dl_.upload(logits, static_cast<size_t>(rows) * ld));
  TDC_CHECK(dxt.upload(xt, cells));
  TDC_CHECK(dx0.upload(x0, cells));
  TDC_CHECK(dc.upload(coef, rows));
  TDC_CHECK(dw.upload(weight, rows));
  TDC_CHECK(dcell.alloc(cells));
  if (grad) TDC_CHECK(dgrad.upload(grad, static_cast<size_t>(rows) * ld));
  kl_kernel<<<grid_for(cells, kBlock), kBlock>>>(dl_.get(), ld, dxt.get(), dx0.get(), rows, dl, dc.get(), dw.get(),
                                                 grad ? dgrad.get() : nullptr, dcell.get());
  TDC_CHECK_LAUNCH();
  std::vector<double> cell(cells);
  TDC_CHECK(dcell.download(cell.data(), cells));
  if (grad) TDC_CHECK(dgrad.download(grad, static_cast<size_t>(rows) * ld));
  reduce_rows(cell, rows, L->cols, weight, row_loss, total);
  return 0;
}

int multinomial_reverse(const float* logits, int ld, int32_t* x, int rows, const TdCatLayout* L,
                        const TdMultinomialStep* coef, uint64_t seed, uint64_t row_offset, uint32_t step) {
  const size_t cells = static_cast<size_t>(rows) * L->cols;
  const int widest = widest_states(L);
  LayoutBuffers lb;
  DeviceLayout dl;
  if (lb.upload(L, &dl) != 0) return 1;
  DeviceBuffer<float> dlog;
  DeviceBuffer<int32_t> dx;
  DeviceBuffer<double> scratch;
  TDC_CHECK(dlog.upload(logits, static_cast<size_t>(rows) * ld));
  TDC_CHECK(dx.upload(x, cells));
  TDC_CHECK(scratch.alloc(cells * widest));
  td::multinomial::StepCoef c;
  c.a = coef->a;
  c.b = coef->b;
  multinomial_step_kernel<<<grid_for(cells, kBlock), kBlock>>>(dlog.get(), ld, dx.get(), rows, dl, c, seed, row_offset,
                                                               step, scratch.get(), widest);
  TDC_CHECK_LAUNCH();
  TDC_CHECK(dx.download(x, cells));
  return 0;
}

}  // namespace tdc
