// Standalone native ops exposed to JS: RNG draws, noising, loss, reverse steps, AdamW,
// GEMM. Synchronous and zero-copy on their inputs; tests drive the reverse process and
// check the CUDA backend op by op through them.
#pragma once
#include <napi.h>

namespace td {
namespace addon {

void RegisterOps(Napi::Env env, Napi::Object exports);

}  // namespace addon
}  // namespace td
