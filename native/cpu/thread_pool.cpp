#include "thread_pool.h"

namespace td {

ThreadPool::ThreadPool(int threads) {
  if (threads < 1) threads = 1;
  for (int w = 1; w < threads; ++w) workers_.emplace_back([this, w] { worker_loop(w); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
}

int ThreadPool::default_threads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

void ThreadPool::run_tasks(int worker) {
  for (;;) {
    const int task = next_task_.fetch_add(1);
    if (task >= job_tasks_) break;
    (*job_)(task, worker);
  }
}

void ThreadPool::worker_loop(int worker) {
  unsigned seen = 0;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || generation_ != seen; });
      if (stopping_) return;
      seen = generation_;
    }
    run_tasks(worker);
    {
      // Every worker reports every job, so none can still be claiming tasks of this job
      // when the next one resets the task counter.
      std::lock_guard<std::mutex> lock(mutex_);
      if (++finished_ == static_cast<int>(workers_.size())) done_.notify_all();
    }
  }
}

void ThreadPool::parallel_for(int tasks, const std::function<void(int, int)>& fn) {
  if (tasks <= 0) return;
  if (workers_.empty() || tasks == 1) {
    for (int t = 0; t < tasks; ++t) fn(t, 0);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    job_ = &fn;
    job_tasks_ = tasks;
    next_task_.store(0);
    finished_ = 0;
    ++generation_;
  }
  wake_.notify_all();
  run_tasks(0);
  std::unique_lock<std::mutex> lock(mutex_);
  done_.wait(lock, [&] { return finished_ == static_cast<int>(workers_.size()); });
  job_ = nullptr;
}

}  // namespace td
