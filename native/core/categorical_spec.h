// The categorical part of a mixed-type denoiser: which discrete chain, the class count of
// each categorical column, and where each column's block sits in the network's rows.
//
// Network rows (MlpConfig.data_dim = numeric_dim + total):
//   input  [x_t numeric | one-hot x_t of each categorical column (S_c states) | context | time]
//   output [eps numeric | per categorical column S_c log scores (SEDD) or K logits (multinomial)]
// S_c = N_c (uniform graph, multinomial) or N_c + 1 (absorbing graph: MASK = N_c).
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

#include "sedd_graph.h"
#include "sedd_noise.h"

namespace td {

enum class CatMethod : int { None = 0, Sedd = 1, Multinomial = 2 };

// The limit on classes per categorical column: the heads are dense, one output per state.
constexpr int kMaxCategoricalClasses = 1000;
constexpr int kMaxCategoricalColumns = 4096;

// The categorical draws share kStreamCategorical; these column bases split its counter space
// so training corruption, sampling steps, sampling init and likelihood draws never overlap.
constexpr uint32_t kCatColumnsTrain = 0;
constexpr uint32_t kCatColumnsStep = 1u << 28;
constexpr uint32_t kCatColumnsInit = 2u << 28;
constexpr uint32_t kCatColumnsNll = 3u << 28;
constexpr uint32_t kCatColumnsJump = 4u << 28;  // inpainting's jumps back up (cpu/inpaint.h)

// A view of the categorical layout for kernels: plain pointers, so the CUDA twin can copy it.
struct CatLayout {
  const int32_t* classes = nullptr;  // N_c, [cols]
  const int32_t* offsets = nullptr;  // first state of column c within the categorical block, [cols]
  int cols = 0;
  int total = 0;                     // sum of S_c
  sedd::Graph graph = sedd::Graph::Absorbing;  // multinomial uses Uniform's S_c = N_c
};

// States of the layout's widest column: the length of a per-cell scratch row on the host.
inline int widest_states(const CatLayout& L) {
  int widest = 1;
  for (int c = 0; c < L.cols; ++c) widest = std::max(widest, sedd::graph_states(L.graph, L.classes[c]));
  return widest;
}

struct CategoricalSpec {
  CatMethod method = CatMethod::None;
  sedd::Graph graph = sedd::Graph::Absorbing;
  sedd::DiscreteNoise noise;
  int numeric_dim = 0;
  std::vector<int32_t> classes;
  std::vector<int32_t> offsets;
  int total = 0;

  bool active() const { return method != CatMethod::None && !classes.empty(); }

  sedd::Graph state_graph() const { return method == CatMethod::Sedd ? graph : sedd::Graph::Uniform; }

  // Fills offsets and total from classes.
  void finish() {
    offsets.assign(classes.size(), 0);
    total = 0;
    for (size_t c = 0; c < classes.size(); ++c) {
      offsets[c] = total;
      total += sedd::graph_states(state_graph(), classes[c]);
    }
  }

  CatLayout layout() const {
    CatLayout L;
    L.classes = classes.data();
    L.offsets = offsets.data();
    L.cols = static_cast<int>(classes.size());
    L.total = total;
    L.graph = state_graph();
    return L;
  }
};

}  // namespace td
