// CUDA twin of native/cpu/inpaint.cpp: inpainting's substitution of the observed cells after a
// reverse step and RePaint's jumps back up, bit for bit the CPU's (the same Philox draws, each
// multiply and add rounded on its own). The sampling loops (sampler.cu, mixed_sampler.cu) walk
// the job's moves (cuda_api.h TdMove) and call these between the network's steps.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>
#include <vector>

#include "common.cuh"
#include "cuda_api.h"
#include "sedd.cuh"

namespace tdc {

// Observed cells of x [rows x cols] become a * known + s * z (z: kStreamInpaint at noise_step),
// or the known value itself when s = 0 (the clean end: bit for bit). known_rows 1 broadcasts
// one row of values and mask; otherwise row i of the buffers is row i of x.
void launch_inpaint_substitute(float* x, int rows, int cols, const float* known_values, const uint8_t* known_mask,
                               bool broadcast, float a, float s_coef, uint64_t seed, uint64_t row_offset,
                               uint32_t noise_step, cudaStream_t s);

// Every cell: x <- a x + s z, z drawn at noise_step | kJumpStepBit.
void launch_inpaint_jump(float* x, int rows, int cols, float a, float s_coef, uint64_t seed, uint64_t row_offset,
                         uint32_t noise_step, cudaStream_t s);

// One visit per step (no inpainting): the moves the loops walk when a job has none.
std::vector<TdMove> plain_moves(const TdSampleArgs& a);

// A sampling job's observed cells on the device, one chunk at a time (substitute: a no-op
// without known cells), and the categorical jump's per-row move probabilities (jobs with moves).
class InpaintChunk {
 public:
  // 0 on success; cols: the numeric columns; chunk: the most rows of a chunk.
  int init(const TdSampleArgs& a, int cols, int chunk);
  bool active() const { return active_; }
  // The chunk's rows [first, first + rows) of the job's observed cells (broadcast: uploaded once).
  int load(const TdSampleArgs& a, int64_t first, int rows, cudaStream_t s);
  // After reverse step m of the chunk whose first row is global_row.
  void substitute(float* x, int rows, const TdMove& m, uint64_t seed, uint64_t global_row, cudaStream_t s) const;
  // Jump m of the categorical chain x_cat [rows x L.cols] (cells move as cat_corrupt moves them).
  void jump_categorical(int32_t* x_cat, int rows, const DeviceLayout& L, const TdMove& m, uint64_t seed,
                        uint64_t global_row, cudaStream_t s);

 private:
  DeviceBuffer<float> values_;
  DeviceBuffer<uint8_t> mask_;
  DeviceBuffer<double> move_;
  int cols_ = 0;
  bool active_ = false, broadcast_ = false;
};

// Host-buffer entry points of the library's table (cuda_api.h: inpaint_step, inpaint_jump).
int inpaint_step(float* x, const float* eps_hat, int rows, int cols, float x_coef, float eps_coef, float sigma,
                 uint64_t seed, uint64_t row_offset, uint32_t noise_step, const float* known_values,
                 const uint8_t* known_mask, int64_t known_rows, float renoise_a, float renoise_s);
int inpaint_jump(float* x, int rows, int cols, float jump_a, float jump_s, uint64_t seed, uint64_t row_offset,
                 uint32_t noise_step);

}  // namespace tdc
