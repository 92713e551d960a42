// The whole sampling loop on the GPU (the C ABI's sample); the twin of cpu/sampler.h.
#pragma once
#include "cuda_api.h"

namespace tdc {

int sample(const TdMlpDesc* desc, const float* params, const TdSampleArgs* args, float* out, TdShouldStopFn should_stop,
           TdProgressFn progress, void* user);

}  // namespace tdc
