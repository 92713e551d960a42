// The training loop of mixed-type models on the GPU (the C ABI's train_mixed), the twin of
// cpu/mixed_trainer.cpp: the network sees [numeric x_t | one-hot x_t per categorical column |
// context | time] and answers [eps_hat | a block of log-scores (SEDD) or logits (multinomial) per column].
#include <algorithm>
#include <vector>

#include "../core/minibatch.h"
#include "../core/philox.h"
#include "../core/categorical_spec.h"
#include "gemm.cuh"
#include "normals.cuh"
#include "sedd.cuh"
#include "kernels_train.cuh"
#include "mixed_trainer.cuh"
#include "mlp.cuh"
#include "multinomial.cuh"
#include "optimizer.cuh"
#include "sample_chain.cuh"
#include "train_batch.cuh"

namespace tdc {

namespace {

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

}  // namespace tdc
