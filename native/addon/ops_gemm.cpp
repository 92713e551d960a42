#include "ops.h"

#include <string>

#include "boundary.h"
#include "device.h"
#include "validate.h"

namespace td {
namespace addon {

namespace {

constexpr double kMaxDim = 1 << 20;  // columns

// sgemm({transA, transB, m, n, k, alpha, a, b, beta, c, threads, reference, abortable}): c updated in place.
Napi::Value Sgemm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = OptionsArg(info, 0, "options");
  const bool ta = GetBool(o, "transA", false), tb = GetBool(o, "transB", false);
  const int m = static_cast<int>(GetNumber(o, "m", {1, kMaxDim * 64, true}, NAN));
  const int n = static_cast<int>(GetNumber(o, "n", {1, kMaxDim, true}, NAN));
  const int k = static_cast<int>(GetNumber(o, "k", {1, kMaxDim, true}, NAN));
  CheckedElements(env, "m", m, k);
  CheckedElements(env, "n", n, k);
  CheckedElements(env, "m", m, n);
  auto a = GetFloat32(env, o.Get("a"), "a", static_cast<size_t>(m) * k, false);
  auto b = GetFloat32(env, o.Get("b"), "b", static_cast<size_t>(k) * n, false);
  auto c = GetFloat32(env, o.Get("c"), "c", static_cast<size_t>(m) * n, false, Access::InPlace);
  const float alpha = static_cast<float>(GetNumber(o, "alpha", {-1e30, 1e30, false}, 1));
  const float beta = static_cast<float>(GetNumber(o, "beta", {-1e30, 1e30, false}, 0));
  const int threads = static_cast<int>(GetNumber(o, "threads", {1, 256, true}, 1));
  const int lda = ta ? m : k, ldb = tb ? k : n;
  const backend::Precision p = GetPrecision(o);
  backend::Backend& be = DeviceOption(o);
  const bool reference = GetBool(o, "reference", false);
  const bool abortable = GetBool(o, "abortable", false);
  be.sgemm(ta, tb, m, n, k, alpha, a.data, lda, b.data, ldb, beta, c.data, n, p, threads, reference, abortable);
  return env.Undefined();
}

}  // namespace

void RegisterGemmOps(Napi::Env env, Napi::Object exports) {
  TD_EXPORT(exports, env, "sgemm", Sgemm);
}

}  // namespace addon
}  // namespace td
