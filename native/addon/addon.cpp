// Entry point of the CPU addon: the NativeModel class and the standalone ops.
#include <napi.h>

#include "live_models.h"
#include "model_wrap.h"
#include "ops.h"
#include "ops_density.h"
#include "ops_eval.h"
#include "ops_inpaint.h"
#include "ops_multinomial.h"
#include "ops_sedd.h"

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  td::addon::InstallExitHooks(env, exports);
  td::addon::RegisterNormalsOps(env, exports);
  td::addon::RegisterDiffusionOps(env, exports);
  td::addon::RegisterOptimizerOps(env, exports);
  td::addon::RegisterGemmOps(env, exports);
  td::addon::RegisterOps(env, exports);
  td::addon::RegisterSeddOps(env, exports);
  td::addon::RegisterMultinomialOps(env, exports);
  td::addon::RegisterDensityOps(env, exports);
  td::addon::RegisterEvalOps(env, exports);
  td::addon::RegisterInpaintOps(env, exports);
  td::addon::ModelWrap::Register(env, exports);
  exports.Set("abiVersion", Napi::Number::New(env, 6));  // bump with any change of the JS-facing surface
  return exports;
}

NODE_API_MODULE(tabular_diffusion, Init)
