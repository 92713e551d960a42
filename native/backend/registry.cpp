#include "registry.h"

#include "../cpu/gemm.h"
#include "cuda_backend.h"
#include "cuda_library.h"

namespace td {
namespace backend {

namespace {

const TdCudaApi& RequireCuda() {
  const CudaLibrary& lib = GetCudaLibrary();
  if (!lib.api) throw Error("device: CUDA is not available: " + lib.reason);
  return *lib.api;
}

}  // namespace

void CheckAvailable(Device device, Precision) {
  // A precision other than fp32 on the CPU backend is refused in TypeScript (TabularDiffusion);
  // the CPU backend computes in fp32 whatever it is given.
  if (device == Device::Cuda) RequireCuda();
}

std::unique_ptr<Backend> CreateBackend(Device device, Precision precision, ThreadPool* pool) {
  CheckAvailable(device, precision);
  if (device == Device::Cpu) return std::unique_ptr<Backend>(new CpuBackend(pool));
  return std::unique_ptr<Backend>(new CudaBackend(RequireCuda(), precision, pool));
}

Description Describe() {
  const CudaLibrary& cuda = GetCudaLibrary();
  return {cpu::gemm_kernel_name(), ThreadPool::default_threads(), ThreadPool::live_threads(), cuda.api != nullptr,
          cuda.devices, cuda.reason, cuda.library};
}

Backend& OpBackend(Device device) {
  if (device == Device::Cpu) return Host();
  static CudaBackend ops(RequireCuda(), Precision::Fp32, nullptr);  // built on the first CUDA op
  return ops;
}

}  // namespace backend
}  // namespace td
