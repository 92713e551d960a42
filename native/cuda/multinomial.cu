#include "../core/philox.h"
#include "../core/categorical_spec.h"
#include "common.cuh"
#include "multinomial.cuh"

namespace tdc {

namespace {

constexpr unsigned kBlock = 128;

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

}  // namespace

void launch_multinomial_kl(const float* logits, int ld, const int32_t* xt, const int32_t* x0, int rows,
                           const DeviceLayout& L, const TdMultinomialStep* coef, const double* weight, float* grad,
                           double* cell_loss, cudaStream_t s) {
  const size_t cells = static_cast<size_t>(rows) * L.cols;
  kl_kernel<<<grid_for(cells, kBlock), kBlock, 0, s>>>(logits, ld, xt, x0, rows, L, coef, weight, grad, cell_loss);
}

void launch_multinomial_step(const float* logits, int ld, int32_t* x, int rows, const DeviceLayout& L,
                             const td::multinomial::StepCoef& c, uint64_t seed, uint64_t row_offset, uint32_t step,
                             double* scratch, int widest, cudaStream_t s) {
  const size_t cells = static_cast<size_t>(rows) * L.cols;
  multinomial_step_kernel<<<grid_for(cells, kBlock), kBlock, 0, s>>>(logits, ld, x, rows, L, c, seed, row_offset, step,
                                                                     scratch, widest);
}

int multinomial_loss(const float* logits, int ld, const int32_t* xt, const int32_t* x0, int rows, const TdCatLayout* L,
                     const TdMultinomialStep* coef, const double* weight, float* grad, double* row_loss, double* total) {
  return run_cat_loss(logits, ld, xt, x0, rows, L, coef, weight, grad, row_loss, total,
                      [&](const float* dlogits, const int32_t* dxt, const int32_t* dx0, const DeviceLayout& dl,
                          const TdMultinomialStep* dcoef, const double* dw, float* dgrad, double* dcell) {
                        launch_multinomial_kl(dlogits, ld, dxt, dx0, rows, dl, dcoef, dw, dgrad, dcell, 0);
                      });
}

int multinomial_step(const float* logits, int ld, int32_t* x, int rows, const TdCatLayout* L,
                     const TdMultinomialStep* coef, uint64_t seed, uint64_t row_offset, uint32_t step) {
  td::multinomial::StepCoef c;
  c.a = coef->a;
  c.b = coef->b;
  return run_cat_step(logits, ld, x, rows, L,
                      [&](const float* dlog, int32_t* dx, const DeviceLayout& dl, double* scratch, int widest) {
                        launch_multinomial_step(dlog, ld, dx, rows, dl, c, seed, row_offset, step, scratch, widest, 0);
                      });
}

}  // namespace tdc
