#include "boundary.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>
#include <system_error>

#include "../backend/backend.h"

namespace td {
namespace addon {

namespace {

struct Arena {
  int depth = 0;
  std::vector<std::unique_ptr<char[]>> blocks;
};

thread_local Arena arena;

template <typename ArrayT, typename T>
ArrayT NewOut(Napi::Env env, const std::string& name, size_t count) {
  const double bytes = static_cast<double>(count) * sizeof(T);
  CheckAllocation(env, name, bytes, "the output");
  // V8 aborts the process when it cannot allocate a buffer; malloc reports failure. A trial
  // allocation (address space only: large blocks are mapped lazily) predicts V8's outcome, and
  // the output stays an ordinary, transferable ArrayBuffer.
  void* trial = std::malloc(count > 0 ? count * sizeof(T) : 1);
  if (trial == nullptr) {
    throw Napi::RangeError::New(env, name + ": cannot allocate the output (" + DescribeBytes(bytes) + ")");
  }
  std::free(trial);
  return ArrayT::New(env, count);
}

}  // namespace

CallScope::CallScope() { ++arena.depth; }

CallScope::~CallScope() {
  if (--arena.depth == 0) arena.blocks.clear();
}

void* CallScratch(size_t bytes) {
  if (arena.depth == 0) return nullptr;
  arena.blocks.emplace_back(new char[bytes > 0 ? bytes : 1]);
  return arena.blocks.back().get();
}

uint64_t MemoryBudget() {
  static const uint64_t budget = [] {
    if (const char* v = std::getenv("TD_MEMORY_LIMIT")) {
      const double x = std::strtod(v, nullptr);
      if (x > 0) return static_cast<uint64_t>(x);
    }
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
    return pages > 0 && page > 0 ? static_cast<uint64_t>(pages) * static_cast<uint64_t>(page) : UINT64_MAX;
  }();
  return budget;
}

std::string DescribeBytes(double bytes) {
  char buf[64];
  if (bytes >= 1073741824.0) std::snprintf(buf, sizeof buf, "%.1f GiB", bytes / 1073741824.0);
  else if (bytes >= 1048576.0) std::snprintf(buf, sizeof buf, "%.1f MiB", bytes / 1048576.0);
  else std::snprintf(buf, sizeof buf, "%.0f bytes", bytes);
  return buf;
}

void CheckAllocation(Napi::Env env, const std::string& name, double bytes, const std::string& what) {
  const double budget = static_cast<double>(MemoryBudget());
  if (bytes > budget) {
    throw Napi::RangeError::New(env, name + ": " + what + " would need " + DescribeBytes(bytes) + ", more than the " +
                                         DescribeBytes(budget) + " of memory available; use fewer rows per call");
  }
}

void RethrowAsJs(Napi::Env env, const char* function) {
  try {
    throw;
  } catch (const backend::OptionError& e) {
    throw Napi::RangeError::New(env, e.what());  // names its option, as the addon's own checks do
  } catch (const backend::Error& e) {
    throw Napi::Error::New(env, e.what());
  } catch (const std::bad_alloc&) {
    throw Napi::RangeError::New(env, std::string(function) + ": out of memory (a native allocation failed); use fewer rows per call");
  } catch (const std::length_error& e) {
    throw Napi::RangeError::New(env, std::string(function) + ": requested size too large (" + e.what() + ")");
  } catch (const std::system_error& e) {
    throw Napi::Error::New(env, std::string(function) + ": " + e.what());
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, std::string(function) + ": " + e.what());
  } catch (...) {
    throw Napi::Error::New(env, std::string(function) + ": unknown native error");
  }
}

Napi::Float32Array NewFloat32Out(Napi::Env env, const std::string& name, size_t count) {
  return NewOut<Napi::Float32Array, float>(env, name, count);
}
Napi::Float64Array NewFloat64Out(Napi::Env env, const std::string& name, size_t count) {
  return NewOut<Napi::Float64Array, double>(env, name, count);
}
Napi::Int32Array NewInt32Out(Napi::Env env, const std::string& name, size_t count) {
  return NewOut<Napi::Int32Array, int32_t>(env, name, count);
}

}  // namespace addon
}  // namespace td
