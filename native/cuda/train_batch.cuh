// The Gaussian half of a training batch on the GPU, shared by the numeric and the mixed-type
// training loops: the training data on the device and, per optimiser step, the minibatch rows
// and timesteps (the CPU's rule), x_t written into the network input and the eps drawn for it.
#pragma once
#include <vector>

#include "common.cuh"
#include "cuda_api.h"

namespace tdc {

class GaussianBatch {
 public:
  // d numeric columns, c context columns, input rows of in_dim values.
  int init(const TdTrainArgs& args, int d, int c, int time_dim, int in_dim);
  // Step k: the input's numeric columns hold x_t, and context and time embedding sit from
  // column `lead` on (d, or a mixed model's data width).
  int prepare(int64_t k, int lead, cudaStream_t s);
  float* input() const { return input_.get(); }
  const float* eps() const { return eps_.get(); }
  // Data with gaps (args.observed): the batch rows' masks [batch x d] after prepare(k), else null.
  const uint8_t* observed() const { return masked_ ? obs_.get() : nullptr; }
  // The cells of step k's batch that enter the eps-MSE: all batch * d without a mask, else
  // the observed ones (counted on the host from per-row counts and the minibatch rule).
  size_t observed_count(int64_t k) const;

 private:
  const TdTrainArgs* args_ = nullptr;
  int d_ = 0, c_ = 0, time_dim_ = 0, in_dim_ = 0;
  DeviceBuffer<float> x_, ctx_, table_, sa_, sb_, input_, x0_, eps_;
  DeviceBuffer<int32_t> t_;
  bool masked_ = false;
  DeviceBuffer<uint8_t> observed_, obs_;
  std::vector<int32_t> row_counts_;  // observed cells of each data row
};

}  // namespace tdc
