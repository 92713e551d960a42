// The sampling loop of mixed-type models on the GPU (the C ABI's sample_mixed).
#pragma once
#include "cuda_api.h"

namespace tdc {

int sample_mixed(const TdMlpDesc* desc, const TdMixedArgs* mixed, const float* params, const TdSampleArgs* args,
                 float* out_numeric, int32_t* out_categorical, TdShouldStopFn should_stop, TdProgressFn progress,
                 void* user);

}  // namespace tdc
