#include "mixed_sampler.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <mutex>
#include <vector>

#include "../core/philox.h"
#include "chunks.h"
#include "mlp.h"
#include "normals.h"
#include "multinomial.h"
#include "sedd.h"

namespace td {
namespace cpu {

namespace {

struct MixedScratch {
  MlpWorkspace ws;
  std::vector<float> x_num, x_in, eps_hat, x0_prev, head, row_bias;
  std::vector<int32_t> x_cat;
  std::vector<double> sigma;
};


bool run_mixed_chunk(const DenoiserModel& model, const float* params, const SampleOptions& o,
                     const std::vector<MixedPlan>& plan, const std::vector<Move>& moves, int64_t first_row, int rows,
                     float* out_num, int32_t* out_cat,
                     MixedScratch& s, const std::atomic<bool>& abort) {
  const int d = model.numeric_dim(), D = model.cfg.data_dim, C = static_cast<int>(model.cat.classes.size());
  const int hidden0 = model.layout.layers[0].out;
  const CatLayout L = model.cat.layout();
  const bool is_sedd = model.cat.method == CatMethod::Sedd;
  s.x_num.resize(static_cast<size_t>(rows) * d);
  s.eps_hat.resize(s.x_num.size());
  s.x_in.resize(static_cast<size_t>(rows) * D);
  s.head.resize(static_cast<size_t>(rows) * L.total);
  s.x_cat.resize(static_cast<size_t>(rows) * C);
  s.sigma.resize(rows);
  if (o.kind == SamplerKind::DPMSolver) s.x0_prev.assign(s.x_num.size(), 0.0f);
  const float* row_bias = nullptr;
  if (o.context_rows > 1 && model.cfg.context_dim > 0) {
    s.row_bias.resize(static_cast<size_t>(rows) * hidden0);
    context_row_bias(model, params, o.context + first_row * model.cfg.context_dim, rows, s.row_bias.data());
    row_bias = s.row_bias.data();
  }
  const uint64_t global_row = o.row_offset + static_cast<uint64_t>(first_row);
  if (d > 0) fill_normals(o.seed, kStreamSampleInit, global_row, rows, 0, d, s.x_num.data());
  const double keep = mixed_start_keep(model);
  cat_init(s.x_cat.data(), rows, L, keep, o.seed, global_row);
  cat_apply_fixed(s.x_cat.data(), rows, C, o.fixed, o.fixed_rows, first_row);
  const bool inpaint = o.known.active();
  for (const Move& m : moves) {
    if (abort.load(std::memory_order_relaxed)) return false;
    const size_t k = static_cast<size_t>(m.k);
    const MixedPlan& p = plan[k];
    const uint32_t step = visit_step(o.timesteps[k], o.T, m.pass);
    if (m.up) {
      // Both chains jump back up together: they share the clock the network sees.
      if (d > 0) inpaint_jump(s.x_num.data(), rows, d, jump_abar_from(o, m), o.alpha_bars[o.timesteps[k]], o.seed, global_row, step);
      inpaint_cat_jump(s.x_cat.data(), rows, L, mixed_jump_move(model, o, m), o.seed, global_row, step);
      cat_apply_fixed(s.x_cat.data(), rows, C, o.fixed, o.fixed_rows, first_row);
      continue;
    }
    for (int i = 0; i < rows; ++i) {
      if (d > 0) std::memcpy(&s.x_in[static_cast<size_t>(i) * D], &s.x_num[static_cast<size_t>(i) * d], sizeof(float) * d);
    }
    cat_one_hot(s.x_cat.data(), rows, L, s.x_in.data() + d, D);
    const float* out = mlp_forward_folded(model.cfg, model.layout, params, s.x_in.data(), rows, p.gauss.first_bias.data(),
                                          row_bias, s.ws, nullptr);
    for (int i = 0; i < rows; ++i) {
      const float* row = out + static_cast<size_t>(i) * D;
      if (d > 0) std::memcpy(&s.eps_hat[static_cast<size_t>(i) * d], row, sizeof(float) * d);
      std::memcpy(&s.head[static_cast<size_t>(i) * L.total], row + d, sizeof(float) * L.total);
    }
    if (d > 0) {
      const Renoise r = inpaint ? renoise_to(o.alpha_bars, k + 1 < plan.size() ? o.timesteps[k + 1] : -1) : Renoise{};
      if (o.kind == SamplerKind::DPMSolver) {
        dpm_solver_step(s.x_num.data(), s.eps_hat.data(), s.x0_prev.data(), rows, d, p.gauss.dpm);
        if (inpaint) inpaint_substitute(s.x_num.data(), rows, d, o.seed, global_row, step, o.known, first_row, r);
      } else if (inpaint) {
        inpaint_affine_step(s.x_num.data(), s.eps_hat.data(), rows, d, p.gauss.affine, o.seed, global_row, step, o.known, first_row, r);
      } else {
        affine_step(s.x_num.data(), s.eps_hat.data(), rows, d, p.gauss.affine, o.seed, global_row, step);
      }
    }
    if (is_sedd) {
      std::fill(s.sigma.begin(), s.sigma.end(), p.sigma);
      sedd_scale_log_scores(s.head.data(), L.total, s.x_cat.data(), rows, L, s.sigma.data());
      sedd_reverse_step(s.head.data(), L.total, s.x_cat.data(), rows, L, p.sedd, o.seed, global_row, step);
    } else {
      multinomial_step(s.head.data(), L.total, s.x_cat.data(), rows, L, p.multinomial, o.seed, global_row, step);
    }
    cat_apply_fixed(s.x_cat.data(), rows, C, o.fixed, o.fixed_rows, first_row);
  }
  if (d > 0) std::memcpy(out_num, s.x_num.data(), sizeof(float) * s.x_num.size());
  std::memcpy(out_cat, s.x_cat.data(), sizeof(int32_t) * s.x_cat.size());
  return true;
}

}  // namespace

double mixed_jump_move(const DenoiserModel& model, const SampleOptions& o, const Move& m) {
  const size_t next = static_cast<size_t>(m.k_end) + 1;
  const int from = next < o.timesteps.size() ? o.timesteps[next] : -1, to = o.timesteps[m.k];
  if (model.cat.method == CatMethod::Sedd) {
    // The categorical clock after a step to `prev` is (prev + 1) / T, and 0 at the clean end.
    const double s_from = from >= 0 ? model.cat.noise.total(sedd::clock_time(from, o.T)) : 0.0;
    const double s_to = model.cat.noise.total(sedd::clock_time(to, o.T));
    return -std::expm1(-(s_to - s_from));
  }
  const double a_from = from >= 0 ? o.alpha_bars[from] : 1.0;
  return 1.0 - o.alpha_bars[to] / a_from;
}

std::vector<MixedPlan> plan_mixed(const DenoiserModel& model, const float* params, const SampleOptions& o) {
  std::vector<StepPlan> gauss = plan_steps(model, params, o);
  const size_t steps = o.timesteps.size();
  std::vector<MixedPlan> plan(steps);
  for (size_t k = 0; k < steps; ++k) {
    const int t = o.timesteps[k];
    const int prev = k + 1 < steps ? o.timesteps[k + 1] : -1;
    MixedPlan& p = plan[k];
    p.gauss = std::move(gauss[k]);
    if (model.cat.method == CatMethod::Sedd) {
      const double now = sedd::clock_time(t, o.T), next = prev >= 0 ? sedd::clock_time(prev, o.T) : 0.0;
      p.sigma = model.cat.noise.total(now);
      p.sedd = sedd_step_coef(model.cat.noise, now, next, o.categorical_euler);
    } else {
      p.multinomial = multinomial_coef(o.alpha_bars, t, prev);
    }
  }
  return plan;
}

double mixed_start_keep(const DenoiserModel& model) {
  return model.cat.method == CatMethod::Sedd ? std::exp(-model.cat.noise.total(1.0)) : 0.0;
}

bool sample_mixed(const DenoiserModel& model, int64_t n, const SampleOptions& options, float* out_num,
                  int32_t* out_cat, ThreadPool* pool, const std::atomic<bool>& abort, const SampleProgress& progress) {
  const float* params = options.use_ema ? model.sampling_params() : model.params.data();
  const std::vector<MixedPlan> plan = plan_mixed(model, params, options);
  const std::vector<Move> moves = sample_moves(plan.size(), options);
  const int chunk = std::max(1, options.chunk_rows);
  const int workers = pool ? pool->size() : 1;
  std::vector<MixedScratch> scratch(workers);
  const int d = model.numeric_dim();
  const int C = static_cast<int>(model.cat.classes.size());
  return for_each_chunk(n, chunk, pool, abort, progress, [&](int64_t first, int rows, int worker) {
    return run_mixed_chunk(model, params, options, plan, moves, first, rows, out_num + first * d, out_cat + first * C,
                           scratch[worker], abort);
  });
}

}  // namespace cpu
}  // namespace td
