// One chunk of a sampling job as the persistent kernels see it: all device pointers.
#pragma once
#include <cstdint>

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

}  // namespace tdc
