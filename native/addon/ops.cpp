#include "ops.h"

#include "../backend/cuda_library.h"
#include "../core/mlp_layout.h"
#include "../cpu/gemm.h"
#include "../cpu/thread_pool.h"
#include "boundary.h"
#include "validate.h"

namespace td {
namespace addon {

namespace {

// timeEmbedding(t, dim) -> Float32Array(dim)
Napi::Value TimeEmbedding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2) ThrowType(env, "t", "timeEmbedding(t, dim) takes two numbers");
  const double t = CheckNumber(env, info[0], "t", {-1e9, 1e9, false});
  const double dim = CheckNumber(env, info[1], "dim", {2, 65536, true});
  if (static_cast<int>(dim) % 2 != 0) ThrowRange(env, "dim", "must be even");
  Napi::Float32Array out = NewFloat32Out(env, "dim", static_cast<size_t>(dim));
  time_embedding(t, static_cast<int>(dim), out.Data());
  return out;
}

Napi::Value BackendInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("backend", "cpu");
  out.Set("gemmKernel", cpu::gemm_kernel_name());
  out.Set("defaultThreads", ThreadPool::default_threads());
  out.Set("poolThreads", ThreadPool::live_threads());  // OS threads the shared pool holds now
  const backend::CudaLibrary& cuda = backend::GetCudaLibrary();
  Napi::Object c = Napi::Object::New(env);
  c.Set("available", cuda.api != nullptr);
  c.Set("devices", cuda.devices);
  c.Set(cuda.api ? "device" : "reason", cuda.reason);
  if (!cuda.library.empty()) c.Set("library", cuda.library);
  out.Set("cuda", c);
  return out;
}

}  // namespace

void RegisterOps(Napi::Env env, Napi::Object exports) {
  TD_EXPORT(exports, env, "timeEmbedding", TimeEmbedding);
  TD_EXPORT(exports, env, "backendInfo", BackendInfo);
}

}  // namespace addon
}  // namespace td
