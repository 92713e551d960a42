// The whole training and sampling loops on the GPU (the C ABI's train and sample).
#pragma once
#include "cuda_api.h"

namespace tdc {

int train(const TdMlpDesc* desc, float* params, float* adam_m, float* adam_v, float* ema, int64_t* step,
          const TdTrainArgs* args, TdShouldStopFn should_stop, TdProgressFn progress, void* user, double* last_loss,
          int64_t* steps_done);

int sample(const TdMlpDesc* desc, const float* params, const TdSampleArgs* args, float* out, TdShouldStopFn should_stop,
           TdProgressFn progress, void* user);

}  // namespace tdc
