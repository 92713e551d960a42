#include "ops.h"

#include "../backend/registry.h"
#include "../core/mlp_layout.h"
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
  const backend::Description d = backend::Describe();
  Napi::Object c = Napi::Object::New(env);
  c.Set("available", d.cuda_available);
  c.Set("devices", d.cuda_devices);
  c.Set(d.cuda_available ? "device" : "reason", d.cuda_reason);
  if (!d.cuda_library.empty()) c.Set("library", d.cuda_library);
  return NewResult(env, {{"backend", Napi::String::New(env, "cpu")},
                         {"gemmKernel", Napi::String::New(env, d.gemm_kernel)},
                         {"defaultThreads", Napi::Number::New(env, d.default_threads)},
                         {"poolThreads", Napi::Number::New(env, d.live_threads)},
                         {"cuda", c}});
}

}  // namespace

void RegisterOps(Napi::Env env, Napi::Object exports) {
  TD_EXPORT(exports, env, "timeEmbedding", TimeEmbedding);
  TD_EXPORT(exports, env, "backendInfo", BackendInfo);
}

}  // namespace addon
}  // namespace td
