// Shape of the MLP denoiser and where each tensor lives in the flat parameter buffer.
// Input row = [x_t (data_dim) | context (context_dim) | time embedding (time_dim)];
// hidden layers with SiLU or ReLU and dropout; a linear output of out_dim.
// Weights are stored [in x out] row-major so a layer is Y = X W + b.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace td {

enum class Activation { SiLU = 0, ReLU = 1 };

struct MlpConfig {
  int data_dim = 0;
  int context_dim = 0;
  int time_dim = 0;
  std::vector<int> hidden;
  int out_dim = 0;
  Activation activation = Activation::SiLU;
  float dropout = 0.0f;

  int input_dim() const { return data_dim + context_dim + time_dim; }
  int layer_count() const { return static_cast<int>(hidden.size()) + 1; }
};

struct LayerLayout {
  int in = 0;
  int out = 0;
  size_t weight_offset = 0;  // [in x out]
  size_t bias_offset = 0;    // [out]
};

struct ParamEntry {
  std::string name;
  int rows;
  int cols;
  size_t offset;
};

struct MlpLayout {
  std::vector<LayerLayout> layers;
  size_t total = 0;
  size_t widest = 0;  // the largest layer width, for scratch sizing

  static MlpLayout build(const MlpConfig& cfg) {
    MlpLayout layout;
    int in = cfg.input_dim();
    for (int l = 0; l < cfg.layer_count(); ++l) {
      const int out = l + 1 < cfg.layer_count() ? cfg.hidden[l] : cfg.out_dim;
      LayerLayout layer;
      layer.in = in;
      layer.out = out;
      layer.weight_offset = layout.total;
      layout.total += static_cast<size_t>(in) * out;
      layer.bias_offset = layout.total;
      layout.total += out;
      layout.layers.push_back(layer);
      if (static_cast<size_t>(out) > layout.widest) layout.widest = out;
      in = out;
    }
    return layout;
  }

  std::vector<ParamEntry> entries() const {
    std::vector<ParamEntry> list;
    for (size_t l = 0; l < layers.size(); ++l) {
      list.push_back({"layers." + std::to_string(l) + ".weight", layers[l].in, layers[l].out, layers[l].weight_offset});
      list.push_back({"layers." + std::to_string(l) + ".bias", 1, layers[l].out, layers[l].bias_offset});
    }
    return list;
  }
};

// Sinusoidal time embedding e(t) = (sin(t w_0..w_{k-1}), cos(t w_0..w_{k-1})),
// w_i = 10000^(-i/k), k = time_dim / 2. Computed in double, stored as float.
void time_embedding(double t, int time_dim, float* out);

// The embeddings of timesteps 0..timesteps-1, [timesteps x time_dim]: computed once per fit.
std::vector<float> time_embedding_table(int timesteps, int time_dim);

}  // namespace td
