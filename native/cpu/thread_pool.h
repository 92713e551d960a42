// A handle on the process-wide worker threads, with a blocking parallel_for.
// Every ThreadPool shares one set of OS threads, grown on demand to the largest live handle and
// shrunk when idle, so creating handles for many thread counts never piles up threads, and
// several callers (models, worker_threads calling sgemm) may run parallel_for at once.
// Work is split into tasks by the caller from logical sizes (rows, tiles), never from the
// thread count, so results are identical whatever the number of threads (or helpers obtained).
#pragma once
#include <atomic>
#include <functional>

namespace td {

class ThreadPool {
 public:
  // Starts the shared threads this handle may use; throws std::system_error (with the OS
  // reason) when the OS refuses to create them.
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return threads_; }

  // Runs fn(task, worker) for task in [0, tasks); worker in [0, size()) identifies the
  // participant so callers can hand each one its own scratch memory. Blocks until all are done.
  // Safe to call from several threads at once, on one handle or on several.
  void parallel_for(int tasks, const std::function<void(int task, int worker)>& fn);

  // Tasks not yet started are skipped once *flag is set (the caller then discards the result):
  // lets a long GEMM stop within one task of an abort.
  void set_abort(const std::atomic<bool>* flag) { abort_ = flag; }
  const std::atomic<bool>* abort_flag() const { return abort_; }

  static int default_threads();
  // OS threads the shared set holds now (for tests and diagnostics).
  static int live_threads();

 private:
  int threads_;
  const std::atomic<bool>* abort_ = nullptr;
};

}  // namespace td
