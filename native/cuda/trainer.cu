// The whole training loop on the GPU (the C ABI's train), the twin of cpu/trainer.cpp.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cmath>
#include <vector>

#include "../core/philox.h"
#include "chunk_pipeline.cuh"
#include "fused_mma_sampler.cuh"
#include "fused_sampler.cuh"
#include "gemm.cuh"
#include "normals.cuh"
#include "kernels_train.cuh"
#include "trainer.cuh"
#include "mlp.cuh"
#include "optimizer.cuh"
#include "train_batch.cuh"

namespace tdc {

int train(const TdMlpDesc* desc, float* params, float* adam_m, float* adam_v, float* ema, int64_t* step,
          const TdTrainArgs* a, TdShouldStopFn should_stop, TdProgressFn progress, void* user, double* last_loss,
          int64_t* steps_done) {
  const int d = desc->data_dim, batch = a->batch_size;
  cudaStream_t s = 0;
  GaussianBatch data;
  if (data.init(*a, d, desc->context_dim, desc->time_dim, desc->in[0]) != 0) return 1;
  DeviceOptimizer opt;
  if (opt.init(*a, desc->param_count, params, adam_m, adam_v, ema) != 0) return 1;
  DeviceBuffer<float> grad_out;
  const size_t count = static_cast<size_t>(batch) * d;
  const size_t blocks = reduce_blocks(count);
  TDC_CHECK(grad_out.alloc(count));
  LossLog losses;
  if (losses.init(blocks, a->progress_interval) != 0) return 1;
  // Data with gaps: each logged step's count of observed cells (the loss's divisor).
  std::vector<size_t> slot_counts(1, count);
  auto loss_of = [&](int slot, const double* partial) {
    double sum = 0.0;
    for (size_t b = 0; b < blocks; ++b) sum += partial[b];  // in block order: the same on every run
    if (data.observed()) return slot_counts[slot] > 0 ? sum / static_cast<double>(slot_counts[slot]) : 0.0;
    return sum / static_cast<double>(count);
  };
  DeviceMlp mlp(*desc);

  *steps_done = 0;
  for (int64_t local = 0; local < a->steps; ++local) {
    if (should_stop && should_stop(user)) break;
    const int64_t k = *step;
    if (data.prepare(k, d, s) != 0) return 1;
    DropoutArgs dropout{a->dropout > 0.0f, a->dropout, a->seed, static_cast<uint32_t>(k)};
    const float* eps_hat = nullptr;
    if (mlp.forward(opt.params(), data.input(), batch, TD_PRECISION_FP32, dropout, s, &eps_hat) != 0) return 1;
    if (data.observed()) {
      const size_t observed = data.observed_count(k);
      const int slot = losses.slot_index();
      if (static_cast<size_t>(slot) >= slot_counts.size()) slot_counts.resize(slot + 1);
      slot_counts[slot] = observed;
      launch_eps_mse_masked(eps_hat, data.eps(), data.observed(), count, observed, grad_out.get(), losses.slot(), s);
    } else {
      launch_eps_mse(eps_hat, data.eps(), count, grad_out.get(), losses.slot(), s);
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
