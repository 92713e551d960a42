#include <cmath>

#include "mlp_layout.h"

namespace td {

void time_embedding(double t, int time_dim, float* out) {
  const int half = time_dim / 2;
  for (int i = 0; i < half; ++i) {
    const double w = std::pow(10000.0, -static_cast<double>(i) / half);
    out[i] = static_cast<float>(std::sin(t * w));
    out[half + i] = static_cast<float>(std::cos(t * w));
  }
}

std::vector<float> time_embedding_table(int timesteps, int time_dim) {
  std::vector<float> table(static_cast<size_t>(timesteps) * time_dim);
  for (int t = 0; t < timesteps; ++t) time_embedding(t, time_dim, table.data() + static_cast<size_t>(t) * time_dim);
  return table;
}

}  // namespace td
