// Every model with a job that can run on a worker thread registers its abort flag here, so
// that when Node exits (process.exit, worker termination) running fits and samples stop within
// a step instead of holding the process until they finish.
#pragma once
#include <napi.h>

#include <atomic>

namespace td {
namespace addon {

void RegisterAbortFlag(std::atomic<bool>* flag);
void UnregisterAbortFlag(std::atomic<bool>* flag);

// Sets every registered flag.
void AbortAllJobs();

// The environment cleanup hook and the abortAllJobs() export the JS loader calls on exit.
void InstallExitHooks(Napi::Env env, Napi::Object exports);

}  // namespace addon
}  // namespace td
