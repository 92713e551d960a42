// The state of one denoiser: configuration, layout, the flat parameter buffer, the AdamW
// moments, the EMA copy used for sampling, and the count of optimiser steps taken.
#pragma once
#include <cstdint>
#include <vector>

#include "../core/mlp_layout.h"
#include "../core/categorical_spec.h"

namespace td {
namespace cpu {

struct DenoiserModel {
  MlpConfig cfg;
  MlpLayout layout;
  // Mixed-type models: the categorical columns' chain and heads (inactive for Gaussian-only
  // models, whose paths stay exactly as they were). cfg.data_dim = numeric_dim + cat.total.
  CategoricalSpec cat;
  std::vector<float> params;
  std::vector<float> ema;      // empty until a fit with EMA runs (or weights are loaded)
  std::vector<float> adam_m, adam_v;
  int64_t step = 0;

  DenoiserModel(const MlpConfig& config, uint64_t seed, const CategoricalSpec& categorical = CategoricalSpec());

  // Columns of the Gaussian part (all of data_dim when there are no categorical columns).
  int numeric_dim() const { return cat.active() ? cat.numeric_dim : cfg.data_dim; }

  // PyTorch's nn.Linear initialisation: U(-1/sqrt(in), 1/sqrt(in)) for weights and biases,
  // drawn from Philox so it is a pure function of the seed.
  void init_params(uint64_t seed);

  // The weights sampling uses: the EMA when there is one.
  const float* sampling_params() const { return ema.empty() ? params.data() : ema.data(); }
};

// b_0 + e(t) W_0[time rows] (+ c W_0[context rows] when one context row is broadcast):
// everything of the first layer that is shared by all rows at one step.
void first_layer_bias(const DenoiserModel& model, const float* params, double t, const float* broadcast_context,
                      float* out);

// c_i W_0[context rows] for per-row contexts [rows x context_dim] -> out [rows x hidden_0].
void context_row_bias(const DenoiserModel& model, const float* params, const float* context, int rows, float* out);

}  // namespace cpu
}  // namespace td
