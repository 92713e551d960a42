#include "live_models.h"

#include <mutex>
#include <set>

namespace td {
namespace addon {

namespace {

std::mutex& RegistryMutex() {
  static std::mutex* m = new std::mutex();  // never destroyed: usable from exit handlers
  return *m;
}

std::set<std::atomic<bool>*>& Registry() {
  static auto* flags = new std::set<std::atomic<bool>*>();
  return *flags;
}

}  // namespace

void RegisterAbortFlag(std::atomic<bool>* flag) {
  std::lock_guard<std::mutex> lock(RegistryMutex());
  Registry().insert(flag);
}

void UnregisterAbortFlag(std::atomic<bool>* flag) {
  std::lock_guard<std::mutex> lock(RegistryMutex());
  Registry().erase(flag);
}

void AbortAllJobs() {
  std::lock_guard<std::mutex> lock(RegistryMutex());
  for (std::atomic<bool>* flag : Registry()) flag->store(true);
}

void InstallExitHooks(Napi::Env env, Napi::Object exports) {
  // Worker-thread termination runs environment cleanup hooks.
  napi_add_env_cleanup_hook(env, [](void*) { AbortAllJobs(); }, nullptr);
  // process.exit() joins libuv's thread pool before any cleanup hook runs, so the JS loader
  // calls this from process.on('exit').
  exports.Set("abortAllJobs", Napi::Function::New(env, [](const Napi::CallbackInfo& info) {
    AbortAllJobs();
    return info.Env().Undefined();
  }, "abortAllJobs"));
}

}  // namespace addon
}  // namespace td
