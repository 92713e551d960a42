// Standalone native ops exposed to JS, one file per op family: RNG draws (ops_normals.cpp),
// noising, loss and reverse steps (ops_diffusion.cpp), AdamW (ops_optimizer.cpp), GEMM
// (ops_gemm.cpp), and the time embedding and backend description (ops.cpp). Synchronous and
// zero-copy on their inputs; tests drive the reverse process and check the CUDA backend op by
// op through them.
#pragma once
#include <napi.h>

namespace td {
namespace addon {

void RegisterNormalsOps(Napi::Env env, Napi::Object exports);
void RegisterDiffusionOps(Napi::Env env, Napi::Object exports);
void RegisterOptimizerOps(Napi::Env env, Napi::Object exports);
void RegisterGemmOps(Napi::Env env, Napi::Object exports);
void RegisterOps(Napi::Env env, Napi::Object exports);

}  // namespace addon
}  // namespace td
