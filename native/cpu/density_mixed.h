// Log-density of rows under a mixed-type model (numeric columns on the Gaussian chain,
// categorical columns and numeric modes on SEDD or multinomial diffusion), by the path integral
// over the joint forward process (docs/density.md section 5): each throw noises both parts to
// one time t, as training does, and one network evaluation gives both integrands: the Gaussian
// term of density_path.cpp over the observed numeric cells, and the discrete chain's per-time
// bound term (SEDD: sigma_bar'(t) * score entropy; multinomial: T * KL), the same kernels as
// evaluate_mixed in mixed_trainer.cpp. Same draw indexing as density_path: rows [a, b) alone give
// the bytes of a larger call, whatever the thread count.
#pragma once
#include <atomic>
#include <cstdint>

#include "density_path.h"
#include "model.h"
#include "thread_pool.h"

namespace td {
namespace cpu {

struct MixedRows {
  const float* x = nullptr;           // [n x numeric_dim], model coordinates
  const int32_t* categorical = nullptr;  // [n x categorical columns], class indices
  const uint8_t* observed = nullptr;  // [n x numeric_dim], 1 = value, 0 = masked (gap / point mass); null = all
  int64_t n = 0;
};

// net: the model's MLP (make_mlp_eps), evaluated on [x_t numeric | one-hot x_t].
// out_logp[n]: Gaussian part + discrete part; out_discrete[n]: the discrete part alone
// (-(prior term + integral of the bound term)); out_se[n], out_discrete_se[n]: their standard errors.
bool density_path_mixed(const DenoiserModel& model, const EpsModel& net, const MixedRows& rows,
                        const DensityOptions& o, double* out_logp, double* out_se, double* out_discrete,
                        double* out_discrete_se, ThreadPool* pool, const std::atomic<bool>& abort);

}  // namespace cpu
}  // namespace td
