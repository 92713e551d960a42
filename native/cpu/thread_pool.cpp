#include "thread_pool.h"

namespace td {

ThreadPool::ThreadPool(int threads) {
  if (threads < 1) threads = 1;
  for (int w = 1; w < threads; ++w) workers_.emplace_back([this, w] { worker_loop(w); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_.store(true);
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

namespace {
// A training step issues several GEMMs back to back; waking a sleeping thread costs ~6 us per
// call, so threads spin this many polls (a few microseconds) before they sleep.
constexpr int kSpinPolls = 4000;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}
}  // namespace

void ThreadPool::worker_loop(int worker) {
  unsigned seen = 0;
  for (;;) {
    bool started = false;
    for (int i = 0; i < kSpinPolls; ++i) {
      if (stopping_.load(std::memory_order_acquire)) return;
      if (generation_.load(std::memory_order_acquire) != seen) {
        started = true;
        break;
      }
      cpu_relax();
    }
    if (!started) {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stopping_.load() || generation_.load() != seen; });
      if (stopping_.load()) return;
    }
    seen = generation_.load(std::memory_order_acquire);
    run_tasks(worker);
    // Every worker reports every job, so none can still be claiming tasks of this job when
    // the next one resets the task counter.
    if (finished_.fetch_add(1, std::memory_order_acq_rel) + 1 == static_cast<int>(workers_.size())) {
      std::lock_guard<std::mutex> lock(mutex_);
      done_.notify_all();
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
    finished_.store(0);
    generation_.fetch_add(1, std::memory_order_acq_rel);  // publishes the job to spinning workers
  }
  wake_.notify_all();
  run_tasks(0);
  const int workers = static_cast<int>(workers_.size());
  for (int i = 0; i < kSpinPolls && finished_.load(std::memory_order_acquire) != workers; ++i) cpu_relax();
  if (finished_.load(std::memory_order_acquire) != workers) {
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [&] { return finished_.load() == workers; });
  }
  job_ = nullptr;
}

}  // namespace td
