#include "sampler.h"

#include <algorithm>
#include <cstring>
#include <mutex>

#include "../core/philox.h"
#include "chunks.h"
#include "mlp.h"
#include "normals.h"

namespace td {
namespace cpu {

namespace {

// Per-worker buffers, sized once per sample call.
struct ChunkScratch {
  MlpWorkspace ws;
  std::vector<float> x, x0_prev, row_bias;
};

}  // namespace

std::vector<StepPlan> plan_steps(const DenoiserModel& model, const float* params, const SampleOptions& o) {
  const int hidden0 = model.layout.layers[0].out;
  const float* broadcast = o.context_rows == 1 ? o.context : nullptr;
  const size_t steps = o.timesteps.size();
  std::vector<StepPlan> plan(steps);
  for (size_t k = 0; k < steps; ++k) {
    const int t = o.timesteps[k];
    const int prev = k + 1 < steps ? o.timesteps[k + 1] : -1;
    plan[k].first_bias.resize(hidden0);
    first_layer_bias(model, params, t, broadcast, plan[k].first_bias.data());
    switch (o.kind) {
      case SamplerKind::DDPM: plan[k].affine = ddpm_coefficients(o.betas, o.alpha_bars, t, o.variance); break;
      case SamplerKind::DDIM: plan[k].affine = ddim_coefficients(o.alpha_bars, t, prev, o.eta); break;
      case SamplerKind::DPMSolver: {
        // First order into the last timestep: that step spans the largest change of
        // log-SNR (t -> 0), where the 2M extrapolation overshoots (see test/oracle.test.mjs).
        const int before = k > 0 && k + 2 < steps ? o.timesteps[k - 1] : -1;
        plan[k].dpm = dpm_solver_coefficients(o.alpha_bars, before, t, prev, true);
        break;
      }
    }
  }
  return plan;
}

double jump_abar_from(const SampleOptions& o, const Move& m) {
  const size_t next = static_cast<size_t>(m.k_end) + 1;
  return next < o.timesteps.size() ? o.alpha_bars[o.timesteps[next]] : 1.0;
}

std::vector<Move> sample_moves(size_t steps, const SampleOptions& o) {
  return inpaint_schedule(steps, o.known.active() ? o.resample_jumps : 1, o.resample_length, o.resample_start);
}

namespace {

bool run_chunk(const DenoiserModel& model, const float* params, const SampleOptions& o,
               const std::vector<StepPlan>& plan, const std::vector<Move>& moves, int64_t first_row, int rows, float* out, ChunkScratch& s,
               const std::atomic<bool>& abort) {
  const int d = model.cfg.data_dim;
  const int hidden0 = model.layout.layers[0].out;
  s.x.resize(static_cast<size_t>(rows) * d);
  if (o.kind == SamplerKind::DPMSolver) s.x0_prev.assign(s.x.size(), 0.0f);
  const float* row_bias = nullptr;
  if (o.context_rows > 1 && model.cfg.context_dim > 0) {
    s.row_bias.resize(static_cast<size_t>(rows) * hidden0);
    context_row_bias(model, params, o.context + first_row * model.cfg.context_dim, rows, s.row_bias.data());
    row_bias = s.row_bias.data();
  }
  const uint64_t global_row = o.row_offset + static_cast<uint64_t>(first_row);
  fill_normals(o.seed, kStreamSampleInit, global_row, rows, 0, d, s.x.data());
  const bool inpaint = o.known.active();
  for (const Move& m : moves) {
    if (abort.load(std::memory_order_relaxed)) return false;
    const int k = m.k;
    const uint32_t step = visit_step(o.timesteps[k], o.T, m.pass);
    if (m.up) {
      inpaint_jump(s.x.data(), rows, d, jump_abar_from(o, m), o.alpha_bars[o.timesteps[k]], o.seed, global_row, step);
      continue;
    }
    const float* eps_hat =
        mlp_forward_folded(model.cfg, model.layout, params, s.x.data(), rows, plan[k].first_bias.data(), row_bias, s.ws, nullptr);
    const Renoise r = inpaint ? renoise_to(o.alpha_bars, static_cast<size_t>(k) + 1 < plan.size() ? o.timesteps[k + 1] : -1) : Renoise{};
    if (o.kind == SamplerKind::DPMSolver) {
      dpm_solver_step(s.x.data(), eps_hat, s.x0_prev.data(), rows, d, plan[k].dpm);
      if (inpaint) inpaint_substitute(s.x.data(), rows, d, o.seed, global_row, step, o.known, first_row, r);
    } else if (inpaint) {
      inpaint_affine_step(s.x.data(), eps_hat, rows, d, plan[k].affine, o.seed, global_row, step, o.known, first_row, r);
    } else {
      affine_step(s.x.data(), eps_hat, rows, d, plan[k].affine, o.seed, global_row, step);
    }
  }
  std::memcpy(out, s.x.data(), sizeof(float) * s.x.size());
  return true;
}

}  // namespace

bool sample(const DenoiserModel& model, int64_t n, const SampleOptions& options, float* out, ThreadPool* pool,
            const std::atomic<bool>& abort, const SampleProgress& progress) {
  const float* params = options.use_ema ? model.sampling_params() : model.params.data();
  const std::vector<StepPlan> plan = plan_steps(model, params, options);
  const std::vector<Move> moves = sample_moves(plan.size(), options);
  const int chunk = std::max(1, options.chunk_rows);
  const int workers = pool ? pool->size() : 1;
  std::vector<ChunkScratch> scratch(workers);
  const int d = model.cfg.data_dim;
  return for_each_chunk(n, chunk, pool, abort, progress, [&](int64_t first, int rows, int worker) {
    return run_chunk(model, params, options, plan, moves, first, rows, out + first * d, scratch[worker], abort);
  });
}

void predict_eps(const DenoiserModel& model, const float* params, const float* x, int rows, int t,
                 const float* context, int64_t context_rows, float* eps_out) {
  const int hidden0 = model.layout.layers[0].out;
  std::vector<float> first_bias(hidden0), row_bias;
  first_layer_bias(model, params, t, context_rows == 1 ? context : nullptr, first_bias.data());
  if (context_rows > 1 && model.cfg.context_dim > 0) {
    row_bias.resize(static_cast<size_t>(rows) * hidden0);
    context_row_bias(model, params, context, rows, row_bias.data());
  }
  MlpWorkspace ws;
  const float* eps = mlp_forward_folded(model.cfg, model.layout, params, x, rows, first_bias.data(),
                                        row_bias.empty() ? nullptr : row_bias.data(), ws, nullptr);
  std::memcpy(eps_out, eps, sizeof(float) * static_cast<size_t>(rows) * model.cfg.out_dim);
}

FlatPlan flatten_plan(const DenoiserModel& model, const SampleOptions& options) {
  const float* params = options.use_ema ? model.sampling_params() : model.params.data();
  const std::vector<StepPlan> plan = plan_steps(model, params, options);
  FlatPlan flat;
  flat.dpm = options.kind == SamplerKind::DPMSolver;
  for (const StepPlan& p : plan) {
    flat.first_bias.insert(flat.first_bias.end(), p.first_bias.begin(), p.first_bias.end());
    const float affine[6] = {p.affine.x_coef, p.affine.eps_coef, p.affine.sigma, 0, 0, 0};
    const float dpm[6] = {p.dpm.x_coef, p.dpm.d_coef, p.dpm.cur_weight, p.dpm.prev_weight, p.dpm.x0_from_x, p.dpm.x0_from_eps};
    flat.coefs.insert(flat.coefs.end(), flat.dpm ? dpm : affine, (flat.dpm ? dpm : affine) + 6);
  }
  return flat;
}

}  // namespace cpu
}  // namespace td
