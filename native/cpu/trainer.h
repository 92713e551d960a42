// The native training loop: minibatch draw, forward noising, MLP forward/backward,
// clipping, AdamW and EMA, all without returning to JS between steps.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>

#include "mlp.h"
#include "model.h"
#include "optimizer.h"
#include "thread_pool.h"

namespace td {
namespace cpu {

struct TrainData {
  const float* x = nullptr;        // [rows x data_dim], standardised
  const float* context = nullptr;  // [rows x context_dim] or null
  int64_t rows = 0;
  const float* sqrt_alpha_bars = nullptr;            // [T]
  const float* sqrt_one_minus_alpha_bars = nullptr;  // [T]
  int timesteps = 0;
  // Mixed-type models only: x holds the numeric columns [rows x numeric_dim] and these the
  // class index of each categorical column; alpha_bars (double) feeds multinomial diffusion.
  const int32_t* categorical = nullptr;  // [rows x categorical columns]
  const double* alpha_bars = nullptr;    // [T]
  // Missing values: which cells of x count in the eps-MSE (1 = observed, 0 = gap; the caller
  // fills gaps of x with a value, e.g. 0, that the network still sees in its input). Null = all.
  const uint8_t* observed = nullptr;     // [rows x numeric dim]
};

struct TrainOptions {
  int batch_size = 256;
  int64_t steps = 0;
  AdamWConfig adam;
  // Linear decay of lr to 0 over lr_decay_total steps (0 = constant lr); lr_decay_offset
  // counts steps already taken in earlier calls, so a fit run in pieces decays the same way.
  int64_t lr_decay_total = 0;
  int64_t lr_decay_offset = 0;
  double max_grad_norm = 0.0;  // 0 = no clipping
  float ema_decay = 0.0f;      // 0 = no EMA
  uint64_t seed = 0;
  int progress_interval = 0;   // report every k steps (0 = never)
  float categorical_weight = 1.0f;  // mixed loss = eps-MSE + categorical_weight * categorical loss
};

struct TrainResult {
  int64_t steps_done = 0;
  double last_loss = 0.0;  // loss of the last step taken
  bool aborted = false;
};

using TrainProgress = std::function<void(int64_t step, double loss)>;

// The Gaussian (numeric-only) loop; mixed models train in mixed_trainer.h (the backend picks).
TrainResult train(DenoiserModel& model, const TrainData& data, const TrainOptions& options, ThreadPool* pool,
                  const std::atomic<bool>& abort, const TrainProgress& progress);

// Everything of one optimiser step after the gradients: clipping, the learning-rate schedule,
// AdamW, EMA, the loss window and progress reports. Shared by the Gaussian and mixed loops.
class StepFinisher {
 public:
  StepFinisher(DenoiserModel& model, const TrainOptions& options, const TrainProgress& progress, TrainResult& result)
      : model_(model), options_(options), progress_(progress), result_(result) {}

  // `local` counts the steps of this call (for the learning-rate decay).
  void finish(float* grads, double loss, int64_t local);

  // The backward pass of the step whose forward pass left `ws` and `grad_out`, then finish().
  // Returns false, with result.aborted set and nothing applied, when an abort cut the pass short
  // (its GEMM tasks undone).
  bool backward_and_finish(const float* input, const float* grad_out, MlpWorkspace& ws, float* grads, double loss,
                           int64_t local, ThreadPool* pool, const std::atomic<bool>& abort);

 private:
  DenoiserModel& model_;
  const TrainOptions& options_;
  const TrainProgress& progress_;
  TrainResult& result_;
  double window_loss_ = 0.0;
  int window_steps_ = 0;
};

}  // namespace cpu
}  // namespace td
