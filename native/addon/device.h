// The `device` option of a standalone op: 'cpu' (default) or 'cuda' (the op's CUDA twin, for
// parity tests; an Error when no usable GPU backend is loaded). Returns the backend to call.
#pragma once
#include <napi.h>

#include "../backend/registry.h"

namespace td {
namespace addon {

backend::Backend& DeviceOption(const Napi::Object& options);

// The `device` option itself ('cpu' default), for a model choosing its backend once.
backend::Device GetDevice(const Napi::Object& options);

// The `precision` option: 'fp32' (default), 'bf16' or 'fp16' (the CUDA backend's GEMMs).
backend::Precision GetPrecision(const Napi::Object& options);

}  // namespace addon
}  // namespace td
