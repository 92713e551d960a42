// Training and evaluation of mixed-type denoisers: numeric columns on the Gaussian chain,
// categorical columns on a discrete chain (SEDD or multinomial), one network, one clock.
// Batch row i at optimiser step s draws its data row and Gaussian timestep k exactly as the
// Gaussian-only loop does; the discrete chain runs at time (k + 1) / T.
//   loss = eps-MSE (mean over rows and numeric columns; over the observed cells when data.observed is set)
//        + categorical_weight * mean over rows and categorical columns of
//          SEDD: sigma_bar'(t) * score entropy;  multinomial: T * KL (Tab-DDPM's weighting)
#pragma once
#include <atomic>
#include <cstdint>
#include <vector>

#include "../core/multinomial.h"
#include "trainer.h"

namespace td {
namespace cpu {

// Discrete-chain quantities of each Gaussian timestep k (for a whole call): SEDD's sigma_bar,
// its rate and P(cell is resampled) at t = (k + 1)/T; multinomial's move and step k -> k - 1.
struct ClockTables {
  std::vector<double> sigma, rate, move;
  std::vector<multinomial::StepCoef> coef;
};
ClockTables build_clock_tables(const DenoiserModel& model, const TrainData& data);

// The categorical term's scale in the training loss: a mean over rows and categorical columns,
// like the eps-MSE's mean over numeric columns, times categorical_weight.
double categorical_loss_scale(const DenoiserModel& model, const TrainOptions& options);

TrainResult train_mixed(DenoiserModel& model, const TrainData& data, const TrainOptions& options, ThreadPool* pool,
                        const std::atomic<bool>& abort, const TrainProgress& progress);

// Per-(row, draw) loss terms of a mixed model at given timesteps, on `params`:
//   mse[r * draws + j] = sum over numeric columns of (eps_hat - eps)^2 (observed cells only
//                        when data.observed is set)
//   cat[r * draws + j] = sum over categorical columns of sigma_bar'(t) * score entropy (SEDD)
//                        or T * KL (multinomial)
// Both estimate the integrand of the likelihood bound: mean over j of cat is the categorical
// bound's diffusion term when k is uniform on [0, T). k: [rows x draws]. Noise is drawn at
// (seed, kStreamUser / kStreamCategorical, data row r, step j): independent of chunking.
// Returns false when aborted.
bool evaluate_mixed(const DenoiserModel& model, const float* params, const TrainData& data, const int32_t* k,
                    int draws, uint64_t seed, double* mse, double* cat, ThreadPool* pool,
                    const std::atomic<bool>& abort);

// The prior term of the categorical bound per row: KL(p_1(. | x0) || base), summed over the
// categorical columns (SEDD: base = the sampler's start; multinomial: uniform at step T - 1).
void categorical_prior(const DenoiserModel& model, const TrainData& data, double* out);

}  // namespace cpu
}  // namespace td
