// The training and sampling loops of mixed-type models on the GPU (the C ABI's train_mixed
// and sample_mixed).
#pragma once
#include "cuda_api.h"

namespace tdc {

int train_mixed(const TdMlpDesc* desc, const TdMixedArgs* mixed, float* params, float* adam_m, float* adam_v,
                float* ema, int64_t* step, const TdTrainArgs* args, TdShouldStopFn should_stop, TdProgressFn progress,
                void* user, double* last_loss, int64_t* steps_done);

int sample_mixed(const TdMlpDesc* desc, const TdMixedArgs* mixed, const float* params, const TdSampleArgs* args,
                 float* out_numeric, int32_t* out_categorical, TdShouldStopFn should_stop, TdProgressFn progress,
                 void* user);

}  // namespace tdc
