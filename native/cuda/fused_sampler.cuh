// A persistent sampling kernel for narrow networks (every layer at most 128 wide): one block
// owns a tile of rows and runs every reverse step for them without leaving the SM, keeping the
// activations in shared memory and reading the weights through the cache. One launch per chunk
// instead of (layers + 1) launches per step.
#pragma once
#include <cuda_runtime.h>

#include "cuda_api.h"

namespace tdc {

constexpr int kFusedMaxWidth = 128;
constexpr int kFusedMaxData = 64;

// Whether the network and sampler fit the fused kernel.
bool fused_sampler_supports(const TdMlpDesc& desc, const TdSampleArgs& args);

// Samples rows [first, first + rows) of the job into x (device, [rows x data_dim]).
// params, first_bias [steps x hidden0], coefs [steps x 6], timesteps [steps] and row_bias
// ([rows x hidden0] or null) are device pointers.
void launch_fused_sample(const TdMlpDesc& desc, const float* params, const float* first_bias, const float* coefs,
                         const int32_t* timesteps, int steps, int sampler, const float* row_bias, uint64_t seed,
                         uint64_t first_global_row, int rows, float* x, cudaStream_t s);

}  // namespace tdc
