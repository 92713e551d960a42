#include "release_later.h"

#include <condition_variable>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

namespace td {
namespace cpu {
namespace detail {

namespace {

// One thread for the process, started on first use and then parked on a condition variable.
class Releaser {
 public:
  // Never destroyed: the thread may still be freeing at exit.
  static Releaser& Get() {
    static Releaser* r = new Releaser();
    return *r;
  }

  void Add(std::unique_ptr<Garbage> g) noexcept {
    std::unique_lock<std::mutex> lock(mutex_);
    try {
      if (!started_) {
        std::thread(&Releaser::Loop, this).detach();
        started_ = true;
      }
      queue_.push_back(std::move(g));
    } catch (...) {
      // No thread (std::system_error) or no room in the queue (std::bad_alloc): free it here.
      lock.unlock();
      g.reset();
      return;
    }
    lock.unlock();
    wake_.notify_one();
  }

 private:
  void Loop() {
    std::vector<std::unique_ptr<Garbage>> batch;
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      wake_.wait(lock, [&] { return !queue_.empty(); });
      batch.swap(queue_);
      lock.unlock();
      batch.clear();  // the frees, outside the lock
      lock.lock();
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<std::unique_ptr<Garbage>> queue_;
  bool started_ = false;
};

}  // namespace

void release_garbage(std::unique_ptr<Garbage> g) noexcept {
  Releaser* r;
  try {
    r = &Releaser::Get();
  } catch (...) {
    return;  // g is freed here
  }
  r->Add(std::move(g));
}

}  // namespace detail
}  // namespace cpu
}  // namespace td
