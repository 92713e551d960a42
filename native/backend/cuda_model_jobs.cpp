#include "cuda_model_jobs.h"

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "../cpu/mixed_sampler.h"
#include "../cpu/mixed_trainer.h"
#include "backend.h"

namespace td {
namespace backend {

namespace {

// What the backend's callbacks see: the job's abort flag and progress function.
template <typename Progress>
struct Bridge {
  const std::atomic<bool>& abort;
  const Progress& progress;
};

template <typename Progress>
int ShouldStop(void* user) {
  return static_cast<Bridge<Progress>*>(user)->abort.load() ? 1 : 0;
}

void Check(const TdCudaApi& api, int rc) {
  if (rc == 1) throw Error(std::string("CUDA backend: ") + api.last_error());
}

// The categorical part of a mixed model for the backend, with the host arrays it points into.
struct MixedInputs {
  TdMixedArgs args{};
  cpu::ClockTables tables;
  std::vector<TdMultinomialStep> coef, multinomial_steps;
  std::vector<double> step_sigma;
  std::vector<TdSeddStep> sedd_steps;

  explicit MixedInputs(const cpu::DenoiserModel& model) {
    const CatLayout L = model.cat.layout();
    args.layout = {L.classes, L.offsets, L.cols, L.total, L.graph == sedd::Graph::Absorbing ? 1 : 0};
    args.method = model.cat.method == CatMethod::Sedd ? 0 : 1;
  }

  void for_training(const cpu::DenoiserModel& model, const cpu::TrainData& data, const cpu::TrainOptions& o) {
    tables = cpu::build_clock_tables(model, data);
    coef.clear();
    for (const auto& c : tables.coef) coef.push_back({c.a, c.b});
    args.categorical = data.categorical;
    args.sigma = tables.sigma.data();
    args.rate = tables.rate.data();
    args.move = tables.move.data();
    args.coef = coef.data();
    args.cat_scale = cpu::categorical_loss_scale(model, o);
  }

  void for_sampling(const cpu::DenoiserModel& model, const float* params, const cpu::SampleOptions& o) {
    for (const cpu::MixedPlan& p : cpu::plan_mixed(model, params, o)) {
      step_sigma.push_back(p.sigma);
      sedd_steps.push_back({p.sedd.delta_em1, p.sedd.delta_move, p.sedd.euler_h, p.sedd.euler ? 1 : 0, p.sedd.final ? 1 : 0});
      multinomial_steps.push_back({p.multinomial.a, p.multinomial.b});
    }
    args.step_sigma = step_sigma.data();
    args.sedd_steps = sedd_steps.data();
    args.multinomial_steps = multinomial_steps.data();
    args.keep = cpu::mixed_start_keep(model);
    args.fixed = o.fixed;
    args.fixed_rows = o.fixed_rows;
  }
};

// Inpainting's schedule for the backend (cpu/sampler.h sample_moves), every coefficient
// computed here by the CPU code so both backends take the same steps; empty without known cells.
std::vector<TdMove> InpaintMoves(const cpu::DenoiserModel& model, const cpu::SampleOptions& o) {
  std::vector<TdMove> out;
  if (!o.known.active()) return out;
  const size_t steps = o.timesteps.size();
  for (const cpu::Move& m : cpu::sample_moves(steps, o)) {
    TdMove v{};
    v.k = m.k;
    v.up = m.up ? 1 : 0;
    v.noise_step = cpu::visit_step(o.timesteps[m.k], o.T, m.pass);
    if (m.up) {
      const cpu::JumpCoef j = cpu::jump_coef(cpu::jump_abar_from(o, m), o.alpha_bars[o.timesteps[m.k]]);
      v.jump_a = j.a;
      v.jump_s = j.s;
      if (model.cat.active()) v.cat_move = cpu::mixed_jump_move(model, o, m);
    } else {
      const size_t next = static_cast<size_t>(m.k) + 1;
      const cpu::Renoise r = cpu::renoise_to(o.alpha_bars, next < steps ? o.timesteps[next] : -1);
      v.renoise_a = r.a;
      v.renoise_s = r.s;
    }
    out.push_back(v);
  }
  return out;
}

}  // namespace

TdMlpDesc DescribeMlp(const cpu::DenoiserModel& model) {
  TdMlpDesc desc{};
  const auto& layers = model.layout.layers;
  if (layers.size() > TD_CUDA_MAX_LAYERS) throw std::runtime_error("CUDA backend: too many layers");  // a plain error, as before the backend layer
  desc.layers = static_cast<int>(layers.size());
  for (size_t l = 0; l < layers.size(); ++l) {
    desc.in[l] = layers[l].in;
    desc.out[l] = layers[l].out;
    desc.weight_offset[l] = layers[l].weight_offset;
    desc.bias_offset[l] = layers[l].bias_offset;
  }
  desc.param_count = model.layout.total;
  desc.activation = static_cast<int>(model.cfg.activation);
  desc.data_dim = model.cfg.data_dim;
  desc.context_dim = model.cfg.context_dim;
  desc.time_dim = model.cfg.time_dim;
  return desc;
}

cpu::TrainResult CudaTrain(const TdCudaApi& api, cpu::DenoiserModel& model, const cpu::TrainData& data,
                           const cpu::TrainOptions& o, const std::atomic<bool>& abort,
                           const cpu::TrainProgress& progress) {
  const TdMlpDesc desc = DescribeMlp(model);
  const std::vector<float> time_table = time_embedding_table(data.timesteps, model.cfg.time_dim);
  if (o.ema_decay > 0.0f && model.ema.empty()) model.ema = model.params;
  TdTrainArgs a{};
  a.x = data.x;
  a.context = data.context;
  a.rows = data.rows;
  a.sqrt_alpha_bars = data.sqrt_alpha_bars;
  a.sqrt_one_minus_alpha_bars = data.sqrt_one_minus_alpha_bars;
  a.time_table = time_table.data();
  a.T = data.timesteps;
  a.batch_size = o.batch_size;
  a.steps = o.steps;
  a.lr = o.adam.lr;
  a.beta1 = o.adam.beta1;
  a.beta2 = o.adam.beta2;
  a.eps = o.adam.eps;
  a.weight_decay = o.adam.weight_decay;
  a.lr_decay_total = o.lr_decay_total;
  a.lr_decay_offset = o.lr_decay_offset;
  a.max_grad_norm = o.max_grad_norm;
  a.ema_decay = o.ema_decay;
  a.seed = o.seed;
  a.progress_interval = o.progress_interval;
  a.dropout = model.cfg.dropout;
  a.observed = data.observed;
  Bridge<cpu::TrainProgress> bridge{abort, progress};
  auto on_progress = [](void* user, double step, double loss) {
    auto* b = static_cast<Bridge<cpu::TrainProgress>*>(user);
    if (b->progress) b->progress(static_cast<int64_t>(step), loss);
  };
  cpu::TrainResult result;
  double last_loss = 0.0;
  int64_t steps_done = 0;
  float* ema = model.ema.empty() ? nullptr : model.ema.data();
  if (model.cat.active()) {
    MixedInputs mixed(model);
    mixed.for_training(model, data, o);
    Check(api, api.train_mixed(&desc, &mixed.args, model.params.data(), model.adam_m.data(), model.adam_v.data(), ema,
                               &model.step, &a, ShouldStop<cpu::TrainProgress>, on_progress, &bridge, &last_loss,
                               &steps_done));
  } else {
    Check(api, api.train(&desc, model.params.data(), model.adam_m.data(), model.adam_v.data(), ema, &model.step, &a,
                         ShouldStop<cpu::TrainProgress>, on_progress, &bridge, &last_loss, &steps_done));
  }
  result.steps_done = steps_done;
  result.last_loss = last_loss;
  result.aborted = steps_done < o.steps && abort.load();
  return result;
}

bool CudaSample(const TdCudaApi& api, const cpu::DenoiserModel& model, int64_t n, const cpu::SampleOptions& o,
                int precision, float* out, int32_t* out_categorical, const std::atomic<bool>& abort,
                const cpu::SampleProgress& progress) {
  const TdMlpDesc desc = DescribeMlp(model);
  const cpu::FlatPlan plan = cpu::flatten_plan(model, o);
  std::vector<int32_t> timesteps(o.timesteps.begin(), o.timesteps.end());
  TdSampleArgs a{};
  a.n = n;
  a.seed = o.seed;
  a.row_offset = o.row_offset;
  a.steps = static_cast<int>(timesteps.size());
  a.timesteps = timesteps.data();
  a.first_bias = plan.first_bias.data();
  a.step_coefs = plan.coefs.data();
  a.sampler = plan.dpm ? 1 : 0;
  a.context = o.context_rows > 1 ? o.context : nullptr;
  a.chunk_rows = o.chunk_rows;  // a floor: the backend raises it to fill the GPU
  a.precision = precision;
  const std::vector<TdMove> moves = InpaintMoves(model, o);
  if (!moves.empty()) {
    a.known_values = o.known.values;
    a.known_mask = o.known.mask;
    a.known_rows = o.known.rows;
    a.moves = moves.data();
    a.move_count = static_cast<int>(moves.size());
  }
  Bridge<cpu::SampleProgress> bridge{abort, progress};
  auto on_progress = [](void* user, double rows_done, double) {
    auto* b = static_cast<Bridge<cpu::SampleProgress>*>(user);
    if (b->progress) b->progress(static_cast<int64_t>(rows_done));
  };
  const float* params = o.use_ema ? model.sampling_params() : model.params.data();
  int rc;
  if (model.cat.active()) {
    MixedInputs mixed(model);
    mixed.for_sampling(model, params, o);
    rc = api.sample_mixed(&desc, &mixed.args, params, &a, out, out_categorical, ShouldStop<cpu::SampleProgress>,
                          on_progress, &bridge);
  } else {
    rc = api.sample(&desc, params, &a, out, ShouldStop<cpu::SampleProgress>, on_progress, &bridge);
  }
  Check(api, rc);
  return rc == 0;
}

}  // namespace backend
}  // namespace td
