// Option names that map to native enums. Mapping a name is marshalling, so it stays in the addon:
// a typo through nativeOps() is a RangeError, not another variance.
#pragma once

#include <napi.h>

#include <string>

#include "../cpu/diffusion_ops.h"
#include "validate.h"

namespace td {
namespace addon {

// options.variance: 'beta' (default) or 'posterior'.
inline cpu::Variance GetVariance(const Napi::Object& o) {
  const std::string v = GetString(o, "variance", "beta");
  if (v != "beta" && v != "posterior") ThrowRange(o.Env(), "variance", "expected 'beta' or 'posterior'");
  return v == "beta" ? cpu::Variance::Beta : cpu::Variance::Posterior;
}

}  // namespace addon
}  // namespace td
