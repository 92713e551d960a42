// Readers of the discrete chains' arguments: the NativeModel's categorical options and the
// standalone SEDD and multinomial ops' shared arguments. Every argument is validated before
// any memory is touched, and a failure names the argument.
#pragma once
#include <napi.h>

#include <string>
#include <vector>

#include "../core/categorical_spec.h"
#include "../cpu/model.h"
#include "jobs.h"

namespace td {
namespace addon {


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

// The categorical layout of one op call: its spec owns the arrays the layout points into.
struct CatArgs {
  CategoricalSpec spec;
  size_t rows = 0;
  int mask_extra = 0;  // 1 when MASK is a valid state (absorbing graph)
  CatLayout layout() const { return spec.layout(); }
};

// {classes, rows} and, for SEDD, {graph}.
CatArgs GetCatArgs(const Napi::Object& o, CatMethod method);
// What every step op reads first: the block's CatArgs, its scores under `scores_key`
// [rows x total] and the current classes x (MASK admitted on the absorbing graph).
struct StepBlock {
  CatArgs a;
  const float* scores;
  const int32_t* x;
};
StepBlock GetStepBlock(const Napi::Object& o, CatMethod method, const char* scores_key);
// sigma: Float64Array [rows], each in (0, 700].
const double* GetSigmas(const Napi::Object& o, size_t rows);
// A score block [rows x total] under `key`.
const float* GetScores(const Napi::Object& o, const char* key, const CatArgs& a);
uint64_t GetRowOffset(const Napi::Object& o, size_t rows);
uint32_t GetStep(const Napi::Object& o);
// A copy of src as a new Int32Array.
Napi::Int32Array NewInt32(Napi::Env env, const int32_t* src, size_t count);
// {loss, rowLoss, grad}
Napi::Object LossResult(Napi::Env env, double loss, const std::vector<double>& row_loss, Napi::Float32Array grad);

}  // namespace addon
}  // namespace td
