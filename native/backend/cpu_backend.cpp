#include "cpu_backend.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <system_error>

#include "../core/philox.h"
#include "../cpu/density_model.h"
#include "../cpu/density_ode.h"
#include "../cpu/density_path.h"
#include "../cpu/gemm.h"
#include "../cpu/mlp.h"
#include "../cpu/nearest.h"
#include "../cpu/normals.h"
#include "../cpu/mixed_sampler.h"
#include "../cpu/mixed_trainer.h"

namespace td {
namespace backend {

namespace {

// Shared pools of the evaluation ops, one per thread count, kept for the process.
ThreadPool* EvalPool(int threads) {
  if (threads <= 1) return nullptr;
  static std::mutex lock;
  static std::map<int, std::unique_ptr<ThreadPool>> pools;
  std::lock_guard<std::mutex> hold(lock);
  auto& slot = pools[threads];
  if (!slot) slot.reset(new ThreadPool(threads));
  return slot.get();
}

}  // namespace

CpuBackend& Host() {
  static CpuBackend host(nullptr);
  return host;
}

cpu::TrainResult CpuBackend::train(cpu::DenoiserModel& model, const cpu::TrainData& data, const cpu::TrainOptions& options,
                                   std::atomic<bool>& abort, const cpu::TrainProgress& progress) {
  // GEMM tasks skip once the flag is set (see ThreadPool::set_abort), only for this job.
  pool_->set_abort(&abort);
  struct Reset {
    ThreadPool* p;
    ~Reset() { p->set_abort(nullptr); }
  } reset{pool_};
  if (model.cat.active()) return cpu::train_mixed(model, data, options, pool_, abort, progress);
  return cpu::train(model, data, options, pool_, abort, progress);
}

bool CpuBackend::sample(const cpu::DenoiserModel& model, int64_t n, const cpu::SampleOptions& options, float* out,
                        int32_t* out_categorical, std::atomic<bool>& abort, const cpu::SampleProgress& progress) {
  if (model.cat.active()) return cpu::sample_mixed(model, n, options, out, out_categorical, pool_, abort, progress);
  return cpu::sample(model, n, options, out, pool_, abort, progress);
}

void CpuBackend::predict_eps(const cpu::DenoiserModel& model, const float* params, const float* x, int rows, int t,
                             const float* context, int64_t context_rows, float* eps_out) {
  cpu::predict_eps(model, params, x, rows, t, context, context_rows, eps_out);
}

bool CpuBackend::evaluate(const cpu::DenoiserModel& model, const float* params, const cpu::TrainData& data, const int32_t* k,
                          int draws, uint64_t seed, double* mse, double* cat, double* prior, std::atomic<bool>& abort) {
  const bool completed = cpu::evaluate_mixed(model, params, data, k, draws, seed, mse, cat, pool_, abort);
  cpu::categorical_prior(model, data, prior);
  return completed;
}

bool CpuBackend::density_logp(const cpu::DenoiserModel& model, const float* context, int64_t context_rows,
                              const cpu::MixedRows& rows, const cpu::DensityOptions& options, bool ode, double* logp,
                              double* se, double* discrete, double* discrete_se, std::atomic<bool>& abort) {
  const std::unique_ptr<cpu::EpsModel> eps = cpu::make_mlp_eps(model, context, context_rows);
  if (model.cat.active()) {
    return cpu::density_path_mixed(model, *eps, rows, options, logp, se, discrete, discrete_se, pool_, abort);
  }
  return ode ? cpu::density_ode(*eps, rows.x, rows.n, options, logp, se, pool_, abort)
             : cpu::density_path(*eps, rows.x, rows.n, options, logp, se, pool_, abort);
}

void CpuBackend::mlp_forward(const cpu::DenoiserModel& model, const float* input, int rows, float* out) {
  cpu::MlpWorkspace ws;
  const float* y = cpu::mlp_forward(model.cfg, model.layout, model.params.data(), input, rows, ws, {}, pool_);
  std::copy(y, y + static_cast<size_t>(rows) * model.cfg.out_dim, out);
}

void CpuBackend::mlp_backward(const cpu::DenoiserModel& model, const float* input, const float* grad_out, int rows,
                              float* grad_params, float* grad_input) {
  cpu::MlpWorkspace ws;
  cpu::mlp_forward(model.cfg, model.layout, model.params.data(), input, rows, ws, {}, pool_);
  cpu::mlp_backward(model.cfg, model.layout, model.params.data(), input, grad_out, ws, grad_params, grad_input, pool_);
}

void CpuBackend::normals(uint64_t seed, uint32_t stream, uint64_t first_row, int rows, uint32_t step, int cols, float* out,
                         bool reference) {
  // reference: the scalar formulas of core/philox.h, to check the SIMD path against.
  if (reference) cpu::fill_normals_scalar(seed, stream, first_row, rows, step, cols, out);
  else cpu::fill_normals(seed, stream, first_row, rows, step, cols, out);
}

void CpuBackend::uniforms(uint64_t seed, uint32_t stream, uint64_t first_row, int rows, uint32_t step, int cols, float* out) {
  for (int i = 0; i < rows; ++i) {
    float* row = out + static_cast<size_t>(i) * cols;
    for (int j = 0; j < cols; ++j) row[j] = uniform_at(seed, stream, first_row + i, step, static_cast<uint32_t>(j));
  }
}

void CpuBackend::forward_noise(const float* x0, int rows, int cols, const int32_t* t, const float* sqrt_abar,
                               const float* sqrt_1m_abar, int, uint64_t seed, uint32_t stream, uint64_t row_offset,
                               uint32_t step, float* xt, float* eps) {
  cpu::forward_noise(x0, rows, cols, t, sqrt_abar, sqrt_1m_abar, seed, stream, row_offset, step, xt, eps);
}

double CpuBackend::eps_mse(const float* eps_hat, const float* eps, const uint8_t* observed, size_t n, float* grad) {
  return observed ? cpu::eps_mse_masked(eps_hat, eps, observed, n, grad) : cpu::eps_mse(eps_hat, eps, n, grad);
}

void CpuBackend::affine_step(float* x, const float* eps_hat, int rows, int cols, const cpu::AffineStep& c, uint64_t seed,
                             uint64_t row_offset, uint32_t step) {
  cpu::affine_step(x, eps_hat, rows, cols, c, seed, row_offset, step);
}

void CpuBackend::dpm_solver_step(float* x, const float* eps_hat, float* x0_prev, int rows, int cols, const cpu::DpmStep& c) {
  cpu::dpm_solver_step(x, eps_hat, x0_prev, rows, cols, c);
}

void CpuBackend::adamw_step(float* params, const float* grads, float* m, float* v, size_t n, int64_t step,
                            const cpu::AdamWConfig& config) {
  cpu::adamw_step(params, grads, m, v, n, step, config);
}

void CpuBackend::sgemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float* a, int lda, const float* b,
                       int ldb, float beta, float* c, int ldc, Precision precision, int threads, bool reference,
                       bool abortable) {
  if (precision != Precision::Fp32) throw OptionError("precision", "the CPU backend computes in fp32 only");
  if (reference) {
    cpu::sgemm_reference(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return;
  }
  // A handle on the shared worker threads: no threads are created per distinct count.
  std::unique_ptr<ThreadPool> pool;
  try {
    if (threads > 1 || abortable) pool.reset(new ThreadPool(threads));
  } catch (const std::system_error& e) {
    throw Error("threads: the OS refused to start " + std::to_string(threads - 1) + " worker threads (" + e.what() +
                "); ask for fewer threads");
  }
  // An abort flag that is never set: the GEMM is split as during a fit (bounded tasks, k in
  // phases), which must give the same bytes as the plain split.
  std::atomic<bool> never{false};
  if (abortable) pool->set_abort(&never);
  cpu::sgemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, pool.get());
}

void CpuBackend::cat_corrupt(const int32_t* x0, int rows, const CatLayout& L, const double* move, uint64_t seed,
                             uint64_t row_offset, uint32_t step, uint32_t column_base, int32_t* xt) {
  cpu::cat_corrupt(x0, rows, L, move, seed, row_offset, step, column_base, xt);
}

void CpuBackend::cat_init(int32_t* x, int rows, const CatLayout& L, double keep, uint64_t seed, uint64_t row_offset) {
  cpu::cat_init(x, rows, L, keep, seed, row_offset);
}

void CpuBackend::sedd_scale_log_scores(float* ls, int ld, const int32_t* x, int rows, const CatLayout& L,
                                       const double* sigma) {
  cpu::sedd_scale_log_scores(ls, ld, x, rows, L, sigma);
}

double CpuBackend::sedd_score_entropy(const float* ls, int ld, const int32_t* xt, const int32_t* x0, int rows,
                                      const CatLayout& L, const double* sigma, const double* weight, float* grad,
                                      double* row_loss) {
  return cpu::sedd_score_entropy(ls, ld, xt, x0, rows, L, sigma, weight, grad, row_loss);
}

void CpuBackend::sedd_reverse_step(const float* ls, int ld, int32_t* x, int rows, const CatLayout& L,
                                   const sedd::StepCoef& c, uint64_t seed, uint64_t row_offset, uint32_t step) {
  cpu::sedd_reverse_step(ls, ld, x, rows, L, c, seed, row_offset, step);
}

double CpuBackend::multinomial_loss(const float* logits, int ld, const int32_t* xt, const int32_t* x0, int rows,
                                    const CatLayout& L, const multinomial::StepCoef* coef, const double* weight,
                                    float* grad, double* row_loss) {
  return cpu::multinomial_loss(logits, ld, xt, x0, rows, L, coef, weight, grad, row_loss);
}

void CpuBackend::multinomial_step(const float* logits, int ld, int32_t* x, int rows, const CatLayout& L,
                                  const multinomial::StepCoef& c, uint64_t seed, uint64_t row_offset, uint32_t step) {
  cpu::multinomial_step(logits, ld, x, rows, L, c, seed, row_offset, step);
}

void CpuBackend::sedd_reverse_rate(const float* ls, int ld, const int32_t* x, int rows, const CatLayout& L, float* rate) {
  cpu::sedd_reverse_rate(ls, ld, x, rows, L, rate);
}

void CpuBackend::sedd_step_probs(const float* ls, int ld, const int32_t* x, int rows, const CatLayout& L,
                                 const sedd::StepCoef& c, float* probs) {
  cpu::sedd_step_probs(ls, ld, x, rows, L, c, probs);
}

void CpuBackend::multinomial_step_probs(const float* logits, int ld, const int32_t* x, int rows, const CatLayout& L,
                                        const multinomial::StepCoef& c, float* probs) {
  cpu::multinomial_step_probs(logits, ld, x, rows, L, c, probs);
}

void CpuBackend::inpaint_step(float* x, const float* eps_hat, int rows, int cols, const cpu::AffineStep& c,
                              const double* alpha_bars, int T, int t, int prev, uint32_t pass, uint64_t seed,
                              uint64_t row_offset, const cpu::KnownCells& known) {
  cpu::inpaint_affine_step(x, eps_hat, rows, cols, c, seed, row_offset, cpu::visit_step(t, T, pass), known, 0,
                           cpu::renoise_to(alpha_bars, prev));
}

void CpuBackend::inpaint_jump(float* x, int rows, int cols, double abar_from, double abar_to, uint64_t seed,
                              uint64_t row_offset, uint32_t step) {
  cpu::inpaint_jump(x, rows, cols, abar_from, abar_to, seed, row_offset, step);
}

std::vector<cpu::Move> CpuBackend::inpaint_schedule(size_t steps, int jumps, int length, double start) {
  return cpu::inpaint_schedule(steps, jumps, length, start);
}

cpu::GbdtModel CpuBackend::gbdt_fit(const double* x, int rows, int features, const double* y, const cpu::GbdtParams& params,
                                    int threads) {
  return cpu::gbdt_fit(x, rows, features, y, params, EvalPool(threads));
}

void CpuBackend::gbdt_predict(const cpu::GbdtModel& model, const double* x, int rows, double* out, int threads) {
  cpu::gbdt_predict(model, x, rows, out, EvalPool(threads));
}

void CpuBackend::nearest_neighbours(const float* queries, int nq, const float* refs, int nr, int dim, int k, int32_t* index,
                                    double* dist2, int threads) {
  cpu::nearest_neighbours(queries, nq, refs, nr, dim, k, index, dist2, EvalPool(threads));
}

}  // namespace backend
}  // namespace td
