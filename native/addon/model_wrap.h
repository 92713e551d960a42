// NativeModel: the JS handle of one denoiser. Owns the model, a handle on the shared worker
// threads and the backend chosen when it was created; runs fit/sample on a job thread
// (Promises), and refuses concurrent or post-release use.
#pragma once
#include <napi.h>

#include <atomic>
#include <memory>

#include "../cpu/model.h"
#include "../cpu/thread_pool.h"
#include "../backend/backend.h"
#include "boundary.h"
#include "jobs.h"

namespace td {
namespace addon {

class ModelWrap : public Napi::ObjectWrap<ModelWrap> {
 public:
  static void Register(Napi::Env env, Napi::Object exports);
  explicit ModelWrap(const Napi::CallbackInfo& info);
  ~ModelWrap() override;

  cpu::DenoiserModel& model() { return *model_; }
  ThreadPool* pool() { return pool_.get(); }
  std::atomic<bool>& abort_flag() { return abort_; }
  void FinishJob() { busy_.store(false); }
  // The backend that runs this model's work (chosen once, in the constructor).
  backend::Backend& backend() { return *backend_; }
  // Throws unless the model is alive and no fit or sample runs on it (synchronous ops).
  void CheckIdle(Napi::Env env) { CheckUsable(env, false); }

 private:
  Napi::Value Fit(const Napi::CallbackInfo& info);
  Napi::Value Sample(const Napi::CallbackInfo& info);
  Napi::Value PredictEps(const Napi::CallbackInfo& info);
  Napi::Value Forward(const Napi::CallbackInfo& info);
  Napi::Value Backward(const Napi::CallbackInfo& info);
  Napi::Value GetWeights(const Napi::CallbackInfo& info);
  Napi::Value SetWeights(const Napi::CallbackInfo& info);
  Napi::Value Layout(const Napi::CallbackInfo& info);
  Napi::Value Info(const Napi::CallbackInfo& info);
  Napi::Value Abort(const Napi::CallbackInfo& info);
  Napi::Value Release(const Napi::CallbackInfo& info);
  Napi::Value Evaluate(const Napi::CallbackInfo& info);
  Napi::Value EvaluateAsync(const Napi::CallbackInfo& info);

  void Init(const Napi::CallbackInfo& info);
  // Runs a method with C++ exceptions turned into JS errors (see boundary.h).
  template <Napi::Value (ModelWrap::*M)(const Napi::CallbackInfo&)>
  Napi::Value Guard(const Napi::CallbackInfo& info) {
    CallScope scope;
    try {
      return (this->*M)(info);
    } catch (const Napi::Error&) {
      throw;
    } catch (...) {
      RethrowAsJs(info.Env(), "NativeModel");
    }
  }

  // Throws unless the model is alive and idle; marks it busy when `claim` is set.
  void CheckUsable(Napi::Env env, bool claim);

  std::unique_ptr<cpu::DenoiserModel> model_;
  std::shared_ptr<const TrainDataStore> train_data_;  // the last fit's data, for reuseData
  std::unique_ptr<ThreadPool> pool_;
  std::atomic<bool> busy_{false};
  std::atomic<bool> abort_{false};
  int threads_ = 1;
  std::unique_ptr<backend::Backend> backend_;
};

}  // namespace addon
}  // namespace td
