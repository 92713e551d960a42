#include "model.h"

#include <cmath>
#include <cstring>

#include "../core/philox.h"
#include "gemm.h"

namespace td {
namespace cpu {

DenoiserModel::DenoiserModel(const MlpConfig& config, uint64_t seed, const CategoricalSpec& categorical)
    : cfg(config), layout(MlpLayout::build(config)), cat(categorical) {
  params.resize(layout.total);
  adam_m.assign(layout.total, 0.0f);
  adam_v.assign(layout.total, 0.0f);
  init_params(seed);
}

void DenoiserModel::init_params(uint64_t seed) {
  for (const LayerLayout& L : layout.layers) {
    const float bound = 1.0f / std::sqrt(static_cast<float>(L.in));
    const size_t begin = L.weight_offset, end = L.bias_offset + L.out;
    for (size_t i = begin; i < end; ++i) {
      const float u = uniform_at(seed, kStreamInit, i >> 2, 0, static_cast<uint32_t>(i & 3u));
      params[i] = (2.0f * u - 1.0f) * bound;
    }
  }
}

void first_layer_bias(const DenoiserModel& model, const float* params, double t, const float* broadcast_context,
                      float* out) {
  const MlpConfig& cfg = model.cfg;
  const LayerLayout& L = model.layout.layers[0];
  std::memcpy(out, params + L.bias_offset, sizeof(float) * L.out);
  std::vector<float> embedding(cfg.time_dim);
  time_embedding(t, cfg.time_dim, embedding.data());
  const float* w_time = params + L.weight_offset + static_cast<size_t>(cfg.data_dim + cfg.context_dim) * L.out;
  sgemm(false, false, 1, L.out, cfg.time_dim, 1.0f, embedding.data(), cfg.time_dim, w_time, L.out, 1.0f, out, L.out,
        nullptr);
  if (broadcast_context && cfg.context_dim > 0) {
    const float* w_ctx = params + L.weight_offset + static_cast<size_t>(cfg.data_dim) * L.out;
    sgemm(false, false, 1, L.out, cfg.context_dim, 1.0f, broadcast_context, cfg.context_dim, w_ctx, L.out, 1.0f, out,
          L.out, nullptr);
  }
}

void context_row_bias(const DenoiserModel& model, const float* params, const float* context, int rows, float* out) {
  const MlpConfig& cfg = model.cfg;
  const LayerLayout& L = model.layout.layers[0];
  const float* w_ctx = params + L.weight_offset + static_cast<size_t>(cfg.data_dim) * L.out;
  sgemm(false, false, rows, L.out, cfg.context_dim, 1.0f, context, cfg.context_dim, w_ctx, L.out, 0.0f, out, L.out,
        nullptr);
}

}  // namespace cpu
}  // namespace td
