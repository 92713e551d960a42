// Jobs belong to the N-API environment (main thread or worker_thread) that started them.
// Each environment's cleanup hook aborts and joins that environment's running jobs only,
// before its models are freed; other environments' jobs are untouched.
#pragma once
#include <napi.h>

#include <atomic>

namespace td {
namespace addon {

// A job running on its own thread; the registry can stop it during environment teardown.
class RunningJob {
 public:
  virtual ~RunningJob() = default;
  // Blocks until the job's thread has returned (call after setting its abort flag).
  virtual void Join() = 0;
  // Frees the job without touching JS (the environment is being torn down).
  virtual void Discard() = 0;
};

// A model's abort flag, tied to the environment that created the model.
void RegisterJobOwner(Napi::Env env, std::atomic<bool>* flag);
void UnregisterJobOwner(std::atomic<bool>* flag);

void AddRunningJob(napi_env env, RunningJob* job);
// False when the job is no longer registered (its environment already discarded it).
bool RemoveRunningJob(napi_env env, RunningJob* job);

// The environment cleanup hook, and the abortAllJobs() export the JS loader calls from
// process.on('exit') (process.exit() frees no environment, so jobs are stopped and joined there).
void InstallExitHooks(Napi::Env env, Napi::Object exports);

}  // namespace addon
}  // namespace td
