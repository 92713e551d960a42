// One chunk of a sampling job as the persistent kernels see it (all device pointers), and the
// reverse step as the layer-by-layer path's output epilogue applies it.
#pragma once
#include <algorithm>
#include <cstdint>

#include "cuda_api.h"
#include "gemm.cuh"

namespace tdc {

struct SampleChain {
  const float* first_bias = nullptr;   // [steps x hidden0]: layer 0's bias plus time term, per step
  const float* coefs = nullptr;        // [steps x 6]: see TdSampleArgs::step_coefs
  const int32_t* timesteps = nullptr;  // [steps]: each step's noise step index
  int steps = 0;
  int sampler = 0;                     // 0 affine (DDPM/DDIM), 1 DPM-Solver++
  const float* row_bias = nullptr;     // [rows x hidden0] per-row context term, or null
  uint64_t seed = 0;
  uint64_t first_global_row = 0;       // the chunk's first row within the job's row numbering
  int rows = 0;
  float* x = nullptr;                  // [rows x data_dim]: the samples
};

// The output-epilogue reverse step of step k of a job, on x [rows x cols] from global row
// global_row on (x0_prev: DPM-Solver++'s data predictions, or null for the other samplers).
inline StepEpilogue step_epilogue(const TdSampleArgs& a, int k, float* x, int cols, float* x0_prev,
                                  uint64_t global_row) {
  StepEpilogue step;
  step.x = x;
  step.cols = cols;
  step.x0_prev = x0_prev;
  step.sampler = a.sampler;
  std::copy(a.step_coefs + static_cast<size_t>(k) * 6, a.step_coefs + static_cast<size_t>(k) * 6 + 6, step.coef);
  step.seed = a.seed;
  step.row_offset = global_row;
  step.noise_step = static_cast<uint32_t>(a.timesteps[k]);
  return step;
}

}  // namespace tdc
