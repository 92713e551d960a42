// Shared pieces of the CUDA backend: error reporting through last_error(), RAII device
// buffers (so an early error return frees what was allocated), launch helpers.
#pragma once
#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tdc {

void set_error(const char* fmt, ...);
const char* last_error();

// Records the CUDA error and makes the enclosing function return 1.
#define TDC_CHECK(expr)                                                                  \
  do {                                                                                   \
    const cudaError_t tdc_err_ = (expr);                                                 \
    if (tdc_err_ != cudaSuccess) {                                                       \
      ::tdc::set_error("%s failed: %s", #expr, cudaGetErrorString(tdc_err_));            \
      return 1;                                                                          \
    }                                                                                    \
  } while (0)

#define TDC_CHECK_LAUNCH() TDC_CHECK(cudaGetLastError())

template <typename T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  ~DeviceBuffer() { release(); }

  // Returns a cudaError_t so callers wrap it in TDC_CHECK.
  cudaError_t alloc(size_t count) {
    if (count <= size_) return cudaSuccess;
    release();
    const cudaError_t err = cudaMalloc(reinterpret_cast<void**>(&ptr_), (count > 0 ? count : 1) * sizeof(T));
    if (err == cudaSuccess) size_ = count;
    return err;
  }
  cudaError_t upload(const T* host, size_t count) {
    const cudaError_t err = alloc(count);
    if (err != cudaSuccess || count == 0) return err;
    return cudaMemcpy(ptr_, host, count * sizeof(T), cudaMemcpyHostToDevice);
  }
  // From pageable memory the runtime stages the data at once (the host buffer may be reused
  // on return) and the device is not synchronised, unlike upload().
  cudaError_t upload_async(const T* host, size_t count, cudaStream_t s) {
    const cudaError_t err = alloc(count);
    if (err != cudaSuccess || count == 0) return err;
    return cudaMemcpyAsync(ptr_, host, count * sizeof(T), cudaMemcpyHostToDevice, s);
  }
  cudaError_t download(T* host, size_t count) const {
    if (count == 0) return cudaSuccess;
    return cudaMemcpy(host, ptr_, count * sizeof(T), cudaMemcpyDeviceToHost);
  }
  T* get() const { return ptr_; }
  size_t size() const { return size_; }

 private:
  void release() {
    if (ptr_) cudaFree(ptr_);
    ptr_ = nullptr;
    size_ = 0;
  }
  T* ptr_ = nullptr;
  size_t size_ = 0;
};

// Compute capability major of the current device (0 when it cannot be read); cached.
int device_major();

inline unsigned grid_for(size_t work, unsigned block) {
  const size_t g = (work + block - 1) / block;
  return static_cast<unsigned>(g > 0 ? (g < 2147483647u ? g : 2147483647u) : 1);
}

}  // namespace tdc
