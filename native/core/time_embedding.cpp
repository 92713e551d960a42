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

}  // namespace td
