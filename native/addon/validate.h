// Argument checks for the N-API layer. Every value JS hands the addon goes through one of
// these before any native memory is touched; a failure throws a TypeError (wrong type) or
// RangeError (wrong size or value) whose message starts with the argument's name.
#pragma once
#include <napi.h>

#include <cstdint>
#include <initializer_list>
#include <utility>
#include <string>

namespace td {
namespace addon {

[[noreturn]] void ThrowType(Napi::Env env, const std::string& name, const std::string& what);
[[noreturn]] void ThrowRange(Napi::Env env, const std::string& name, const std::string& what);

// The options object passed as argument `index` (required).
Napi::Object OptionsArg(const Napi::CallbackInfo& info, size_t index, const char* name);

bool Has(const Napi::Object& o, const char* key);

struct NumberRule {
  double min;
  double max;
  bool integer;
};

// Any finite number a float32 holds: for values whose range is the caller's policy (checked in
// TypeScript on the public path), where the addon only needs a defined double -> float cast.
constexpr NumberRule kAnyFloat{-3.4028234663852886e38, 3.4028234663852886e38, false};

// A finite number within [min, max] (and an integer when asked). `fallback` is used when
// the key is absent or undefined; pass NaN for a required value.
double GetNumber(const Napi::Object& o, const char* key, NumberRule rule, double fallback);
double CheckNumber(Napi::Env env, const Napi::Value& v, const std::string& name, NumberRule rule);
bool GetBool(const Napi::Object& o, const char* key, bool fallback);
std::string GetString(const Napi::Object& o, const char* key, const std::string& fallback);

// A seed: an integer in [0, 2^53) (what a JS number holds exactly), or a BigInt below 2^64.
uint64_t GetSeed(const Napi::Object& o, const char* key, uint64_t fallback);

// Typed-array views. `expected` = SIZE_MAX skips the length check. Views alias JS memory:
// only synchronous code may keep them.
template <typename T>
struct View {
  T* data;
  size_t length;
};

// Read: inputs on a SharedArrayBuffer are copied (so checks and reads see the same values);
// InPlace: arrays the call writes into are refused on a SharedArrayBuffer.
enum class Access { Read, InPlace };

View<float> GetFloat32(Napi::Env env, const Napi::Value& v, const std::string& name, size_t expected, bool finite,
                       Access mode = Access::Read);
View<double> GetFloat64(Napi::Env env, const Napi::Value& v, const std::string& name, size_t expected, bool finite);
View<int32_t> GetInt32(Napi::Env env, const Napi::Value& v, const std::string& name, size_t expected);
View<uint32_t> GetUint32(Napi::Env env, const Napi::Value& v, const std::string& name, size_t expected);
// A Uint8Array of 0/1 flags (a per-cell mask): any other value is a RangeError naming the index.
View<uint8_t> GetMask(Napi::Env env, const Napi::Value& v, const std::string& name, size_t expected);

// rows * cols with an overflow and size check (at most 2^31 - 1 elements per array).
size_t CheckedElements(Napi::Env env, const std::string& name, double rows, double cols);

// A noise schedule's alphaBars: strictly decreasing in (0, 1). GetAlphaBars also reads the
// Float64Array under "alphaBars" and requires a length in [1, 100000].
void CheckAlphaBars(Napi::Env env, const View<double>& alpha_bars);
View<double> GetAlphaBars(const Napi::Object& o);

// {rows, cols} of a row-major block: rows in [0, 2^31), cols in [1, 2^20], rows x cols checked.
struct Shape {
  int rows;
  int cols;
  size_t count;
};
Shape GetShape(const Napi::Object& o);

// A result object {name: value, ...}, its keys set in the order given.
Napi::Object NewResult(Napi::Env env, std::initializer_list<std::pair<const char*, Napi::Value>> fields);

// A new Float32Array owning a copy of `count` floats.
Napi::Float32Array NewFloat32(Napi::Env env, const float* src, size_t count);

}  // namespace addon
}  // namespace td
