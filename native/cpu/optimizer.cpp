#include "optimizer.h"

#include <algorithm>
#include <cmath>

namespace td {
namespace cpu {

void adamw_step(float* params, const float* grads, float* m, float* v, size_t n, int64_t step, const AdamWConfig& cfg) {
  const double bc1 = 1.0 - std::pow(static_cast<double>(cfg.beta1), static_cast<double>(step));
  const double bc2 = 1.0 - std::pow(static_cast<double>(cfg.beta2), static_cast<double>(step));
  const float step_size = static_cast<float>(cfg.lr / bc1);
  const float inv_sqrt_bc2 = static_cast<float>(1.0 / std::sqrt(bc2));
  const float decay = 1.0f - cfg.lr * cfg.weight_decay;
  const float b1 = cfg.beta1, b2 = cfg.beta2;
  for (size_t i = 0; i < n; ++i) {
    const float g = grads[i];
    m[i] = b1 * m[i] + (1.0f - b1) * g;
    v[i] = b2 * v[i] + (1.0f - b2) * g * g;
    const float denom = std::sqrt(v[i]) * inv_sqrt_bc2 + cfg.eps;
    params[i] = params[i] * decay - step_size * m[i] / denom;
  }
}

double clip_grad_norm(float* grads, size_t n, double max_norm) {
  double sum = 0.0;
  for (size_t i = 0; i < n; ++i) sum += static_cast<double>(grads[i]) * grads[i];
  const double norm = std::sqrt(sum);
  if (max_norm > 0.0) {
    const double factor = max_norm / (norm + 1e-6);
    if (factor < 1.0) {
      const float f = static_cast<float>(factor);
      for (size_t i = 0; i < n; ++i) grads[i] *= f;
    }
  }
  return norm;
}

void ema_update(float* ema, const float* params, size_t n, float decay) {
  const float keep = decay, take = 1.0f - decay;
  for (size_t i = 0; i < n; ++i) ema[i] = keep * ema[i] + take * params[i];
}

}  // namespace cpu
}  // namespace td
