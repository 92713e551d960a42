// Finds and loads the CUDA backend library at run time (never linked), once per process.
// Any failure — no library, wrong ABI, no driver, no GPU — leaves the CPU backend in charge
// and is kept as a one-line reason for backendInfo().
#pragma once
#include <napi.h>

#include <string>

#include "../cuda/cuda_api.h"

namespace td {
namespace addon {

struct CudaBackend {
  const TdCudaApi* api = nullptr;  // null when unusable
  std::string library;             // the path that was loaded (or tried last)
  std::string reason;              // why it is unusable, or the device description
  int devices = 0;
};

const CudaBackend& GetCudaBackend();

// The table, or throws a JS Error naming why CUDA cannot be used.
const TdCudaApi& RequireCuda(napi_env env);

// The `device` option of an op: 'cpu' (default, returns null) or 'cuda' (the table; an Error
// when no usable GPU backend is loaded). CUDA runs the op's twin kernel, for parity tests.
const TdCudaApi* DeviceOption(const Napi::Object& options);

// Turns a failed backend call into a JS Error with the backend's message.
void CheckCudaCall(Napi::Env env, const TdCudaApi* api, int rc);

}  // namespace addon
}  // namespace td
