// Finds and loads the CUDA backend library at run time (never linked), once per process.
// Any failure — no library, wrong ABI, no driver, no GPU — leaves the CPU backend in charge
// and is kept as a one-line reason for backendInfo(). No Node code: the addon reads it.
#pragma once
#include <string>

#include "../cuda/cuda_api.h"

namespace td {
namespace backend {

struct CudaLibrary {
  const TdCudaApi* api = nullptr;  // null when unusable
  std::string library;             // the path that was loaded (or tried last)
  std::string reason;              // why it is unusable, or the device description
  int devices = 0;
};

const CudaLibrary& GetCudaLibrary();

}  // namespace backend
}  // namespace td
