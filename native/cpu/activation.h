// Hidden-layer activations and their derivatives, vectorised. SiLU needs exp(): a libm call
// per element would cost as much as the GEMMs, so exp is evaluated here with a polynomial
// the compiler turns into SIMD code (AVX2 where the CPU has it, SSE2 otherwise).
#pragma once
#include <cstddef>

#include "../core/mlp_layout.h"

namespace td {
namespace cpu {

// h = act(z)
void activation_forward(Activation act, const float* z, float* h, size_t n);

// dz = dh * act'(z) * (mask ? mask : 1), in place on dh.
void activation_backward(Activation act, const float* z, const float* mask, float* dh, size_t n);

// exp(x) as used by SiLU (relative error < 2e-7 over the clamped range [-87, 88]).
float fast_exp(float x);

}  // namespace cpu
}  // namespace td
