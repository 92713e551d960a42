// The asynchronous fit and sample jobs: run on libuv's worker threads, report progress
// through a thread-safe queue to an optional JS callback, and settle a Promise.
#pragma once
#include <napi.h>

#include <memory>
#include <vector>

#include "../cpu/sampler.h"
#include "../cpu/trainer.h"

namespace td {
namespace addon {

class ModelWrap;

// Training data copied out of JS memory, so a detached or reused ArrayBuffer cannot change
// it while a worker runs. The model keeps it, so a fit run step by step copies it once.
struct TrainDataStore {
  std::vector<float> x, context, sqrt_alpha_bars, sqrt_one_minus_alpha_bars;
  std::vector<int32_t> categorical;  // mixed-type models: class indices [rows x columns]
  std::vector<double> alpha_bars;    // mixed-type models (multinomial needs them)
  std::vector<uint8_t> observed;     // optional [rows x numeric dim] mask (1 observed, 0 gap)
  cpu::TrainData data;
};

struct FitInputs {
  std::shared_ptr<const TrainDataStore> store;
  cpu::TrainOptions options;
};

struct SampleInputs {
  std::vector<double> betas, alpha_bars;
  std::vector<float> context;
  std::vector<int32_t> fixed;  // mixed-type models: conditioning classes (-1 = free)
  std::vector<float> known;        // inpainting: observed numeric cells (ops_inpaint.h)
  std::vector<uint8_t> known_mask;
  cpu::SampleOptions options;
  int64_t n = 0;
  int64_t progress_interval = 0;  // report every k rows (0 = never)
};

Napi::Promise StartFit(Napi::Env env, ModelWrap* owner, Napi::Object self, std::unique_ptr<FitInputs> inputs,
                       Napi::Value on_progress);
Napi::Promise StartSample(Napi::Env env, ModelWrap* owner, Napi::Object self, std::unique_ptr<SampleInputs> inputs,
                          Napi::Value on_progress);

// Per-(row, draw) loss terms of a mixed-type model (cpu::evaluate_mixed) and the prior term
// of its categorical likelihood bound, off the main thread.
struct EvalInputs {
  std::shared_ptr<const TrainDataStore> store;
  std::vector<int32_t> k;  // [rows x draws] Gaussian timesteps
  int draws = 1;
  uint64_t seed = 0;
  bool use_ema = true;
};

Napi::Promise StartEvaluate(Napi::Env env, ModelWrap* owner, Napi::Object self, std::unique_ptr<EvalInputs> inputs);
// The same work on the calling thread (small held-out sets, e.g. early stopping).
Napi::Object RunEvaluate(Napi::Env env, ModelWrap* owner, const EvalInputs& inputs);

// An Error with name 'AbortError' and code 'ABORT_ERR', as Node's own APIs reject with.
Napi::Error MakeAbortError(Napi::Env env);

}  // namespace addon
}  // namespace td
