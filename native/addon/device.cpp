#include "device.h"

#include <string>

#include "validate.h"

namespace td {
namespace addon {

backend::Device GetDevice(const Napi::Object& o) {
  const std::string device = GetString(o, "device", "cpu");
  if (device == "cpu") return backend::Device::Cpu;
  if (device != "cuda") ThrowRange(o.Env(), "device", "expected 'cpu' or 'cuda'");
  return backend::Device::Cuda;
}

backend::Backend& DeviceOption(const Napi::Object& o) { return backend::OpBackend(GetDevice(o)); }

backend::Precision GetPrecision(const Napi::Object& o) {
  const std::string precision = GetString(o, "precision", "fp32");
  if (precision == "fp32") return backend::Precision::Fp32;
  if (precision == "bf16") return backend::Precision::Bf16;
  if (precision != "fp16") ThrowRange(o.Env(), "precision", "expected 'fp32', 'bf16' or 'fp16'");
  return backend::Precision::Fp16;
}

}  // namespace addon
}  // namespace td
