// Which backend runs: chosen once when a model is created, or per call for a standalone op
// (its `device` option). The CUDA backend exists only when the library loaded and a GPU
// answered (cuda_library.h); asking for it otherwise throws backend::Error naming why.
#pragma once
#include <memory>
#include <string>

#include "backend.h"
#include "cpu_backend.h"

namespace td {
namespace backend {

enum class Device { Cpu, Cuda };

// Throws what CreateBackend would (CUDA unusable), before a model
// allocates anything.
void CheckAvailable(Device device, Precision precision);

// A model's backend; pool: the model's worker threads (the CUDA backend's host work runs there).
std::unique_ptr<Backend> CreateBackend(Device device, Precision precision, ThreadPool* pool);

// What backendInfo() reports: the CPU's GEMM kernel and threads, and whether CUDA loaded.
struct Description {
  const char* gemm_kernel;
  int default_threads;
  int live_threads;  // OS threads the shared pool holds now
  bool cuda_available;
  int cuda_devices;
  std::string cuda_reason;   // the device's name when available, else why not
  std::string cuda_library;  // the path loaded or tried last ("" when none)
};
Description Describe();

// The backend of a standalone op on the calling thread.
Backend& OpBackend(Device device);

}  // namespace backend
}  // namespace td
