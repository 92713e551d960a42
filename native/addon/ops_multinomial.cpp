#include "ops_multinomial.h"

#include <vector>

#include "../backend/cpu_backend.h"
#include "../cpu/multinomial.h"
#include "boundary.h"
#include "categorical_args.h"
#include "device.h"
#include "validate.h"

namespace td {
namespace addon {

namespace {

// multinomialLoss({classes, rows, logits, xt, x0, alphaBars, t: Int32Array, prev?: Int32Array, weight?})
//   -> {loss, rowLoss, grad}
Napi::Value MultinomialLoss(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = OptionsArg(info, 0, "options");
  const CatArgs a = GetCatArgs(o, CatMethod::Multinomial);
  const float* logits = GetScores(o, "logits", a);
  const int32_t* xt = GetClassMatrix(env, o.Get("xt"), "xt", a.rows, a.spec.classes, 0);
  const int32_t* x0 = GetClassMatrix(env, o.Get("x0"), "x0", a.rows, a.spec.classes, 0);
  const View<double> alpha_bars = GetAlphaBars(o);
  const double* ab = alpha_bars.data;
  const size_t T = alpha_bars.length;
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
  const View<double> alpha_bars = GetAlphaBars(o);
  const double* ab = alpha_bars.data;
  const size_t T = alpha_bars.length;
  k = static_cast<int>(GetNumber(o, "t", {0, static_cast<double>(T - 1), true}, NAN));
  const int prev = static_cast<int>(GetNumber(o, "prev", {-1, static_cast<double>(k - 1), true}, k - 1));
  return cpu::multinomial_coef(ab, k, prev);
}

// multinomialStepProbs({classes, rows, logits, x, alphaBars, t, prev}) -> Float32Array [rows x total]
Napi::Value MultinomialStepProbs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = OptionsArg(info, 0, "options");
  const StepBlock b = GetStepBlock(o, CatMethod::Multinomial, "logits");
  int k = 0;
  const multinomial::StepCoef c = GetMultinomialStep(o, k);
  Napi::Float32Array out = NewFloat32Out(env, "rows", b.a.rows * b.a.spec.total);
  backend::Host().multinomial_step_probs(b.scores, b.a.spec.total, b.x, static_cast<int>(b.a.rows), b.a.layout(), c, out.Data());
  return out;
}

// multinomialStep({classes, rows, logits, x, alphaBars, t, prev, seed, rowOffset}) -> Int32Array
Napi::Value MultinomialStep(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = OptionsArg(info, 0, "options");
  const StepBlock b = GetStepBlock(o, CatMethod::Multinomial, "logits");
  int k = 0;
  const multinomial::StepCoef c = GetMultinomialStep(o, k);
  const uint64_t seed = GetSeed(o, "seed", 0);
  const uint64_t row_offset = GetRowOffset(o, b.a.rows);
  Napi::Int32Array out = NewInt32(env, b.x, b.a.rows * b.a.spec.classes.size());
  DeviceOption(o).multinomial_step(b.scores, b.a.spec.total, out.Data(), static_cast<int>(b.a.rows), b.a.layout(), c, seed,
                                   row_offset, static_cast<uint32_t>(k));
  return out;
}

}  // namespace

void RegisterMultinomialOps(Napi::Env env, Napi::Object exports) {
  TD_EXPORT(exports, env, "multinomialLoss", MultinomialLoss);
  TD_EXPORT(exports, env, "multinomialStepProbs", MultinomialStepProbs);
  TD_EXPORT(exports, env, "multinomialStep", MultinomialStep);
}

}  // namespace addon
}  // namespace td
