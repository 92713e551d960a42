// The whole sampling loop on the GPU (the C ABI's sample), the twin of cpu/sampler.cpp.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cmath>
#include <vector>

#include "../core/philox.h"
#include "chunk_pipeline.cuh"
#include "fused_mma_sampler.cuh"
#include "fused_sampler.cuh"
#include "gemm.cuh"
#include "diffusion_ops.cuh"
#include "inpaint.cuh"
#include "normals.cuh"
#include "kernels_train.cuh"
#include "sampler.cuh"
#include "mlp.cuh"
#include "optimizer.cuh"
#include "train_batch.cuh"

namespace tdc {

namespace {

// TABULAR_DIFFUSION_CUDA_TIMING=1: per sampling chunk, the GPU time of the reverse chain on
// stderr (to tell kernel time from the rest of a job).
class ChunkTimer {
 public:
  ChunkTimer() {
    const char* env = std::getenv("TABULAR_DIFFUSION_CUDA_TIMING");
    on_ = env && env[0] == '1' && cudaEventCreate(&start_) == cudaSuccess && cudaEventCreate(&chain_) == cudaSuccess;
  }
  ~ChunkTimer() {
    if (start_) cudaEventDestroy(start_);
    if (chain_) cudaEventDestroy(chain_);
  }
  void start(cudaStream_t s) {
    if (on_) cudaEventRecord(start_, s);
  }
  // Waits for the chain (timing only: it stalls the pipeline) and reports its GPU time.
  void chain_done(cudaStream_t s, const char* path, int rows, int steps) {
    if (!on_) return;
    cudaEventRecord(chain_, s);
    cudaEventSynchronize(chain_);
    float ms = 0.0f;
    cudaEventElapsedTime(&ms, start_, chain_);
    std::fprintf(stderr, "tabular-diffusion cuda sample: %s path, %d rows x %d steps: chain %.3f ms (%.3g row-steps/s)\n",
                 path, rows, steps, ms, static_cast<double>(rows) * steps / (ms * 1e-3));
  }

 private:
  bool on_ = false;
  cudaEvent_t start_ = nullptr, chain_ = nullptr;
};

}  // namespace

int sample(const TdMlpDesc* desc, const float* params, const TdSampleArgs* a, float* out, TdShouldStopFn should_stop,
           TdProgressFn progress, void* user) {
  const int d = desc->data_dim, c = desc->context_dim, hidden0 = desc->out[0];
  const bool has_context = a->context && c > 0;
  // Three paths, fastest first: the tensor-core persistent kernel (bf16/fp16), the fp32
  // persistent kernel (narrow nets), the layer-by-layer tiled GEMMs (anything else).
  // Inpainting jobs take the tiled path: the persistent kernels run one visit per step.
  const bool inpaint = a->moves != nullptr;
  const bool mma = !inpaint && mma_sampler_supports(*desc, *a);
  const bool fused = !inpaint && !mma && fused_sampler_supports(*desc, *a);
  cudaStream_t s = 0;
  DeviceBuffer<float> p, bias, coefs, x0_prev, ctx, row_bias, mma_biases;
  DeviceBuffer<uint32_t> mma_frags;
  DeviceBuffer<int32_t> timesteps;
  TDC_CHECK(p.upload(params, desc->param_count));
  TDC_CHECK(bias.upload(a->first_bias, static_cast<size_t>(a->steps) * hidden0));
  TDC_CHECK(coefs.upload(a->step_coefs, static_cast<size_t>(a->steps) * 6));
  TDC_CHECK(timesteps.upload(a->timesteps, static_cast<size_t>(a->steps)));
  MmaPlan plan{};
  // About 2^18 rows a chunk: several chunks of a big job let the copy back overlap the
  // compute; the tensor-core kernel's chunks are whole rounds of its persistent grid.
  int64_t chunk = int64_t{1} << 18;
  if (mma) {
    std::vector<uint32_t> frags;
    std::vector<float> biases;
    plan = pack_mma_weights(*desc, params, a->precision, &frags, &biases);
    TDC_CHECK(mma_frags.upload(frags.data(), frags.size()));
    TDC_CHECK(mma_biases.upload(biases.data(), biases.size()));
    const int64_t round = mma_rows_per_round(plan);
    if (round > 0) chunk = round * std::max<int64_t>(1, chunk / round);
  }
  chunk = std::min<int64_t>(std::max<int64_t>(chunk, a->chunk_rows), std::max<int64_t>(a->n, 1));
  ChunkPipeline pipeline;
  if (pipeline.init(static_cast<size_t>(chunk) * d) != 0) return 1;
  if (a->sampler == 1) TDC_CHECK(x0_prev.alloc(static_cast<size_t>(chunk) * d));
  if (has_context) {
    TDC_CHECK(ctx.alloc(static_cast<size_t>(chunk) * c));
    TDC_CHECK(row_bias.alloc(static_cast<size_t>(chunk) * hidden0));
  }
  InpaintChunk known;
  if (known.init(*a, d, static_cast<int>(chunk)) != 0) return 1;
  // The tiled loop walks moves: the job's, or one per step (the persistent kernels need none).
  const std::vector<TdMove> plain = inpaint || mma || fused ? std::vector<TdMove>() : plain_moves(*a);
  const TdMove* moves = inpaint ? a->moves : plain.data();
  const int move_count = inpaint ? a->move_count : static_cast<int>(plain.size());
  DeviceMlp mlp(*desc);
  GemmEpilogue none;
  ChunkTimer timer;
  const char* path = mma ? "tensor-core" : fused ? "fused fp32" : "tiled";
  auto landed = [&](int64_t rows_end) {
    if (progress) progress(user, static_cast<double>(rows_end), 0.0);
  };
  int slot = 0;
  for (int64_t first = 0; first < a->n; first += chunk, slot = 1 - slot) {
    const int rows = static_cast<int>(std::min<int64_t>(chunk, a->n - first));
    const uint64_t global_row = a->row_offset + static_cast<uint64_t>(first);
    float* x = pipeline.device(slot);
    const float* rb = nullptr;
    timer.start(s);
    if (has_context) {
      // Per-row context through the context rows of W0, once per chunk.
      TDC_CHECK(cudaMemcpyAsync(ctx.get(), a->context + static_cast<size_t>(first) * c,
                                static_cast<size_t>(rows) * c * sizeof(float), cudaMemcpyHostToDevice, s));
      launch_gemm(false, false, rows, hidden0, c, 1.0f, ctx.get(), c, p.get() + desc->weight_offset[0] + static_cast<size_t>(d) * hidden0,
                  hidden0, 0.0f, row_bias.get(), hidden0, none, 0, s);
      TDC_CHECK_LAUNCH();
      rb = row_bias.get();
    }
    // The persistent kernels run the whole chain of a chunk in one launch: abort is checked
    // between chunks (the tiled path also checks between steps).
    if (should_stop && should_stop(user)) return 2;
    SampleChain chain;
    chain.first_bias = bias.get();
    chain.coefs = coefs.get();
    chain.timesteps = timesteps.get();
    chain.steps = a->steps;
    chain.sampler = a->sampler;
    chain.row_bias = rb;
    chain.seed = a->seed;
    chain.first_global_row = global_row;
    chain.rows = rows;
    chain.x = x;
    if (mma) {
      TDC_CHECK(launch_mma_sample(plan, hidden0, mma_frags.get(), mma_biases.get(), chain, s));
    } else if (fused) {
      launch_fused_sample(*desc, p.get(), chain, s);
      TDC_CHECK_LAUNCH();
    } else {
      launch_normals(a->seed, td::kStreamSampleInit, global_row, rows, 0, d, x, s);
      TDC_CHECK_LAUNCH();
      if (a->sampler == 1) TDC_CHECK(cudaMemsetAsync(x0_prev.get(), 0, static_cast<size_t>(rows) * d * sizeof(float), s));
      if (known.load(*a, first, rows, s) != 0) return 1;
      // Two layers or more: the step runs in the output GEMM's epilogue; else its own kernel.
      const bool step_in_epilogue = desc->layers >= 2;
      for (int v = 0; v < move_count; ++v) {
        if (should_stop && should_stop(user)) return 2;
        const TdMove& m = moves[v];
        if (m.up) {
          launch_inpaint_jump(x, rows, d, m.jump_a, m.jump_s, a->seed, global_row, m.noise_step, s);
          TDC_CHECK_LAUNCH();
          continue;
        }
        const int k = m.k;
        const float* cf = a->step_coefs + static_cast<size_t>(k) * 6;
        StepEpilogue step = step_epilogue(*a, k, x, d, x0_prev.get(), global_row);
        step.noise_step = m.noise_step;  // a repeated block draws afresh (cpu/inpaint.h visit_step)
        const float* eps_hat = nullptr;
        if (mlp.forward_folded(p.get(), x, rows, bias.get() + static_cast<size_t>(k) * hidden0, rb, a->precision,
                               step_in_epilogue ? &step : nullptr, s, &eps_hat) != 0) {
          return 1;
        }
        if (!step_in_epilogue && a->sampler == 1) {
          launch_dpm_step(x, eps_hat, x0_prev.get(), static_cast<size_t>(rows) * d, cf, s);
        } else if (!step_in_epilogue) {
          launch_affine_step(x, eps_hat, rows, d, cf[0], cf[1], cf[2], a->seed, global_row, m.noise_step, s);
        }
        known.substitute(x, rows, m, a->seed, global_row, s);
        TDC_CHECK_LAUNCH();
      }
    }
    timer.chain_done(s, path, rows, a->steps);
    if (pipeline.submit(slot, out + static_cast<size_t>(first) * d, static_cast<size_t>(rows) * d, first + rows, s,
                        landed) != 0) {
      return 1;
    }
  }
  return pipeline.finish(1 - slot, landed);
}

}  // namespace tdc
