#include "../core/philox.h"
#include "../core/categorical_spec.h"
#include "common.cuh"
#include "sedd.cuh"

namespace tdc {

namespace {

constexpr unsigned kBlock = 128;

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

__global__ void fill_rows_kernel(double* out, int rows, double value) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < rows) out[i] = value;
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

__global__ void one_hot_kernel(const int32_t* x, int rows, DeviceLayout L, float* out, int ld) {
  const size_t at = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (at >= static_cast<size_t>(rows) * L.total) return;
  const int i = static_cast<int>(at / L.total), k = static_cast<int>(at % L.total);
  out[static_cast<size_t>(i) * ld + k] = 0.0f;
}

__global__ void one_hot_set_kernel(const int32_t* x, int rows, DeviceLayout L, float* out, int ld) {
  const size_t at = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (at >= static_cast<size_t>(rows) * L.cols) return;
  const int i = static_cast<int>(at / L.cols), c = static_cast<int>(at % L.cols);
  out[static_cast<size_t>(i) * ld + L.offsets[c] + x[at]] = 1.0f;
}

__global__ void apply_fixed_kernel(int32_t* x, int rows, int cols, const int32_t* fixed, int64_t fixed_rows,
                                   int64_t fixed_first) {
  const size_t at = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (at >= static_cast<size_t>(rows) * cols) return;
  const int i = static_cast<int>(at / cols), c = static_cast<int>(at % cols);
  const int32_t f = fixed[(fixed_rows == 1 ? 0 : static_cast<size_t>(fixed_first + i) * cols) + c];
  if (f >= 0) x[at] = f;
}

}  // namespace

// Device-pointer launchers (the loops use these; the ops below wrap them with copies).

void launch_cat_corrupt(const int32_t* x0, int rows, const DeviceLayout& L, const double* move, uint64_t seed,
                        uint64_t row_offset, uint32_t step, uint32_t column_base, int32_t* xt, cudaStream_t s) {
  const size_t cells = static_cast<size_t>(rows) * L.cols;
  corrupt_kernel<<<grid_for(cells, kBlock), kBlock, 0, s>>>(x0, rows, L, move, seed, row_offset, step, column_base, xt);
}

void launch_fill_rows(double* out, int rows, double value, cudaStream_t s) {
  fill_rows_kernel<<<grid_for(rows, kBlock), kBlock, 0, s>>>(out, rows, value);
}

void launch_cat_init(int32_t* x, int rows, const DeviceLayout& L, double keep, uint64_t seed, uint64_t row_offset,
                     cudaStream_t s) {
  const size_t cells = static_cast<size_t>(rows) * L.cols;
  init_kernel<<<grid_for(cells, kBlock), kBlock, 0, s>>>(x, rows, L, keep, seed, row_offset);
}

void launch_cat_one_hot(const int32_t* x, int rows, const DeviceLayout& L, float* out, int ld, cudaStream_t s) {
  one_hot_kernel<<<grid_for(static_cast<size_t>(rows) * L.total, kBlock), kBlock, 0, s>>>(x, rows, L, out, ld);
  one_hot_set_kernel<<<grid_for(static_cast<size_t>(rows) * L.cols, kBlock), kBlock, 0, s>>>(x, rows, L, out, ld);
}

void launch_cat_apply_fixed(int32_t* x, int rows, int cols, const int32_t* fixed, int64_t fixed_rows,
                            int64_t fixed_first, cudaStream_t s) {
  const size_t cells = static_cast<size_t>(rows) * cols;
  apply_fixed_kernel<<<grid_for(cells, kBlock), kBlock, 0, s>>>(x, rows, cols, fixed, fixed_rows, fixed_first);
}

void launch_sedd_scale(float* ls, int ld, const int32_t* x, int rows, const DeviceLayout& L, const double* sigma,
                       cudaStream_t s) {
  const size_t cells = static_cast<size_t>(rows) * L.cols;
  scale_kernel<<<grid_for(cells, kBlock), kBlock, 0, s>>>(ls, ld, x, rows, L, sigma);
}

void launch_sedd_entropy(const float* ls, int ld, const int32_t* xt, const int32_t* x0, int rows, const DeviceLayout& L,
                         const double* sigma, const double* weight, float* grad, double* cell_loss, cudaStream_t s) {
  const size_t cells = static_cast<size_t>(rows) * L.cols;
  entropy_kernel<<<grid_for(cells, kBlock), kBlock, 0, s>>>(ls, ld, xt, x0, rows, L, sigma, weight, grad, cell_loss);
}

void launch_sedd_step(const float* ls, int ld, int32_t* x, int rows, const DeviceLayout& L, const td::sedd::StepCoef& c,
                      uint64_t seed, uint64_t row_offset, uint32_t step, double* scratch, int widest, cudaStream_t s) {
  const size_t cells = static_cast<size_t>(rows) * L.cols;
  step_kernel<<<grid_for(cells, kBlock), kBlock, 0, s>>>(ls, ld, x, rows, L, c, seed, row_offset, step, scratch, widest);
}

td::sedd::StepCoef sedd_coef(const TdSeddStep& in) {
  td::sedd::StepCoef c;
  c.delta_em1 = in.delta_em1;
  c.delta_move = in.delta_move;
  c.euler_h = in.euler_h;
  c.euler = in.euler != 0;
  c.final = in.final_step != 0;
  return c;
}

// Per-row sums and the weighted total in the CPU's order (row by row, columns in order).
void reduce_rows(const double* cells, int rows, int cols, const double* weight, double* row_loss,
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


int cat_corrupt(const int32_t* x0, int rows, const TdCatLayout* L, const double* move, uint64_t seed,
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
  launch_cat_corrupt(dx0.get(), rows, dl, dmove.get(), seed, row_offset, step, column_base, dxt.get(), 0);
  TDC_CHECK_LAUNCH();
  TDC_CHECK(dxt.download(xt, cells));
  return 0;
}

int cat_init(int32_t* x, int rows, const TdCatLayout* L, double keep, uint64_t seed, uint64_t row_offset) {
  const size_t cells = static_cast<size_t>(rows) * L->cols;
  LayoutBuffers lb;
  DeviceLayout dl;
  if (lb.upload(L, &dl) != 0) return 1;
  DeviceBuffer<int32_t> dx;
  TDC_CHECK(dx.alloc(cells));
  launch_cat_init(dx.get(), rows, dl, keep, seed, row_offset, 0);
  TDC_CHECK_LAUNCH();
  TDC_CHECK(dx.download(x, cells));
  return 0;
}

int sedd_scale_log_scores(float* ls, int ld, const int32_t* x, int rows, const TdCatLayout* L, const double* sigma) {
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
  launch_sedd_scale(dls.get(), ld, dx.get(), rows, dl, ds.get(), 0);
  TDC_CHECK_LAUNCH();
  TDC_CHECK(dls.download(ls, static_cast<size_t>(rows) * ld));
  return 0;
}

int sedd_score_entropy(const float* ls, int ld, const int32_t* xt, const int32_t* x0, int rows, const TdCatLayout* L,
                       const double* sigma, const double* weight, float* grad, double* row_loss, double* total) {
  return run_cat_loss(ls, ld, xt, x0, rows, L, sigma, weight, grad, row_loss, total,
                      [&](const float* dls, const int32_t* dxt, const int32_t* dx0, const DeviceLayout& dl,
                          const double* dsigma, const double* dw, float* dgrad, double* dcell) {
                        launch_sedd_entropy(dls, ld, dxt, dx0, rows, dl, dsigma, dw, dgrad, dcell, 0);
                      });
}

int sedd_reverse_step(const float* ls, int ld, int32_t* x, int rows, const TdCatLayout* L, const TdSeddStep* coef,
                      uint64_t seed, uint64_t row_offset, uint32_t step) {
  return run_cat_step(ls, ld, x, rows, L,
                      [&](const float* dls, int32_t* dx, const DeviceLayout& dl, double* scratch, int widest) {
                        launch_sedd_step(dls, ld, dx, rows, dl, sedd_coef(*coef), seed, row_offset, step, scratch, widest, 0);
                      });
}

}  // namespace tdc
