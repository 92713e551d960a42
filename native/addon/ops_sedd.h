// Standalone ops of the discrete chains (SEDD and multinomial diffusion) exposed to JS, so the
// property and oracle tests drive the kernels directly, and the argument readers the
// NativeModel shares with them. Synchronous; every argument is validated before any memory
// is touched, and a failure names the argument.
#pragma once
#include <napi.h>

#include <string>
#include <vector>

#include "../core/sedd_spec.h"
#include "../cpu/model.h"
#include "jobs.h"

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

// NativeModel options of a mixed-type model: {categoricalClasses, categoricalMethod:
// 'sedd'|'multinomial', graph, noise, noiseEps, sigmaMin, sigmaMax}. Inactive spec when
// categoricalClasses is absent.
CategoricalSpec GetCategoricalSpec(const Napi::Object& o, int numeric_dim);

// fit()/evaluate() rows of a mixed-type model: {categorical: Int32Array [rows x columns],
// alphaBars (multinomial)}, into the data store. Refuses them on a Gaussian-only model.
void GetFitCategorical(const Napi::Object& o, const cpu::DenoiserModel& model, double rows, size_t T,
                       TrainDataStore& store);

// sample() of a mixed-type model: {categoricalSampler: 'analytic'|'euler', fixed: Int32Array
// [fixedRows x columns] (-1 = free), fixedRows: 1 or n}.
void GetSampleCategorical(const Napi::Object& o, const cpu::DenoiserModel& model, double n, SampleInputs& in);

}  // namespace addon
}  // namespace td
