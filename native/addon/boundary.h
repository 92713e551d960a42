// The N-API boundary's memory safety: every exported function runs inside Guard, which turns
// C++ exceptions (std::bad_alloc, std::system_error, ...) into JS errors instead of letting them
// reach N-API (which aborts the process), and frees the per-call copies of shared inputs.
// Large allocations are checked against a memory budget first, and outputs handed to V8 are
// allocated here (a failed V8 allocation is a fatal error; a failed malloc is a RangeError).
#pragma once
#include <napi.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace td {
namespace addon {

// Keeps per-call copies (SharedArrayBuffer snapshots) alive until the outermost exported call
// on this thread returns.
class CallScope {
 public:
  CallScope();
  ~CallScope();
  CallScope(const CallScope&) = delete;
  CallScope& operator=(const CallScope&) = delete;
};

// Storage owned by the current call (see CallScope). Returns null outside a call.
void* CallScratch(size_t bytes);

// Bytes one call may ask for: the machine's physical memory, or TD_MEMORY_LIMIT (bytes) when
// set (tests use it to reach the refusal paths without allocating).
uint64_t MemoryBudget();

// Throws a RangeError naming `name` and the size when `bytes` exceeds the budget.
void CheckAllocation(Napi::Env env, const std::string& name, double bytes, const std::string& what);

std::string DescribeBytes(double bytes);

// Converts a C++ exception escaping an exported function into a JS error.
[[noreturn]] void RethrowAsJs(Napi::Env env, const char* function);

template <Napi::Value (*F)(const Napi::CallbackInfo&)>
Napi::Value Guarded(const Napi::CallbackInfo& info) {
  CallScope scope;
  try {
    return F(info);
  } catch (const Napi::Error&) {
    throw;
  } catch (...) {
    RethrowAsJs(info.Env(), static_cast<const char*>(info.Data()));
  }
}

// exports[name] = fn, guarded; the name travels as the function's data for error messages.
#define TD_EXPORT(exports, env, name, fn) \
  (exports).Set(name, Napi::Function::New(env, ::td::addon::Guarded<fn>, name, const_cast<char*>(name)))

// Typed-array outputs, with their size checked (budget, then a trial malloc) before V8 allocates.
Napi::Float32Array NewFloat32Out(Napi::Env env, const std::string& name, size_t count);
Napi::Float64Array NewFloat64Out(Napi::Env env, const std::string& name, size_t count);
Napi::Int32Array NewInt32Out(Napi::Env env, const std::string& name, size_t count);

}  // namespace addon
}  // namespace td
