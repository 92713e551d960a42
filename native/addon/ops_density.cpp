#include "ops_density.h"

#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "../cpu/density_mixed.h"
#include "../cpu/density_model.h"
#include "../cpu/density_ode.h"
#include "../cpu/density_path.h"
#include "model_wrap.h"
#include "validate.h"

namespace td {
namespace addon {

namespace {

constexpr size_t kAny = std::numeric_limits<size_t>::max();
constexpr double kMaxRows = 2147483647;

cpu::MixtureSpec ReadMixture(Napi::Env env, const Napi::Object& m) {
  cpu::MixtureSpec spec;
  spec.d = static_cast<int>(GetNumber(m, "dim", {1, 64, true}, NAN));
  auto w = GetFloat64(env, m.Get("weights"), "mixture.weights", kAny, true);
  if (w.length < 1 || w.length > 64) ThrowRange(env, "mixture.weights", "expected 1 to 64 components");
  spec.k = static_cast<int>(w.length);
  double total = 0;
  for (size_t k = 0; k < w.length; ++k) {
    if (!(w.data[k] > 0)) ThrowRange(env, "mixture.weights", "index " + std::to_string(k) + " is not positive");
    total += w.data[k];
  }
  for (size_t k = 0; k < w.length; ++k) spec.weights.push_back(w.data[k] / total);
  auto mu = GetFloat64(env, m.Get("means"), "mixture.means", w.length * spec.d, true);
  spec.means.assign(mu.data, mu.data + mu.length);
  auto c = GetFloat64(env, m.Get("covs"), "mixture.covs", w.length * spec.d * spec.d, true);
  spec.covs.assign(c.data, c.data + c.length);
  // Symmetric with a positive Cholesky pivot: checked here so the kernels never see a bad matrix.
  const int d = spec.d;
  for (int k = 0; k < spec.k; ++k) {
    const double* a = spec.covs.data() + static_cast<size_t>(k) * d * d;
    std::vector<double> l(static_cast<size_t>(d) * d, 0.0);
    for (int i = 0; i < d; ++i)
      for (int j = 0; j <= i; ++j) {
        if (a[i * d + j] != a[j * d + i]) ThrowRange(env, "mixture.covs", "component " + std::to_string(k) + " is not symmetric");
        double s = a[i * d + j];
        for (int q = 0; q < j; ++q) s -= l[i * d + q] * l[j * d + q];
        if (i == j) {
          if (!(s > 0)) ThrowRange(env, "mixture.covs", "component " + std::to_string(k) + " is not positive definite");
          l[i * d + i] = std::sqrt(s);
        } else {
          l[i * d + j] = s / l[j * d + j];
        }
      }
  }
  return spec;
}

Napi::Float64Array ToArray(Napi::Env env, const std::vector<double>& v) {
  Napi::Float64Array a = Napi::Float64Array::New(env, v.size());
  std::copy(v.begin(), v.end(), a.Data());
  return a;
}

// Mixed models: x [rows x numeric columns], categorical [rows x categorical columns] (class
// indices, checked against the model's class counts), observed [rows x numeric columns] (0/1,
// optional). Adds `discrete` (the discrete chain's part of logp) and its standard error `discreteSe`.
Napi::Value MixedLogp(Napi::Env env, const Napi::Object& o, ModelWrap& wrap, const float* context, int64_t context_rows,
                      const cpu::DensityOptions& opt, double rows) {
  const cpu::DenoiserModel& m = wrap.model();
  const int d = m.numeric_dim(), C = static_cast<int>(m.cat.classes.size());
  std::vector<float> xs;
  if (d > 0) {
    auto x = GetFloat32(env, o.Get("x"), "x", CheckedElements(env, "rows", rows, d), true);
    xs.assign(x.data, x.data + x.length);
  }
  if (!Has(o, "categorical")) ThrowType(env, "categorical", "expected an Int32Array of class indices [rows x " + std::to_string(C) + "]");
  auto cat = GetInt32(env, o.Get("categorical"), "categorical", CheckedElements(env, "rows", rows, C));
  for (size_t i = 0; i < cat.length; ++i) {
    const int k = m.cat.classes[i % C];
    if (cat.data[i] < 0 || cat.data[i] >= k) {
      ThrowRange(env, "categorical", "row " + std::to_string(i / C) + ", column " + std::to_string(i % C) + " holds class " +
                                         std::to_string(cat.data[i]) + ", expected 0.." + std::to_string(k - 1));
    }
  }
  const std::vector<int32_t> cs(cat.data, cat.data + cat.length);
  std::vector<uint8_t> obs;
  if (Has(o, "observed") && d > 0) {
    auto mk = GetMask(env, o.Get("observed"), "observed", CheckedElements(env, "rows", rows, d));
    obs.assign(mk.data, mk.data + mk.length);
  }
  cpu::MixedRows data;
  data.x = xs.data();
  data.categorical = cs.data();
  data.observed = obs.empty() ? nullptr : obs.data();
  data.n = static_cast<int64_t>(rows);
  std::vector<double> logp(data.n), se(data.n), discrete(data.n), discrete_se(data.n);
  bool ok;
  try {
    ok = wrap.backend().density_logp(m, context, context_rows, data, opt, false, logp.data(), se.data(), discrete.data(),
                                     discrete_se.data(), wrap.abort_flag());
  } catch (const std::bad_alloc&) {
    ThrowRange(env, "rows", "not enough memory for this call");
  }
  if (!ok) throw Napi::Error::New(env, "densityLogp: aborted");
  Napi::Object out = Napi::Object::New(env);
  out.Set("logp", ToArray(env, logp));
  out.Set("se", ToArray(env, se));
  out.Set("discrete", ToArray(env, discrete));
  out.Set("discreteSe", ToArray(env, discrete_se));
  return out;
}

// densityLogp({model | mixture, x, rows, alphaBars, method, throws, steps, probes, seed, rowOffset,
//              context, contextRows, chunkRows, threads, categorical, observed})
//   -> {logp: Float64Array, se: Float64Array, discrete?, discreteSe?: Float64Array (mixed models)}
// Synchronous: JS splits long calls into slices (results do not depend on the slicing).
Napi::Value DensityLogp(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = OptionsArg(info, 0, "options");
  const double rows = GetNumber(o, "rows", {1, kMaxRows, true}, NAN);
  cpu::DensityOptions opt;
  auto ab = GetFloat64(env, o.Get("alphaBars"), "alphaBars", kAny, true);
  if (ab.length < 2 || ab.length > 100000) ThrowRange(env, "alphaBars", "length must be in [2, 100000]");
  for (size_t t = 0; t < ab.length; ++t) {
    if (!(ab.data[t] > 0 && ab.data[t] < 1)) ThrowRange(env, "alphaBars", "index " + std::to_string(t) + " is outside (0, 1)");
    if (t > 0 && !(ab.data[t] < ab.data[t - 1])) ThrowRange(env, "alphaBars", "must decrease strictly (index " + std::to_string(t) + ")");
  }
  std::vector<double> alpha_bars(ab.data, ab.data + ab.length);
  opt.alpha_bars = alpha_bars.data();
  opt.T = static_cast<int>(ab.length);
  const std::string method = GetString(o, "method", "path-integral");
  if (method != "path-integral" && method != "ode") ThrowRange(env, "method", "expected 'path-integral' or 'ode'");
  opt.throws = static_cast<int>(GetNumber(o, "throws", {1, 1000000, true}, 100));
  opt.steps = static_cast<int>(GetNumber(o, "steps", {1, 100000, true}, 32));
  opt.probes = static_cast<int>(GetNumber(o, "probes", {0, 256, true}, 0));  // tangents: probes x chunk x width floats
  opt.seed = GetSeed(o, "seed", 0);
  opt.row_offset = static_cast<uint64_t>(GetNumber(o, "rowOffset", {0, 281474976710655.0 - rows, true}, 0));
  opt.chunk_rows = static_cast<int>(GetNumber(o, "chunkRows", {1, 1 << 16, true}, 1024));

  std::unique_ptr<cpu::EpsModel> eps;
  ThreadPool* pool = nullptr;
  std::unique_ptr<ThreadPool> own_pool;
  std::atomic<bool> no_abort{false};
  const std::atomic<bool>* abort = &no_abort;
  std::vector<float> context_copy;
  ModelWrap* mixed = nullptr;  // a model with a discrete chain
  ModelWrap* model = nullptr;  // a model: its backend computes
  const float* model_context = nullptr;
  int64_t model_context_rows = 0;
  if (Has(o, "model")) {
    if (Has(o, "mixture")) ThrowRange(env, "mixture", "pass either model or mixture, not both");
    Napi::Value mv = o.Get("model");
    if (!mv.IsObject()) ThrowType(env, "model", "expected a NativeModel");
    ModelWrap* wrap = Napi::ObjectWrap<ModelWrap>::Unwrap(mv.As<Napi::Object>());
    if (!wrap) ThrowType(env, "model", "expected a NativeModel");
    wrap->CheckIdle(env);
    if (wrap->model().cat.active() && method == "ode") {
      ThrowRange(env, "method", "a model with categorical columns on a discrete chain supports 'path-integral' only");
    }
    if (wrap->model().cat.active()) mixed = wrap;
    const MlpConfig& cfg = wrap->model().cfg;
    const float* context = nullptr;
    int64_t context_rows = 0;
    if (cfg.context_dim > 0) {
      const double cr = GetNumber(o, "contextRows", {1, kMaxRows, true}, NAN);
      if (cr != 1 && cr != rows) ThrowRange(env, "contextRows", "expected 1 (broadcast) or rows");
      auto c = GetFloat32(env, o.Get("context"), "context", CheckedElements(env, "contextRows", cr, cfg.context_dim), true);
      context_copy.assign(c.data, c.data + c.length);
      context = context_copy.data();
      context_rows = static_cast<int64_t>(cr);
    } else if (Has(o, "context")) {
      ThrowRange(env, "context", "this model was built with contextDim 0");
    }
    model = wrap;
    model_context = context;
    model_context_rows = context_rows;
  } else if (Has(o, "mixture")) {
    Napi::Value mv = o.Get("mixture");
    if (!mv.IsObject()) ThrowType(env, "mixture", "expected {dim, weights, means, covs}");
    eps = cpu::make_mixture_eps(ReadMixture(env, mv.As<Napi::Object>()));
    const int threads = static_cast<int>(GetNumber(o, "threads", {1, 256, true}, 1));
    if (threads > 1) {
      own_pool.reset(new ThreadPool(threads));
      pool = own_pool.get();
    }
  } else {
    ThrowType(env, "model", "pass a NativeModel (model) or a Gaussian mixture (mixture)");
  }
  if (mixed) return MixedLogp(env, o, *mixed, model_context, model_context_rows, opt, rows);
  if (Has(o, "categorical") || Has(o, "observed")) ThrowRange(env, "categorical", "applies to models with categorical columns on a discrete chain");
  const int d = model ? model->model().numeric_dim() : eps->dim();
  if (method == "ode" && opt.probes == 0 && d > 256) {
    ThrowRange(env, "probes", "the exact divergence is limited to 256 columns (" + std::to_string(d) + " here); pass Hutchinson probes");
  }
  auto x = GetFloat32(env, o.Get("x"), "x", CheckedElements(env, "rows", rows, d), true);
  const std::vector<float> xs(x.data, x.data + x.length);  // the kernels must not alias JS memory
  const int64_t n = static_cast<int64_t>(rows);
  std::vector<double> logp(n), se(n);
  bool ok;
  try {
    if (model) {
      cpu::MixedRows data;
      data.x = xs.data();
      data.n = n;
      ok = model->backend().density_logp(model->model(), model_context, model_context_rows, data, opt, method == "ode",
                                         logp.data(), se.data(), nullptr, nullptr, model->abort_flag());
    } else {
      // The Gaussian-mixture oracle (tests, bench): no model and no device, the CPU reference.
      ok = method == "ode" ? cpu::density_ode(*eps, xs.data(), n, opt, logp.data(), se.data(), pool, *abort)
                           : cpu::density_path(*eps, xs.data(), n, opt, logp.data(), se.data(), pool, *abort);
    }
  } catch (const std::bad_alloc&) {
    ThrowRange(env, "rows", "not enough memory for this call");
  }
  if (!ok) throw Napi::Error::New(env, "densityLogp: aborted");
  Napi::Float64Array lp = Napi::Float64Array::New(env, n), ses = Napi::Float64Array::New(env, n);
  std::copy(logp.begin(), logp.end(), lp.Data());
  std::copy(se.begin(), se.end(), ses.Data());
  Napi::Object out = Napi::Object::New(env);
  out.Set("logp", lp);
  out.Set("se", ses);
  return out;
}

}  // namespace

void RegisterDensityOps(Napi::Env env, Napi::Object exports) {
  exports.Set("densityLogp", Napi::Function::New(env, DensityLogp, "densityLogp"));
}

}  // namespace addon
}  // namespace td
