// Runs a job over n rows in chunks spread over a thread pool: the shared scheduling of the
// sampling loops. Chunks are independent, so the result does not depend on which worker ran
// which chunk; progress reports the rows done so far.
#pragma once
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>

#include "thread_pool.h"

namespace td {
namespace cpu {

// run(first_row, rows, worker) returns false to stop (aborted). Returns false when stopped.
inline bool for_each_chunk(int64_t n, int chunk, ThreadPool* pool, const std::atomic<bool>& abort,
                           const std::function<void(int64_t rows_done)>& progress,
                           const std::function<bool(int64_t first, int rows, int worker)>& run) {
  const int64_t chunks = (n + chunk - 1) / chunk;
  std::atomic<bool> stopped{false};
  std::mutex progress_mutex;
  int64_t rows_done = 0;
  // Chunks are processed in waves of at most 2^30 tasks (parallel_for takes an int).
  for (int64_t wave = 0; wave < chunks; wave += (1 << 30)) {
    const int tasks = static_cast<int>(std::min<int64_t>(chunks - wave, 1 << 30));
    auto work = [&](int task, int worker) {
      if (stopped.load()) return;
      const int64_t first = (wave + task) * chunk;
      const int rows = static_cast<int>(std::min<int64_t>(chunk, n - first));
      if (!run(first, rows, worker)) {
        stopped.store(true);
        return;
      }
      if (progress) {
        std::lock_guard<std::mutex> lock(progress_mutex);
        rows_done += rows;
        progress(rows_done);
      }
    };
    if (pool) pool->parallel_for(tasks, work);
    else for (int t = 0; t < tasks; ++t) work(t, 0);
  }
  return !stopped.load() && !abort.load();
}

}  // namespace cpu
}  // namespace td
