#include "live_models.h"

#include <map>
#include <mutex>
#include <set>
#include <vector>

namespace td {
namespace addon {

namespace {

struct EnvJobs {
  std::set<std::atomic<bool>*> flags;
  std::set<RunningJob*> jobs;
};

std::mutex& RegistryMutex() {
  static std::mutex* m = new std::mutex();  // never destroyed: usable from exit handlers
  return *m;
}

std::map<napi_env, EnvJobs>& Registry() {
  static auto* envs = new std::map<napi_env, EnvJobs>();
  return *envs;
}

// Sets the abort flag of every model of `env` and returns its running jobs.
std::vector<RunningJob*> AbortEnv(napi_env env) {
  std::lock_guard<std::mutex> lock(RegistryMutex());
  auto it = Registry().find(env);
  if (it == Registry().end()) return {};
  for (std::atomic<bool>* flag : it->second.flags) flag->store(true);
  return std::vector<RunningJob*>(it->second.jobs.begin(), it->second.jobs.end());
}

void CleanupEnv(void* arg) {
  napi_env env = static_cast<napi_env>(arg);
  // Jobs run on their own threads and use models this environment is about to free: stop
  // them (within one step or layer) and wait, without calling into JS.
  for (RunningJob* job : AbortEnv(env)) job->Join();
  std::vector<RunningJob*> jobs;
  {
    std::lock_guard<std::mutex> lock(RegistryMutex());
    auto it = Registry().find(env);
    if (it != Registry().end()) {
      jobs.assign(it->second.jobs.begin(), it->second.jobs.end());
      Registry().erase(it);
    }
  }
  for (RunningJob* job : jobs) job->Discard();
}

}  // namespace

void RegisterJobOwner(Napi::Env env, std::atomic<bool>* flag) {
  std::lock_guard<std::mutex> lock(RegistryMutex());
  Registry()[env].flags.insert(flag);
}

void UnregisterJobOwner(std::atomic<bool>* flag) {
  std::lock_guard<std::mutex> lock(RegistryMutex());
  for (auto& entry : Registry()) entry.second.flags.erase(flag);
}

void AddRunningJob(napi_env env, RunningJob* job) {
  std::lock_guard<std::mutex> lock(RegistryMutex());
  Registry()[env].jobs.insert(job);
}

bool RemoveRunningJob(napi_env env, RunningJob* job) {
  std::lock_guard<std::mutex> lock(RegistryMutex());
  auto it = Registry().find(env);
  return it != Registry().end() && it->second.jobs.erase(job) > 0;
}

void InstallExitHooks(Napi::Env env, Napi::Object exports) {
  {
    std::lock_guard<std::mutex> lock(RegistryMutex());
    Registry()[env];
  }
  // Runs when this environment is freed (worker exit or termination, main-thread teardown).
  napi_add_env_cleanup_hook(env, CleanupEnv, static_cast<napi_env>(env));
  exports.Set("abortAllJobs", Napi::Function::New(env, [](const Napi::CallbackInfo& info) {
    for (RunningJob* job : AbortEnv(info.Env())) job->Join();
    return info.Env().Undefined();
  }, "abortAllJobs"));
}

}  // namespace addon
}  // namespace td
