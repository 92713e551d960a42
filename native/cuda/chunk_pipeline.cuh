// Double-buffered copy of sampled chunks back to the caller's (pageable) memory. Chunk i is
// copied on a second stream into pinned staging while the GPU computes chunk i+1, and the host
// moves it into place (page faults and all) meanwhile: the copy hides behind the compute,
// except for the last chunk's.
#pragma once
#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

#include "common.cuh"

namespace tdc {

class ChunkPipeline {
 public:
  ChunkPipeline() = default;
  ChunkPipeline(const ChunkPipeline&) = delete;
  ChunkPipeline& operator=(const ChunkPipeline&) = delete;
  ~ChunkPipeline();

  // Room for chunks of up to `floats` values in each of the two slots.
  int init(size_t floats);
  // The device buffer the chunk in `slot` (0 or 1) is computed into.
  float* device(int slot) const { return device_[slot].get(); }
  // The chunk in `slot` is queued on stream s: queue its copy, then finish the other slot's
  // chunk on the host. on_done(rows_end) is called as each chunk lands, in order.
  template <typename OnDone>
  int submit(int slot, float* dst, size_t floats, int64_t rows_end, cudaStream_t s, OnDone on_done) {
    if (queue_copy(slot, dst, floats, rows_end, s) != 0) return 1;
    return land(1 - slot, on_done);
  }
  // Lands whatever is still in flight (older chunk first).
  template <typename OnDone>
  int finish(int last_slot, OnDone on_done) {
    if (land(1 - last_slot, on_done) != 0) return 1;
    return land(last_slot, on_done);
  }

 private:
  struct Pending {
    float* dst = nullptr;
    size_t floats = 0;
    int64_t rows_end = 0;
  };
  int queue_copy(int slot, float* dst, size_t floats, int64_t rows_end, cudaStream_t s);
  int wait_and_move(int slot);
  template <typename OnDone>
  int land(int slot, OnDone on_done) {
    if (!pending_[slot].dst) return 0;
    const int64_t rows_end = pending_[slot].rows_end;
    if (wait_and_move(slot) != 0) return 1;
    on_done(rows_end);
    return 0;
  }

  DeviceBuffer<float> device_[2];
  float* staging_[2] = {nullptr, nullptr};
  size_t staging_bytes_ = 0;
  cudaStream_t copy_stream_ = nullptr;
  cudaEvent_t computed_[2] = {nullptr, nullptr};
  cudaEvent_t copied_[2] = {nullptr, nullptr};
  Pending pending_[2];
};

}  // namespace tdc
