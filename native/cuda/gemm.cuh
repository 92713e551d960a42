// GEMM for the MLP on the GPU, row-major: C = alpha op(A) op(B) + beta C, with an optional
// epilogue adding a bias vector and a per-row bias matrix and writing act(C) to `post`.
// Each output sums its k terms in one fixed order, so results do not depend on m.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

namespace tdc {

// The reverse step of sampling, applied to the output layer's result (eps_hat) in the GEMM's
// epilogue instead of a separate kernel: x [m x cols] (and DPM-Solver++'s x0_prev) updated in
// place with the CPU's arithmetic from C's first `cols` columns, which are then not written
// (a mixed model's categorical head, the columns after, is).
struct StepEpilogue {
  float* x = nullptr;        // null: no step
  int cols = 0;              // the numeric columns: x's width and row stride
  float* x0_prev = nullptr;  // DPM-Solver++ only
  int sampler = 0;           // 0 affine (DDPM/DDIM), 1 DPM-Solver++
  float coef[6] = {0, 0, 0, 0, 0, 0};  // as TdSampleArgs::step_coefs
  uint64_t seed = 0;
  uint64_t row_offset = 0;
  uint32_t noise_step = 0;
};

struct GemmEpilogue {
  const float* bias = nullptr;      // [n], added to every row
  const float* row_bias = nullptr;  // [m x n]
  float* post = nullptr;            // [m x n]: act(C) when set
  int activation = 0;               // 0 SiLU, 1 ReLU (only with post)
  StepEpilogue step;                // the sampler step on C, when step.x is set
};

// precision: 0 fp32 SIMT; 1 bf16 / 2 fp16 tensor cores (fp32 accumulate) where the device
// supports them (bf16 needs sm_80), else fp32.
void launch_gemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float* a, int lda, const float* b,
                 int ldb, float beta, float* c, int ldc, const GemmEpilogue& epi, int precision, cudaStream_t s);

}  // namespace tdc
