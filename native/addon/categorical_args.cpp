#include "categorical_args.h"

#include <cmath>
#include <limits>

#include "boundary.h"
#include "validate.h"

namespace td {
namespace addon {

namespace {

constexpr size_t kAny = std::numeric_limits<size_t>::max();
constexpr double kMaxRows = 2147483647;
constexpr double kMaxSigma = 700;  // e^sigma stays finite in double

}  // namespace

static constexpr double kMaxRowsArg = 2147483647;

// ---- argument readers (shared with the NativeModel) -------------------------------------

std::vector<int32_t> GetClasses(Napi::Env env, const Napi::Value& v, const std::string& name) {
  std::vector<int32_t> out;
  auto check = [&](double n, size_t i) {
    const std::string where = name + "[" + std::to_string(i) + "]";
    const std::string got = std::to_string(static_cast<long long>(n));
    if (n < 1) ThrowRange(env, where, "a categorical column needs at least 1 class, got " + got);
    if (n > kMaxCategoricalClasses) {
      ThrowRange(env, where, got + " classes exceed the limit of " + std::to_string(kMaxCategoricalClasses) +
                                 " per categorical column");
    }
    out.push_back(static_cast<int32_t>(n));
  };
  if (v.IsArray()) {
    Napi::Array arr = v.As<Napi::Array>();
    if (arr.Length() > static_cast<uint32_t>(kMaxCategoricalColumns)) ThrowRange(env, name, "too many categorical columns");
    for (uint32_t i = 0; i < arr.Length(); ++i) {
      check(CheckNumber(env, arr.Get(i), name + "[" + std::to_string(i) + "]", {-1e9, 1e9, true}), i);
    }
  } else if (v.IsTypedArray()) {
    auto view = GetInt32(env, v, name, std::numeric_limits<size_t>::max());
    if (view.length > static_cast<size_t>(kMaxCategoricalColumns)) ThrowRange(env, name, "too many categorical columns");
    for (size_t i = 0; i < view.length; ++i) check(view.data[i], i);
  } else {
    ThrowType(env, name, "expected an array of class counts");
  }
  if (out.empty()) ThrowRange(env, name, "needs at least one categorical column");
  return out;
}

sedd::Graph GetGraph(const Napi::Object& o, const char* key, sedd::Graph fallback) {
  if (!Has(o, key)) return fallback;
  const std::string g = GetString(o, key, "");
  if (g == "absorbing") return sedd::Graph::Absorbing;
  if (g == "uniform") return sedd::Graph::Uniform;
  ThrowRange(o.Env(), key, "expected 'absorbing' or 'uniform'");
}

sedd::DiscreteNoise GetNoise(const Napi::Object& o) {
  sedd::DiscreteNoise noise;
  const std::string kind = GetString(o, "noise", "loglinear");
  if (kind == "loglinear") noise.kind = sedd::NoiseKind::LogLinear;
  else if (kind == "geometric") noise.kind = sedd::NoiseKind::Geometric;
  else ThrowRange(o.Env(), "noise", "expected 'loglinear' or 'geometric'");
  noise.eps = GetNumber(o, "noiseEps", {1e-12, 0.5, false}, noise.eps);
  noise.sigma_min = GetNumber(o, "sigmaMin", {1e-12, 100, false}, noise.sigma_min);
  noise.sigma_max = GetNumber(o, "sigmaMax", {1e-12, 100, false}, noise.sigma_max);
  if (!(noise.sigma_max > noise.sigma_min)) ThrowRange(o.Env(), "sigmaMax", "must be greater than sigmaMin");
  return noise;
}

const int32_t* GetClassMatrix(Napi::Env env, const Napi::Value& v, const std::string& name, size_t rows,
                              const std::vector<int32_t>& classes, int extra) {
  const size_t cols = classes.size();
  auto view = GetInt32(env, v, name, CheckedElements(env, name, static_cast<double>(rows), static_cast<double>(cols)));
  for (size_t i = 0; i < view.length; ++i) {
    const int32_t x = view.data[i];
    const int32_t states = classes[i % cols] + extra;
    if (x < 0 || x >= states) {
      ThrowRange(env, name, "row " + std::to_string(i / cols) + ", column " + std::to_string(i % cols) + " holds " +
                                std::to_string(x) + ", expected a class in [0, " + std::to_string(states) + ")");
    }
  }
  return view.data;
}

CategoricalSpec GetCategoricalSpec(const Napi::Object& o, int numeric_dim) {
  CategoricalSpec spec;
  if (!Has(o, "categoricalClasses")) {
    for (const char* key : {"categoricalMethod", "graph", "noise"}) {
      if (Has(o, key)) ThrowRange(o.Env(), key, "only applies with categoricalClasses");
    }
    return spec;
  }
  const std::string method = GetString(o, "categoricalMethod", "sedd");
  if (method == "sedd") spec.method = CatMethod::Sedd;
  else if (method == "multinomial") spec.method = CatMethod::Multinomial;
  else ThrowRange(o.Env(), "categoricalMethod", "expected 'sedd' or 'multinomial'");
  spec.graph = GetGraph(o, "graph", sedd::Graph::Absorbing);
  spec.noise = GetNoise(o);
  spec.classes = GetClasses(o.Env(), o.Get("categoricalClasses"), "categoricalClasses");
  spec.numeric_dim = numeric_dim;
  spec.finish();
  return spec;
}

void GetFitCategorical(const Napi::Object& o, const cpu::DenoiserModel& model, double rows, size_t T,
                       TrainDataStore& store) {
  Napi::Env env = o.Env();
  if (!model.cat.active()) {
    if (Has(o, "categorical")) ThrowRange(env, "categorical", "this model has no categorical columns (build it with categoricalClasses)");
    return;
  }
  if (!Has(o, "categorical")) ThrowType(env, "categorical", "is required: the class index of each categorical column per row");
  const int32_t* cat = GetClassMatrix(env, o.Get("categorical"), "categorical", static_cast<size_t>(rows), model.cat.classes, 0);
  store.categorical.assign(cat, cat + static_cast<size_t>(rows) * model.cat.classes.size());
  store.data.categorical = store.categorical.data();
  if (model.cat.method == CatMethod::Multinomial) {
    if (!Has(o, "alphaBars")) ThrowType(env, "alphaBars", "is required for multinomial diffusion (Float64Array of the schedule)");
    auto ab = GetFloat64(env, o.Get("alphaBars"), "alphaBars", T, true);
    CheckAlphaBars(env, ab);
    store.alpha_bars.assign(ab.data, ab.data + ab.length);
    store.data.alpha_bars = store.alpha_bars.data();
  }
}

void GetSampleCategorical(const Napi::Object& o, const cpu::DenoiserModel& model, double n, SampleInputs& in) {
  Napi::Env env = o.Env();
  if (!model.cat.active()) {
    for (const char* key : {"categoricalSampler", "fixed", "fixedRows"}) {
      if (Has(o, key)) ThrowRange(env, key, "this model has no categorical columns");
    }
    return;
  }
  const std::string sampler = GetString(o, "categoricalSampler", "analytic");
  if (sampler != "analytic" && sampler != "euler") ThrowRange(env, "categoricalSampler", "expected 'analytic' or 'euler'");
  if (sampler == "euler" && model.cat.method != CatMethod::Sedd) {
    ThrowRange(env, "categoricalSampler", "'euler' applies to SEDD; multinomial diffusion has one step kind");
  }
  in.options.categorical_euler = sampler == "euler";
  if (!Has(o, "fixed")) {
    if (Has(o, "fixedRows")) ThrowRange(env, "fixedRows", "only applies with fixed");
    return;
  }
  const double fixed_rows = GetNumber(o, "fixedRows", {1, kMaxRowsArg, true}, 1);
  if (fixed_rows != 1 && fixed_rows != n) ThrowRange(env, "fixedRows", "expected 1 (broadcast) or n");
  const size_t C = model.cat.classes.size();
  auto fixed = GetInt32(env, o.Get("fixed"), "fixed", CheckedElements(env, "fixedRows", fixed_rows, static_cast<double>(C)));
  for (size_t i = 0; i < fixed.length; ++i) {
    const int32_t v = fixed.data[i], classes = model.cat.classes[i % C];
    if (v < -1 || v >= classes) {
      ThrowRange(env, "fixed", "row " + std::to_string(i / C) + ", column " + std::to_string(i % C) + " holds " +
                                   std::to_string(v) + ", expected -1 (free) or a class in [0, " + std::to_string(classes) + ")");
    }
  }
  in.fixed.assign(fixed.data, fixed.data + fixed.length);
  in.options.fixed = in.fixed.data();
  in.options.fixed_rows = static_cast<int64_t>(fixed_rows);
}

// ---- readers of the standalone ops (ops_sedd.cpp, ops_multinomial.cpp) ---------------------

CatArgs GetCatArgs(const Napi::Object& o, CatMethod method) {
  Napi::Env env = o.Env();
  CatArgs a;
  a.spec.method = method;
  a.spec.graph = method == CatMethod::Sedd ? GetGraph(o, "graph", sedd::Graph::Absorbing) : sedd::Graph::Uniform;
  if (!Has(o, "classes")) ThrowType(env, "classes", "is required (class count per categorical column)");
  a.spec.classes = GetClasses(env, o.Get("classes"), "classes");
  a.spec.finish();
  const double rows = GetNumber(o, "rows", {1, kMaxRows, true}, NAN);
  CheckedElements(env, "rows", rows, a.spec.total);
  a.rows = static_cast<size_t>(rows);
  a.mask_extra = a.spec.state_graph() == sedd::Graph::Absorbing ? 1 : 0;
  return a;
}

StepBlock GetStepBlock(const Napi::Object& o, CatMethod method, const char* scores_key) {
  StepBlock b;
  b.a = GetCatArgs(o, method);
  b.scores = GetScores(o, scores_key, b.a);
  b.x = GetClassMatrix(o.Env(), o.Get("x"), "x", b.a.rows, b.a.spec.classes, b.a.mask_extra);
  return b;
}

const double* GetSigmas(const Napi::Object& o, size_t rows) {
  Napi::Env env = o.Env();
  auto sigma = GetFloat64(env, o.Get("sigma"), "sigma", rows, true);
  for (size_t i = 0; i < rows; ++i) {
    if (!(sigma.data[i] > 0.0 && sigma.data[i] <= kMaxSigma)) {
      ThrowRange(env, "sigma", "index " + std::to_string(i) + " is outside (0, 700]");
    }
  }
  return sigma.data;
}

const float* GetScores(const Napi::Object& o, const char* key, const CatArgs& a) {
  return GetFloat32(o.Env(), o.Get(key), key, a.rows * static_cast<size_t>(a.spec.total), true).data;
}

uint64_t GetRowOffset(const Napi::Object& o, size_t rows) {
  return static_cast<uint64_t>(GetNumber(o, "rowOffset", {0, 281474976710655.0 - static_cast<double>(rows), true}, 0));
}

uint32_t GetStep(const Napi::Object& o) {
  return static_cast<uint32_t>(GetNumber(o, "step", {0, 4294967295.0, true}, 0));
}

Napi::Int32Array NewInt32(Napi::Env env, const int32_t* src, size_t count) {
  Napi::Int32Array out = NewInt32Out(env, "rows", count);
  if (count > 0) std::copy(src, src + count, out.Data());
  return out;
}

Napi::Object LossResult(Napi::Env env, double loss, const std::vector<double>& row_loss, Napi::Float32Array grad) {
  Napi::Float64Array rows = NewFloat64Out(env, "rows", row_loss.size());
  std::copy(row_loss.begin(), row_loss.end(), rows.Data());
  return NewResult(env, {{"loss", Napi::Number::New(env, loss)}, {"rowLoss", rows}, {"grad", grad}});
}

}  // namespace addon
}  // namespace td
