#include "ops_inpaint.h"

#include <cmath>
#include <limits>
#include <string>

#include "../backend/cpu_backend.h"
#include "../cpu/inpaint.h"
#include "boundary.h"
#include "device.h"
#include "validate.h"

namespace td {
namespace addon {

namespace {

constexpr size_t kAny = std::numeric_limits<size_t>::max();
constexpr double kMaxRows = 2147483647;

// Known cells {known, knownMask, knownRows} for `rows` rows of `cols` columns, into storage.
cpu::KnownCells ReadKnown(const Napi::Object& o, double rows, int cols, std::vector<float>& values,
                          std::vector<uint8_t>& mask) {
  Napi::Env env = o.Env();
  const double known_rows = GetNumber(o, "knownRows", {1, kMaxRows, true}, 1);
  if (known_rows != 1 && known_rows != rows) ThrowRange(env, "knownRows", "expected 1 (broadcast) or the number of rows");
  const size_t count = CheckedElements(env, "knownRows", known_rows, cols);
  auto v = GetFloat32(env, o.Get("known"), "known", count, false);
  auto m = GetMask(env, o.Get("knownMask"), "knownMask", count);
  for (size_t i = 0; i < count; ++i) {
    if (m.data[i] && !std::isfinite(v.data[i])) {
      ThrowRange(env, "known", "row " + std::to_string(i / cols) + ", column " + std::to_string(i % cols) + " is observed but not finite");
    }
  }
  values.assign(v.data, v.data + count);
  mask.assign(m.data, m.data + count);
  cpu::KnownCells k;
  k.values = values.data();
  k.mask = mask.data();
  k.rows = static_cast<int64_t>(known_rows);
  return k;
}

// {x, rows, cols}: the numeric block a step or a jump works on.
struct Block {
  double rows, cols;
  size_t count;
  View<float> x;
};

Block GetBlock(const Napi::Object& o) {
  const Shape shape = GetShape(o);
  Block b;
  b.rows = shape.rows;
  b.cols = shape.cols;
  b.count = shape.count;
  b.x = GetFloat32(o.Env(), o.Get("x"), "x", b.count, true);
  return b;
}

// inpaintStep({x, epsHat, rows, cols, t, prev, alphaBars, betas, sampler: 'ddpm'|'ddim', eta,
//   variance, seed, rowOffset, pass, known, knownMask, knownRows, device}) -> Float32Array: one reverse
// step t -> prev fused with the substitution, with the draws of pass `pass` of the sampler.
Napi::Value InpaintStep(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = OptionsArg(info, 0, "options");
  const Block b = GetBlock(o);
  auto eps = GetFloat32(env, o.Get("epsHat"), "epsHat", b.count, true);
  const View<double> ab = GetAlphaBars(o);
  const int T = static_cast<int>(ab.length);
  const int t = static_cast<int>(GetNumber(o, "t", {0, T - 1.0, true}, NAN));
  const std::string sampler = GetString(o, "sampler", "ddpm");
  cpu::AffineStep c;
  int prev;
  if (sampler == "ddpm") {
    prev = t - 1;
    auto betas = GetFloat64(env, o.Get("betas"), "betas", ab.length, true);
    for (size_t i = 0; i < betas.length; ++i) {
      if (!(betas.data[i] > 0.0 && betas.data[i] < 1.0)) ThrowRange(env, "betas", "index " + std::to_string(i) + " is outside (0, 1)");
    }
    const std::string variance = GetString(o, "variance", "beta");
    if (variance != "beta" && variance != "posterior") ThrowRange(env, "variance", "expected 'beta' or 'posterior'");
    c = cpu::ddpm_coefficients(betas.data, ab.data, t, variance == "beta" ? cpu::Variance::Beta : cpu::Variance::Posterior);
  } else if (sampler == "ddim") {
    prev = static_cast<int>(GetNumber(o, "prev", {-1, t - 1.0, true}, NAN));
    c = cpu::ddim_coefficients(ab.data, t, prev, GetNumber(o, "eta", {0, 1e6, false}, 0));
  } else {
    ThrowRange(env, "sampler", "expected 'ddpm' or 'ddim'");
  }
  const uint64_t seed = GetSeed(o, "seed", 0);
  const uint64_t row_offset = static_cast<uint64_t>(GetNumber(o, "rowOffset", {0, 281474976710655.0 - b.rows, true}, 0));
  const uint32_t pass = static_cast<uint32_t>(GetNumber(o, "pass", {0, 99, true}, 0));
  std::vector<float> values;
  std::vector<uint8_t> mask;
  const cpu::KnownCells known = ReadKnown(o, b.rows, static_cast<int>(b.cols), values, mask);
  Napi::Float32Array out = NewFloat32(env, b.x.data, b.count);
  DeviceOption(o).inpaint_step(out.Data(), eps.data, static_cast<int>(b.rows), static_cast<int>(b.cols), c, ab.data, T, t, prev,
                               pass, seed, row_offset, known);
  return out;
}

// inpaintJump({x, rows, cols, abarFrom, abarTo, seed, rowOffset, step, device}) -> Float32Array
Napi::Value InpaintJump(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = OptionsArg(info, 0, "options");
  const Block b = GetBlock(o);
  const double from = GetNumber(o, "abarFrom", {0, 1, false}, NAN);
  const double to = GetNumber(o, "abarTo", {0, 1, false}, NAN);
  if (!(to > 0.0 && to <= from)) ThrowRange(env, "abarTo", "must be in (0, abarFrom]: a jump goes up in noise");
  const uint64_t seed = GetSeed(o, "seed", 0);
  const uint64_t row_offset = static_cast<uint64_t>(GetNumber(o, "rowOffset", {0, 281474976710655.0 - b.rows, true}, 0));
  const uint32_t step = static_cast<uint32_t>(GetNumber(o, "step", {0, 2147483647.0, true}, 0));
  Napi::Float32Array out = NewFloat32(env, b.x.data, b.count);
  DeviceOption(o).inpaint_jump(out.Data(), static_cast<int>(b.rows), static_cast<int>(b.cols), from, to, seed, row_offset, step);
  return out;
}

// inpaintSchedule({steps, jumps, length, start}) -> Int32Array of [k, kEnd, up, pass] per move
Napi::Value InpaintSchedule(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = OptionsArg(info, 0, "options");
  const size_t steps = static_cast<size_t>(GetNumber(o, "steps", {1, 100000, true}, NAN));
  const int jumps = static_cast<int>(GetNumber(o, "jumps", {1, 100, true}, 1));
  const int length = static_cast<int>(GetNumber(o, "length", {1, 100000, true}, 10));
  const double start = GetNumber(o, "start", {0, 1, false}, 0);
  const std::vector<cpu::Move> moves = backend::Host().inpaint_schedule(steps, jumps, length, start);
  Napi::Int32Array out = Napi::Int32Array::New(env, moves.size() * 4);
  for (size_t i = 0; i < moves.size(); ++i) {
    out[4 * i] = moves[i].k;
    out[4 * i + 1] = moves[i].k_end;
    out[4 * i + 2] = moves[i].up ? 1 : 0;
    out[4 * i + 3] = static_cast<int32_t>(moves[i].pass);
  }
  return out;
}

}  // namespace

void GetSampleInpaint(const Napi::Object& o, const cpu::DenoiserModel& model, double n, SampleInputs& in) {
  Napi::Env env = o.Env();
  if (!Has(o, "known")) {
    for (const char* key : {"knownMask", "knownRows", "resampleJumps", "resampleLength", "resampleStart"}) {
      if (Has(o, key)) ThrowRange(env, key, "only applies with known");
    }
    return;
  }
  cpu::SampleOptions& s = in.options;
  s.known = ReadKnown(o, n, model.numeric_dim(), in.known, in.known_mask);
  s.resample_jumps = static_cast<int>(GetNumber(o, "resampleJumps", {1, 100, true}, 1));
  s.resample_length = static_cast<int>(GetNumber(o, "resampleLength", {1, 100000, true}, 10));
  s.resample_start = GetNumber(o, "resampleStart", {0, 1, false}, 0);
  if (s.resample_jumps > 1 && s.kind == cpu::SamplerKind::DPMSolver) {
    ThrowRange(env, "resampleJumps", "jumps need a one-step sampler ('ddpm' or 'ddim'): DPM-Solver++ carries the previous step's prediction");
  }
}

void RegisterInpaintOps(Napi::Env env, Napi::Object exports) {
  TD_EXPORT(exports, env, "inpaintStep", InpaintStep);
  TD_EXPORT(exports, env, "inpaintJump", InpaintJump);
  TD_EXPORT(exports, env, "inpaintSchedule", InpaintSchedule);
}

}  // namespace addon
}  // namespace td
