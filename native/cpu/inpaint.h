// Inpainting (RePaint) on the Gaussian chain: observed cells are re-noised to the chain's
// current time with the forward kernel and substituted after every reverse step, and the
// chain jumps back up in time (resampling) so the free cells can harmonise with them.
// docs/imputation.md gives the schedule and the parameters; test/inpaint.test.mjs checks the
// law of the chain against the exact Gaussian conditional.
//
// Draws: substitution noise at (seed, kStreamInpaint, global row, noise step, column), jump
// noise at the same with step | kJumpStepBit, so chunking and threads change nothing.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "../core/categorical_spec.h"
#include "diffusion_ops.h"

namespace td {
namespace cpu {


// The observed numeric cells of a sampling call, in the transformed space.
struct KnownCells {
  const float* values = nullptr;  // [rows x cols]; read only where mask is 1
  const uint8_t* mask = nullptr;  // [rows x cols]; 1 = observed
  int64_t rows = 0;               // 1 (broadcast) or n
  bool active() const { return values != nullptr && mask != nullptr; }
  // Row `i` of the call (0-based within the call).
  size_t offset(int64_t i, int cols) const { return rows == 1 ? 0 : static_cast<size_t>(i) * cols; }
};

// Forward kernel to the time a reverse step lands on: x = a * x0 + s * z.
struct Renoise {
  float a = 1.0f, s = 0.0f;  // sqrt(abar_prev), sqrt(1 - abar_prev); the clean end: 1, 0
};
Renoise renoise_to(const double* alpha_bars, int prev);

// One visit of RePaint's schedule: reverse step k (of the timestep sequence) in pass `pass`,
// or a jump back up from the time after step k_end to the time of step k.
struct Move {
  int k = 0;
  int k_end = 0;     // jumps: the last step of the block being repeated
  bool up = false;
  uint32_t pass = 0;  // 0 .. jumps - 1: which repetition of the block
};

// Blocks of `length` steps, each run `jumps` times with a jump back up between runs
// (jumps = 1: the plain chain, one move per step). Only blocks that start at or after step
// floor(start * steps) are resampled: at high noise the observed cells carry almost no
// information, so jumps there cost without helping (docs/imputation.md).
std::vector<Move> inpaint_schedule(size_t steps, int jumps, int length, double start = 0.0);

// The noise step of a visit: t + T * pass (pass 0 is the plain sampler's draw).
inline uint32_t visit_step(int t, int T, uint32_t pass) { return static_cast<uint32_t>(t) + static_cast<uint32_t>(T) * pass; }

// The DDPM / DDIM update fused with the substitution: a free cell gets
// x_coef x + eps_coef eps_hat + sigma z (z as affine_step draws it), an observed cell
// r.a * known + r.s * z' (z' from kStreamInpaint). first_row: the chunk's first row within the call.
void inpaint_affine_step(float* x, const float* eps_hat, int rows, int cols, const AffineStep& c, uint64_t seed,
                         uint64_t row_offset, uint32_t noise_step, const KnownCells& known, int64_t first_row,
                         const Renoise& r);

// The substitution alone (after a DPM-Solver++ step, whose update has no noise).
void inpaint_substitute(float* x, int rows, int cols, uint64_t seed, uint64_t row_offset, uint32_t noise_step,
                        const KnownCells& known, int64_t first_row, const Renoise& r);

// A jump back up from abar_from to abar_to: x <- a x + s z, every cell (the CUDA twin gets a, s from here).
struct JumpCoef {
  float a = 1.0f, s = 0.0f;
};
JumpCoef jump_coef(double abar_from, double abar_to);
// A jump back up: x <- sqrt(abar_to / abar_from) x + sqrt(1 - abar_to / abar_from) z, every cell.
void inpaint_jump(float* x, int rows, int cols, double abar_from, double abar_to, uint64_t seed, uint64_t row_offset,
                  uint32_t noise_step);

// The categorical chain's jump: each cell moves with probability `move` (to MASK or a uniform
// class, as cat_corrupt), draws at columns kCatColumnsJump.
void inpaint_cat_jump(int32_t* x, int rows, const CatLayout& L, double move, uint64_t seed, uint64_t row_offset,
                      uint32_t noise_step);

}  // namespace cpu
}  // namespace td
