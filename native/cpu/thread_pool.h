// A small fixed-size thread pool with a blocking parallel_for.
// Work is split into tasks by the caller from logical sizes (rows, tiles), never from the
// thread count, so results are identical whatever the number of threads.
#pragma once
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>
#include <atomic>

namespace td {

class ThreadPool {
 public:
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }

  // Runs fn(task, worker) for task in [0, tasks); worker in [0, size()) identifies the
  // thread so callers can hand each one its own scratch memory. Blocks until all are done.
  void parallel_for(int tasks, const std::function<void(int task, int worker)>& fn);

  static int default_threads();

 private:
  void worker_loop(int worker);
  void run_tasks(int worker);

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  const std::function<void(int, int)>* job_ = nullptr;
  int job_tasks_ = 0;
  std::atomic<int> next_task_{0};
  std::atomic<int> finished_{0};
  std::atomic<unsigned> generation_{0};
  std::atomic<bool> stopping_{false};
};

}  // namespace td
