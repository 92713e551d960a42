// The native sampling loop: x_T ~ N(0, I), then the reverse chain over a decreasing
// sequence of timesteps with DDPM, DDIM or DPM-Solver++(2M), chunk by chunk.
// Rows are independent and every draw is indexed by the global row, so a chunk's result
// does not depend on the chunk size, the thread count or which other rows are sampled.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

#include "diffusion_ops.h"
#include "inpaint.h"
#include "model.h"
#include "thread_pool.h"

namespace td {
namespace cpu {

enum class SamplerKind { DDPM = 0, DDIM = 1, DPMSolver = 2 };

struct SampleOptions {
  SamplerKind kind = SamplerKind::DDPM;
  std::vector<int> timesteps;  // strictly decreasing, each in [0, T)
  double eta = 0.0;            // DDIM only
  Variance variance = Variance::Beta;
  const double* betas = nullptr;       // [T]
  const double* alpha_bars = nullptr;  // [T]
  int T = 0;
  uint64_t seed = 0;
  uint64_t row_offset = 0;
  int chunk_rows = 1024;
  const float* context = nullptr;  // [context_rows x context_dim]
  int64_t context_rows = 0;        // 0, 1 (broadcast) or n
  bool use_ema = true;
  // Mixed-type models only (see mixed_sampler.h).
  bool categorical_euler = false;    // SEDD: Euler (tau-leaping) steps instead of the analytic step
  const int32_t* fixed = nullptr;    // [fixed_rows x categorical columns] classes to hold, -1 = free
  int64_t fixed_rows = 0;            // 1 (broadcast) or n
  // Inpainting (inpaint.h): observed numeric cells held on the Gaussian chain, and RePaint's
  // resampling (jumps = 1: none). Inactive by default: the plain sampler, byte for byte.
  KnownCells known;
  int resample_jumps = 1;
  int resample_length = 10;
  double resample_start = 0.0;  // share of the chain before the first resampled block
};

using SampleProgress = std::function<void(int64_t rows_done)>;

// A jump's starting point: abar at the time after the block's last step (1 at the clean end).
double jump_abar_from(const SampleOptions& options, const Move& m);
// The visits of a sampling call over `steps` reverse steps: RePaint's schedule when cells are
// known (inpainting), the plain chain (one move per step) otherwise. Shared by both samplers.
std::vector<Move> sample_moves(size_t steps, const SampleOptions& options);

// Writes n rows of data_dim values to out. Returns false when aborted.
bool sample(const DenoiserModel& model, int64_t n, const SampleOptions& options, float* out, ThreadPool* pool,
            const std::atomic<bool>& abort, const SampleProgress& progress);

// The per-step part of a sampling plan, shared by all chunks: the first-layer bias (time and
// broadcast context folded in) and the Gaussian update's coefficients. The mixed-type sampler
// builds its plan on this one, so both chains follow the same step rules.
struct StepPlan {
  std::vector<float> first_bias;
  AffineStep affine;
  DpmStep dpm;
};
std::vector<StepPlan> plan_steps(const DenoiserModel& model, const float* params, const SampleOptions& options);

// The model's eps prediction for rows x at one shared timestep t, through exactly the
// arithmetic the sampling loop uses (first-layer bias folded per step).
void predict_eps(const DenoiserModel& model, const float* params, const float* x, int rows, int t,
                 const float* context, int64_t context_rows, float* eps_out);

// The per-step plan as flat arrays, for another backend to execute: first-layer biases
// [steps x hidden0] and 6 coefficients per step (affine: x_coef, eps_coef, sigma; DPM-Solver++:
// x_coef, d_coef, cur_weight, prev_weight, x0_from_x, x0_from_eps).
struct FlatPlan {
  std::vector<float> first_bias;
  std::vector<float> coefs;
  bool dpm = false;
};
FlatPlan flatten_plan(const DenoiserModel& model, const SampleOptions& options);

}  // namespace cpu
}  // namespace td
