// The end of a training step on the GPU, as the CPU's StepFinisher does it: gradient clipping
// by the global norm, linear LR decay, AdamW over the flat parameter buffer, EMA; and the loss
// log behind the progress reports. Sums run in fixed blocks that the host adds in order, so
// every run gives the same parameters and losses.
#pragma once
#include <vector>

#include "common.cuh"
#include "cuda_api.h"

namespace tdc {

class DeviceOptimizer {
 public:
  // Uploads the parameters, the Adam moments and (when ema is not null) the EMA weights.
  int init(const TdTrainArgs& args, size_t n_params, const float* params, const float* m, const float* v,
           const float* ema);
  float* params() const { return p_.get(); }
  float* grads() const { return grads_.get(); }
  // Clips grads(), then AdamW and EMA; `local` is the step's index within this call. Advances *step.
  int apply(int64_t local, int64_t* step, cudaStream_t s);
  int download(float* params, float* m, float* v, float* ema) const;

 private:
  const TdTrainArgs* args_ = nullptr;
  size_t n_ = 0;
  DeviceBuffer<float> p_, m_, v_, e_, grads_;
  DeviceBuffer<double> partial_;
  std::vector<double> host_partial_;
  bool has_ema_ = false;
};

// The per-step loss terms stay on the device until a progress report needs them (every
// progress_interval steps), the slots are full or the loop ends, so the host queues the next
// steps while the GPU works instead of waiting for each step's loss. Each step writes `values`
// doubles (block partial sums) into its slot; loss_of(slot index, values) turns a slot into
// the step's loss, added up in step order as the CPU's StepFinisher does.
class LossLog {
 public:
  int init(size_t values, int progress_interval);
  double* slot() const { return slots_.get() + static_cast<size_t>(used_) * values_; }
  int slot_index() const { return used_; }
  // After each step: reports the window's mean loss at the end of every window.
  template <typename LossOf>
  int step_done(LossOf loss_of, TdProgressFn progress, void* user, double* last_loss, int64_t* steps_done) {
    *steps_done += 1;
    used_ += 1;
    const bool report = interval_ > 0 && *steps_done % interval_ == 0;
    if ((report || used_ == capacity_) && drain(loss_of, last_loss) != 0) return 1;
    if (report) {
      if (progress) progress(user, static_cast<double>(*steps_done), window_ / interval_);
      window_ = 0.0;
    }
    return 0;
  }
  // After the loop: the last step's loss into *last_loss.
  template <typename LossOf>
  int finish(LossOf loss_of, double* last_loss) {
    return drain(loss_of, last_loss);
  }

 private:
  template <typename LossOf>
  int drain(LossOf loss_of, double* last_loss) {
    if (used_ == 0) return 0;
    TDC_CHECK(cudaMemcpy(host_.data(), slots_.get(), static_cast<size_t>(used_) * values_ * sizeof(double),
                         cudaMemcpyDeviceToHost));
    for (int i = 0; i < used_; ++i) {
      const double loss = loss_of(i, host_.data() + static_cast<size_t>(i) * values_);
      window_ += loss;
      *last_loss = loss;
    }
    used_ = 0;
    return 0;
  }

  size_t values_ = 1;
  int interval_ = 0, capacity_ = 1, used_ = 0;
  double window_ = 0.0;
  DeviceBuffer<double> slots_;
  std::vector<double> host_;
};

}  // namespace tdc
