// SEDD's standalone ops exposed to JS (noise, transition, corruption, score scaling, the
// score-entropy loss, reverse rates and steps), so the property and oracle tests drive the
// kernels of cpu/sedd.h and their CUDA twins directly. Synchronous.
#pragma once
#include <napi.h>

namespace td {
namespace addon {

void RegisterSeddOps(Napi::Env env, Napi::Object exports);

}  // namespace addon
}  // namespace td
