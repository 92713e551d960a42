#include "inpaint.h"

#include <algorithm>
#include <cmath>

#include "../core/philox.h"
#include "normals.h"
#include "sedd.h"

namespace td {
namespace cpu {

Renoise renoise_to(const double* alpha_bars, int prev) {
  Renoise r;
  if (prev >= 0) {
    r.a = static_cast<float>(std::sqrt(alpha_bars[prev]));
    r.s = static_cast<float>(std::sqrt(1.0 - alpha_bars[prev]));
  }
  return r;
}

std::vector<Move> inpaint_schedule(size_t steps, int jumps, int length, double start) {
  std::vector<Move> moves;
  const size_t block = static_cast<size_t>(std::max(1, length));
  const size_t first = static_cast<size_t>(std::floor(std::min(1.0, std::max(0.0, start)) * static_cast<double>(steps)));
  for (size_t s = 0; s < steps; s += block) {
    const size_t e = std::min(steps, s + block);
    const uint32_t passes = s >= first ? static_cast<uint32_t>(std::max(1, jumps)) : 1u;
    for (uint32_t pass = 0; pass < passes; ++pass) {
      for (size_t k = s; k < e; ++k) moves.push_back({static_cast<int>(k), static_cast<int>(k), false, pass});
      if (pass + 1 < passes) moves.push_back({static_cast<int>(s), static_cast<int>(e - 1), true, pass});
    }
  }
  return moves;
}

namespace {

constexpr int kBlockRows = 64;  // noise in row blocks: the scratch stays in cache

// Overwrites observed cells of rows [i0, i0 + block) with r.a * known + r.s * z.
void substitute_block(float* xb, int block, int cols, const float* z, const KnownCells& known, int64_t first,
                      const Renoise& r) {
  for (int i = 0; i < block; ++i) {
    const size_t at = known.offset(first + i, cols);
    const float* kv = known.values + at;
    const uint8_t* km = known.mask + at;
    float* row = xb + static_cast<size_t>(i) * cols;
    const float* zr = z + static_cast<size_t>(i) * cols;
    for (int j = 0; j < cols; ++j) {
      // s = 0 at the clean end: the observed value comes back bit for bit.
      if (km[j]) row[j] = r.s > 0.0f ? r.a * kv[j] + r.s * zr[j] : kv[j];
    }
  }
}

}  // namespace

void inpaint_affine_step(float* x, const float* eps_hat, int rows, int cols, const AffineStep& c, uint64_t seed,
                         uint64_t row_offset, uint32_t noise_step, const KnownCells& known, int64_t first_row,
                         const Renoise& r) {
  thread_local std::vector<float> z, zk;
  z.resize(static_cast<size_t>(kBlockRows) * cols);
  zk.resize(z.size());
  for (int i0 = 0; i0 < rows; i0 += kBlockRows) {
    const int block = std::min(kBlockRows, rows - i0);
    const size_t n = static_cast<size_t>(block) * cols;
    float* xb = x + static_cast<size_t>(i0) * cols;
    const float* eb = eps_hat + static_cast<size_t>(i0) * cols;
    // Same arithmetic and draws as affine_step, so free cells match the plain sampler's.
    for (size_t k = 0; k < n; ++k) xb[k] = c.x_coef * xb[k] + c.eps_coef * eb[k];
    if (c.sigma > 0.0f) {
      fill_normals(seed, kStreamSampleStep, row_offset + i0, block, noise_step, cols, z.data());
      for (size_t k = 0; k < n; ++k) xb[k] += c.sigma * z[k];
    }
    if (r.s > 0.0f) fill_normals(seed, kStreamInpaint, row_offset + i0, block, noise_step, cols, zk.data());
    substitute_block(xb, block, cols, zk.data(), known, first_row + i0, r);
  }
}

void inpaint_substitute(float* x, int rows, int cols, uint64_t seed, uint64_t row_offset, uint32_t noise_step,
                        const KnownCells& known, int64_t first_row, const Renoise& r) {
  thread_local std::vector<float> zk;
  zk.resize(static_cast<size_t>(kBlockRows) * cols);
  for (int i0 = 0; i0 < rows; i0 += kBlockRows) {
    const int block = std::min(kBlockRows, rows - i0);
    if (r.s > 0.0f) fill_normals(seed, kStreamInpaint, row_offset + i0, block, noise_step, cols, zk.data());
    substitute_block(x + static_cast<size_t>(i0) * cols, block, cols, zk.data(), known, first_row + i0, r);
  }
}

JumpCoef jump_coef(double abar_from, double abar_to) {
  const double ratio = abar_to / abar_from;
  JumpCoef c;
  c.a = static_cast<float>(std::sqrt(ratio));
  c.s = static_cast<float>(std::sqrt(std::max(0.0, 1.0 - ratio)));
  return c;
}

void inpaint_jump(float* x, int rows, int cols, double abar_from, double abar_to, uint64_t seed, uint64_t row_offset,
                  uint32_t noise_step) {
  const JumpCoef c = jump_coef(abar_from, abar_to);
  const float a = c.a, s = c.s;
  thread_local std::vector<float> z;
  z.resize(static_cast<size_t>(kBlockRows) * cols);
  for (int i0 = 0; i0 < rows; i0 += kBlockRows) {
    const int block = std::min(kBlockRows, rows - i0);
    fill_normals(seed, kStreamInpaint, row_offset + i0, block, noise_step | kJumpStepBit, cols, z.data());
    float* xb = x + static_cast<size_t>(i0) * cols;
    const size_t n = static_cast<size_t>(block) * cols;
    for (size_t k = 0; k < n; ++k) xb[k] = a * xb[k] + s * z[k];
  }
}

void inpaint_cat_jump(int32_t* x, int rows, const CatLayout& L, double move, uint64_t seed, uint64_t row_offset,
                      uint32_t noise_step) {
  thread_local std::vector<double> moves;
  moves.assign(static_cast<size_t>(rows), move);
  // cat_corrupt reads x0 and writes xt cell by cell, so in place is safe.
  cat_corrupt(x, rows, L, moves.data(), seed, row_offset, noise_step, kCatColumnsJump, x);
}

}  // namespace cpu
}  // namespace td
