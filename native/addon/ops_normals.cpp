#include "ops.h"

#include <string>

#include "../core/philox.h"
#include "boundary.h"
#include "device.h"
#include "validate.h"

namespace td {
namespace addon {

namespace {

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

}  // namespace

void RegisterNormalsOps(Napi::Env env, Napi::Object exports) {
  TD_EXPORT(exports, env, "philox4x32", Philox);
  TD_EXPORT(exports, env, "draws", Draws);
}

}  // namespace addon
}  // namespace td
