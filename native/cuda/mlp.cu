#include <algorithm>

#include "gemm.cuh"
#include "kernels_train.cuh"
#include "mlp.cuh"

namespace tdc {

int DeviceMlp::reserve(int rows, bool with_mask) {
  int widest = desc_.in[0];
  for (int l = 0; l < desc_.layers; ++l) {
    const size_t size = static_cast<size_t>(rows) * desc_.out[l];
    TDC_CHECK(pre_[l].alloc(size));
    if (l + 1 < desc_.layers) TDC_CHECK(post_[l].alloc(size));
    if (with_mask && l + 1 < desc_.layers) TDC_CHECK(mask_[l].alloc(size));
    widest = std::max(widest, desc_.out[l]);
  }
  TDC_CHECK(grad_a_.alloc(static_cast<size_t>(rows) * widest));
  TDC_CHECK(grad_b_.alloc(static_cast<size_t>(rows) * widest));
  rows_ = std::max(rows_, rows);
  return 0;
}

int DeviceMlp::forward(const float* params, const float* input, int rows, int precision, const DropoutArgs& dropout,
                       cudaStream_t s, const float** out) {
  if (reserve(rows, dropout.active) != 0) return 1;
  masks_active_ = dropout.active;
  const float* h = input;
  int unit_offset = 0;
  for (int l = 0; l < desc_.layers; ++l) {
    const bool last = l + 1 == desc_.layers;
    GemmEpilogue epi;
    epi.bias = params + desc_.bias_offset[l];
    epi.post = last ? nullptr : post_[l].get();
    epi.activation = desc_.activation;
    launch_gemm(false, false, rows, desc_.out[l], desc_.in[l], 1.0f, h, desc_.in[l], params + desc_.weight_offset[l],
                desc_.out[l], 0.0f, pre_[l].get(), desc_.out[l], epi, precision, s);
    TDC_CHECK_LAUNCH();
    if (!last && dropout.active) {
      launch_dropout(post_[l].get(), mask_[l].get(), rows, desc_.out[l], unit_offset, dropout.p, dropout.seed, dropout.step, s);
      TDC_CHECK_LAUNCH();
    }
    unit_offset += desc_.out[l];
    h = post_[l].get();
  }
  *out = pre_[desc_.layers - 1].get();
  return 0;
}

int DeviceMlp::forward_folded(const float* params, const float* x, int rows, const float* first_bias,
                              const float* row_bias, int precision, const StepEpilogue* step, cudaStream_t s,
                              const float** out) {
  if (reserve(rows, false) != 0) return 1;
  const float* h = x;
  for (int l = 0; l < desc_.layers; ++l) {
    const bool last = l + 1 == desc_.layers;
    GemmEpilogue epi;
    epi.bias = l == 0 ? first_bias : params + desc_.bias_offset[l];
    epi.row_bias = l == 0 ? row_bias : nullptr;
    epi.post = last ? nullptr : post_[l].get();
    epi.activation = desc_.activation;
    if (last && step) epi.step = *step;
    // Layer 0 multiplies only the data rows of W0; context and time are in the biases.
    const int k = l == 0 ? desc_.data_dim : desc_.in[l];
    launch_gemm(false, false, rows, desc_.out[l], k, 1.0f, h, k, params + desc_.weight_offset[l], desc_.out[l], 0.0f,
                pre_[l].get(), desc_.out[l], epi, precision, s);
    TDC_CHECK_LAUNCH();
    h = post_[l].get();
  }
  *out = pre_[desc_.layers - 1].get();
  return 0;
}

int DeviceMlp::backward(const float* params, const float* input, const float* grad_output, int rows, float* grads,
                        float* grad_input, cudaStream_t s) {
  const float* dz = grad_output;
  GemmEpilogue none;
  for (int l = desc_.layers - 1; l >= 0; --l) {
    const float* h_prev = l == 0 ? input : post_[l - 1].get();
    launch_gemm(true, false, desc_.in[l], desc_.out[l], rows, 1.0f, h_prev, desc_.in[l], dz, desc_.out[l], 0.0f,
                grads + desc_.weight_offset[l], desc_.out[l], none, 0, s);
    TDC_CHECK_LAUNCH();
    launch_bias_grad(dz, rows, desc_.out[l], grads + desc_.bias_offset[l], s);
    TDC_CHECK_LAUNCH();
    if (l == 0 && grad_input == nullptr) break;
    float* dh = l == 0 ? grad_input : (dz == grad_a_.get() ? grad_b_.get() : grad_a_.get());
    launch_gemm(false, true, rows, desc_.in[l], desc_.out[l], 1.0f, dz, desc_.out[l], params + desc_.weight_offset[l],
                desc_.out[l], 0.0f, dh, desc_.in[l], none, 0, s);
    TDC_CHECK_LAUNCH();
    if (l == 0) break;
    launch_activation_backward(desc_.activation, pre_[l - 1].get(), masks_active_ ? mask_[l - 1].get() : nullptr, dh,
                               static_cast<size_t>(rows) * desc_.in[l], s);
    TDC_CHECK_LAUNCH();
    dz = dh;
  }
  return 0;
}

}  // namespace tdc
