#include "mixed_trainer.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "../core/minibatch.h"
#include "../core/philox.h"
#include "diffusion_ops.h"
#include "mlp.h"
#include "release_later.h"
#include "multinomial.h"
#include "sedd.h"

namespace td {
namespace cpu {

ClockTables build_clock_tables(const DenoiserModel& m, const TrainData& data) {
  const int T = data.timesteps;
  ClockTables c;
  c.sigma.resize(T);
  c.rate.resize(T);
  c.move.resize(T);
  c.coef.resize(T);
  for (int k = 0; k < T; ++k) {
    if (m.cat.method == CatMethod::Sedd) {
      const double t = sedd::clock_time(k, T);
      c.sigma[k] = m.cat.noise.total(t);
      c.rate[k] = m.cat.noise.rate(t);
      c.move[k] = -std::expm1(-c.sigma[k]);
    } else {
      c.move[k] = 1.0 - data.alpha_bars[k];
      c.coef[k] = multinomial_coef(data.alpha_bars, k, k - 1);
    }
  }
  return c;
}

double categorical_loss_scale(const DenoiserModel& model, const TrainOptions& options) {
  return options.categorical_weight / (static_cast<double>(options.batch_size) * model.cat.classes.size());
}

namespace {

// Scratch of one batch: inputs, draws and the network's output and gradient.
struct Batch {
  int rows = 0;
  std::vector<float> x0n, xtn, eps, input, out, grad_out;
  std::vector<int32_t> x0c, xtc, k;
  std::vector<uint8_t> obs;  // the rows' observed masks (data with gaps only)
  std::vector<double> sigma, rate, move, weight, row_loss;
  std::vector<multinomial::StepCoef> coef;

  void reserve(const DenoiserModel& m, int batch) {
    rows = batch;
    const size_t d = m.numeric_dim(), C = m.cat.classes.size(), D = m.cfg.data_dim;
    x0n.resize(batch * d);
    xtn.resize(batch * d);
    eps.resize(batch * d);
    obs.resize(batch * d);
    input.resize(static_cast<size_t>(batch) * m.cfg.input_dim());
    out.resize(batch * D);
    grad_out.resize(batch * D);
    x0c.resize(batch * C);
    xtc.resize(batch * C);
    k.resize(batch);
    sigma.resize(batch);
    rate.resize(batch);
    move.resize(batch);
    weight.resize(batch);
    row_loss.resize(batch);
    coef.resize(batch);
  }
};

// How the batch's draws are indexed: training uses (batch row i, optimiser step) for the
// whole batch; evaluation uses (data row, draw index) per row.
struct DrawIndex {
  uint32_t gauss_stream;
  uint32_t cat_columns;
  uint32_t step = 0;                  // batched: shared step, rows 0..batch-1
  const uint64_t* rows = nullptr;     // per row (evaluation), or null
  const uint32_t* steps = nullptr;
};

// Copies data rows `src` with timesteps b.k into the batch, corrupts both parts and
// assembles the network input [x_t numeric | one-hot x_t | context | time embedding].
void prepare(const DenoiserModel& m, const TrainData& data, const ClockTables& tables, const float* time_table,
             const int64_t* src, uint64_t seed, const DrawIndex& draw, Batch& b) {
  const int B = b.rows, d = m.numeric_dim(), C = static_cast<int>(m.cat.classes.size());
  const int cdim = m.cfg.context_dim, tdim = m.cfg.time_dim, in = m.cfg.input_dim(), D = m.cfg.data_dim;
  const CatLayout L = m.cat.layout();
  for (int i = 0; i < B; ++i) {
    const int64_t r = src[i];
    if (d > 0) std::memcpy(&b.x0n[static_cast<size_t>(i) * d], data.x + r * d, sizeof(float) * d);
    if (d > 0 && data.observed) std::memcpy(&b.obs[static_cast<size_t>(i) * d], data.observed + r * d, d);
    std::memcpy(&b.x0c[static_cast<size_t>(i) * C], data.categorical + r * C, sizeof(int32_t) * C);
    b.sigma[i] = tables.sigma[b.k[i]];
    b.rate[i] = tables.rate[b.k[i]];
    b.move[i] = tables.move[b.k[i]];
    b.coef[i] = tables.coef[b.k[i]];
  }
  if (!draw.rows) {
    if (d > 0) {
      forward_noise(b.x0n.data(), B, d, b.k.data(), data.sqrt_alpha_bars, data.sqrt_one_minus_alpha_bars, seed,
                    draw.gauss_stream, 0, draw.step, b.xtn.data(), b.eps.data());
    }
    cat_corrupt(b.x0c.data(), B, L, b.move.data(), seed, 0, draw.step, draw.cat_columns, b.xtc.data());
  } else {
    for (int i = 0; i < B; ++i) {
      const size_t on = static_cast<size_t>(i) * d, oc = static_cast<size_t>(i) * C;
      if (d > 0) {
        forward_noise(&b.x0n[on], 1, d, &b.k[i], data.sqrt_alpha_bars, data.sqrt_one_minus_alpha_bars, seed,
                      draw.gauss_stream, draw.rows[i], draw.steps[i], &b.xtn[on], &b.eps[on]);
      }
      cat_corrupt(&b.x0c[oc], 1, L, &b.move[i], seed, draw.rows[i], draw.steps[i], draw.cat_columns, &b.xtc[oc]);
    }
  }
  for (int i = 0; i < B; ++i) {
    float* row = &b.input[static_cast<size_t>(i) * in];
    if (d > 0) std::memcpy(row, &b.xtn[static_cast<size_t>(i) * d], sizeof(float) * d);
    if (cdim > 0) std::memcpy(row + D, data.context + src[i] * cdim, sizeof(float) * cdim);
    std::memcpy(row + D + cdim, time_table + static_cast<size_t>(b.k[i]) * tdim, sizeof(float) * tdim);
  }
  cat_one_hot(b.xtc.data(), B, L, b.input.data() + d, in);
}

// Loss terms of the network output `out` for a prepared batch. Per row: mse[i] = sum of
// squared eps errors (over observed cells when the data has gaps), cat[i] = rate-weighted
// categorical loss (see the header). With `grad`, fills b.grad_out with d/d out of
// sum(mse)/count + sum_i cat_scale * cat[i], count = B * d (or the observed cells: 0 loss and
// gradient on gaps, and for a batch without an observed cell); returns that loss.
double batch_loss(const DenoiserModel& m, const TrainData& data, const float* out, double cat_scale, bool grad,
                  Batch& b, double* row_mse, double* row_cat) {
  const int B = b.rows, d = m.numeric_dim(), D = m.cfg.data_dim;
  const CatLayout L = m.cat.layout();
  const uint8_t* obs = data.observed && d > 0 ? b.obs.data() : nullptr;
  size_t count = static_cast<size_t>(B) * d;
  if (obs) {
    count = 0;
    for (size_t e = 0; e < static_cast<size_t>(B) * d; ++e) count += obs[e] != 0;
  }
  double mse_total = 0.0;
  const float scale = count > 0 ? 2.0f / static_cast<float>(count) : 0.0f;
  for (int i = 0; i < B; ++i) {
    double row = 0.0;
    for (int j = 0; j < d; ++j) {
      if (obs && !obs[static_cast<size_t>(i) * d + j]) {
        if (grad) b.grad_out[static_cast<size_t>(i) * D + j] = 0.0f;
        continue;
      }
      const float diff = out[static_cast<size_t>(i) * D + j] - b.eps[static_cast<size_t>(i) * d + j];
      row += static_cast<double>(diff) * diff;
      if (grad) b.grad_out[static_cast<size_t>(i) * D + j] = scale * diff;
    }
    if (row_mse) row_mse[i] = row;
    mse_total += row;
  }
  std::memcpy(b.out.data(), out, sizeof(float) * static_cast<size_t>(B) * D);
  float* head = b.out.data() + d;
  float* head_grad = grad ? b.grad_out.data() + d : nullptr;
  // Per-row factor of the likelihood-bound integrand: sigma_bar'(t) (SEDD) or T (multinomial).
  const bool is_sedd = m.cat.method == CatMethod::Sedd;
  for (int i = 0; i < B; ++i) b.weight[i] = cat_scale * (is_sedd ? b.rate[i] : static_cast<double>(data.timesteps));
  double cat_total;
  if (is_sedd) {
    sedd_scale_log_scores(head, D, b.xtc.data(), B, L, b.sigma.data());
    cat_total = sedd_score_entropy(head, D, b.xtc.data(), b.x0c.data(), B, L, b.sigma.data(), b.weight.data(), head_grad,
                                   b.row_loss.data());
  } else {
    cat_total = multinomial_loss(head, D, b.xtc.data(), b.x0c.data(), B, L, b.coef.data(), b.weight.data(), head_grad,
                                 b.row_loss.data());
  }
  if (row_cat) {
    for (int i = 0; i < B; ++i) row_cat[i] = (is_sedd ? b.rate[i] : static_cast<double>(data.timesteps)) * b.row_loss[i];
  }
  return (count > 0 ? mse_total / static_cast<double>(count) : 0.0) + cat_total;
}

}  // namespace

TrainResult train_mixed(DenoiserModel& model, const TrainData& data, const TrainOptions& options, ThreadPool* pool,
                        const std::atomic<bool>& abort, const TrainProgress& progress) {
  const MlpConfig& cfg = model.cfg;
  const int batch = options.batch_size;
  const size_t n_params = model.layout.total;
  const ClockTables tables = build_clock_tables(model, data);
  const std::vector<float> time_table = time_embedding_table(data.timesteps, cfg.time_dim);
  Batch b;
  b.reserve(model, batch);
  std::vector<int64_t> src(batch);
  std::vector<float> grads(n_params);
  MlpWorkspace ws;
  ws.reserve(cfg, model.layout, batch);
  if (options.ema_decay > 0.0f && model.ema.empty()) model.ema = model.params;
  const double cat_scale = categorical_loss_scale(model, options);

  TrainResult result;
  StepFinisher finisher(model, options, progress, result);
  for (int64_t local = 0; local < options.steps; ++local) {
    if (abort.load(std::memory_order_relaxed)) {
      result.aborted = true;
      break;
    }
    const int64_t step = model.step;
    for (int i = 0; i < batch; ++i) {
      src[i] = minibatch_row(options.seed, step, i, data.rows);
      b.k[i] = minibatch_timestep(options.seed, step, i, data.timesteps);
    }
    DrawIndex draw{kStreamTrainNoise, kCatColumnsTrain, static_cast<uint32_t>(step)};
    prepare(model, data, tables, time_table.data(), src.data(), options.seed, draw, b);
    DropoutDraw dropout{cfg.dropout > 0.0f, options.seed, static_cast<uint32_t>(step)};
    const float* out = mlp_forward(cfg, model.layout, model.params.data(), b.input.data(), batch, ws, dropout, pool);
    const double loss = batch_loss(model, data, out, cat_scale, true, b, nullptr, nullptr);
    if (!finisher.backward_and_finish(b.input.data(), b.grad_out.data(), ws, grads.data(), loss, local, pool, abort)) break;
  }
  release_later(std::move(ws));
  return result;
}

bool evaluate_mixed(const DenoiserModel& model, const float* params, const TrainData& data, const int32_t* k,
                    int draws, uint64_t seed, double* mse, double* cat, ThreadPool* pool,
                    const std::atomic<bool>& abort) {
  const MlpConfig& cfg = model.cfg;
  const ClockTables tables = build_clock_tables(model, data);
  const std::vector<float> time_table = time_embedding_table(data.timesteps, cfg.time_dim);
  const int64_t total = data.rows * draws;
  const int chunk = static_cast<int>(std::min<int64_t>(512, total));
  Batch b;
  b.reserve(model, chunk);
  std::vector<int64_t> src(chunk);
  std::vector<uint64_t> rows(chunk);
  std::vector<uint32_t> steps(chunk);
  MlpWorkspace ws;
  for (int64_t first = 0; first < total; first += chunk) {
    if (abort.load(std::memory_order_relaxed)) return false;
    const int n = static_cast<int>(std::min<int64_t>(chunk, total - first));
    if (n != b.rows) b.reserve(model, n);
    for (int i = 0; i < n; ++i) {
      const int64_t pair = first + i;
      src[i] = pair / draws;
      rows[i] = static_cast<uint64_t>(src[i]);
      steps[i] = static_cast<uint32_t>(pair % draws);
      b.k[i] = k[pair];
    }
    DrawIndex draw{kStreamUser, kCatColumnsNll, 0, rows.data(), steps.data()};
    prepare(model, data, tables, time_table.data(), src.data(), seed, draw, b);
    const float* out = mlp_forward(cfg, model.layout, params, b.input.data(), n, ws, DropoutDraw{}, pool);
    batch_loss(model, data, out, 0.0, false, b, mse + first, cat + first);
  }
  return true;
}

void categorical_prior(const DenoiserModel& model, const TrainData& data, double* out) {
  const CatLayout L = model.cat.layout();
  if (model.cat.method == CatMethod::Multinomial) {
    multinomial_prior(data.categorical, static_cast<int>(data.rows), L, data.alpha_bars[data.timesteps - 1], out);
    return;
  }
  const double sigma1 = model.cat.noise.total(1.0);
  const double keep = std::exp(-sigma1), move = -std::expm1(-sigma1);
  double per_row = 0.0;
  for (int c = 0; c < L.cols; ++c) {
    const double n = L.classes[c];
    if (L.graph == sedd::Graph::Absorbing) {
      // Against the sampler's start (1 - keep) MASK + keep * Uniform: keep * log n.
      per_row += keep * std::log(n);
    } else {
      const double hit = 1.0 - move * (n - 1.0) / n, miss = move / n;
      per_row += hit * std::log(hit * n) + (n - 1.0) * (miss > 0.0 ? miss * std::log(miss * n) : 0.0);
    }
  }
  for (int64_t i = 0; i < data.rows; ++i) out[i] = per_row;
}

}  // namespace cpu
}  // namespace td
