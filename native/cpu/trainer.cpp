#include "trainer.h"

#include <cstring>
#include <vector>

#include "../core/minibatch.h"
#include "../core/philox.h"
#include "diffusion_ops.h"
#include "mlp.h"
#include "release_later.h"

namespace td {
namespace cpu {

TrainResult train(DenoiserModel& model, const TrainData& data, const TrainOptions& options, ThreadPool* pool,
                  const std::atomic<bool>& abort, const TrainProgress& progress) {
  const MlpConfig& cfg = model.cfg;
  const int batch = options.batch_size;
  const int d = cfg.data_dim, c = cfg.context_dim, td_ = cfg.time_dim, in = cfg.input_dim();
  const size_t n_params = model.layout.total;

  // The time embedding of every timestep, computed once per fit.
  const std::vector<float> time_table = time_embedding_table(data.timesteps, td_);

  std::vector<float> x0(static_cast<size_t>(batch) * d), xt(x0.size()), eps(x0.size()), grad_out(x0.size());
  std::vector<float> input(static_cast<size_t>(batch) * in);
  std::vector<int32_t> t(batch);
  std::vector<uint8_t> obs(data.observed ? x0.size() : 0);  // the batch rows' observed masks
  std::vector<float> grads(n_params);
  MlpWorkspace ws;
  ws.reserve(cfg, model.layout, batch);
  if (options.ema_decay > 0.0f && model.ema.empty()) model.ema = model.params;

  TrainResult result;
  StepFinisher finisher(model, options, progress, result);
  for (int64_t local = 0; local < options.steps; ++local) {
    if (abort.load(std::memory_order_relaxed)) {
      result.aborted = true;
      break;
    }
    const int64_t step = model.step;
    for (int i = 0; i < batch; ++i) {
      const int64_t row = minibatch_row(options.seed, step, i, data.rows);
      t[i] = minibatch_timestep(options.seed, step, i, data.timesteps);
      std::memcpy(&x0[static_cast<size_t>(i) * d], data.x + row * d, sizeof(float) * d);
      if (data.observed) std::memcpy(&obs[static_cast<size_t>(i) * d], data.observed + row * d, d);
      float* dst = &input[static_cast<size_t>(i) * in];
      if (c > 0) std::memcpy(dst + d, data.context + row * c, sizeof(float) * c);
      std::memcpy(dst + d + c, &time_table[static_cast<size_t>(t[i]) * td_], sizeof(float) * td_);
    }
    forward_noise(x0.data(), batch, d, t.data(), data.sqrt_alpha_bars, data.sqrt_one_minus_alpha_bars, options.seed,
                  kStreamTrainNoise, 0, static_cast<uint32_t>(step), xt.data(), eps.data());
    for (int i = 0; i < batch; ++i) std::memcpy(&input[static_cast<size_t>(i) * in], &xt[static_cast<size_t>(i) * d], sizeof(float) * d);

    DropoutDraw dropout{cfg.dropout > 0.0f, options.seed, static_cast<uint32_t>(step)};
    const float* eps_hat = mlp_forward(cfg, model.layout, model.params.data(), input.data(), batch, ws, dropout, pool);
    const double loss = data.observed ? eps_mse_masked(eps_hat, eps.data(), obs.data(), eps.size(), grad_out.data())
                                      : eps_mse(eps_hat, eps.data(), eps.size(), grad_out.data());
    if (!finisher.backward_and_finish(input.data(), grad_out.data(), ws, grads.data(), loss, local, pool, abort)) break;
  }
  release_later(std::move(ws));
  return result;
}

bool StepFinisher::backward_and_finish(const float* input, const float* grad_out, MlpWorkspace& ws, float* grads,
                                       double loss, int64_t local, ThreadPool* pool, const std::atomic<bool>& abort) {
  mlp_backward(model_.cfg, model_.layout, model_.params.data(), input, grad_out, ws, grads, nullptr, pool);
  if (abort.load(std::memory_order_relaxed)) {
    result_.aborted = true;
    return false;
  }
  finish(grads, loss, local);
  return true;
}

void StepFinisher::finish(float* grads, double loss, int64_t local) {
  const size_t n_params = model_.layout.total;
  if (options_.max_grad_norm > 0.0) clip_grad_norm(grads, n_params, options_.max_grad_norm);
  AdamWConfig adam = options_.adam;
  if (options_.lr_decay_total > 0) {
    const double frac = static_cast<double>(options_.lr_decay_offset + local) / static_cast<double>(options_.lr_decay_total);
    adam.lr = static_cast<float>(options_.adam.lr * (frac < 1.0 ? 1.0 - frac : 0.0));
  }
  model_.step += 1;
  adamw_step(model_.params.data(), grads, model_.adam_m.data(), model_.adam_v.data(), n_params, model_.step, adam);
  if (options_.ema_decay > 0.0f) ema_update(model_.ema.data(), model_.params.data(), n_params, options_.ema_decay);

  result_.steps_done += 1;
  result_.last_loss = loss;
  window_loss_ += loss;
  window_steps_ += 1;
  if (options_.progress_interval > 0 && result_.steps_done % options_.progress_interval == 0) {
    if (progress_) progress_(result_.steps_done, window_loss_ / window_steps_);
    window_loss_ = 0.0;
    window_steps_ = 0;
  }
}

}  // namespace cpu
}  // namespace td
