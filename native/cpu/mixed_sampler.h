// Sampling of mixed-type denoisers: the shared-clock reverse chain. At Gaussian timestep k
// of the sequence (next one `prev`, -1 at the end) the network sees [x_k numeric | one-hot
// x_t categorical] with t = (k + 1)/T; the numeric part takes the DDPM / DDIM / DPM-Solver++
// step k -> prev, the categorical part the discrete step t -> (prev + 1)/T, which at the last
// step is the final denoising to t = 0 (SEDD: analytic, MASK never drawn; multinomial: to x0).
// Draws are indexed by global row and step, as in sampler.h: chunking and threads do not
// change the result.
#pragma once
#include <atomic>
#include <cstdint>

#include <vector>

#include "../core/sedd_graph.h"
#include "../core/multinomial.h"
#include "sampler.h"

namespace td {
namespace cpu {

// Writes n rows: numeric columns [n x numeric_dim] to out_num, class indices
// [n x categorical columns] to out_cat. Returns false when aborted.
// One step of the mixed chain: the Gaussian plan and the categorical chain's coefficients.
struct MixedPlan {
  StepPlan gauss;                   // first-layer bias and the numeric chain's coefficients
  double sigma = 0;                 // SEDD: sigma_bar at this step's time (for the output scaling)
  sedd::StepCoef sedd;
  multinomial::StepCoef multinomial;
};
std::vector<MixedPlan> plan_mixed(const DenoiserModel& model, const float* params, const SampleOptions& options);

// A resampling jump's move probability per categorical cell (inpaint.h): the forward kernel
// from the time after the block's last step back up to the time of its first.
double mixed_jump_move(const DenoiserModel& model, const SampleOptions& options, const Move& m);

// The chain start's probability that an absorbing-graph cell is unmasked (0 otherwise).
double mixed_start_keep(const DenoiserModel& model);

bool sample_mixed(const DenoiserModel& model, int64_t n, const SampleOptions& options, float* out_num,
                  int32_t* out_cat, ThreadPool* pool, const std::atomic<bool>& abort, const SampleProgress& progress);

}  // namespace cpu
}  // namespace td
