#include "mlp.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "../core/minibatch.h"
#include "activation.h"
#include "gemm.h"

namespace td {
namespace cpu {

namespace {

// Y[rows x out] = bias broadcast; the GEMM then accumulates X W with beta = 1.
void fill_bias(float* y, const float* bias, int rows, int out) {
  for (int i = 0; i < rows; ++i) std::memcpy(y + static_cast<size_t>(i) * out, bias, sizeof(float) * out);
}

// The dropout mask of hidden layer `layer`, unit j of batch row i: a pure function of
// (seed, step, row, unit), with units of all layers numbered consecutively.
void draw_dropout_mask(float* mask, int rows, int width, int unit_offset, float p, const DropoutDraw& d) {
  const float keep_scale = 1.0f / (1.0f - p);
  for (int i = 0; i < rows; ++i) {
    for (int j = 0; j < width; ++j) {
      mask[static_cast<size_t>(i) * width + j] = dropout_keeps(d.seed, d.step, i, unit_offset + j, p) ? keep_scale : 0.0f;
    }
  }
}

// An abortable job was aborted (see ThreadPool::set_abort): the remaining layers are skipped
// (their O(rows x width) activations cost tens of ms at large sizes) and the caller discards
// the result.
bool aborted(const ThreadPool* pool) {
  return pool != nullptr && pool->abort_flag() != nullptr && pool->abort_flag()->load(std::memory_order_relaxed);
}

// Runs fn(first, count) over [0, n) in blocks, stopping once the job is aborted: the
// elementwise passes of a wide layer at a big batch take tens of ms each.
template <typename F>
void in_blocks(size_t n, size_t block, const ThreadPool* pool, F fn) {
  for (size_t i = 0; i < n; i += block) {
    if (aborted(pool)) return;
    fn(i, std::min(block, n - i));
  }
}

// About a millisecond of elementwise work. A power of two: blocks of an elementwise pass start at
// multiples of it, so SIMD lanes and the scalar tail see the same elements as one call would.
constexpr size_t kBlockElements = size_t(1) << 20;

size_t rows_per_block(int width) { return std::max<size_t>(1, kBlockElements / static_cast<size_t>(width)); }

}  // namespace

void MlpWorkspace::reserve(const MlpConfig& cfg, const MlpLayout& layout, int rows_) {
  rows = rows_;
  const size_t n_layers = layout.layers.size();
  pre.resize(n_layers);
  post.resize(n_layers);
  mask.resize(n_layers);
  for (size_t l = 0; l < n_layers; ++l) {
    const size_t size = static_cast<size_t>(rows) * layout.layers[l].out;
    pre[l].resize(size);
    if (l + 1 < n_layers) post[l].resize(size);
    if (l + 1 < n_layers && cfg.dropout > 0.0f) mask[l].resize(size);
  }
  const size_t widest = std::max<size_t>(layout.widest, static_cast<size_t>(cfg.input_dim()));
  grad_a.resize(static_cast<size_t>(rows) * widest);
  grad_b.resize(static_cast<size_t>(rows) * widest);
}

const float* mlp_forward(const MlpConfig& cfg, const MlpLayout& layout, const float* params, const float* input,
                         int rows, MlpWorkspace& ws, const DropoutDraw& dropout, ThreadPool* pool) {
  if (ws.rows < rows || ws.pre.size() != layout.layers.size()) ws.reserve(cfg, layout, rows);
  const float* h = input;
  int unit_offset = 0;
  const int n_layers = static_cast<int>(layout.layers.size());
  for (int l = 0; l < n_layers; ++l) {
    const LayerLayout& L = layout.layers[l];
    float* z = ws.pre[l].data();
    in_blocks(static_cast<size_t>(rows), rows_per_block(L.out), pool, [&](size_t r, size_t k) {
      fill_bias(z + r * L.out, params + L.bias_offset, static_cast<int>(k), L.out);
    });
    sgemm(false, false, rows, L.out, L.in, 1.0f, h, L.in, params + L.weight_offset, L.out, 1.0f, z, L.out, pool);
    if (l + 1 == n_layers || aborted(pool)) return ws.pre[n_layers - 1].data();
    float* a = ws.post[l].data();
    const size_t count = static_cast<size_t>(rows) * L.out;
    in_blocks(count, kBlockElements, pool, [&](size_t i, size_t k) { activation_forward(cfg.activation, z + i, a + i, k); });
    if (dropout.active && cfg.dropout > 0.0f) {
      float* m = ws.mask[l].data();
      draw_dropout_mask(m, rows, L.out, unit_offset, cfg.dropout, dropout);
      for (size_t i = 0; i < count; ++i) a[i] *= m[i];
    } else if (!ws.mask[l].empty()) {
      std::fill(ws.mask[l].begin(), ws.mask[l].begin() + count, 1.0f);
    }
    unit_offset += L.out;
    h = a;
  }
  return nullptr;  // unreachable: a network always has an output layer
}

void mlp_backward(const MlpConfig& cfg, const MlpLayout& layout, const float* params, const float* input,
                  const float* grad_output, MlpWorkspace& ws, float* grads, float* grad_input, ThreadPool* pool) {
  const int rows = ws.rows;
  const int n_layers = static_cast<int>(layout.layers.size());
  const float* dz = grad_output;
  for (int l = n_layers - 1; l >= 0; --l) {
    if (aborted(pool)) return;
    const LayerLayout& L = layout.layers[l];
    const float* h_prev = l == 0 ? input : ws.post[l - 1].data();
    // dW = H_{l-1}^T dZ, db = column sums of dZ (sequential over rows: deterministic).
    sgemm(true, false, L.in, L.out, rows, 1.0f, h_prev, L.in, dz, L.out, 0.0f, grads + L.weight_offset, L.out, pool);
    float* db = grads + L.bias_offset;
    std::fill(db, db + L.out, 0.0f);
    in_blocks(static_cast<size_t>(rows), rows_per_block(L.out), pool, [&](size_t first, size_t k) {
      for (size_t i = first; i < first + k; ++i) {
        const float* row = dz + i * L.out;
        for (int j = 0; j < L.out; ++j) db[j] += row[j];
      }
    });
    if (l == 0 && grad_input == nullptr) break;
    // dH_{l-1} = dZ W^T
    float* dh = l == 0 ? grad_input : (dz == ws.grad_a.data() ? ws.grad_b.data() : ws.grad_a.data());
    sgemm(false, true, rows, L.in, L.out, 1.0f, dz, L.out, params + L.weight_offset, L.out, 0.0f, dh, L.in, pool);
    if (l == 0) break;
    // dZ_{l-1} = dH * mask * act'(Z_{l-1})
    const float* z = ws.pre[l - 1].data();
    const float* mask = ws.mask[l - 1].empty() ? nullptr : ws.mask[l - 1].data();
    in_blocks(static_cast<size_t>(rows) * L.in, kBlockElements, pool, [&](size_t i, size_t k) {
      activation_backward(cfg.activation, z + i, mask ? mask + i : nullptr, dh + i, k);
    });
    dz = dh;
  }
}

const float* mlp_forward_folded(const MlpConfig& cfg, const MlpLayout& layout, const float* params, const float* x,
                                int rows, const float* first_bias, const float* row_bias, MlpWorkspace& ws,
                                ThreadPool* pool) {
  if (ws.rows < rows || ws.pre.size() != layout.layers.size()) ws.reserve(cfg, layout, rows);
  const int n_layers = static_cast<int>(layout.layers.size());
  const float* h = x;
  for (int l = 0; l < n_layers; ++l) {
    const LayerLayout& L = layout.layers[l];
    float* z = ws.pre[l].data();
    const size_t count = static_cast<size_t>(rows) * L.out;
    if (l == 0) {
      fill_bias(z, first_bias, rows, L.out);
      if (row_bias) for (size_t i = 0; i < count; ++i) z[i] += row_bias[i];
      // Only the data rows of W_0: context and time parts are folded into the biases.
      sgemm(false, false, rows, L.out, cfg.data_dim, 1.0f, x, cfg.data_dim, params + L.weight_offset, L.out, 1.0f, z,
            L.out, pool);
    } else {
      fill_bias(z, params + L.bias_offset, rows, L.out);
      sgemm(false, false, rows, L.out, L.in, 1.0f, h, L.in, params + L.weight_offset, L.out, 1.0f, z, L.out, pool);
    }
    if (l + 1 == n_layers) return z;
    activation_forward(cfg.activation, z, ws.post[l].data(), count);
    h = ws.post[l].data();
  }
  return nullptr;
}

}  // namespace cpu
}  // namespace td
