// The training loop of mixed-type models on the GPU (the C ABI's train_mixed).
#pragma once
#include "cuda_api.h"

namespace tdc {

int train_mixed(const TdMlpDesc* desc, const TdMixedArgs* mixed, float* params, float* adam_m, float* adam_v,
                float* ema, int64_t* step, const TdTrainArgs* args, TdShouldStopFn should_stop, TdProgressFn progress,
                void* user, double* last_loss, int64_t* steps_done);

}  // namespace tdc
