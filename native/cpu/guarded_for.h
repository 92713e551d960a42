// parallel_for for tasks that may throw (std::bad_alloc): an exception must not escape a pool
// worker (std::terminate) nor leave parallel_for while other workers still run the job. The
// first exception is kept, the remaining tasks are skipped, and it is rethrown on the caller's
// thread once every task has stopped.
#pragma once
#include <atomic>
#include <exception>
#include <functional>
#include <mutex>

#include "thread_pool.h"

namespace td {
namespace cpu {

inline void guarded_for(ThreadPool* pool, int tasks, const std::function<void(int task, int worker)>& fn) {
  std::exception_ptr error;
  std::mutex mutex;
  std::atomic<bool> failed{false};
  auto guarded = [&](int task, int worker) {
    if (failed.load(std::memory_order_relaxed)) return;
    try {
      fn(task, worker);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex);
      if (!error) error = std::current_exception();
      failed.store(true);
    }
  };
  if (pool) pool->parallel_for(tasks, guarded);
  else for (int t = 0; t < tasks; ++t) guarded(t, 0);
  if (error) std::rethrow_exception(error);
}

}  // namespace cpu
}  // namespace td
