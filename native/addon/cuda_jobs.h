// The CUDA backend behind the same signatures as cpu::train and cpu::sample, so the fit and
// sample jobs run either backend. Failures on the GPU throw std::runtime_error with the
// backend's message.
#pragma once
#include <atomic>

#include "../cpu/sampler.h"
#include "../cpu/trainer.h"
#include "../cuda/cuda_api.h"

namespace td {
namespace addon {

TdMlpDesc DescribeMlp(const cpu::DenoiserModel& model);

cpu::TrainResult CudaTrain(const TdCudaApi& api, cpu::DenoiserModel& model, const cpu::TrainData& data,
                           const cpu::TrainOptions& options, const std::atomic<bool>& abort,
                           const cpu::TrainProgress& progress);

// Mixed-type models also fill out_categorical [n x categorical columns].
bool CudaSample(const TdCudaApi& api, const cpu::DenoiserModel& model, int64_t n, const cpu::SampleOptions& options,
                int precision, float* out, int32_t* out_categorical, const std::atomic<bool>& abort,
                const cpu::SampleProgress& progress);

}  // namespace addon
}  // namespace td
