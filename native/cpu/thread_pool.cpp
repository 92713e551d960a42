#include "thread_pool.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <map>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

namespace td {

namespace {

// A training step issues several GEMMs back to back; waking a sleeping thread costs ~6 us per
// call, so threads spin this many polls (a few microseconds) before they sleep.
constexpr int kSpinPolls = 4000;
// A helper idle this long exits when the live handles need fewer threads than exist.
constexpr auto kIdleExit = std::chrono::seconds(2);

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// One parallel_for call: lives on its caller's stack until every helper that joined has left.
struct Job {
  const std::function<void(int, int)>* fn = nullptr;
  int tasks = 0;
  int slots = 1;  // participants allowed (the handle's size); the caller is slot 0
  const std::atomic<bool>* abort = nullptr;
  std::atomic<int> next_task{0};
  std::atomic<int> active{0};  // helpers inside; changed under the set's mutex
  int next_slot = 1;           // guarded by the set's mutex
  std::exception_ptr error;    // first exception a task threw; guarded by error_mutex
  std::mutex error_mutex;
};

void RunTasks(Job& job, int slot) {
  for (;;) {
    if (job.abort && job.abort->load(std::memory_order_relaxed)) return;
    const int task = job.next_task.fetch_add(1);
    if (task >= job.tasks) return;
    try {
      (*job.fn)(task, slot);
    } catch (...) {
      // Stop handing out tasks; the caller rethrows on its own thread.
      job.next_task.store(job.tasks);
      std::lock_guard<std::mutex> lock(job.error_mutex);
      if (!job.error) job.error = std::current_exception();
      return;
    }
  }
}

// The process-wide helper threads. Never destroyed: helpers may still be parked at exit.
class WorkerSet {
 public:
  static WorkerSet& Get() {
    static WorkerSet* set = new WorkerSet();
    return *set;
  }

  void AddHandle(int threads) {
    std::lock_guard<std::mutex> lock(mutex_);
    ++handles_[threads];
    try {
      GrowLocked(threads - 1);
    } catch (...) {
      if (--handles_[threads] == 0) handles_.erase(threads);
      throw;
    }
  }

  void RemoveHandle(int threads) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (--handles_[threads] == 0) handles_.erase(threads);
  }

  int Live() {
    std::lock_guard<std::mutex> lock(mutex_);
    return threads_;
  }

  void Run(Job& job) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      // A handle's threads exist since its construction; an idle exit may have raced, so top
      // up, running with fewer helpers if the OS refuses (results do not depend on it).
      try {
        GrowLocked(job.slots - 1);
      } catch (const std::system_error&) {
      }
      jobs_.push_back(&job);
      generation_.fetch_add(1, std::memory_order_acq_rel);
    }
    wake_.notify_all();
    RunTasks(job, 0);
    {
      std::unique_lock<std::mutex> lock(mutex_);
      jobs_.erase(std::find(jobs_.begin(), jobs_.end(), &job));  // no helper joins from now on
    }
    for (int i = 0; i < kSpinPolls && job.active.load(std::memory_order_acquire) != 0; ++i) cpu_relax();
    if (job.active.load(std::memory_order_acquire) != 0) {
      std::unique_lock<std::mutex> lock(mutex_);
      done_.wait(lock, [&] { return job.active.load() == 0; });
    }
    if (job.error) std::rethrow_exception(job.error);
  }

 private:
  int WantedLocked() const { return handles_.empty() ? 0 : handles_.rbegin()->first - 1; }

  void GrowLocked(int helpers) {
    static const long limit = [] {
      // Test hook: pretend the OS refuses threads beyond this many (the failure path cannot be
      // provoked for root, whom RLIMIT_NPROC does not bind).
      const char* v = std::getenv("TD_THREAD_LIMIT");
      return v ? std::strtol(v, nullptr, 10) : -1L;
    }();
    while (threads_ < helpers) {
      if (limit >= 0 && threads_ >= limit) {
        throw std::system_error(EAGAIN, std::generic_category(), "TD_THREAD_LIMIT reached");
      }
      std::thread(&WorkerSet::Loop, this).detach();  // throws std::system_error when refused
      ++threads_;
    }
  }

  Job* PickLocked() {
    for (Job* job : jobs_) {
      if (job->next_slot < job->slots && job->next_task.load(std::memory_order_relaxed) < job->tasks) return job;
    }
    return nullptr;
  }

  void Loop() {
    unsigned seen = generation_.load(std::memory_order_acquire);
    std::unique_lock<std::mutex> lock(mutex_, std::defer_lock);
    for (;;) {
      bool started = false;
      for (int i = 0; i < kSpinPolls; ++i) {
        if (generation_.load(std::memory_order_acquire) != seen) {
          started = true;
          break;
        }
        cpu_relax();
      }
      lock.lock();
      if (!started && !wake_.wait_for(lock, kIdleExit, [&] { return generation_.load() != seen; })) {
        if (threads_ > WantedLocked()) {
          --threads_;
          return;
        }
        lock.unlock();
        continue;
      }
      seen = generation_.load(std::memory_order_acquire);
      while (Job* job = PickLocked()) {
        const int slot = job->next_slot++;
        job->active.fetch_add(1);
        lock.unlock();
        RunTasks(*job, slot);
        lock.lock();
        if (job->active.fetch_sub(1, std::memory_order_acq_rel) == 1) done_.notify_all();
      }
      lock.unlock();
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_, done_;
  std::vector<Job*> jobs_;
  std::map<int, int> handles_;  // live handles per thread count
  int threads_ = 0;             // helper threads alive
  std::atomic<unsigned> generation_{0};
};

}  // namespace

ThreadPool::ThreadPool(int threads) : threads_(threads < 1 ? 1 : threads) {
  WorkerSet::Get().AddHandle(threads_);
}

ThreadPool::~ThreadPool() { WorkerSet::Get().RemoveHandle(threads_); }

int ThreadPool::default_threads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

int ThreadPool::live_threads() { return WorkerSet::Get().Live(); }

void ThreadPool::parallel_for(int tasks, const std::function<void(int, int)>& fn) {
  if (tasks <= 0) return;
  if (threads_ == 1 || tasks == 1) {
    for (int t = 0; t < tasks; ++t) {
      if (abort_ && abort_->load(std::memory_order_relaxed)) return;
      fn(t, 0);
    }
    return;
  }
  Job job;
  job.fn = &fn;
  job.tasks = tasks;
  job.slots = threads_;
  job.abort = abort_;
  WorkerSet::Get().Run(job);
}

}  // namespace td
