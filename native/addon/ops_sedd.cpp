#include "ops_sedd.h"

#include <cmath>
#include <limits>
#include <vector>

#include "../backend/cpu_backend.h"
#include "../cpu/sedd.h"
#include "boundary.h"
#include "categorical_args.h"
#include "device.h"
#include "validate.h"

namespace td {
namespace addon {

namespace {

constexpr size_t kAny = std::numeric_limits<size_t>::max();

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
  const StepBlock b = GetStepBlock(o, CatMethod::Sedd, "logScore");
  Napi::Float32Array out = NewFloat32Out(env, "rows", b.a.rows * b.a.spec.total);
  backend::Host().sedd_reverse_rate(b.scores, b.a.spec.total, b.x, static_cast<int>(b.a.rows), b.a.layout(), out.Data());
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
  const StepBlock b = GetStepBlock(o, CatMethod::Sedd, "logScore");
  const sedd::StepCoef c = GetStepCoef(o);
  Napi::Float32Array out = NewFloat32Out(env, "rows", b.a.rows * b.a.spec.total);
  backend::Host().sedd_step_probs(b.scores, b.a.spec.total, b.x, static_cast<int>(b.a.rows), b.a.layout(), c, out.Data());
  return out;
}

// seddStep({graph, classes, rows, logScore, x, noise.., t, tNext, sampler, seed, rowOffset, step}) -> Int32Array
Napi::Value SeddStep(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = OptionsArg(info, 0, "options");
  const StepBlock b = GetStepBlock(o, CatMethod::Sedd, "logScore");
  const sedd::StepCoef c = GetStepCoef(o);
  const uint64_t seed = GetSeed(o, "seed", 0);
  const uint64_t row_offset = GetRowOffset(o, b.a.rows);
  const uint32_t step = GetStep(o);
  Napi::Int32Array out = NewInt32(env, b.x, b.a.rows * b.a.spec.classes.size());
  DeviceOption(o).sedd_reverse_step(b.scores, b.a.spec.total, out.Data(), static_cast<int>(b.a.rows), b.a.layout(), c, seed, row_offset, step);
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
}

}  // namespace addon
}  // namespace td
