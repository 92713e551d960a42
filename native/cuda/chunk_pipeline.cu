#include <cstring>
#include <mutex>
#include <vector>

#include "chunk_pipeline.cuh"

namespace tdc {

namespace {

// Pinned host buffers are slow to create (the pages are locked one by one), so they are kept
// for the life of the process and handed out again; concurrent jobs each take their own.
class PinnedPool {
 public:
  float* take(size_t bytes) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (size_t i = 0; i < free_.size(); ++i) {
        if (free_[i].bytes >= bytes) {
          float* p = free_[i].ptr;
          free_.erase(free_.begin() + static_cast<std::ptrdiff_t>(i));
          return p;
        }
      }
    }
    void* p = nullptr;
    if (cudaHostAlloc(&p, bytes, cudaHostAllocDefault) != cudaSuccess) return nullptr;
    std::lock_guard<std::mutex> lock(mutex_);
    owned_.push_back({static_cast<float*>(p), bytes});
    return static_cast<float*>(p);
  }
  void give_back(float* p) {
    if (!p) return;
    std::lock_guard<std::mutex> lock(mutex_);
    for (const Block& b : owned_) {
      if (b.ptr == p) free_.push_back(b);
    }
  }

 private:
  struct Block {
    float* ptr;
    size_t bytes;
  };
  std::mutex mutex_;
  std::vector<Block> free_, owned_;
};

PinnedPool& pinned_pool() {
  static PinnedPool* pool = new PinnedPool();  // never destroyed: the driver may be gone at exit
  return *pool;
}

}  // namespace

ChunkPipeline::~ChunkPipeline() {
  // An early error return can leave copies in flight: let them end before the buffers go.
  if (copy_stream_) {
    cudaStreamSynchronize(copy_stream_);
    cudaStreamDestroy(copy_stream_);
  }
  for (int i = 0; i < 2; ++i) {
    if (computed_[i]) cudaEventDestroy(computed_[i]);
    if (copied_[i]) cudaEventDestroy(copied_[i]);
    pinned_pool().give_back(staging_[i]);
  }
}

int ChunkPipeline::init(size_t floats) {
  TDC_CHECK(cudaStreamCreateWithFlags(&copy_stream_, cudaStreamNonBlocking));
  staging_bytes_ = floats * sizeof(float);
  for (int i = 0; i < 2; ++i) {
    TDC_CHECK(device_[i].alloc(floats));
    TDC_CHECK(cudaEventCreateWithFlags(&computed_[i], cudaEventDisableTiming));
    TDC_CHECK(cudaEventCreateWithFlags(&copied_[i], cudaEventDisableTiming));
    staging_[i] = pinned_pool().take(staging_bytes_ > 0 ? staging_bytes_ : sizeof(float));
    if (!staging_[i]) {
      set_error("could not allocate %zu bytes of pinned host memory for the copy back", staging_bytes_);
      return 1;
    }
  }
  return 0;
}

int ChunkPipeline::queue_copy(int slot, float* dst, size_t floats, int64_t rows_end, cudaStream_t s) {
  TDC_CHECK(cudaEventRecord(computed_[slot], s));
  TDC_CHECK(cudaStreamWaitEvent(copy_stream_, computed_[slot], 0));
  TDC_CHECK(cudaMemcpyAsync(staging_[slot], device_[slot].get(), floats * sizeof(float), cudaMemcpyDeviceToHost,
                            copy_stream_));
  TDC_CHECK(cudaEventRecord(copied_[slot], copy_stream_));
  pending_[slot] = {dst, floats, rows_end};
  return 0;
}

int ChunkPipeline::wait_and_move(int slot) {
  TDC_CHECK(cudaEventSynchronize(copied_[slot]));
  std::memcpy(pending_[slot].dst, staging_[slot], pending_[slot].floats * sizeof(float));
  pending_[slot] = Pending();
  return 0;
}

}  // namespace tdc
