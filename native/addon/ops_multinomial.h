// Multinomial diffusion's standalone ops exposed to JS (loss, step probabilities, step), so the
// tests drive the kernels of cpu/multinomial.h and their CUDA twins directly. Synchronous.
#pragma once
#include <napi.h>

namespace td {
namespace addon {

void RegisterMultinomialOps(Napi::Env env, Napi::Object exports);

}  // namespace addon
}  // namespace td
