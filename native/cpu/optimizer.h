// AdamW over the flat parameter buffer (PyTorch's formulation), global-norm gradient
// clipping, and the exponential moving average of the weights used for sampling.
#pragma once
#include <cstddef>
#include <cstdint>

namespace td {
namespace cpu {

struct AdamWConfig {
  float lr = 1e-3f;
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float eps = 1e-8f;
  float weight_decay = 0.0f;
};

// One AdamW update; step is 1-based (the bias corrections use it).
//   p <- p (1 - lr wd);  m <- b1 m + (1 - b1) g;  v <- b2 v + (1 - b2) g^2;
//   p <- p - (lr / (1 - b1^step)) m / (sqrt(v) / sqrt(1 - b2^step) + eps)
void adamw_step(float* params, const float* grads, float* m, float* v, size_t n, int64_t step, const AdamWConfig& cfg);

// Scales grads so their global L2 norm is at most max_norm (PyTorch's clip_grad_norm_:
// factor max_norm / (norm + 1e-6) when below 1). Returns the norm before clipping.
double clip_grad_norm(float* grads, size_t n, double max_norm);

// ema <- decay ema + (1 - decay) params
void ema_update(float* ema, const float* params, size_t n, float decay);

}  // namespace cpu
}  // namespace td
