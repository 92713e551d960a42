// The CUDA backend: the run-time-loaded library's C table (cuda/cuda_api.h) behind the
// backend interface. Work without a CUDA twin (predict_eps, evaluate) runs on the model's
// host CPU backend, as it did before the backend layer existed.
#pragma once
#include "../cuda/cuda_api.h"
#include "cpu_backend.h"

namespace td {
namespace backend {

class CudaBackend : public Backend {
 public:
  // api: a usable table (cuda_library.h); host: the model's CPU backend for host-only work.
  CudaBackend(const TdCudaApi& api, Precision precision, ThreadPool* host_pool)
      : api_(api), precision_(precision), host_(host_pool) {}
  const char* name() const override { return "cuda"; }

  TD_BACKEND_METHODS(, override)

 private:
  // Throws backend::Error with the library's message when a call failed.
  void check(int rc) const;

  const TdCudaApi& api_;
  Precision precision_;
  CpuBackend host_;
};

}  // namespace backend
}  // namespace td
