// The tensor-core sampling kernel (precision bf16 or fp16, sm_80 and newer): one warp owns
// 16 rows and runs every reverse step for them with mma.sync m16n8k16, fp32 accumulation.
// Activations never leave the registers: the accumulator layout of one layer's output is the
// A-operand layout of the next layer's input, so a layer ends with a conversion, not a store.
// Weights are packed once per job into the B-operand lane order and live in shared memory.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>
#include <vector>

#include "cuda_api.h"
#include "sample_chain.cuh"

namespace tdc {

constexpr int kMmaMaxLayers = 8;
constexpr int kMmaMaxWidth = 128;  // widest layer, in units
constexpr int kMmaMaxData = 64;    // widest data row

struct MmaLayer {
  int k_chunks;     // input width / 16, rounded up
  int n_tiles;      // output width / 8, rounded up to an even count
  int frag_offset;  // first B fragment (uint2 per lane) of the layer in the packed buffer
  int bias_offset;  // first bias float in the packed bias buffer (layers >= 1)
};

struct MmaPlan {
  int layers;
  MmaLayer layer[kMmaMaxLayers];
  int data_dim;
  int activation;  // 0 SiLU, 1 ReLU
  int precision;   // TD_PRECISION_BF16 or TD_PRECISION_FP16
  int frag_count;  // uint2 per lane x 32 lanes, all layers
  int bias_count;
};

// Whether the network, sampler and device suit the tensor-core kernel.
bool mma_sampler_supports(const TdMlpDesc& desc, const TdSampleArgs& args);

// Packs the weights (host, CPU layout) into B fragments in `frags` and the biases of layers
// >= 1 into `biases`; layer 0's bias is the per-step first_bias.
MmaPlan pack_mma_weights(const TdMlpDesc& desc, const float* params, int precision, std::vector<uint32_t>* frags,
                         std::vector<float>* biases);

// Samples the chunk's rows into chain.x. frags and biases (from pack_mma_weights, on the
// device) and the chain's pointers are device pointers; first_width is layer 0's width.
cudaError_t launch_mma_sample(const MmaPlan& plan, int first_width, const uint32_t* frags, const float* biases,
                              const SampleChain& chain, cudaStream_t s);

// Rows the persistent grid covers in one round (every warp one 16-row tile); 0 on error.
int64_t mma_rows_per_round(const MmaPlan& plan);

}  // namespace tdc
