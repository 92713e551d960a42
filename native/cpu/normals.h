// Bulk standard normals from Philox, the hot path of noising and of every stochastic
// reverse step. The AVX2 version computes 8 rows at once with exactly the scalar
// arithmetic of core/philox.h, so its numbers are bit-identical to normal_at().
#pragma once
#include <cstdint>

namespace td {
namespace cpu {

// out[i * cols + j] = normal_at(seed, stream, first_row + i, step, j) for i < rows, j < cols.
void fill_normals(uint64_t seed, uint32_t stream, uint64_t first_row, int rows, uint32_t step, int cols, float* out);

// The scalar loop, for tests and CPUs without AVX2.
void fill_normals_scalar(uint64_t seed, uint32_t stream, uint64_t first_row, int rows, uint32_t step, int cols,
                         float* out);

}  // namespace cpu
}  // namespace td
