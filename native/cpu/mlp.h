// Forward and backward passes of the MLP denoiser on the CPU.
#pragma once
#include <cstdint>
#include <vector>

#include "../core/mlp_layout.h"
#include "thread_pool.h"

namespace td {
namespace cpu {

// Activations kept from a forward pass for the backward pass.
struct MlpWorkspace {
  int rows = 0;
  std::vector<std::vector<float>> pre;   // Z_l = H_{l-1} W_l + b_l, per layer
  std::vector<std::vector<float>> post;  // H_l = act(Z_l) * dropout mask (hidden layers)
  std::vector<std::vector<float>> mask;  // dropout scale per hidden unit (empty when off)
  std::vector<float> grad_a, grad_b;     // dZ / dH scratch

  void reserve(const MlpConfig& cfg, const MlpLayout& layout, int rows);
};

struct DropoutDraw {
  bool active = false;
  uint64_t seed = 0;
  uint32_t step = 0;
};

// Full forward pass on an assembled input [rows x input_dim]. Returns the output
// [rows x out_dim] (owned by the workspace).
const float* mlp_forward(const MlpConfig& cfg, const MlpLayout& layout, const float* params, const float* input,
                         int rows, MlpWorkspace& ws, const DropoutDraw& dropout, ThreadPool* pool);

// Backward pass after mlp_forward on the same workspace and input. Writes parameter
// gradients (overwriting grads) and, when grad_input is not null, dLoss/dInput.
void mlp_backward(const MlpConfig& cfg, const MlpLayout& layout, const float* params, const float* input,
                  const float* grad_output, MlpWorkspace& ws, float* grads, float* grad_input, ThreadPool* pool);

// Inference forward for sampling: the first layer's bias already holds b_0 plus the
// time-embedding (and any broadcast context) contribution of this step; row_bias, when
// given, adds a per-row [rows x hidden0] term (per-row context), computed once per chunk.
// Only the x part of the first weight matrix is multiplied here.
const float* mlp_forward_folded(const MlpConfig& cfg, const MlpLayout& layout, const float* params, const float* x,
                                int rows, const float* first_bias, const float* row_bias, MlpWorkspace& ws,
                                ThreadPool* pool);

}  // namespace cpu
}  // namespace td
