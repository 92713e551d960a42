#include "model_wrap.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <system_error>

#include "../cpu/mlp.h"
#include "ops_inpaint.h"
#include "../cpu/sampler.h"
#include "../backend/registry.h"
#include "device.h"
#include "jobs.h"
#include "boundary.h"
#include "live_models.h"
#include "categorical_args.h"
#include "validate.h"
#include "enum_args.h"

namespace td {
namespace addon {

namespace {

constexpr size_t kAny = std::numeric_limits<size_t>::max();
constexpr double kMaxWidth = 65536;
constexpr double kMaxLayers = 64;
constexpr double kMaxRows = 2147483647;
constexpr double kMaxT = 100000;

std::vector<int> GetHidden(const Napi::Object& o) {
  Napi::Env env = o.Env();
  if (!Has(o, "hidden")) ThrowType(env, "hidden", "is required (an array of layer widths)");
  Napi::Value v = o.Get("hidden");
  std::vector<int> widths;
  if (v.IsArray()) {
    Napi::Array arr = v.As<Napi::Array>();
    if (arr.Length() > kMaxLayers) ThrowRange(env, "hidden", "at most 64 hidden layers");
    for (uint32_t i = 0; i < arr.Length(); ++i) {
      widths.push_back(static_cast<int>(CheckNumber(env, arr.Get(i), "hidden[" + std::to_string(i) + "]", {1, kMaxWidth, true})));
    }
  } else if (v.IsTypedArray()) {
    auto view = GetInt32(env, v, "hidden", kAny);
    if (view.length > kMaxLayers) ThrowRange(env, "hidden", "at most 64 hidden layers");
    for (size_t i = 0; i < view.length; ++i) {
      if (view.data[i] < 1 || view.data[i] > kMaxWidth) ThrowRange(env, "hidden[" + std::to_string(i) + "]", "expected a width in [1, 65536]");
      widths.push_back(view.data[i]);
    }
  } else {
    ThrowType(env, "hidden", "expected an array of layer widths");
  }
  if (widths.empty()) ThrowRange(env, "hidden", "needs at least one hidden layer");
  return widths;
}

// Bytes of the activations a forward + backward pass keeps for `rows` rows (see
// cpu::MlpWorkspace::reserve), checked before the workspace is allocated.
double WorkspaceBytes(const cpu::DenoiserModel& m, double rows) {
  double per_row = 2.0 * std::max<double>(m.layout.widest, m.cfg.input_dim());
  for (const auto& L : m.layout.layers) per_row += 3.0 * L.out;
  return rows * per_row * sizeof(float);
}

void CheckWorkspace(Napi::Env env, const cpu::DenoiserModel& m, const char* name, double rows) {
  CheckAllocation(env, name, WorkspaceBytes(m, rows), "the network's activations for " + std::to_string(static_cast<int64_t>(rows)) + " rows");
}

cpu::DenoiserModel& Alive(Napi::Env env, std::unique_ptr<cpu::DenoiserModel>& model) {
  if (!model) ThrowType(env, "model", "this model has been released");
  return *model;
}

}  // namespace

void ModelWrap::Register(Napi::Env env, Napi::Object exports) {
  Napi::Function ctor = DefineClass(env, "NativeModel",
                                    {
                                        InstanceMethod("fit", &ModelWrap::Guard<&ModelWrap::Fit>),
                                        InstanceMethod("sample", &ModelWrap::Guard<&ModelWrap::Sample>),
                                        InstanceMethod("predictEps", &ModelWrap::Guard<&ModelWrap::PredictEps>),
                                        InstanceMethod("forward", &ModelWrap::Guard<&ModelWrap::Forward>),
                                        InstanceMethod("backward", &ModelWrap::Guard<&ModelWrap::Backward>),
                                        InstanceMethod("getWeights", &ModelWrap::Guard<&ModelWrap::GetWeights>),
                                        InstanceMethod("setWeights", &ModelWrap::Guard<&ModelWrap::SetWeights>),
                                        InstanceMethod("layout", &ModelWrap::Guard<&ModelWrap::Layout>),
                                        InstanceMethod("info", &ModelWrap::Guard<&ModelWrap::Info>),
                                        InstanceMethod("abort", &ModelWrap::Guard<&ModelWrap::Abort>),
                                        InstanceMethod("release", &ModelWrap::Guard<&ModelWrap::Release>),
                                        InstanceMethod("evaluate", &ModelWrap::Guard<&ModelWrap::Evaluate>),
                                        InstanceMethod("evaluateAsync", &ModelWrap::Guard<&ModelWrap::EvaluateAsync>),
                                    });
  exports.Set("NativeModel", ctor);
}

// new NativeModel({dataDim, contextDim, timeDim, hidden, outDim, activation, dropout, seed, threads})
ModelWrap::ModelWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ModelWrap>(info) {
  CallScope scope;
  try {
    Init(info);
  } catch (const Napi::Error&) {
    throw;
  } catch (...) {
    RethrowAsJs(info.Env(), "NativeModel");
  }
  RegisterJobOwner(info.Env(), &abort_);  // last: a constructor that throws must not leave it registered
}

void ModelWrap::Init(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = OptionsArg(info, 0, "options");
  MlpConfig cfg;
  // Mixed-type models: dataDim counts the numeric columns (0 allowed); the network's data
  // width adds one block of states per categorical column.
  const bool mixed = Has(o, "categoricalClasses");
  cfg.data_dim = static_cast<int>(GetNumber(o, "dataDim", {mixed ? 0.0 : 1.0, kMaxWidth, true}, NAN));
  const CategoricalSpec cat = GetCategoricalSpec(o, cfg.data_dim);
  if (static_cast<double>(cfg.data_dim) + cat.total > kMaxWidth) ThrowRange(env, "categoricalClasses", "the network's data width would exceed 65536");
  cfg.data_dim += cat.total;
  cfg.context_dim = static_cast<int>(GetNumber(o, "contextDim", {0, kMaxWidth, true}, 0));
  cfg.time_dim = static_cast<int>(GetNumber(o, "timeDim", {2, kMaxWidth, true}, 64));
  if (cfg.time_dim % 2 != 0) ThrowRange(env, "timeDim", "must be even (sine and cosine halves)");
  cfg.hidden = GetHidden(o);
  cfg.out_dim = static_cast<int>(GetNumber(o, "outDim", {1, kMaxWidth, true}, cfg.data_dim));
  if (cat.active() && cfg.out_dim != cfg.data_dim) ThrowRange(env, "outDim", "a mixed-type model's output mirrors its data width");
  // Dropout's range is TypeScript's (validateOptions): here it is only arithmetic. A name maps
  // to an enum, which is marshalling: a typo must not silently pick another activation.
  const std::string act = GetString(o, "activation", "silu");
  if (act != "silu" && act != "relu") ThrowRange(env, "activation", "expected 'silu' or 'relu'");
  cfg.activation = act == "relu" ? Activation::ReLU : Activation::SiLU;
  cfg.dropout = static_cast<float>(GetNumber(o, "dropout", kAnyFloat, 0));
  const uint64_t seed = GetSeed(o, "seed", 0);
  threads_ = static_cast<int>(GetNumber(o, "threads", {1, 256, true}, ThreadPool::default_threads()));
  const backend::Device device = GetDevice(o);
  const backend::Precision precision = GetPrecision(o);
  backend::CheckAvailable(device, precision);
  // Parameter count guard: a typo like hidden [1e5, 1e5] must not try to allocate 40 GB.
  double total = 0, in = cfg.input_dim();
  for (size_t l = 0; l <= cfg.hidden.size(); ++l) {
    const double out = l < cfg.hidden.size() ? cfg.hidden[l] : cfg.out_dim;
    total += in * out + out;
    in = out;
  }
  if (total > 268435456.0) ThrowRange(env, "hidden", "the network would have more than 2^28 parameters");
  CheckAllocation(env, "hidden", total * 4 * sizeof(float), "the network's weights and optimiser state");
  try {
    model_.reset(new cpu::DenoiserModel(cfg, seed, cat));
  } catch (const std::bad_alloc&) {
    ThrowRange(env, "hidden", "not enough memory for this network");
  }
  try {
    pool_.reset(new ThreadPool(threads_));
  } catch (const std::system_error& e) {
    throw Napi::Error::New(env, "threads: the OS refused to start " + std::to_string(threads_ - 1) +
                                    " worker threads (" + e.what() + "); ask for fewer threads");
  }
  backend_ = backend::CreateBackend(device, precision, pool_.get());
}

ModelWrap::~ModelWrap() { UnregisterJobOwner(&abort_); }

void ModelWrap::CheckUsable(Napi::Env env, bool claim) {
  Alive(env, model_);
  if (busy_.load()) throw Napi::Error::New(env, "model: a fit or sample is already running on this model");
  if (claim) {
    busy_.store(true);
    abort_.store(false);
  }
}

// The training (or evaluation) rows of fit/evaluate, copied out of JS memory and validated:
// {x, rows, context, sqrtAlphaBars, sqrtOneMinusAlphaBars, observed} (+ categorical, alphaBars).
static std::shared_ptr<TrainDataStore> ReadTrainData(const Napi::Object& o, const cpu::DenoiserModel& model) {
  Napi::Env env = o.Env();
  const MlpConfig& cfg = model.cfg;
  auto store = std::make_shared<TrainDataStore>();
  const double rows = GetNumber(o, "rows", {1, kMaxRows, true}, NAN);
  // Mixed-type models: x holds the numeric columns only.
  auto x = GetFloat32(env, o.Get("x"), "x", CheckedElements(env, "rows", rows, model.numeric_dim()), true);
  store->x.assign(x.data, x.data + x.length);
  if (cfg.context_dim > 0) {
    auto c = GetFloat32(env, o.Get("context"), "context", CheckedElements(env, "rows", rows, cfg.context_dim), true);
    store->context.assign(c.data, c.data + c.length);
  } else if (Has(o, "context")) {
    ThrowRange(env, "context", "this model was built with contextDim 0");
  }
  auto sa = GetFloat32(env, o.Get("sqrtAlphaBars"), "sqrtAlphaBars", kAny, true);
  if (sa.length < 1 || sa.length > kMaxT) ThrowRange(env, "sqrtAlphaBars", "length must be in [1, 100000]");
  auto sb = GetFloat32(env, o.Get("sqrtOneMinusAlphaBars"), "sqrtOneMinusAlphaBars", sa.length, true);
  for (size_t i = 0; i < sa.length; ++i) {
    if (!(sa.data[i] > 0.0f && sa.data[i] <= 1.0f)) ThrowRange(env, "sqrtAlphaBars", "index " + std::to_string(i) + " is outside (0, 1]");
    if (!(sb.data[i] >= 0.0f && sb.data[i] <= 1.0f)) ThrowRange(env, "sqrtOneMinusAlphaBars", "index " + std::to_string(i) + " is outside [0, 1]");
  }
  store->sqrt_alpha_bars.assign(sa.data, sa.data + sa.length);
  store->sqrt_one_minus_alpha_bars.assign(sb.data, sb.data + sb.length);
  store->data.x = store->x.data();
  store->data.context = store->context.empty() ? nullptr : store->context.data();
  store->data.rows = static_cast<int64_t>(rows);
  store->data.sqrt_alpha_bars = store->sqrt_alpha_bars.data();
  store->data.sqrt_one_minus_alpha_bars = store->sqrt_one_minus_alpha_bars.data();
  store->data.timesteps = static_cast<int>(sa.length);
  GetFitCategorical(o, model, rows, sa.length, *store);
  // Missing values: cells of x whose eps-MSE term is masked out (x holds a fill value there).
  if (Has(o, "observed")) {
    auto m = GetMask(env, o.Get("observed"), "observed", CheckedElements(env, "rows", rows, model.numeric_dim()));
    store->observed.assign(m.data, m.data + m.length);
    store->data.observed = store->observed.data();
  }
  return store;
}

// fit({x, rows, context, observed, sqrtAlphaBars, sqrtOneMinusAlphaBars, batchSize, steps, lr, beta1, beta2, eps,
//      weightDecay, lrDecaySteps, maxGradNorm, emaDecay, seed, progressInterval, reuseData}, onProgress?) -> Promise
// reuseData: true trains on the rows (x, context, observed mask, ...) copied by an earlier fit
// of this model; the data keys of this call are then not read.
Napi::Value ModelWrap::Fit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = OptionsArg(info, 0, "options");
  CheckUsable(env, false);  // after the options snapshot: a getter may have released the model
  auto in = std::unique_ptr<FitInputs>(new FitInputs());
  if (GetBool(o, "reuseData", false)) {
    if (!train_data_) ThrowRange(env, "reuseData", "no earlier fit on this model holds data to reuse");
    in->store = train_data_;
  } else {
    in->store = ReadTrainData(o, *model_);
  }
  cpu::TrainOptions& t = in->options;
  t.batch_size = static_cast<int>(GetNumber(o, "batchSize", {1, 1 << 20, true}, 256));
  CheckWorkspace(env, *model_, "batchSize", t.batch_size);
  t.steps = static_cast<int64_t>(GetNumber(o, "steps", {0, 4294967295.0, true}, NAN));
  if (static_cast<double>(model_->step) + t.steps > 4294967295.0) ThrowRange(env, "steps", "the model would pass 2^32 optimiser steps");
  // lr, weightDecay, maxGradNorm, emaDecay and categoricalWeight: ranges are TypeScript's
  // (validateOptions); they only scale arithmetic here. beta1, beta2 and eps are not public
  // options, so their ranges stay.
  t.adam.lr = static_cast<float>(GetNumber(o, "lr", kAnyFloat, 1e-3));
  t.adam.beta1 = static_cast<float>(GetNumber(o, "beta1", {0, 0.999999, false}, 0.9));
  t.adam.beta2 = static_cast<float>(GetNumber(o, "beta2", {0, 0.999999, false}, 0.999));
  t.adam.eps = static_cast<float>(GetNumber(o, "eps", {1e-30, 1, false}, 1e-8));
  t.adam.weight_decay = static_cast<float>(GetNumber(o, "weightDecay", kAnyFloat, 0));
  t.lr_decay_total = static_cast<int64_t>(GetNumber(o, "lrDecaySteps", {0, 4294967295.0, true}, 0));
  t.lr_decay_offset = static_cast<int64_t>(GetNumber(o, "lrDecayOffset", {0, 4294967295.0, true}, 0));
  t.max_grad_norm = GetNumber(o, "maxGradNorm", kAnyFloat, 0);
  t.ema_decay = static_cast<float>(GetNumber(o, "emaDecay", kAnyFloat, 0));
  t.seed = GetSeed(o, "seed", 0);
  t.progress_interval = static_cast<int>(GetNumber(o, "progressInterval", {0, 1e9, true}, 0));
  t.categorical_weight = static_cast<float>(GetNumber(o, "categoricalWeight", kAnyFloat, 1.0));
  if (!model_->cat.active() && Has(o, "categoricalWeight")) ThrowRange(env, "categoricalWeight", "this model has no categorical columns");
  Napi::Value on_progress = info.Length() > 1 ? info[1] : env.Undefined();
  if (!on_progress.IsUndefined() && !on_progress.IsNull() && !on_progress.IsFunction()) {
    ThrowType(env, "onProgress", "expected a function");
  }
  train_data_ = in->store;
  CheckUsable(env, true);
  return StartFit(env, this, info.This().As<Napi::Object>(), std::move(in), on_progress);
}

// Validates a decreasing timestep sequence for the chosen sampler.
static std::vector<int> GetTimesteps(Napi::Env env, const Napi::Value& v, size_t T, cpu::SamplerKind kind) {
  auto ts = GetInt32(env, v, "timesteps", kAny);
  if (ts.length == 0) ThrowRange(env, "timesteps", "must not be empty");
  std::vector<int> out(ts.data, ts.data + ts.length);
  for (size_t k = 0; k < out.size(); ++k) {
    if (out[k] < 0 || static_cast<size_t>(out[k]) >= T) ThrowRange(env, "timesteps", "index " + std::to_string(k) + " is outside [0, T)");
    if (k > 0 && out[k] >= out[k - 1]) ThrowRange(env, "timesteps", "must be strictly decreasing; index " + std::to_string(k) + " is not");
  }
  if (kind == cpu::SamplerKind::DDPM && (out.size() != T || out.front() != static_cast<int>(T) - 1)) {
    ThrowRange(env, "timesteps", "DDPM runs every step: expected T-1 down to 0");
  }
  return out;
}

// sample({n, rowOffset, seed, sampler, timesteps, eta, variance, betas, alphaBars, chunkRows,
//         context, contextRows, useEma, progressInterval}, onProgress?) -> Promise<Float32Array>
Napi::Value ModelWrap::Sample(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = OptionsArg(info, 0, "options");
  CheckUsable(env, false);  // after the options snapshot: a getter may have released the model
  const MlpConfig& cfg = model_->cfg;
  if (cfg.out_dim != cfg.data_dim) ThrowRange(env, "model", "sampling needs outDim == dataDim");
  auto in = std::unique_ptr<SampleInputs>(new SampleInputs());
  cpu::SampleOptions& s = in->options;
  const double n = GetNumber(o, "n", {0, kMaxRows, true}, NAN);
  CheckedElements(env, "n", n, model_->numeric_dim());
  if (model_->cat.active()) CheckedElements(env, "n", n, static_cast<double>(model_->cat.classes.size()));
  GetSampleCategorical(o, *model_, n, *in);
  in->n = static_cast<int64_t>(n);
  s.row_offset = static_cast<uint64_t>(GetNumber(o, "rowOffset", {0, 281474976710655.0 - n, true}, 0));
  s.seed = GetSeed(o, "seed", 0);
  // eta's range is TypeScript's (TabularDiffusion.sample). Names map to enums (marshalling):
  // a typo is an error, not another sampler.
  const std::string sampler = GetString(o, "sampler", "ddpm");
  if (sampler == "ddpm") s.kind = cpu::SamplerKind::DDPM;
  else if (sampler == "ddim") s.kind = cpu::SamplerKind::DDIM;
  else if (sampler == "dpm-solver++") s.kind = cpu::SamplerKind::DPMSolver;
  else ThrowRange(env, "sampler", "expected 'ddpm', 'ddim' or 'dpm-solver++'");
  const View<double> ab = GetAlphaBars(o);
  auto betas = GetFloat64(env, o.Get("betas"), "betas", ab.length, true);
  for (size_t i = 0; i < betas.length; ++i) {
    if (!(betas.data[i] > 0.0 && betas.data[i] < 1.0)) ThrowRange(env, "betas", "index " + std::to_string(i) + " is outside (0, 1)");
  }
  in->alpha_bars.assign(ab.data, ab.data + ab.length);
  in->betas.assign(betas.data, betas.data + betas.length);
  s.T = static_cast<int>(ab.length);
  s.timesteps = GetTimesteps(env, o.Get("timesteps"), ab.length, s.kind);
  s.eta = GetNumber(o, "eta", kAnyFloat, 0);
  GetSampleInpaint(o, *model_, n, *in);
  s.variance = GetVariance(o);
  s.chunk_rows = static_cast<int>(GetNumber(o, "chunkRows", {1, 1 << 20, true}, 1024));
  CheckAllocation(env, "n", n * (model_->numeric_dim() + static_cast<double>(model_->cat.classes.size())) * 4, "the samples");
  CheckWorkspace(env, *model_, "chunkRows", std::min<double>(s.chunk_rows, std::max(1.0, n)) * threads_);
  if (cfg.context_dim > 0) {
    const double context_rows = GetNumber(o, "contextRows", {1, kMaxRows, true}, NAN);
    if (context_rows != 1 && context_rows != n) ThrowRange(env, "contextRows", "expected 1 (broadcast) or n");
    auto c = GetFloat32(env, o.Get("context"), "context", CheckedElements(env, "contextRows", context_rows, cfg.context_dim), true);
    in->context.assign(c.data, c.data + c.length);
    s.context_rows = static_cast<int64_t>(context_rows);
  } else if (Has(o, "context")) {
    ThrowRange(env, "context", "this model was built with contextDim 0");
  }
  s.use_ema = GetBool(o, "useEma", true);
  in->progress_interval = static_cast<int64_t>(GetNumber(o, "progressInterval", {0, kMaxRows, true}, 0));
  Napi::Value on_progress = info.Length() > 1 ? info[1] : env.Undefined();
  if (!on_progress.IsUndefined() && !on_progress.IsNull() && !on_progress.IsFunction()) {
    ThrowType(env, "onProgress", "expected a function");
  }
  s.betas = in->betas.data();
  s.alpha_bars = in->alpha_bars.data();
  s.context = in->context.empty() ? nullptr : in->context.data();
  CheckUsable(env, true);
  return StartSample(env, this, info.This().As<Napi::Object>(), std::move(in), on_progress);
}

// predictEps(x, t, {rows, context, contextRows, useEma}) -> Float32Array [rows x outDim]
Napi::Value ModelWrap::PredictEps(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = OptionsArg(info, 2, "options");
  CheckUsable(env, false);  // after the options snapshot: a getter may have released the model
  const MlpConfig& cfg = model_->cfg;
  const double rows = GetNumber(o, "rows", {1, kMaxRows, true}, NAN);
  auto x = GetFloat32(env, info[0], "x", CheckedElements(env, "rows", rows, cfg.data_dim), true);
  const int t = static_cast<int>(CheckNumber(env, info[1], "t", {0, kMaxT, true}));
  const float* context = nullptr;
  int64_t context_rows = 0;
  if (cfg.context_dim > 0) {
    const double cr = GetNumber(o, "contextRows", {1, kMaxRows, true}, NAN);
    if (cr != 1 && cr != rows) ThrowRange(env, "contextRows", "expected 1 (broadcast) or rows");
    context = GetFloat32(env, o.Get("context"), "context", CheckedElements(env, "contextRows", cr, cfg.context_dim), true).data;
    context_rows = static_cast<int64_t>(cr);
  }
  const bool use_ema = GetBool(o, "useEma", true);
  CheckWorkspace(env, *model_, "rows", rows);
  Napi::Float32Array out = NewFloat32Out(env, "rows", CheckedElements(env, "rows", rows, cfg.out_dim));
  const float* params = use_ema ? model_->sampling_params() : model_->params.data();
  backend_->predict_eps(*model_, params, x.data, static_cast<int>(rows), t, context, context_rows, out.Data());
  return out;
}

// forward(input, rows) -> Float32Array [rows x outDim]: the full (unfolded) pass on the training
// weights, dropout off; input rows are [x | context | time embedding].
Napi::Value ModelWrap::Forward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckUsable(env, false);
  const MlpConfig& cfg = model_->cfg;
  const double rows = info.Length() > 1 ? CheckNumber(env, info[1], "rows", {1, kMaxRows, true}) : NAN;
  if (info.Length() < 2) ThrowType(env, "rows", "forward(input, rows) needs the row count");
  auto input = GetFloat32(env, info[0], "input", CheckedElements(env, "rows", rows, cfg.input_dim()), true);
  CheckWorkspace(env, *model_, "rows", rows);
  Napi::Float32Array out = NewFloat32Out(env, "rows", static_cast<size_t>(rows) * cfg.out_dim);
  backend_->mlp_forward(*model_, input.data, static_cast<int>(rows), out.Data());
  return out;
}

// backward(input, gradOutput, rows) -> {gradParams, gradInput}
Napi::Value ModelWrap::Backward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckUsable(env, false);
  const MlpConfig& cfg = model_->cfg;
  if (info.Length() < 3) ThrowType(env, "rows", "backward(input, gradOutput, rows) needs three arguments");
  const double rows = CheckNumber(env, info[2], "rows", {1, kMaxRows, true});
  auto input = GetFloat32(env, info[0], "input", CheckedElements(env, "rows", rows, cfg.input_dim()), true);
  auto grad_out = GetFloat32(env, info[1], "gradOutput", CheckedElements(env, "rows", rows, cfg.out_dim), true);
  CheckWorkspace(env, *model_, "rows", rows);
  Napi::Float32Array grad_params = NewFloat32Out(env, "grad_params", model_->layout.total);
  Napi::Float32Array grad_input = NewFloat32Out(env, "grad_input", input.length);
  backend_->mlp_backward(*model_, input.data, grad_out.data, static_cast<int>(rows), grad_params.Data(), grad_input.Data());
  Napi::Object result = Napi::Object::New(env);
  result.Set("gradParams", grad_params);
  result.Set("gradInput", grad_input);
  return result;
}

static std::vector<float>* WeightSlot(Napi::Env env, cpu::DenoiserModel& m, const std::string& which) {
  if (which == "params") return &m.params;
  if (which == "ema") return &m.ema;
  if (which == "adamM") return &m.adam_m;
  if (which == "adamV") return &m.adam_v;
  ThrowRange(env, "which", "expected 'params', 'ema', 'adamM' or 'adamV'");
}

// getWeights(which) -> Float32Array copy, or null for an EMA that does not exist yet.
Napi::Value ModelWrap::GetWeights(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckUsable(env, false);
  if (info.Length() < 1 || !info[0].IsString()) ThrowType(env, "which", "expected a string");
  std::vector<float>* slot = WeightSlot(env, *model_, info[0].As<Napi::String>().Utf8Value());
  if (slot->empty()) return env.Null();
  return NewFloat32(env, slot->data(), slot->size());
}

// setWeights({params?, ema?, adamM?, adamV?, step?}); ema: null clears it.
Napi::Value ModelWrap::SetWeights(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = OptionsArg(info, 0, "weights");
  CheckUsable(env, false);  // after the options snapshot: a getter may have released the model
  const size_t total = model_->layout.total;
  // Validate everything first so a bad argument changes nothing.
  const char* keys[] = {"params", "ema", "adamM", "adamV"};
  std::vector<View<float>> views;
  for (const char* key : keys) {
    if (Has(o, key) && !(std::string(key) == "ema" && o.Get(key).IsNull())) views.push_back(GetFloat32(env, o.Get(key), key, total, true));
    else views.push_back({nullptr, 0});
  }
  if (views[3].data) {
    for (size_t i = 0; i < total; ++i) if (views[3].data[i] < 0.0f) ThrowRange(env, "adamV", "second moments must be >= 0");
  }
  const double step = GetNumber(o, "step", {0, 4294967295.0, true}, static_cast<double>(model_->step));
  for (size_t k = 0; k < 4; ++k) {
    std::vector<float>* slot = WeightSlot(env, *model_, keys[k]);
    if (views[k].data) slot->assign(views[k].data, views[k].data + total);
  }
  if (Has(o, "ema") && o.Get("ema").IsNull()) model_->ema.clear();
  model_->step = static_cast<int64_t>(step);
  return env.Undefined();
}

// layout() -> [{name, rows, cols, offset}]
Napi::Value ModelWrap::Layout(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Alive(env, model_);
  const auto entries = model_->layout.entries();
  Napi::Array out = Napi::Array::New(env, entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    Napi::Object e = Napi::Object::New(env);
    e.Set("name", entries[i].name);
    e.Set("rows", entries[i].rows);
    e.Set("cols", entries[i].cols);
    e.Set("offset", static_cast<double>(entries[i].offset));
    out[i] = e;
  }
  return out;
}

Napi::Value ModelWrap::Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("released", !model_);
  out.Set("busy", busy_.load());
  out.Set("threads", threads_);
  out.Set("device", backend_->name());
  if (model_) {
    out.Set("paramCount", static_cast<double>(model_->layout.total));
    out.Set("step", static_cast<double>(model_->step));
    out.Set("hasEma", !model_->ema.empty());
    out.Set("inputDim", model_->cfg.input_dim());
    out.Set("numericDim", model_->numeric_dim());
    if (model_->cat.active()) {
      Napi::Array classes = Napi::Array::New(env, model_->cat.classes.size());
      for (size_t c = 0; c < model_->cat.classes.size(); ++c) classes[c] = model_->cat.classes[c];
      out.Set("categoricalClasses", classes);
      out.Set("categoricalMethod", model_->cat.method == CatMethod::Sedd ? "sedd" : "multinomial");
    }
  }
  return out;
}

// Inputs of evaluate/evaluateAsync: the rows (as fit) plus k: Int32Array [rows x draws] of
// Gaussian timesteps, draws, seed, useEma. Mixed-type models only.
static std::unique_ptr<EvalInputs> ReadEvalInputs(const Napi::Object& o, const cpu::DenoiserModel& model) {
  Napi::Env env = o.Env();
  if (!model.cat.active()) ThrowRange(env, "model", "evaluate applies to models with categorical columns");
  auto in = std::unique_ptr<EvalInputs>(new EvalInputs());
  in->store = ReadTrainData(o, model);
  const cpu::TrainData& data = in->store->data;
  in->draws = static_cast<int>(GetNumber(o, "draws", {1, 1e6, true}, 1));
  const size_t pairs = CheckedElements(env, "draws", static_cast<double>(data.rows), in->draws);
  auto k = GetInt32(env, o.Get("k"), "k", pairs);
  for (size_t i = 0; i < k.length; ++i) {
    if (k.data[i] < 0 || k.data[i] >= data.timesteps) {
      ThrowRange(env, "k", "index " + std::to_string(i) + " is outside [0, " + std::to_string(data.timesteps) + ")");
    }
  }
  in->k.assign(k.data, k.data + k.length);
  in->seed = GetSeed(o, "seed", 0);
  in->use_ema = GetBool(o, "useEma", true);
  return in;
}

// evaluate({...}) -> {mse, cat, prior} on the calling thread (small held-out sets).
Napi::Value ModelWrap::Evaluate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = OptionsArg(info, 0, "options");
  CheckUsable(env, false);  // after the options snapshot: a getter may have released the model
  const std::unique_ptr<EvalInputs> in = ReadEvalInputs(o, *model_);
  abort_.store(false);
  return RunEvaluate(env, this, *in);
}

// evaluateAsync({...}) -> Promise<{mse, cat, prior}> on a worker thread (likelihood bounds).
Napi::Value ModelWrap::EvaluateAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = OptionsArg(info, 0, "options");
  CheckUsable(env, false);  // after the options snapshot: a getter may have released the model
  std::unique_ptr<EvalInputs> in = ReadEvalInputs(o, *model_);
  CheckUsable(env, true);
  return StartEvaluate(env, this, info.This().As<Napi::Object>(), std::move(in));
}

Napi::Value ModelWrap::Abort(const Napi::CallbackInfo& info) {
  abort_.store(true);
  return info.Env().Undefined();
}

Napi::Value ModelWrap::Release(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (busy_.load()) throw Napi::Error::New(env, "model: cannot release while a fit or sample is running; abort it first");
  model_.reset();
  pool_.reset();  // backend_ stays for info().device; every use of it needs the model (CheckUsable)
  train_data_.reset();
  return env.Undefined();
}

}  // namespace addon
}  // namespace td
