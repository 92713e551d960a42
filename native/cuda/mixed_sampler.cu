// The sampling loop of mixed-type models on the GPU (the C ABI's sample_mixed), the twin of
// cpu/mixed_sampler.cpp (network input and output as in mixed_trainer.cu).
#include <algorithm>
#include <vector>

#include "../core/minibatch.h"
#include "../core/philox.h"
#include "../core/categorical_spec.h"
#include "gemm.cuh"
#include "inpaint.cuh"
#include "normals.cuh"
#include "sedd.cuh"
#include "kernels_train.cuh"
#include "mixed_sampler.cuh"
#include "mlp.cuh"
#include "multinomial.cuh"
#include "optimizer.cuh"
#include "sample_chain.cuh"
#include "train_batch.cuh"

namespace tdc {

int sample_mixed(const TdMlpDesc* desc, const TdMixedArgs* mixed, const float* params, const TdSampleArgs* a,
                 float* out_numeric, int32_t* out_categorical, TdShouldStopFn should_stop, TdProgressFn progress,
                 void* user) {
  const TdMixedArgs& M = *mixed;
  const int D = desc->data_dim, d = D - M.layout.total, c = desc->context_dim, hidden0 = desc->out[0];
  const int C = M.layout.cols;
  const bool has_context = a->context && c > 0;
  const bool is_sedd = M.method == 0;
  // The discrete step's scratch holds a probability vector per cell: keep chunks moderate.
  const int chunk = static_cast<int>(std::min<int64_t>(std::max(a->chunk_rows, 1 << 16), std::max<int64_t>(a->n, 1)));
  const int widest = widest_states(&M.layout);
  cudaStream_t s = 0;
  LayoutBuffers layout_buffers;
  DeviceLayout L;
  if (layout_buffers.upload(&M.layout, &L) != 0) return 1;
  DeviceBuffer<float> p, bias, x_num, x0_prev, x_in, ctx, row_bias;
  DeviceBuffer<int32_t> x_cat, fixed;
  DeviceBuffer<double> sigma, scratch;
  TDC_CHECK(p.upload(params, desc->param_count));
  TDC_CHECK(bias.upload(a->first_bias, static_cast<size_t>(a->steps) * hidden0));
  TDC_CHECK(x_num.alloc(static_cast<size_t>(chunk) * std::max(d, 1)));
  if (a->sampler == 1) TDC_CHECK(x0_prev.alloc(static_cast<size_t>(chunk) * std::max(d, 1)));
  TDC_CHECK(x_in.alloc(static_cast<size_t>(chunk) * D));
  TDC_CHECK(x_cat.alloc(static_cast<size_t>(chunk) * C));
  TDC_CHECK(sigma.alloc(chunk));
  TDC_CHECK(scratch.alloc(static_cast<size_t>(chunk) * C * widest));
  if (M.fixed) TDC_CHECK(fixed.alloc(static_cast<size_t>(M.fixed_rows == 1 ? 1 : chunk) * C));
  if (M.fixed && M.fixed_rows == 1) TDC_CHECK(fixed.upload(M.fixed, C));
  if (has_context) {
    TDC_CHECK(ctx.alloc(static_cast<size_t>(chunk) * c));
    TDC_CHECK(row_bias.alloc(static_cast<size_t>(chunk) * hidden0));
  }
  InpaintChunk known;
  if (known.init(*a, d, chunk) != 0) return 1;
  const bool inpaint = a->moves != nullptr;
  const std::vector<TdMove> plain = inpaint ? std::vector<TdMove>() : plain_moves(*a);
  const TdMove* moves = inpaint ? a->moves : plain.data();
  const int move_count = inpaint ? a->move_count : static_cast<int>(plain.size());
  DeviceMlp mlp(*desc);
  GemmEpilogue none;
  for (int64_t first = 0; first < a->n; first += chunk) {
    const int rows = static_cast<int>(std::min<int64_t>(chunk, a->n - first));
    const uint64_t global_row = a->row_offset + static_cast<uint64_t>(first);
    const float* rb = nullptr;
    if (has_context) {
      TDC_CHECK(cudaMemcpyAsync(ctx.get(), a->context + static_cast<size_t>(first) * c,
                                static_cast<size_t>(rows) * c * sizeof(float), cudaMemcpyHostToDevice, s));
      launch_gemm(false, false, rows, hidden0, c, 1.0f, ctx.get(), c, p.get() + desc->weight_offset[0] + static_cast<size_t>(D) * hidden0,
                  hidden0, 0.0f, row_bias.get(), hidden0, none, 0, s);
      TDC_CHECK_LAUNCH();
      rb = row_bias.get();
    }
    if (M.fixed && M.fixed_rows != 1) {
      TDC_CHECK(cudaMemcpyAsync(fixed.get(), M.fixed + static_cast<size_t>(first) * C,
                                static_cast<size_t>(rows) * C * sizeof(int32_t), cudaMemcpyHostToDevice, s));
    }
    auto hold_fixed = [&]() {
      if (M.fixed) launch_cat_apply_fixed(x_cat.get(), rows, C, fixed.get(), M.fixed_rows, 0, s);
    };
    // The chain start: x_T ~ N(0, I) and the categorical prior, as the CPU draws them.
    if (d > 0) launch_normals(a->seed, td::kStreamSampleInit, global_row, rows, 0, d, x_num.get(), s);
    if (a->sampler == 1 && d > 0) {
      TDC_CHECK(cudaMemsetAsync(x0_prev.get(), 0, static_cast<size_t>(rows) * d * sizeof(float), s));
    }
    launch_cat_init(x_cat.get(), rows, L, M.keep, a->seed, global_row, s);
    hold_fixed();
    TDC_CHECK_LAUNCH();
    if (known.load(*a, first, rows, s) != 0) return 1;
    for (int v = 0; v < move_count; ++v) {
      if (should_stop && should_stop(user)) return 2;
      const TdMove& m = moves[v];
      const int k = m.k;
      const uint32_t noise_step = m.noise_step;  // a repeated block draws afresh (cpu/inpaint.h visit_step)
      if (m.up) {
        // Both chains jump back up together: they share the clock the network sees.
        if (d > 0) launch_inpaint_jump(x_num.get(), rows, d, m.jump_a, m.jump_s, a->seed, global_row, noise_step, s);
        known.jump_categorical(x_cat.get(), rows, L, m, a->seed, global_row, s);
        hold_fixed();
        TDC_CHECK_LAUNCH();
        continue;
      }
      if (d > 0) {
        TDC_CHECK(cudaMemcpy2DAsync(x_in.get(), static_cast<size_t>(D) * sizeof(float), x_num.get(),
                                    static_cast<size_t>(d) * sizeof(float), static_cast<size_t>(d) * sizeof(float), rows,
                                    cudaMemcpyDeviceToDevice, s));
      }
      launch_cat_one_hot(x_cat.get(), rows, L, x_in.get() + d, D, s);
      TDC_CHECK_LAUNCH();
      // The numeric step runs in the output GEMM's epilogue (x_num is not the network's input).
      StepEpilogue step = step_epilogue(*a, k, x_num.get(), d, x0_prev.get(), global_row);
      step.noise_step = noise_step;
      const float* out = nullptr;
      if (mlp.forward_folded(p.get(), x_in.get(), rows, bias.get() + static_cast<size_t>(k) * hidden0, rb, a->precision,
                             d > 0 ? &step : nullptr, s, &out) != 0) {
        return 1;
      }
      if (d > 0) known.substitute(x_num.get(), rows, m, a->seed, global_row, s);
      float* head = const_cast<float*>(out) + d;
      if (is_sedd) {
        launch_fill_rows(sigma.get(), rows, M.step_sigma[k], s);
        launch_sedd_scale(head, D, x_cat.get(), rows, L, sigma.get(), s);
        launch_sedd_step(head, D, x_cat.get(), rows, L, sedd_coef(M.sedd_steps[k]), a->seed, global_row, noise_step,
                         scratch.get(), widest, s);
      } else {
        td::multinomial::StepCoef mc;
        mc.a = M.multinomial_steps[k].a;
        mc.b = M.multinomial_steps[k].b;
        launch_multinomial_step(head, D, x_cat.get(), rows, L, mc, a->seed, global_row, noise_step, scratch.get(), widest,
                                s);
      }
      hold_fixed();
      TDC_CHECK_LAUNCH();
    }
    if (d > 0) TDC_CHECK(x_num.download(out_numeric + static_cast<size_t>(first) * d, static_cast<size_t>(rows) * d));
    TDC_CHECK(x_cat.download(out_categorical + static_cast<size_t>(first) * C, static_cast<size_t>(rows) * C));
    if (progress) progress(user, static_cast<double>(first + rows), 0.0);
  }
  return 0;
}

}  // namespace tdc
