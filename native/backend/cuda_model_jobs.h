// A model's fit and sample on the CUDA library: the host side of the table's train / sample
// entries (numeric or mixed decided here), with the same arguments as cpu::train and
// cpu::sample. Failures on the GPU throw backend::Error with the library's message.
#pragma once
#include <atomic>

#include "../cpu/sampler.h"
#include "../cpu/trainer.h"
#include "../cuda/cuda_api.h"

namespace td {
namespace backend {

TdMlpDesc DescribeMlp(const cpu::DenoiserModel& model);

cpu::TrainResult CudaTrain(const TdCudaApi& api, cpu::DenoiserModel& model, const cpu::TrainData& data,
                           const cpu::TrainOptions& options, const std::atomic<bool>& abort,
                           const cpu::TrainProgress& progress);

// Mixed-type models also fill out_categorical [n x categorical columns].
bool CudaSample(const TdCudaApi& api, const cpu::DenoiserModel& model, int64_t n, const cpu::SampleOptions& options,
                int precision, float* out, int32_t* out_categorical, const std::atomic<bool>& abort,
                const cpu::SampleProgress& progress);

}  // namespace backend
}  // namespace td
