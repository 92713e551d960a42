// The MLP denoiser on the GPU: forward (full or with the first layer's time part folded
// into a per-step bias, as in sampling) and backward, on device buffers, using the layout
// of the CPU backend.
#pragma once
#include <vector>

#include "common.cuh"
#include "cuda_api.h"
#include "gemm.cuh"

namespace tdc {

struct DropoutArgs {
  bool active = false;
  float p = 0.0f;
  uint64_t seed = 0;
  uint32_t step = 0;
};

class DeviceMlp {
 public:
  explicit DeviceMlp(const TdMlpDesc& desc) : desc_(desc), pre_(desc.layers), post_(desc.layers), mask_(desc.layers) {}

  int reserve(int rows, bool with_mask);
  // input [rows x in0] -> returns the output [rows x out_last] (device, owned here).
  int forward(const float* params, const float* input, int rows, int precision, const DropoutArgs& dropout,
              cudaStream_t s, const float** out);
  // x [rows x data_dim]; first_bias [hidden0]; row_bias [rows x hidden0] or null. With a
  // step, the output layer's epilogue applies the reverse step to step->x from the first
  // step->cols outputs (which *out then lacks); step->x must not be the network's input when
  // there is one layer (the output GEMM would read what it writes).
  int forward_folded(const float* params, const float* x, int rows, const float* first_bias, const float* row_bias,
                     int precision, const StepEpilogue* step, cudaStream_t s, const float** out);
  // After forward on the same input: grads (overwritten), grad_input when not null.
  int backward(const float* params, const float* input, const float* grad_output, int rows, float* grads,
               float* grad_input, cudaStream_t s);

 private:
  TdMlpDesc desc_;
  std::vector<DeviceBuffer<float>> pre_, post_, mask_;
  DeviceBuffer<float> grad_a_, grad_b_;
  int rows_ = 0;
  bool masks_active_ = false;
};

}  // namespace tdc
