#include "ops.h"

#include <limits>
#include <string>

#include "../cpu/optimizer.h"
#include "boundary.h"
#include "device.h"
#include "validate.h"

namespace td {
namespace addon {

namespace {

constexpr size_t kAny = std::numeric_limits<size_t>::max();

// adamwStep({params, grads, m, v, step, lr, beta1, beta2, eps, weightDecay}) updates in place.
Napi::Value AdamWStep(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = OptionsArg(info, 0, "options");
  auto params = GetFloat32(env, o.Get("params"), "params", kAny, true, Access::InPlace);
  auto grads = GetFloat32(env, o.Get("grads"), "grads", params.length, true);
  auto m = GetFloat32(env, o.Get("m"), "m", params.length, true, Access::InPlace);
  auto v = GetFloat32(env, o.Get("v"), "v", params.length, true, Access::InPlace);
  cpu::AdamWConfig cfg;
  const double step = GetNumber(o, "step", {1, 9007199254740991.0, true}, NAN);
  cfg.lr = static_cast<float>(GetNumber(o, "lr", {0, 10, false}, 1e-3));
  cfg.beta1 = static_cast<float>(GetNumber(o, "beta1", {0, 0.999999, false}, 0.9));
  cfg.beta2 = static_cast<float>(GetNumber(o, "beta2", {0, 0.999999, false}, 0.999));
  cfg.eps = static_cast<float>(GetNumber(o, "eps", {1e-30, 1, false}, 1e-8));
  cfg.weight_decay = static_cast<float>(GetNumber(o, "weightDecay", {0, 1e3, false}, 0));
  for (size_t i = 0; i < v.length; ++i) {
    if (v.data[i] < 0.0f) ThrowRange(env, "v", "second moments must be >= 0; index " + std::to_string(i) + " is negative");
  }
  DeviceOption(o).adamw_step(params.data, grads.data, m.data, v.data, params.length, static_cast<int64_t>(step), cfg);
  return env.Undefined();
}

}  // namespace

void RegisterOptimizerOps(Napi::Env env, Napi::Object exports) {
  TD_EXPORT(exports, env, "adamwStep", AdamWStep);
}

}  // namespace addon
}  // namespace td
