// CUDA twin of native/cpu/inpaint.cpp (see inpaint.cuh). Compiled with --fmad=false, and the
// arithmetic spelled with _rn intrinsics besides, so no multiply-add is fused: the CPU rounds
// each product and sum on its own (-ffp-contract=off).
#include <cuda_runtime.h>

#include <vector>

#include "../core/categorical_spec.h"
#include "../core/philox.h"
#include "common.cuh"
#include "diffusion_ops.cuh"
#include "inpaint.cuh"

namespace tdc {

namespace {

constexpr unsigned kBlock = 256;

// a * v + s * z, two products and a sum, each rounded (the CPU's a * kv + s * z).
__device__ __forceinline__ float renoised(float a, float v, float s, float z) {
  return __fadd_rn(__fmul_rn(a, v), __fmul_rn(s, z));
}

// One thread per (row, block of 4 columns), as the normals are drawn.
__global__ void substitute_kernel(float* x, int rows, int cols, const float* kv, const uint8_t* km, bool broadcast,
                                  float a, float s, uint64_t seed, uint64_t row_offset, uint32_t noise_step) {
  const int blocks = (cols + 3) / 4;
  const size_t idx = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (idx >= static_cast<size_t>(rows) * blocks) return;
  const int i = static_cast<int>(idx / blocks), b = static_cast<int>(idx % blocks);
  const size_t known_row = broadcast ? 0 : static_cast<size_t>(i) * cols;
  bool any = false;
  for (int k = 0; k < 4 && 4 * b + k < cols; ++k) any = any || km[known_row + 4 * b + k];
  if (!any) return;
  td::Normal4 z = {{0, 0, 0, 0}};
  if (s > 0.0f) z = td::normals_from_block(td::philox_block(seed, td::kStreamInpaint, row_offset + i, noise_step, static_cast<uint32_t>(b)));
  for (int k = 0; k < 4 && 4 * b + k < cols; ++k) {
    const int j = 4 * b + k;
    if (!km[known_row + j]) continue;
    const float v = kv[known_row + j];
    x[static_cast<size_t>(i) * cols + j] = s > 0.0f ? renoised(a, v, s, z.v[k]) : v;
  }
}

__global__ void jump_kernel(float* x, int rows, int cols, float a, float s, uint64_t seed, uint64_t row_offset,
                            uint32_t noise_step) {
  const int blocks = (cols + 3) / 4;
  const size_t idx = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (idx >= static_cast<size_t>(rows) * blocks) return;
  const int i = static_cast<int>(idx / blocks), b = static_cast<int>(idx % blocks);
  const td::Normal4 z = td::normals_from_block(
      td::philox_block(seed, td::kStreamInpaint, row_offset + i, noise_step | td::kJumpStepBit, static_cast<uint32_t>(b)));
  for (int k = 0; k < 4 && 4 * b + k < cols; ++k) {
    const size_t e = static_cast<size_t>(i) * cols + 4 * b + k;
    x[e] = renoised(a, x[e], s, z.v[k]);
  }
}

}  // namespace

void launch_inpaint_substitute(float* x, int rows, int cols, const float* known_values, const uint8_t* known_mask,
                               bool broadcast, float a, float s_coef, uint64_t seed, uint64_t row_offset,
                               uint32_t noise_step, cudaStream_t s) {
  const size_t work = static_cast<size_t>(rows) * ((cols + 3) / 4);
  substitute_kernel<<<grid_for(work, kBlock), kBlock, 0, s>>>(x, rows, cols, known_values, known_mask, broadcast, a,
                                                              s_coef, seed, row_offset, noise_step);
}

void launch_inpaint_jump(float* x, int rows, int cols, float a, float s_coef, uint64_t seed, uint64_t row_offset,
                         uint32_t noise_step, cudaStream_t s) {
  const size_t work = static_cast<size_t>(rows) * ((cols + 3) / 4);
  jump_kernel<<<grid_for(work, kBlock), kBlock, 0, s>>>(x, rows, cols, a, s_coef, seed, row_offset, noise_step);
}

std::vector<TdMove> plain_moves(const TdSampleArgs& a) {
  std::vector<TdMove> moves(static_cast<size_t>(a.steps));
  for (int k = 0; k < a.steps; ++k) {
    moves[k] = TdMove{};
    moves[k].k = k;
    moves[k].noise_step = static_cast<uint32_t>(a.timesteps[k]);
  }
  return moves;
}

int InpaintChunk::init(const TdSampleArgs& a, int cols, int chunk) {
  if (a.moves != nullptr) TDC_CHECK(move_.alloc(static_cast<size_t>(chunk)));
  active_ = a.known_values != nullptr && a.known_mask != nullptr && cols > 0;
  if (!active_) return 0;
  cols_ = cols;
  broadcast_ = a.known_rows == 1;
  const size_t count = static_cast<size_t>(broadcast_ ? 1 : chunk) * cols;
  if (broadcast_) {
    TDC_CHECK(values_.upload(a.known_values, count));
    TDC_CHECK(mask_.upload(a.known_mask, count));
  } else {
    TDC_CHECK(values_.alloc(count));
    TDC_CHECK(mask_.alloc(count));
  }
  return 0;
}

int InpaintChunk::load(const TdSampleArgs& a, int64_t first, int rows, cudaStream_t s) {
  if (!active_ || broadcast_) return 0;
  const size_t at = static_cast<size_t>(first) * cols_, count = static_cast<size_t>(rows) * cols_;
  TDC_CHECK(cudaMemcpyAsync(values_.get(), a.known_values + at, count * sizeof(float), cudaMemcpyHostToDevice, s));
  TDC_CHECK(cudaMemcpyAsync(mask_.get(), a.known_mask + at, count * sizeof(uint8_t), cudaMemcpyHostToDevice, s));
  return 0;
}

void InpaintChunk::substitute(float* x, int rows, const TdMove& m, uint64_t seed, uint64_t global_row,
                              cudaStream_t s) const {
  if (!active_) return;
  launch_inpaint_substitute(x, rows, cols_, values_.get(), mask_.get(), broadcast_, m.renoise_a, m.renoise_s, seed,
                            global_row, m.noise_step, s);
}

void InpaintChunk::jump_categorical(int32_t* x_cat, int rows, const DeviceLayout& L, const TdMove& m, uint64_t seed,
                                    uint64_t global_row, cudaStream_t s) {
  if (move_.get() == nullptr || L.cols == 0) return;
  launch_fill_rows(move_.get(), rows, m.cat_move, s);
  // cat_corrupt reads and writes each cell in one thread, so in place is safe (as on the CPU).
  launch_cat_corrupt(x_cat, rows, L, move_.get(), seed, global_row, m.noise_step, td::kCatColumnsJump, x_cat, s);
}

int inpaint_step(float* x, const float* eps_hat, int rows, int cols, float x_coef, float eps_coef, float sigma,
                 uint64_t seed, uint64_t row_offset, uint32_t noise_step, const float* known_values,
                 const uint8_t* known_mask, int64_t known_rows, float renoise_a, float renoise_s) {
  const size_t count = static_cast<size_t>(rows) * cols;
  const size_t known_count = static_cast<size_t>(known_rows == 1 ? 1 : rows) * cols;
  DeviceBuffer<float> dx, de, dv;
  DeviceBuffer<uint8_t> dm;
  TDC_CHECK(dx.upload(x, count));
  TDC_CHECK(de.upload(eps_hat, count));
  TDC_CHECK(dv.upload(known_values, known_count));
  TDC_CHECK(dm.upload(known_mask, known_count));
  // The free cells take the plain step's arithmetic and draws; the observed ones are overwritten.
  launch_affine_step(dx.get(), de.get(), rows, cols, x_coef, eps_coef, sigma, seed, row_offset, noise_step, 0);
  launch_inpaint_substitute(dx.get(), rows, cols, dv.get(), dm.get(), known_rows == 1, renoise_a, renoise_s, seed,
                            row_offset, noise_step, 0);
  TDC_CHECK_LAUNCH();
  TDC_CHECK(dx.download(x, count));
  return 0;
}

int inpaint_jump(float* x, int rows, int cols, float jump_a, float jump_s, uint64_t seed, uint64_t row_offset,
                 uint32_t noise_step) {
  const size_t count = static_cast<size_t>(rows) * cols;
  DeviceBuffer<float> dx;
  TDC_CHECK(dx.upload(x, count));
  launch_inpaint_jump(dx.get(), rows, cols, jump_a, jump_s, seed, row_offset, noise_step, 0);
  TDC_CHECK_LAUNCH();
  TDC_CHECK(dx.download(x, count));
  return 0;
}

}  // namespace tdc
