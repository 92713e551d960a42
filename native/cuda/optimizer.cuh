// The end of a training step on the GPU, as the CPU's StepFinisher does it: gradient clipping
// by the global norm, linear LR decay, AdamW over the flat parameter buffer, EMA, and the
// progress reports of the mean loss over each window of steps. Norms are summed in fixed
// blocks that the host adds in order, so every run gives the same parameters.
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
  // Records the step's loss; reports the window's mean every progress_interval steps.
  void report(double loss, TdProgressFn progress, void* user, double* last_loss, int64_t* steps_done);
  int download(float* params, float* m, float* v, float* ema) const;

 private:
  const TdTrainArgs* args_ = nullptr;
  size_t n_ = 0;
  DeviceBuffer<float> p_, m_, v_, e_, grads_;
  DeviceBuffer<double> partial_;
  std::vector<double> host_partial_;
  bool has_ema_ = false;
  double window_ = 0.0;
  int window_steps_ = 0;
};

}  // namespace tdc
