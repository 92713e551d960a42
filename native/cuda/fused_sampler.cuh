// A persistent sampling kernel for narrow networks (every layer at most 128 wide): one block
// owns a tile of rows and runs every reverse step for them without leaving the SM, keeping the
// activations in shared memory and reading the weights through the cache. One launch per chunk
// instead of (layers + 1) launches per step.
#pragma once
#include <cuda_runtime.h>

#include "cuda_api.h"
#include "sample_chain.cuh"

namespace tdc {

constexpr int kFusedMaxWidth = 128;
constexpr int kFusedMaxData = 64;

// Whether the network and sampler fit the fused kernel.
bool fused_sampler_supports(const TdMlpDesc& desc, const TdSampleArgs& args);

// Samples the chunk's rows into chain.x; params are device pointers.
void launch_fused_sample(const TdMlpDesc& desc, const float* params, const SampleChain& chain, cudaStream_t s);

}  // namespace tdc
