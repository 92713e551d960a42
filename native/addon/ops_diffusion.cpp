#include "ops.h"

#include <cmath>
#include <limits>
#include <vector>

#include "../core/philox.h"
#include "../backend/cpu_backend.h"
#include "../cpu/diffusion_ops.h"
#include "boundary.h"
#include "device.h"
#include "validate.h"
#include "enum_args.h"

namespace td {
namespace addon {

namespace {

constexpr size_t kAny = std::numeric_limits<size_t>::max();

// forwardNoise({x0, rows, cols, t: Int32Array, sqrtAlphaBars, sqrtOneMinusAlphaBars, seed, rowOffset, step})
//   -> {xt, eps}
Napi::Value ForwardNoise(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = OptionsArg(info, 0, "options");
  const Shape s = GetShape(o);
  auto x0 = GetFloat32(env, o.Get("x0"), "x0", s.count, true);
  auto t = GetInt32(env, o.Get("t"), "t", static_cast<size_t>(s.rows));
  auto sa = GetFloat32(env, o.Get("sqrtAlphaBars"), "sqrtAlphaBars", kAny, true);
  auto sb = GetFloat32(env, o.Get("sqrtOneMinusAlphaBars"), "sqrtOneMinusAlphaBars", sa.length, true);
  if (sa.length == 0) ThrowRange(env, "sqrtAlphaBars", "must not be empty");
  for (size_t i = 0; i < t.length; ++i) {
    if (t.data[i] < 0 || static_cast<size_t>(t.data[i]) >= sa.length) {
      ThrowRange(env, "t", "value " + std::to_string(t.data[i]) + " at index " + std::to_string(i) + " is outside [0, " +
                               std::to_string(sa.length) + ")");
    }
  }
  const uint64_t seed = GetSeed(o, "seed", 0);
  const double row_offset = GetNumber(o, "rowOffset", {0, 281474976710655.0 - s.rows, true}, 0);
  const uint32_t step = static_cast<uint32_t>(GetNumber(o, "step", {0, 4294967295.0, true}, 0));
  backend::Backend& be = DeviceOption(o);
  Napi::Float32Array xt = NewFloat32Out(env, "rows", s.count);
  Napi::Float32Array eps = NewFloat32Out(env, "rows", s.count);
  be.forward_noise(x0.data, s.rows, s.cols, t.data, sa.data, sb.data, static_cast<int>(sa.length), seed, kStreamUser,
                   static_cast<uint64_t>(row_offset), step, xt.Data(), eps.Data());
  return NewResult(env, {{"xt", xt}, {"eps", eps}});
}

// epsMse(epsHat, eps, {device, observed}?) -> {loss, grad}; with observed (Uint8Array of 0/1,
// one per value) the mean runs over observed values only and gaps get a zero gradient.
Napi::Value EpsMse(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2) ThrowType(env, "epsHat", "epsMse(epsHat, eps) takes two Float32Arrays");
  // Options first: their snapshot may run getters, which must not detach the arrays below.
  Napi::Object o;
  backend::Backend* be = &backend::Host();
  if (info.Length() > 2) {
    o = OptionsArg(info, 2, "options");
    be = &DeviceOption(o);
  }
  auto eps_hat = GetFloat32(env, info[0], "epsHat", kAny, true);
  auto eps = GetFloat32(env, info[1], "eps", eps_hat.length, true);
  const uint8_t* observed = !o.IsEmpty() && Has(o, "observed") ? GetMask(env, o.Get("observed"), "observed", eps.length).data : nullptr;
  Napi::Float32Array grad = NewFloat32Out(env, "grad", eps.length);
  const double loss = be->eps_mse(eps_hat.data, eps.data, observed, eps.length, grad.Data());
  return NewResult(env, {{"loss", Napi::Number::New(env, loss)}, {"grad", grad}});
}

struct StepInputs {
  Shape shape;
  View<float> x, eps_hat;
  View<double> alpha_bars;
  int t;
  uint64_t seed;
  uint64_t row_offset;
};

StepInputs GetStepInputs(const Napi::Object& o) {
  Napi::Env env = o.Env();
  StepInputs in;
  in.shape = GetShape(o);
  in.x = GetFloat32(env, o.Get("x"), "x", in.shape.count, true);
  in.eps_hat = GetFloat32(env, o.Get("epsHat"), "epsHat", in.shape.count, true);
  in.alpha_bars = GetFloat64(env, o.Get("alphaBars"), "alphaBars", kAny, true);
  if (in.alpha_bars.length == 0) ThrowRange(env, "alphaBars", "must not be empty");
  CheckAlphaBars(env, in.alpha_bars);
  in.t = static_cast<int>(GetNumber(o, "t", {0, static_cast<double>(in.alpha_bars.length - 1), true}, NAN));
  in.seed = GetSeed(o, "seed", 0);
  in.row_offset = static_cast<uint64_t>(GetNumber(o, "rowOffset", {0, 281474976710655.0 - in.shape.rows, true}, 0));
  return in;
}

Napi::Value RunAffine(Napi::Env env, const StepInputs& in, const cpu::AffineStep& c, backend::Backend& be) {
  Napi::Float32Array out = NewFloat32(env, in.x.data, in.shape.count);
  be.affine_step(out.Data(), in.eps_hat.data, in.shape.rows, in.shape.cols, c, in.seed, in.row_offset,
                 static_cast<uint32_t>(in.t));
  return out;
}

// ddpmStep({x, epsHat, rows, cols, t, betas, alphaBars, variance, seed, rowOffset}) -> Float32Array
Napi::Value DdpmStep(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = OptionsArg(info, 0, "options");
  const StepInputs in = GetStepInputs(o);
  auto betas = GetFloat64(env, o.Get("betas"), "betas", in.alpha_bars.length, true);
  for (size_t i = 0; i < betas.length; ++i) {
    if (!(betas.data[i] > 0.0 && betas.data[i] < 1.0)) ThrowRange(env, "betas", "index " + std::to_string(i) + " is outside (0, 1)");
  }
  return RunAffine(env, in, cpu::ddpm_coefficients(betas.data, in.alpha_bars.data, in.t, GetVariance(o)), DeviceOption(o));
}

// ddimStep({x, epsHat, rows, cols, t, prev, alphaBars, eta, seed, rowOffset}) -> Float32Array
Napi::Value DdimStep(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = OptionsArg(info, 0, "options");
  const StepInputs in = GetStepInputs(o);
  const int prev = static_cast<int>(GetNumber(o, "prev", {-1, static_cast<double>(in.t - 1), true}, NAN));
  const double eta = GetNumber(o, "eta", kAnyFloat, 0);  // its range is TypeScript's (sample options)
  return RunAffine(env, in, cpu::ddim_coefficients(in.alpha_bars.data, in.t, prev, eta), DeviceOption(o));
}

// dpmSolverStep({x, epsHat, x0Prev, rows, cols, before, t, prev, alphaBars}) -> Float32Array;
// x0Prev is updated in place with this step's data prediction.
Napi::Value DpmSolverStep(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = OptionsArg(info, 0, "options");
  const StepInputs in = GetStepInputs(o);
  auto x0_prev = GetFloat32(env, o.Get("x0Prev"), "x0Prev", in.shape.count, true, Access::InPlace);
  const double T = static_cast<double>(in.alpha_bars.length);
  const int before = static_cast<int>(GetNumber(o, "before", {-1, T - 1, true}, -1));
  if (before >= 0 && before <= in.t) ThrowRange(env, "before", "must be greater than t (or -1)");
  const int prev = static_cast<int>(GetNumber(o, "prev", {-1, static_cast<double>(in.t - 1), true}, NAN));
  const cpu::DpmStep c = cpu::dpm_solver_coefficients(in.alpha_bars.data, before, in.t, prev, true);
  backend::Backend& be = DeviceOption(o);
  Napi::Float32Array out = NewFloat32(env, in.x.data, in.shape.count);
  be.dpm_solver_step(out.Data(), in.eps_hat.data, x0_prev.data, in.shape.rows, in.shape.cols, c);
  return out;
}

}  // namespace

void RegisterDiffusionOps(Napi::Env env, Napi::Object exports) {
  TD_EXPORT(exports, env, "forwardNoise", ForwardNoise);
  TD_EXPORT(exports, env, "epsMse", EpsMse);
  TD_EXPORT(exports, env, "ddpmStep", DdpmStep);
  TD_EXPORT(exports, env, "ddimStep", DdimStep);
  TD_EXPORT(exports, env, "dpmSolverStep", DpmSolverStep);
}

}  // namespace addon
}  // namespace td
