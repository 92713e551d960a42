#include "ops_sedd.h"

#include <cmath>
#include <limits>

#include "../core/philox.h"
#include "../cpu/sedd_multinomial.h"
#include "../cpu/sedd_ops.h"
#include "../backend/cpu_backend.h"
#include "boundary.h"
#include "device.h"
#include "validate.h"

namespace td {
namespace addon {

static constexpr double kMaxRowsArg = 2147483647;

// ---- argument readers (shared with the NativeModel) -------------------------------------

std::vector<int32_t> GetClasses(Napi::Env env, const Napi::Value& v, const std::string& name) {
  std::vector<int32_t> out;
  auto check = [&](double n, size_t i) {
    const std::string where = name + "[" + std::to_string(i) + "]";
    const std::string got = std::to_string(static_cast<long long>(n));
    if (n < 2) ThrowRange(env, where, "a categorical column needs at least 2 classes, got " + got);
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
    for (size_t i = 0; i < ab.length; ++i) {
      if (!(ab.data[i] > 0.0 && ab.data[i] < 1.0) || (i > 0 && !(ab.data[i] < ab.data[i - 1]))) {
        ThrowRange(env, "alphaBars", "must be strictly decreasing in (0, 1); index " + std::to_string(i) + " breaks it");
      }
    }
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

namespace {

constexpr size_t kAny = std::numeric_limits<size_t>::max();
constexpr double kMaxRows = 2147483647;
constexpr double kMaxSigma = 700;  // e^sigma stays finite in double

// The categorical layout of one op call: its spec owns the arrays the layout points into.
struct CatArgs {
  CategoricalSpec spec;
  size_t rows = 0;
  int mask_extra = 0;  // 1 when MASK is a valid state (absorbing graph)
  CatLayout layout() const { return spec.layout(); }
};

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
  Napi::Object out = Napi::Object::New(env);
  Napi::Float64Array rows = NewFloat64Out(env, "rows", row_loss.size());
  std::copy(row_loss.begin(), row_loss.end(), rows.Data());
  out.Set("loss", loss);
  out.Set("rowLoss", rows);
  out.Set("grad", grad);
  return out;
}

// seddNoise({noise, noiseEps, sigmaMin, sigmaMax, t: Float64Array}) -> {total, rate}
Napi::Value SeddNoise(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = OptionsArg(info, 0, "options");
  const sedd::DiscreteNoise noise = GetNoise(o);
  auto t = GetFloat64(env, o.Get("t"), "t", kAny, true);
  for (size_t i = 0; i < t.length; ++i) {
    if (!(t.data[i] >= 0.0 && t.data[i] <= 1.0)) ThrowRange(env, "t", "index " + std::to_string(i) + " is outside [0, 1]");
  }
  Napi::Float64Array total = NewFloat64Out(env, "total", t.length), rate = NewFloat64Out(env, "rate", t.length);
  for (size_t i = 0; i < t.length; ++i) {
    total[i] = noise.total(t.data[i]);
    rate[i] = noise.rate(t.data[i]);
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("total", total);
  out.Set("rate", rate);
  return out;
}

// seddTransition({graph, classes, rows, x0, sigma}) -> Float64Array [rows x total]: p_sigma(. | x0)
Napi::Value SeddTransition(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = OptionsArg(info, 0, "options");
  const CatArgs a = GetCatArgs(o, CatMethod::Sedd);
  const int32_t* x0 = GetClassMatrix(env, o.Get("x0"), "x0", a.rows, a.spec.classes, 0);
  const double* sigma = GetSigmas(o, a.rows);
  const CatLayout L = a.layout();
  Napi::Float64Array out = NewFloat64Out(env, "rows", a.rows * L.total);
  for (size_t i = 0; i < a.rows; ++i) {
    for (int c = 0; c < L.cols; ++c) {
      const int n = L.classes[c], S = sedd::graph_states(L.graph, n);
      for (int y = 0; y < S; ++y) {
        out[i * L.total + L.offsets[c] + y] = sedd::transition_prob(L.graph, n, x0[i * L.cols + c], y, sigma[i]);
      }
    }
  }
  return out;
}

// seddCorrupt({graph, classes, rows, x0, sigma, seed, rowOffset, step}) -> Int32Array x_t
Napi::Value SeddCorrupt(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = OptionsArg(info, 0, "options");
  const CatArgs a = GetCatArgs(o, CatMethod::Sedd);
  const int32_t* x0 = GetClassMatrix(env, o.Get("x0"), "x0", a.rows, a.spec.classes, 0);
  const double* sigma = GetSigmas(o, a.rows);
  const uint64_t seed = GetSeed(o, "seed", 0);
  const uint64_t row_offset = GetRowOffset(o, a.rows);
  const uint32_t step = GetStep(o);
  std::vector<double> move(a.rows);
  for (size_t i = 0; i < a.rows; ++i) move[i] = -std::expm1(-sigma[i]);
  Napi::Int32Array out = NewInt32Out(env, "rows", a.rows * a.spec.classes.size());
  DeviceOption(o).cat_corrupt(x0, static_cast<int>(a.rows), a.layout(), move.data(), seed, row_offset, step, kCatColumnsTrain,
                              out.Data());
  return out;
}

// seddScaleLogScores({graph, classes, rows, raw, x, sigma}) -> Float32Array log scores
Napi::Value SeddScaleLogScores(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = OptionsArg(info, 0, "options");
  const CatArgs a = GetCatArgs(o, CatMethod::Sedd);
  const float* raw = GetScores(o, "raw", a);
  const int32_t* x = GetClassMatrix(env, o.Get("x"), "x", a.rows, a.spec.classes, a.mask_extra);
  const double* sigma = GetSigmas(o, a.rows);
  Napi::Float32Array out = NewFloat32(env, raw, a.rows * a.spec.total);
  DeviceOption(o).sedd_scale_log_scores(out.Data(), a.spec.total, x, static_cast<int>(a.rows), a.layout(), sigma);
  return out;
}

// seddScoreEntropy({graph, classes, rows, logScore, xt, x0, sigma, weight?}) -> {loss, rowLoss, grad}
Napi::Value SeddScoreEntropy(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = OptionsArg(info, 0, "options");
  const CatArgs a = GetCatArgs(o, CatMethod::Sedd);
  const float* ls = GetScores(o, "logScore", a);
  const int32_t* xt = GetClassMatrix(env, o.Get("xt"), "xt", a.rows, a.spec.classes, a.mask_extra);
  const int32_t* x0 = GetClassMatrix(env, o.Get("x0"), "x0", a.rows, a.spec.classes, 0);
  const double* sigma = GetSigmas(o, a.rows);
  std::vector<double> weight(a.rows, 1.0);
  if (Has(o, "weight")) {
    auto w = GetFloat64(env, o.Get("weight"), "weight", a.rows, true);
    weight.assign(w.data, w.data + w.length);
  }
  Napi::Float32Array grad = NewFloat32Out(env, "grad", a.rows * a.spec.total);
  std::vector<double> row_loss(a.rows);
  const double loss = DeviceOption(o).sedd_score_entropy(ls, a.spec.total, xt, x0, static_cast<int>(a.rows), a.layout(),
                                                         sigma, weight.data(), grad.Data(), row_loss.data());
  return LossResult(env, loss, row_loss, grad);
}

// seddReverseRate({graph, classes, rows, logScore, x}) -> Float32Array [rows x total]
Napi::Value SeddReverseRate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = OptionsArg(info, 0, "options");
  const CatArgs a = GetCatArgs(o, CatMethod::Sedd);
  const float* ls = GetScores(o, "logScore", a);
  const int32_t* x = GetClassMatrix(env, o.Get("x"), "x", a.rows, a.spec.classes, a.mask_extra);
  Napi::Float32Array out = NewFloat32Out(env, "rows", a.rows * a.spec.total);
  backend::Host().sedd_reverse_rate(ls, a.spec.total, x, static_cast<int>(a.rows), a.layout(), out.Data());
  return out;
}

sedd::StepCoef GetStepCoef(const Napi::Object& o) {
  Napi::Env env = o.Env();
  const sedd::DiscreteNoise noise = GetNoise(o);
  const double t = GetNumber(o, "t", {1e-12, 1, false}, NAN);
  const double t_next = GetNumber(o, "tNext", {0, 1, false}, NAN);
  if (!(t_next < t)) ThrowRange(env, "tNext", "must be smaller than t");
  const std::string sampler = GetString(o, "sampler", "analytic");
  if (sampler != "analytic" && sampler != "euler") ThrowRange(env, "sampler", "expected 'analytic' or 'euler'");
  return cpu::sedd_step_coef(noise, t, t_next, sampler == "euler");
}

// seddStepProbs({graph, classes, rows, logScore, x, noise.., t, tNext, sampler}) -> Float32Array [rows x total]
Napi::Value SeddStepProbs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = OptionsArg(info, 0, "options");
  const CatArgs a = GetCatArgs(o, CatMethod::Sedd);
  const float* ls = GetScores(o, "logScore", a);
  const int32_t* x = GetClassMatrix(env, o.Get("x"), "x", a.rows, a.spec.classes, a.mask_extra);
  const sedd::StepCoef c = GetStepCoef(o);
  Napi::Float32Array out = NewFloat32Out(env, "rows", a.rows * a.spec.total);
  backend::Host().sedd_step_probs(ls, a.spec.total, x, static_cast<int>(a.rows), a.layout(), c, out.Data());
  return out;
}

// seddStep({graph, classes, rows, logScore, x, noise.., t, tNext, sampler, seed, rowOffset, step}) -> Int32Array
Napi::Value SeddStep(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = OptionsArg(info, 0, "options");
  const CatArgs a = GetCatArgs(o, CatMethod::Sedd);
  const float* ls = GetScores(o, "logScore", a);
  const int32_t* x = GetClassMatrix(env, o.Get("x"), "x", a.rows, a.spec.classes, a.mask_extra);
  const sedd::StepCoef c = GetStepCoef(o);
  const uint64_t seed = GetSeed(o, "seed", 0);
  const uint64_t row_offset = GetRowOffset(o, a.rows);
  const uint32_t step = GetStep(o);
  Napi::Int32Array out = NewInt32(env, x, a.rows * a.spec.classes.size());
  DeviceOption(o).sedd_reverse_step(ls, a.spec.total, out.Data(), static_cast<int>(a.rows), a.layout(), c, seed, row_offset, step);
  return out;
}

// seddInit({graph, classes, rows, noise.., seed, rowOffset}) -> Int32Array: the chain's start
Napi::Value SeddInit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = OptionsArg(info, 0, "options");
  const CatArgs a = GetCatArgs(o, CatMethod::Sedd);
  const sedd::DiscreteNoise noise = GetNoise(o);
  const uint64_t seed = GetSeed(o, "seed", 0);
  const uint64_t row_offset = GetRowOffset(o, a.rows);
  Napi::Int32Array out = NewInt32Out(env, "rows", a.rows * a.spec.classes.size());
  DeviceOption(o).cat_init(out.Data(), static_cast<int>(a.rows), a.layout(), std::exp(-noise.total(1.0)), seed, row_offset);
  return out;
}

const double* GetAlphaBars(const Napi::Object& o, size_t& length) {
  Napi::Env env = o.Env();
  auto ab = GetFloat64(env, o.Get("alphaBars"), "alphaBars", kAny, true);
  if (ab.length == 0 || ab.length > 100000) ThrowRange(env, "alphaBars", "length must be in [1, 100000]");
  for (size_t i = 0; i < ab.length; ++i) {
    if (!(ab.data[i] > 0.0 && ab.data[i] < 1.0) || (i > 0 && !(ab.data[i] < ab.data[i - 1]))) {
      ThrowRange(env, "alphaBars", "must be strictly decreasing in (0, 1); index " + std::to_string(i) + " breaks it");
    }
  }
  length = ab.length;
  return ab.data;
}

// multinomialLoss({classes, rows, logits, xt, x0, alphaBars, t: Int32Array, prev?: Int32Array, weight?})
//   -> {loss, rowLoss, grad}
Napi::Value MultinomialLoss(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = OptionsArg(info, 0, "options");
  const CatArgs a = GetCatArgs(o, CatMethod::Multinomial);
  const float* logits = GetScores(o, "logits", a);
  const int32_t* xt = GetClassMatrix(env, o.Get("xt"), "xt", a.rows, a.spec.classes, 0);
  const int32_t* x0 = GetClassMatrix(env, o.Get("x0"), "x0", a.rows, a.spec.classes, 0);
  size_t T = 0;
  const double* ab = GetAlphaBars(o, T);
  auto t = GetInt32(env, o.Get("t"), "t", a.rows);
  const int32_t* prev = Has(o, "prev") ? GetInt32(env, o.Get("prev"), "prev", a.rows).data : nullptr;
  std::vector<multinomial::StepCoef> coef(a.rows);
  for (size_t i = 0; i < a.rows; ++i) {
    const int k = t.data[i], p = prev ? prev[i] : k - 1;
    if (k < 0 || static_cast<size_t>(k) >= T) ThrowRange(env, "t", "index " + std::to_string(i) + " is outside [0, T)");
    if (p < -1 || p >= k) ThrowRange(env, "prev", "index " + std::to_string(i) + " must lie in [-1, t)");
    coef[i] = cpu::multinomial_coef(ab, k, p);
  }
  std::vector<double> weight(a.rows, 1.0);
  if (Has(o, "weight")) {
    auto w = GetFloat64(env, o.Get("weight"), "weight", a.rows, true);
    weight.assign(w.data, w.data + w.length);
  }
  Napi::Float32Array grad = NewFloat32Out(env, "grad", a.rows * a.spec.total);
  std::vector<double> row_loss(a.rows);
  const double loss = DeviceOption(o).multinomial_loss(logits, a.spec.total, xt, x0, static_cast<int>(a.rows), a.layout(),
                                                       coef.data(), weight.data(), grad.Data(), row_loss.data());
  return LossResult(env, loss, row_loss, grad);
}

multinomial::StepCoef GetMultinomialStep(const Napi::Object& o, int& k) {
  size_t T = 0;
  const double* ab = GetAlphaBars(o, T);
  k = static_cast<int>(GetNumber(o, "t", {0, static_cast<double>(T - 1), true}, NAN));
  const int prev = static_cast<int>(GetNumber(o, "prev", {-1, static_cast<double>(k - 1), true}, k - 1));
  return cpu::multinomial_coef(ab, k, prev);
}

// multinomialStepProbs({classes, rows, logits, x, alphaBars, t, prev}) -> Float32Array [rows x total]
Napi::Value MultinomialStepProbs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = OptionsArg(info, 0, "options");
  const CatArgs a = GetCatArgs(o, CatMethod::Multinomial);
  const float* logits = GetScores(o, "logits", a);
  const int32_t* x = GetClassMatrix(env, o.Get("x"), "x", a.rows, a.spec.classes, 0);
  int k = 0;
  const multinomial::StepCoef c = GetMultinomialStep(o, k);
  Napi::Float32Array out = NewFloat32Out(env, "rows", a.rows * a.spec.total);
  backend::Host().multinomial_step_probs(logits, a.spec.total, x, static_cast<int>(a.rows), a.layout(), c, out.Data());
  return out;
}

// multinomialStep({classes, rows, logits, x, alphaBars, t, prev, seed, rowOffset}) -> Int32Array
Napi::Value MultinomialStep(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = OptionsArg(info, 0, "options");
  const CatArgs a = GetCatArgs(o, CatMethod::Multinomial);
  const float* logits = GetScores(o, "logits", a);
  const int32_t* x = GetClassMatrix(env, o.Get("x"), "x", a.rows, a.spec.classes, 0);
  int k = 0;
  const multinomial::StepCoef c = GetMultinomialStep(o, k);
  const uint64_t seed = GetSeed(o, "seed", 0);
  const uint64_t row_offset = GetRowOffset(o, a.rows);
  Napi::Int32Array out = NewInt32(env, x, a.rows * a.spec.classes.size());
  DeviceOption(o).multinomial_step(logits, a.spec.total, out.Data(), static_cast<int>(a.rows), a.layout(), c, seed,
                                   row_offset, static_cast<uint32_t>(k));
  return out;
}

}  // namespace

void RegisterSeddOps(Napi::Env env, Napi::Object exports) {
  TD_EXPORT(exports, env, "seddNoise", SeddNoise);
  TD_EXPORT(exports, env, "seddTransition", SeddTransition);
  TD_EXPORT(exports, env, "seddCorrupt", SeddCorrupt);
  TD_EXPORT(exports, env, "seddScaleLogScores", SeddScaleLogScores);
  TD_EXPORT(exports, env, "seddScoreEntropy", SeddScoreEntropy);
  TD_EXPORT(exports, env, "seddReverseRate", SeddReverseRate);
  TD_EXPORT(exports, env, "seddStepProbs", SeddStepProbs);
  TD_EXPORT(exports, env, "seddStep", SeddStep);
  TD_EXPORT(exports, env, "seddInit", SeddInit);
  TD_EXPORT(exports, env, "multinomialLoss", MultinomialLoss);
  TD_EXPORT(exports, env, "multinomialStepProbs", MultinomialStepProbs);
  TD_EXPORT(exports, env, "multinomialStep", MultinomialStep);
}

}  // namespace addon
}  // namespace td
