// The reverse-step arithmetic shared by every GPU path (the step kernels, the persistent
// samplers, the output GEMM's epilogue), operation for operation the CPU's affine_step and
// dpm_solver_step: each multiply and add rounded on its own (the _rn intrinsics are never
// fused into an FMA), so given the same eps_hat the GPU takes the CPU's step to the bit.
#pragma once
#include <cuda_runtime.h>

namespace tdc {

// DDPM / DDIM: x_coef x + eps_coef eps (the noise term is added after, as a second rounding).
__device__ __forceinline__ float affine_update(float x, float eps, float x_coef, float eps_coef) {
  return __fadd_rn(__fmul_rn(x_coef, x), __fmul_rn(eps_coef, eps));
}

__device__ __forceinline__ float add_noise(float v, float sigma, float z) { return __fadd_rn(v, __fmul_rn(sigma, z)); }

// DPM-Solver++(2M) with c = {x_coef, d_coef, cur_weight, prev_weight, x0_from_x, x0_from_eps}:
// returns the new x and replaces x0_prev with this step's data prediction.
__device__ __forceinline__ float dpm_update(float x, float eps, float& x0_prev, const float* c) {
  const float x0 = __fadd_rn(__fmul_rn(c[4], x), __fmul_rn(c[5], eps));
  const float d = __fadd_rn(__fmul_rn(c[2], x0), __fmul_rn(c[3], x0_prev));
  x0_prev = x0;
  return __fadd_rn(__fmul_rn(c[0], x), __fmul_rn(c[1], d));
}

}  // namespace tdc
