#include "ops.h"

#include <cmath>
#include <limits>
#include <memory>
#include <system_error>
#include <vector>

#include "../core/mlp_layout.h"
#include "../core/philox.h"
#include "../backend/cpu_backend.h"
#include "../backend/cuda_library.h"
#include "../cpu/diffusion_ops.h"
#include "../cpu/gemm.h"
#include "../cpu/thread_pool.h"
#include "boundary.h"
#include "device.h"
#include "validate.h"

namespace td {
namespace addon {

namespace {

constexpr size_t kAny = std::numeric_limits<size_t>::max();
constexpr double kMaxDim = 1 << 20;     // columns
constexpr double kMaxRows = 2147483647;  // rows
constexpr double kMaxT = 1000000;

struct Shape {
  int rows;
  int cols;
  size_t count;
};

Shape GetShape(const Napi::Object& o) {
  const double rows = GetNumber(o, "rows", {0, kMaxRows, true}, NAN);
  const double cols = GetNumber(o, "cols", {1, kMaxDim, true}, NAN);
  return {static_cast<int>(rows), static_cast<int>(cols), CheckedElements(o.Env(), "rows", rows, cols)};
}

// philox4x32(counter: Uint32Array(4), key: Uint32Array(2)) -> Uint32Array(4)
Napi::Value Philox(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2) ThrowType(env, "counter", "philox4x32(counter, key) takes two Uint32Arrays");
  auto counter = GetUint32(env, info[0], "counter", 4);
  auto key = GetUint32(env, info[1], "key", 2);
  Philox4 c = {{counter.data[0], counter.data[1], counter.data[2], counter.data[3]}};
  const Philox4 r = philox4x32_10(c, key.data[0], key.data[1]);
  Napi::Uint32Array out = Napi::Uint32Array::New(env, 4);
  for (int i = 0; i < 4; ++i) out[i] = r.v[i];
  return out;
}

// draws({seed, stream, rowStart, rows, step, cols, kind: 'normal'|'uniform'}) -> Float32Array
Napi::Value Draws(const Napi::CallbackInfo& info) {
  Napi::Object o = OptionsArg(info, 0, "options");
  const uint64_t seed = GetSeed(o, "seed", 0);
  const uint32_t stream = static_cast<uint32_t>(GetNumber(o, "stream", {0, 65535, true}, kStreamUser));
  const double row_start = GetNumber(o, "rowStart", {0, 281474976710655.0, true}, 0);
  const uint32_t step = static_cast<uint32_t>(GetNumber(o, "step", {0, 4294967295.0, true}, 0));
  const Shape s = GetShape(o);
  const std::string kind = GetString(o, "kind", "normal");
  if (kind != "normal" && kind != "uniform") ThrowRange(info.Env(), "kind", "expected 'normal' or 'uniform'");
  if (row_start + s.rows > 281474976710656.0) ThrowRange(info.Env(), "rowStart", "rowStart + rows must stay below 2^48");
  Napi::Float32Array out = NewFloat32Out(info.Env(), "rows", s.count);
  float* dst = out.Data();
  const uint64_t first = static_cast<uint64_t>(row_start);
  const bool reference = GetBool(o, "reference", false);
  backend::Backend& be = DeviceOption(o);
  if (kind == "normal") be.normals(seed, stream, first, s.rows, step, s.cols, dst, reference);
  else be.uniforms(seed, stream, first, s.rows, step, s.cols, dst);
  return out;
}

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
  const std::string variance = GetString(o, "variance", "beta");
  if (variance != "beta" && variance != "posterior") ThrowRange(env, "variance", "expected 'beta' or 'posterior'");
  return RunAffine(env, in, cpu::ddpm_coefficients(betas.data, in.alpha_bars.data, in.t,
                                                   variance == "beta" ? cpu::Variance::Beta : cpu::Variance::Posterior),
                   DeviceOption(o));
}

// ddimStep({x, epsHat, rows, cols, t, prev, alphaBars, eta, seed, rowOffset}) -> Float32Array
Napi::Value DdimStep(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = OptionsArg(info, 0, "options");
  const StepInputs in = GetStepInputs(o);
  const int prev = static_cast<int>(GetNumber(o, "prev", {-1, static_cast<double>(in.t - 1), true}, NAN));
  const double eta = GetNumber(o, "eta", {0, 1e6, false}, 0);
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

// adamwStep({params, grads, m, v, step, lr, beta1, beta2, eps, weightDecay}) updates in place.
Napi::Value AdamWStep(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = OptionsArg(info, 0, "options");
  auto params = GetFloat32(env, o.Get("params"), "params", kAny, true, Access::InPlace);
  auto grads = GetFloat32(env, o.Get("grads"), "grads", params.length, true);
  auto m = GetFloat32(env, o.Get("m"), "m", params.length, true, Access::InPlace);
  auto v = GetFloat32(env, o.Get("v"), "v", params.length, true, Access::InPlace);
  cpu::AdamWConfig cfg;
  const double step = GetNumber(o, "step", {1, 9007199254740991.0, true}, NAN);
  cfg.lr = static_cast<float>(GetNumber(o, "lr", {0, 10, false}, 1e-3));
  cfg.beta1 = static_cast<float>(GetNumber(o, "beta1", {0, 0.999999, false}, 0.9));
  cfg.beta2 = static_cast<float>(GetNumber(o, "beta2", {0, 0.999999, false}, 0.999));
  cfg.eps = static_cast<float>(GetNumber(o, "eps", {1e-30, 1, false}, 1e-8));
  cfg.weight_decay = static_cast<float>(GetNumber(o, "weightDecay", {0, 1e3, false}, 0));
  for (size_t i = 0; i < v.length; ++i) {
    if (v.data[i] < 0.0f) ThrowRange(env, "v", "second moments must be >= 0; index " + std::to_string(i) + " is negative");
  }
  DeviceOption(o).adamw_step(params.data, grads.data, m.data, v.data, params.length, static_cast<int64_t>(step), cfg);
  return env.Undefined();
}

// sgemm({transA, transB, m, n, k, alpha, a, b, beta, c, threads, reference}): c updated in place.
Napi::Value Sgemm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = OptionsArg(info, 0, "options");
  const bool ta = GetBool(o, "transA", false), tb = GetBool(o, "transB", false);
  const int m = static_cast<int>(GetNumber(o, "m", {1, kMaxDim * 64, true}, NAN));
  const int n = static_cast<int>(GetNumber(o, "n", {1, kMaxDim, true}, NAN));
  const int k = static_cast<int>(GetNumber(o, "k", {1, kMaxDim, true}, NAN));
  CheckedElements(env, "m", m, k);
  CheckedElements(env, "n", n, k);
  CheckedElements(env, "m", m, n);
  auto a = GetFloat32(env, o.Get("a"), "a", static_cast<size_t>(m) * k, false);
  auto b = GetFloat32(env, o.Get("b"), "b", static_cast<size_t>(k) * n, false);
  auto c = GetFloat32(env, o.Get("c"), "c", static_cast<size_t>(m) * n, false, Access::InPlace);
  const float alpha = static_cast<float>(GetNumber(o, "alpha", {-1e30, 1e30, false}, 1));
  const float beta = static_cast<float>(GetNumber(o, "beta", {-1e30, 1e30, false}, 0));
  const int threads = static_cast<int>(GetNumber(o, "threads", {1, 256, true}, 1));
  const int lda = ta ? m : k, ldb = tb ? k : n;
  const backend::Precision p = GetPrecision(o);
  backend::Backend& be = DeviceOption(o);
  const bool reference = GetBool(o, "reference", false);
  be.sgemm(ta, tb, m, n, k, alpha, a.data, lda, b.data, ldb, beta, c.data, n, p, threads, reference);
  return env.Undefined();
}

// timeEmbedding(t, dim) -> Float32Array(dim)
Napi::Value TimeEmbedding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2) ThrowType(env, "t", "timeEmbedding(t, dim) takes two numbers");
  const double t = CheckNumber(env, info[0], "t", {-1e9, 1e9, false});
  const double dim = CheckNumber(env, info[1], "dim", {2, 65536, true});
  if (static_cast<int>(dim) % 2 != 0) ThrowRange(env, "dim", "must be even");
  Napi::Float32Array out = NewFloat32Out(env, "dim", static_cast<size_t>(dim));
  time_embedding(t, static_cast<int>(dim), out.Data());
  return out;
}

Napi::Value BackendInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("backend", "cpu");
  out.Set("gemmKernel", cpu::gemm_kernel_name());
  out.Set("defaultThreads", ThreadPool::default_threads());
  out.Set("poolThreads", ThreadPool::live_threads());  // OS threads the shared pool holds now
  const backend::CudaLibrary& cuda = backend::GetCudaLibrary();
  Napi::Object c = Napi::Object::New(env);
  c.Set("available", cuda.api != nullptr);
  c.Set("devices", cuda.devices);
  c.Set(cuda.api ? "device" : "reason", cuda.reason);
  if (!cuda.library.empty()) c.Set("library", cuda.library);
  out.Set("cuda", c);
  return out;
}

}  // namespace

void RegisterOps(Napi::Env env, Napi::Object exports) {
  TD_EXPORT(exports, env, "philox4x32", Philox);
  TD_EXPORT(exports, env, "draws", Draws);
  TD_EXPORT(exports, env, "forwardNoise", ForwardNoise);
  TD_EXPORT(exports, env, "epsMse", EpsMse);
  TD_EXPORT(exports, env, "ddpmStep", DdpmStep);
  TD_EXPORT(exports, env, "ddimStep", DdimStep);
  TD_EXPORT(exports, env, "dpmSolverStep", DpmSolverStep);
  TD_EXPORT(exports, env, "adamwStep", AdamWStep);
  TD_EXPORT(exports, env, "sgemm", Sgemm);
  TD_EXPORT(exports, env, "timeEmbedding", TimeEmbedding);
  TD_EXPORT(exports, env, "backendInfo", BackendInfo);
}

}  // namespace addon
}  // namespace td
