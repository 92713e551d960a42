// Training and sampling loops of mixed-type models on the GPU, the twins of
// cpu/sedd_trainer.cpp (train_mixed) and cpu/sedd_sampler.cpp (sample_mixed): the network sees
// [numeric x_t | one-hot x_t per categorical column | context | time] and answers
// [eps_hat | a block of log-scores (SEDD) or logits (multinomial) per column].
#include <algorithm>
#include <vector>

#include "../core/minibatch.h"
#include "../core/philox.h"
#include "../core/sedd_spec.h"
#include "kernels_gemm.cuh"
#include "kernels_rng.cuh"
#include "kernels_sedd.cuh"
#include "kernels_train.cuh"
#include "mixed_loops.cuh"
#include "mlp_device.cuh"
#include "optimizer.cuh"
#include "sample_chain.cuh"
#include "train_batch.cuh"

namespace tdc {

namespace {

__global__ void fill_kernel(double* out, size_t n, double value) {
  const size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (i < n) out[i] = value;
}

// The categorical half of a training batch, gathered on the host (a few hundred rows): the
// batch rows' classes and the per-row clock quantities of their timesteps.
struct HostCatBatch {
  std::vector<int32_t> x0;
  std::vector<double> sigma, move, weight;
  std::vector<TdMultinomialStep> coef;

  void gather(const TdMixedArgs& m, const TdTrainArgs& a, int64_t step, int batch) {
    const int C = m.layout.cols;
    x0.resize(static_cast<size_t>(batch) * C);
    sigma.resize(batch);
    move.resize(batch);
    weight.resize(batch);
    coef.resize(batch);
    for (int i = 0; i < batch; ++i) {
      const int64_t row = td::minibatch_row(a.seed, step, i, a.rows);
      const int k = td::minibatch_timestep(a.seed, step, i, a.T);
      std::copy(m.categorical + row * C, m.categorical + (row + 1) * C, x0.begin() + static_cast<size_t>(i) * C);
      move[i] = m.move[k];
      if (m.method == 0) {
        sigma[i] = m.sigma[k];
        weight[i] = m.cat_scale * m.rate[k];  // the likelihood bound's sigma_bar'(t)
      } else {
        coef[i] = m.coef[k];
        weight[i] = m.cat_scale * static_cast<double>(a.T);
      }
    }
  }
};

}  // namespace

int train_mixed(const TdMlpDesc* desc, const TdMixedArgs* mixed, float* params, float* adam_m, float* adam_v,
                float* ema, int64_t* step, const TdTrainArgs* a, TdShouldStopFn should_stop, TdProgressFn progress,
                void* user, double* last_loss, int64_t* steps_done) {
  const TdMixedArgs& M = *mixed;
  const int D = desc->data_dim, d = D - M.layout.total, c = desc->context_dim;
  const int C = M.layout.cols, batch = a->batch_size;
  cudaStream_t s = 0;
  LayoutBuffers layout_buffers;
  DeviceLayout L;
  if (layout_buffers.upload(&M.layout, &L) != 0) return 1;
  GaussianBatch data;
  if (data.init(*a, d, c, desc->time_dim, desc->in[0]) != 0) return 1;
  DeviceOptimizer opt;
  if (opt.init(*a, desc->param_count, params, adam_m, adam_v, ema) != 0) return 1;
  DeviceBuffer<float> grad_out;
  DeviceBuffer<int32_t> x0c, xtc;
  DeviceBuffer<double> sigma, move, weight;
  DeviceBuffer<TdMultinomialStep> coef;
  TDC_CHECK(grad_out.alloc(static_cast<size_t>(batch) * D));
  TDC_CHECK(xtc.alloc(static_cast<size_t>(batch) * C));
  // Each step's loss terms: the eps-MSE's block sums, then the categorical cells' losses.
  const size_t mse_count = static_cast<size_t>(batch) * d;
  const size_t mse_blocks = reduce_blocks(mse_count);
  const size_t cells = static_cast<size_t>(batch) * C;
  LossLog losses;
  if (losses.init(mse_blocks + cells, a->progress_interval) != 0) return 1;
  std::vector<std::vector<double>> slot_weights(1);  // the rows' loss weights of each slot's step
  std::vector<size_t> slot_counts(1, mse_count);     // the eps-MSE's divisor of each slot's step
  auto loss_of = [&](int slot, const double* values) {
    double mse = 0.0, cat_total = 0.0;
    for (size_t b = 0; b < mse_blocks; ++b) mse += values[b];  // in block order
    reduce_rows(values + mse_blocks, batch, C, slot_weights[slot].data(), nullptr, &cat_total);
    const size_t n = slot_counts[slot];
    return (n > 0 ? mse / static_cast<double>(n) : 0.0) + cat_total;
  };
  HostCatBatch host;
  DeviceMlp mlp(*desc);

  *steps_done = 0;
  for (int64_t local = 0; local < a->steps; ++local) {
    if (should_stop && should_stop(user)) break;
    const int64_t k = *step;
    // Numeric part, context and time embedding as in the Gaussian loop; the context and time
    // sit after the whole data block (numeric and one-hot) of width D.
    if (data.prepare(k, D, s) != 0) return 1;
    // Categorical part: corrupt the batch's classes and write them one-hot into the input.
    // The uploads are asynchronous (staged at once), so the host runs ahead of the GPU.
    host.gather(M, *a, k, batch);
    TDC_CHECK(x0c.upload_async(host.x0.data(), host.x0.size(), s));
    TDC_CHECK(move.upload_async(host.move.data(), batch, s));
    TDC_CHECK(weight.upload_async(host.weight.data(), batch, s));
    if (M.method == 0) {
      TDC_CHECK(sigma.upload_async(host.sigma.data(), batch, s));
    } else {
      TDC_CHECK(coef.upload_async(host.coef.data(), batch, s));
    }
    const int slot = losses.slot_index();
    if (static_cast<size_t>(slot) >= slot_weights.size()) slot_weights.resize(slot + 1);
    slot_weights[slot] = host.weight;
    if (static_cast<size_t>(slot) >= slot_counts.size()) slot_counts.resize(slot + 1);
    slot_counts[slot] = data.observed_count(k);
    launch_cat_corrupt(x0c.get(), batch, L, move.get(), a->seed, 0, static_cast<uint32_t>(k), td::kCatColumnsTrain,
                       xtc.get(), s);
    launch_cat_one_hot(xtc.get(), batch, L, data.input() + d, desc->in[0], s);
    TDC_CHECK_LAUNCH();

    DropoutArgs dropout{a->dropout > 0.0f, a->dropout, a->seed, static_cast<uint32_t>(k)};
    const float* out = nullptr;
    if (mlp.forward(opt.params(), data.input(), batch, TD_PRECISION_FP32, dropout, s, &out) != 0) return 1;
    TDC_CHECK(cudaMemsetAsync(grad_out.get(), 0, static_cast<size_t>(batch) * D * sizeof(float), s));
    if (d > 0) {
      if (data.observed()) {
        launch_eps_mse_strided_masked(out, D, data.eps(), data.observed(), batch, d, slot_counts[slot], grad_out.get(), D,
                                      losses.slot(), s);
      } else {
        launch_eps_mse_strided(out, D, data.eps(), batch, d, grad_out.get(), D, losses.slot(), s);
      }
      TDC_CHECK_LAUNCH();
    }
    // The head is the network's own output buffer: scaled in place, as the CPU scales its copy.
    float* head = const_cast<float*>(out) + d;
    double* cell_loss = losses.slot() + mse_blocks;
    if (M.method == 0) {
      launch_sedd_scale(head, D, xtc.get(), batch, L, sigma.get(), s);
      launch_sedd_entropy(head, D, xtc.get(), x0c.get(), batch, L, sigma.get(), weight.get(), grad_out.get() + d,
                          cell_loss, s);
    } else {
      launch_multinomial_kl(head, D, xtc.get(), x0c.get(), batch, L, coef.get(), weight.get(), grad_out.get() + d,
                            cell_loss, s);
    }
    TDC_CHECK_LAUNCH();
    if (mlp.backward(opt.params(), data.input(), grad_out.get(), batch, opt.grads(), nullptr, s) != 0) return 1;
    if (opt.apply(local, step, s) != 0) return 1;
    if (losses.step_done(loss_of, progress, user, last_loss, steps_done) != 0) return 1;
  }
  if (losses.finish(loss_of, last_loss) != 0) return 1;
  return opt.download(params, adam_m, adam_v, ema);
}

int sample_mixed(const TdMlpDesc* desc, const TdMixedArgs* mixed, const float* params, const TdSampleArgs* a,
                 float* out_numeric, int32_t* out_categorical, TdShouldStopFn should_stop, TdProgressFn progress,
                 void* user) {
  const TdMixedArgs& M = *mixed;
  const int D = desc->data_dim, d = D - M.layout.total, c = desc->context_dim, hidden0 = desc->out[0];
  const int C = M.layout.cols;
  const bool has_context = a->context && c > 0;
  const bool is_sedd = M.method == 0;
  // The discrete step's scratch holds a probability vector per cell: keep chunks moderate.
  const int chunk = static_cast<int>(std::min<int64_t>(std::max(a->chunk_rows, 1 << 16), std::max<int64_t>(a->n, 1)));
  const int widest = widest_states(&M.layout);
  cudaStream_t s = 0;
  LayoutBuffers layout_buffers;
  DeviceLayout L;
  if (layout_buffers.upload(&M.layout, &L) != 0) return 1;
  DeviceBuffer<float> p, bias, x_num, x0_prev, x_in, ctx, row_bias;
  DeviceBuffer<int32_t> x_cat, fixed;
  DeviceBuffer<double> sigma, scratch;
  TDC_CHECK(p.upload(params, desc->param_count));
  TDC_CHECK(bias.upload(a->first_bias, static_cast<size_t>(a->steps) * hidden0));
  TDC_CHECK(x_num.alloc(static_cast<size_t>(chunk) * std::max(d, 1)));
  if (a->sampler == 1) TDC_CHECK(x0_prev.alloc(static_cast<size_t>(chunk) * std::max(d, 1)));
  TDC_CHECK(x_in.alloc(static_cast<size_t>(chunk) * D));
  TDC_CHECK(x_cat.alloc(static_cast<size_t>(chunk) * C));
  TDC_CHECK(sigma.alloc(chunk));
  TDC_CHECK(scratch.alloc(static_cast<size_t>(chunk) * C * widest));
  if (M.fixed) TDC_CHECK(fixed.alloc(static_cast<size_t>(M.fixed_rows == 1 ? 1 : chunk) * C));
  if (M.fixed && M.fixed_rows == 1) TDC_CHECK(fixed.upload(M.fixed, C));
  if (has_context) {
    TDC_CHECK(ctx.alloc(static_cast<size_t>(chunk) * c));
    TDC_CHECK(row_bias.alloc(static_cast<size_t>(chunk) * hidden0));
  }
  DeviceMlp mlp(*desc);
  GemmEpilogue none;
  for (int64_t first = 0; first < a->n; first += chunk) {
    const int rows = static_cast<int>(std::min<int64_t>(chunk, a->n - first));
    const uint64_t global_row = a->row_offset + static_cast<uint64_t>(first);
    const float* rb = nullptr;
    if (has_context) {
      TDC_CHECK(cudaMemcpyAsync(ctx.get(), a->context + static_cast<size_t>(first) * c,
                                static_cast<size_t>(rows) * c * sizeof(float), cudaMemcpyHostToDevice, s));
      launch_gemm(false, false, rows, hidden0, c, 1.0f, ctx.get(), c, p.get() + desc->weight_offset[0] + static_cast<size_t>(D) * hidden0,
                  hidden0, 0.0f, row_bias.get(), hidden0, none, 0, s);
      TDC_CHECK_LAUNCH();
      rb = row_bias.get();
    }
    if (M.fixed && M.fixed_rows != 1) {
      TDC_CHECK(cudaMemcpyAsync(fixed.get(), M.fixed + static_cast<size_t>(first) * C,
                                static_cast<size_t>(rows) * C * sizeof(int32_t), cudaMemcpyHostToDevice, s));
    }
    auto hold_fixed = [&]() {
      if (M.fixed) launch_cat_apply_fixed(x_cat.get(), rows, C, fixed.get(), M.fixed_rows, 0, s);
    };
    // The chain start: x_T ~ N(0, I) and the categorical prior, as the CPU draws them.
    if (d > 0) launch_normals(a->seed, td::kStreamSampleInit, global_row, rows, 0, d, x_num.get(), s);
    if (a->sampler == 1 && d > 0) {
      TDC_CHECK(cudaMemsetAsync(x0_prev.get(), 0, static_cast<size_t>(rows) * d * sizeof(float), s));
    }
    launch_cat_init(x_cat.get(), rows, L, M.keep, a->seed, global_row, s);
    hold_fixed();
    TDC_CHECK_LAUNCH();
    for (int k = 0; k < a->steps; ++k) {
      if (should_stop && should_stop(user)) return 2;
      const uint32_t noise_step = static_cast<uint32_t>(a->timesteps[k]);
      if (d > 0) {
        TDC_CHECK(cudaMemcpy2DAsync(x_in.get(), static_cast<size_t>(D) * sizeof(float), x_num.get(),
                                    static_cast<size_t>(d) * sizeof(float), static_cast<size_t>(d) * sizeof(float), rows,
                                    cudaMemcpyDeviceToDevice, s));
      }
      launch_cat_one_hot(x_cat.get(), rows, L, x_in.get() + d, D, s);
      TDC_CHECK_LAUNCH();
      // The numeric step runs in the output GEMM's epilogue (x_num is not the network's input).
      const StepEpilogue step = step_epilogue(*a, k, x_num.get(), d, x0_prev.get(), global_row);
      const float* out = nullptr;
      if (mlp.forward_folded(p.get(), x_in.get(), rows, bias.get() + static_cast<size_t>(k) * hidden0, rb, a->precision,
                             d > 0 ? &step : nullptr, s, &out) != 0) {
        return 1;
      }
      float* head = const_cast<float*>(out) + d;
      if (is_sedd) {
        fill_kernel<<<grid_for(rows, 256), 256, 0, s>>>(sigma.get(), rows, M.step_sigma[k]);
        launch_sedd_scale(head, D, x_cat.get(), rows, L, sigma.get(), s);
        launch_sedd_step(head, D, x_cat.get(), rows, L, sedd_coef(M.sedd_steps[k]), a->seed, global_row, noise_step,
                         scratch.get(), widest, s);
      } else {
        td::multinomial::StepCoef mc;
        mc.a = M.multinomial_steps[k].a;
        mc.b = M.multinomial_steps[k].b;
        launch_multinomial_step(head, D, x_cat.get(), rows, L, mc, a->seed, global_row, noise_step, scratch.get(), widest,
                                s);
      }
      hold_fixed();
      TDC_CHECK_LAUNCH();
    }
    if (d > 0) TDC_CHECK(x_num.download(out_numeric + static_cast<size_t>(first) * d, static_cast<size_t>(rows) * d));
    TDC_CHECK(x_cat.download(out_categorical + static_cast<size_t>(first) * C, static_cast<size_t>(rows) * C));
    if (progress) progress(user, static_cast<double>(first + rows), 0.0);
  }
  return 0;
}

}  // namespace tdc
