#include "validate.h"

#include "boundary.h"

#include <cmath>
#include <cstring>
#include <limits>

namespace td {
namespace addon {

void ThrowType(Napi::Env env, const std::string& name, const std::string& what) {
  throw Napi::TypeError::New(env, name + ": " + what);
}

void ThrowRange(Napi::Env env, const std::string& name, const std::string& what) {
  throw Napi::RangeError::New(env, name + ": " + what);
}

namespace {
// (o) => a null-prototype copy of o's enumerable properties, own and inherited. Null prototype:
// a missing option must not fall through to Object.prototype, where an accessor could run user
// code later. Compiled once per environment, with Object.create captured at that time.
Napi::Function SnapshotFunction(Napi::Env env) {
  auto* ref = env.GetInstanceData<Napi::FunctionReference>();
  if (ref == nullptr) {
    napi_value script_value;
    const char* src =
        "(function (create) { return function snapshot(o) {"
        " const s = create(null); for (const k in o) s[k] = o[k]; return s; }; })(Object.create)";
    NAPI_THROW_IF_FAILED(env, napi_run_script(env, Napi::String::New(env, src), &script_value), Napi::Function());
    ref = new Napi::FunctionReference(Napi::Persistent(Napi::Value(env, script_value).As<Napi::Function>()));
    env.SetInstanceData(ref);
  }
  return ref->Value();
}
}  // namespace

Napi::Object OptionsArg(const Napi::CallbackInfo& info, size_t index, const char* name) {
  Napi::Env env = info.Env();
  if (info.Length() <= index || !info[index].IsObject() || info[index].IsArray() || info[index].IsFunction()) {
    ThrowType(env, name, "expected an options object");
  }
  // Read every option once, now, into a plain object: getters and proxy traps run here and
  // nowhere else, so no user code can release a model or detach a buffer after a view of it
  // has been taken.
  return SnapshotFunction(env).Call({info[index]}).As<Napi::Object>();
}

bool Has(const Napi::Object& o, const char* key) {
  if (!o.Has(key)) return false;
  const Napi::Value v = o.Get(key);
  return !v.IsUndefined();
}

static std::string Describe(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

double CheckNumber(Napi::Env env, const Napi::Value& v, const std::string& name, NumberRule rule) {
  if (!v.IsNumber()) ThrowType(env, name, "expected a number");
  const double x = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(x)) ThrowRange(env, name, "expected a finite number, got " + Describe(x));
  if (rule.integer && std::floor(x) != x) ThrowRange(env, name, "expected an integer, got " + Describe(x));
  if (x < rule.min || x > rule.max) {
    ThrowRange(env, name, "expected a value in [" + Describe(rule.min) + ", " + Describe(rule.max) + "], got " + Describe(x));
  }
  return x;
}

double GetNumber(const Napi::Object& o, const char* key, NumberRule rule, double fallback) {
  if (!Has(o, key)) {
    if (std::isnan(fallback)) ThrowType(o.Env(), key, "is required");
    return fallback;
  }
  return CheckNumber(o.Env(), o.Get(key), key, rule);
}

bool GetBool(const Napi::Object& o, const char* key, bool fallback) {
  if (!Has(o, key)) return fallback;
  const Napi::Value v = o.Get(key);
  if (!v.IsBoolean()) ThrowType(o.Env(), key, "expected a boolean");
  return v.As<Napi::Boolean>().Value();
}

std::string GetString(const Napi::Object& o, const char* key, const std::string& fallback) {
  if (!Has(o, key)) return fallback;
  const Napi::Value v = o.Get(key);
  if (!v.IsString()) ThrowType(o.Env(), key, "expected a string");
  return v.As<Napi::String>().Utf8Value();
}

uint64_t GetSeed(const Napi::Object& o, const char* key, uint64_t fallback) {
  if (!Has(o, key)) return fallback;
  const Napi::Value v = o.Get(key);
  if (v.IsBigInt()) {
    bool lossless = false;
    const uint64_t s = v.As<Napi::BigInt>().Uint64Value(&lossless);
    if (!lossless) ThrowRange(o.Env(), key, "expected a BigInt in [0, 2^64)");
    return s;
  }
  return static_cast<uint64_t>(CheckNumber(o.Env(), v, key, {0, 9007199254740991.0, true}));
}

// A typed array on a SharedArrayBuffer (napi_is_arraybuffer is false for those).
static bool IsShared(Napi::Env env, const Napi::TypedArray& arr) {
  napi_value buffer;
  napi_typedarray_type type;
  size_t length, offset;
  void* data;
  NAPI_THROW_IF_FAILED(env, napi_get_typedarray_info(env, arr, &type, &length, &data, &buffer, &offset), false);
  bool plain = false;
  NAPI_THROW_IF_FAILED(env, napi_is_arraybuffer(env, buffer, &plain), false);
  return !plain;
}

template <typename T, napi_typedarray_type Kind>
static View<T> GetTyped(Napi::Env env, const Napi::Value& v, const std::string& name, size_t expected,
                        const char* type_name, Access mode = Access::Read) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != Kind) {
    ThrowType(env, name, std::string("expected a ") + type_name);
  }
  auto arr = v.As<Napi::TypedArrayOf<T>>();
  if (arr.ArrayBuffer().IsDetached()) ThrowType(env, name, "its ArrayBuffer is detached");
  const size_t length = arr.ElementLength();
  if (expected != std::numeric_limits<size_t>::max() && length != expected) {
    ThrowRange(env, name, "expected length " + std::to_string(expected) + ", got " + std::to_string(length));
  }
  if (!IsShared(env, arr)) return {arr.Data(), length};
  // Another thread may change shared memory between our checks and the kernel's reads (an
  // index checked in range, then read out of range): work on a snapshot owned by this call.
  if (mode == Access::InPlace) {
    ThrowType(env, name, "is updated in place and cannot live on a SharedArrayBuffer; pass an ordinary typed array");
  }
  CheckAllocation(env, name, static_cast<double>(length) * sizeof(T), "a copy of this SharedArrayBuffer-backed array");
  T* copy = static_cast<T*>(CallScratch(length * sizeof(T)));
  if (copy == nullptr) ThrowType(env, name, "a SharedArrayBuffer-backed array is not accepted here");
  if (length > 0) std::memcpy(copy, arr.Data(), length * sizeof(T));
  return {copy, length};
}

template <typename T>
static void CheckFinite(Napi::Env env, const View<T>& view, const std::string& name) {
  for (size_t i = 0; i < view.length; ++i) {
    if (!std::isfinite(view.data[i])) {
      ThrowRange(env, name, "non-finite value " + Describe(view.data[i]) + " at index " + std::to_string(i));
    }
  }
}

View<float> GetFloat32(Napi::Env env, const Napi::Value& v, const std::string& name, size_t expected, bool finite,
                       Access mode) {
  auto view = GetTyped<float, napi_float32_array>(env, v, name, expected, "Float32Array", mode);
  if (finite) CheckFinite(env, view, name);
  return view;
}

View<double> GetFloat64(Napi::Env env, const Napi::Value& v, const std::string& name, size_t expected, bool finite) {
  auto view = GetTyped<double, napi_float64_array>(env, v, name, expected, "Float64Array");
  if (finite) CheckFinite(env, view, name);
  return view;
}

View<int32_t> GetInt32(Napi::Env env, const Napi::Value& v, const std::string& name, size_t expected) {
  return GetTyped<int32_t, napi_int32_array>(env, v, name, expected, "Int32Array");
}

View<uint32_t> GetUint32(Napi::Env env, const Napi::Value& v, const std::string& name, size_t expected) {
  return GetTyped<uint32_t, napi_uint32_array>(env, v, name, expected, "Uint32Array");
}

View<uint8_t> GetMask(Napi::Env env, const Napi::Value& v, const std::string& name, size_t expected) {
  auto view = GetTyped<uint8_t, napi_uint8_array>(env, v, name, expected, "Uint8Array");
  for (size_t i = 0; i < view.length; ++i) {
    if (view.data[i] > 1) {
      ThrowRange(env, name, "value " + std::to_string(view.data[i]) + " at index " + std::to_string(i) +
                                " is not 0 (gap) or 1 (observed)");
    }
  }
  return view;
}

size_t CheckedElements(Napi::Env env, const std::string& name, double rows, double cols) {
  const double total = rows * cols;
  if (total > 2147483647.0) {
    ThrowRange(env, name, "rows * cols = " + Describe(total) + " exceeds the limit of 2^31 - 1 elements");
  }
  return static_cast<size_t>(total);
}

Napi::Float32Array NewFloat32(Napi::Env env, const float* src, size_t count) {
  Napi::Float32Array out = NewFloat32Out(env, "output", count);
  if (count > 0) std::memcpy(out.Data(), src, count * sizeof(float));
  return out;
}

void CheckAlphaBars(Napi::Env env, const View<double>& ab) {
  for (size_t i = 0; i < ab.length; ++i) {
    if (!(ab.data[i] > 0.0 && ab.data[i] < 1.0) || (i > 0 && !(ab.data[i] < ab.data[i - 1]))) {
      ThrowRange(env, "alphaBars", "must be strictly decreasing in (0, 1); index " + std::to_string(i) + " breaks it");
    }
  }
}

View<double> GetAlphaBars(const Napi::Object& o) {
  Napi::Env env = o.Env();
  auto ab = GetFloat64(env, o.Get("alphaBars"), "alphaBars", SIZE_MAX, true);
  if (ab.length == 0 || ab.length > 100000) ThrowRange(env, "alphaBars", "length must be in [1, 100000]");
  CheckAlphaBars(env, ab);
  return ab;
}

Napi::Object NewResult(Napi::Env env, std::initializer_list<std::pair<const char*, Napi::Value>> fields) {
  Napi::Object out = Napi::Object::New(env);
  for (const auto& f : fields) out.Set(f.first, f.second);
  return out;
}

Shape GetShape(const Napi::Object& o) {
  const double rows = GetNumber(o, "rows", {0, 2147483647, true}, NAN);
  const double cols = GetNumber(o, "cols", {1, 1 << 20, true}, NAN);
  return {static_cast<int>(rows), static_cast<int>(cols), CheckedElements(o.Env(), "rows", rows, cols)};
}

}  // namespace addon
}  // namespace td
