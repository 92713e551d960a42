// Standalone ops of the discrete chains (SEDD and multinomial diffusion) exposed to JS, so the
// property and oracle tests drive the kernels directly, and the argument readers the
// NativeModel shares with them. Synchronous; every argument is validated before any memory
// is touched, and a failure names the argument.
#pragma once
#include <napi.h>

#include <string>
#include <vector>

#include "../core/sedd_spec.h"

namespace td {
namespace addon {

void RegisterSeddOps(Napi::Env env, Napi::Object exports);

// Class counts per categorical column: an array of integers or an Int32Array, each in
// [2, kMaxCategoricalClasses], between 1 and kMaxCategoricalColumns of them.
std::vector<int32_t> GetClasses(Napi::Env env, const Napi::Value& v, const std::string& name);

sedd::Graph GetGraph(const Napi::Object& o, const char* key, sedd::Graph fallback);

// {noise: 'loglinear'|'geometric', noiseEps, sigmaMin, sigmaMax}
sedd::DiscreteNoise GetNoise(const Napi::Object& o);

// A class-index matrix [rows x classes.size()]: an Int32Array whose cell (i, c) lies in
// [0, classes[c] + extra) (extra = 1 admits MASK).
const int32_t* GetClassMatrix(Napi::Env env, const Napi::Value& v, const std::string& name, size_t rows,
                              const std::vector<int32_t>& classes, int extra);

}  // namespace addon
}  // namespace td
