// Native ops of the evaluation metrics (src/evaluation/): the histogram GBDT (cpu/gbdt.h) and
// exact nearest neighbours (cpu/nearest.h). Each op only reads and checks its arguments, calls
// the compute function and returns; synchronous.
#pragma once
#include <napi.h>

namespace td {
namespace addon {

void RegisterEvalOps(Napi::Env env, Napi::Object exports);

}  // namespace addon
}  // namespace td
