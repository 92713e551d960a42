// The whole training loop on the GPU (the C ABI's train); the twin of cpu/trainer.h.
#pragma once
#include "cuda_api.h"

namespace tdc {

int train(const TdMlpDesc* desc, float* params, float* adam_m, float* adam_v, float* ema, int64_t* step,
          const TdTrainArgs* args, TdShouldStopFn should_stop, TdProgressFn progress, void* user, double* last_loss,
          int64_t* steps_done);

}  // namespace tdc
