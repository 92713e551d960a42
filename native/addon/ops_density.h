// densityLogp: the log-density estimators of native/cpu/density_path.cpp and density_ode.cpp,
// on a NativeModel or on the exact predictor of a Gaussian mixture (the tests' oracle).
#pragma once
#include <napi.h>

namespace td {
namespace addon {

void RegisterDensityOps(Napi::Env env, Napi::Object exports);

}  // namespace addon
}  // namespace td
