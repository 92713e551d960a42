// Which data row and which timestep batch row i of optimiser step `step` trains on: pure
// functions of (seed, step, i), shared by the CPU and CUDA training loops.
#pragma once
#include <cstdint>

#include "philox.h"

namespace td {

TD_HD int64_t minibatch_row(uint64_t seed, int64_t step, int i, int64_t rows) {
  const Philox4 b = philox_block(seed, kStreamMinibatch, static_cast<uint64_t>(i), static_cast<uint32_t>(step), 0);
  // Two draws make a 64-bit number so tables beyond 2^32 rows are covered evenly.
  const uint64_t wide = (static_cast<uint64_t>(b.v[0]) << 32) | b.v[1];
  return static_cast<int64_t>(wide % static_cast<uint64_t>(rows));
}

// Multiply-shift of a 32-bit draw onto [0, timesteps) (bias below timesteps / 2^32).
TD_HD int minibatch_timestep(uint64_t seed, int64_t step, int i, int timesteps) {
  const Philox4 b = philox_block(seed, kStreamTrainTime, static_cast<uint64_t>(i), static_cast<uint32_t>(step), 0);
  return static_cast<int>((static_cast<uint64_t>(b.v[0]) * static_cast<uint64_t>(timesteps)) >> 32);
}

// Dropout keeps unit j of hidden-layer units (all layers numbered consecutively) of batch row i.
TD_HD bool dropout_keeps(uint64_t seed, uint32_t step, int i, int unit, float p) {
  return uniform_at(seed, kStreamDropout, static_cast<uint64_t>(i), step, static_cast<uint32_t>(unit)) >= p;
}

}  // namespace td
