#include "cuda_backend.h"

#include <string>
#include <vector>

#include "cuda_model_jobs.h"

namespace td {
namespace backend {

namespace {

TdCatLayout ToCuda(const CatLayout& L) {
  return {L.classes, L.offsets, L.cols, L.total, L.graph == sedd::Graph::Absorbing ? 1 : 0};
}

}  // namespace

void CudaBackend::check(int rc) const {
  if (rc != 0) throw Error(std::string("CUDA backend: ") + api_.last_error());
}

cpu::TrainResult CudaBackend::train(cpu::DenoiserModel& model, const cpu::TrainData& data, const cpu::TrainOptions& options,
                                    std::atomic<bool>& abort, const cpu::TrainProgress& progress) {
  return CudaTrain(api_, model, data, options, abort, progress);
}

bool CudaBackend::sample(const cpu::DenoiserModel& model, int64_t n, const cpu::SampleOptions& options, float* out,
                         int32_t* out_categorical, std::atomic<bool>& abort, const cpu::SampleProgress& progress) {
  return CudaSample(api_, model, n, options, static_cast<int>(precision_), out, out_categorical, abort, progress);
}

void CudaBackend::predict_eps(const cpu::DenoiserModel& model, const float* params, const float* x, int rows, int t,
                              const float* context, int64_t context_rows, float* eps_out) {
  host_.predict_eps(model, params, x, rows, t, context, context_rows, eps_out);
}

// No CUDA twin yet: the model's host copy of the weights, on its CPU threads.
bool CudaBackend::density_logp(const cpu::DenoiserModel& model, const float* context, int64_t context_rows,
                               const cpu::MixedRows& rows, const cpu::DensityOptions& options, bool ode, double* logp,
                               double* se, double* discrete, double* discrete_se, std::atomic<bool>& abort) {
  return host_.density_logp(model, context, context_rows, rows, options, ode, logp, se, discrete, discrete_se, abort);
}

bool CudaBackend::evaluate(const cpu::DenoiserModel& model, const float* params, const cpu::TrainData& data,
                           const int32_t* k, int draws, uint64_t seed, double* mse, double* cat, double* prior,
                           std::atomic<bool>& abort) {
  return host_.evaluate(model, params, data, k, draws, seed, mse, cat, prior, abort);
}

void CudaBackend::mlp_forward(const cpu::DenoiserModel& model, const float* input, int rows, float* out) {
  const TdMlpDesc desc = DescribeMlp(model);
  check(api_.mlp_forward(&desc, model.params.data(), input, rows, out, static_cast<int>(precision_)));
}

void CudaBackend::mlp_backward(const cpu::DenoiserModel& model, const float* input, const float* grad_out, int rows,
                               float* grad_params, float* grad_input) {
  const TdMlpDesc desc = DescribeMlp(model);
  check(api_.mlp_backward(&desc, model.params.data(), input, grad_out, rows, grad_params, grad_input));
}

void CudaBackend::normals(uint64_t seed, uint32_t stream, uint64_t first_row, int rows, uint32_t step, int cols, float* out,
                          bool) {
  check(api_.normals(seed, stream, first_row, rows, step, cols, out));
}

void CudaBackend::uniforms(uint64_t, uint32_t, uint64_t, int, uint32_t, int, float*) {
  throw OptionError("device", "uniform draws run on the CPU only");
}

void CudaBackend::forward_noise(const float* x0, int rows, int cols, const int32_t* t, const float* sqrt_abar,
                                const float* sqrt_1m_abar, int T, uint64_t seed, uint32_t stream, uint64_t row_offset,
                                uint32_t step, float* xt, float* eps) {
  check(api_.forward_noise(x0, rows, cols, t, sqrt_abar, sqrt_1m_abar, T, seed, stream, row_offset, step, xt, eps));
}

double CudaBackend::eps_mse(const float* eps_hat, const float* eps, const uint8_t* observed, size_t n, float* grad) {
  double loss = 0.0;
  check(observed ? api_.eps_mse_masked(eps_hat, eps, observed, n, &loss, grad) : api_.eps_mse(eps_hat, eps, n, &loss, grad));
  return loss;
}

void CudaBackend::affine_step(float* x, const float* eps_hat, int rows, int cols, const cpu::AffineStep& c, uint64_t seed,
                              uint64_t row_offset, uint32_t step) {
  check(api_.affine_step(x, eps_hat, rows, cols, c.x_coef, c.eps_coef, c.sigma, seed, row_offset, step));
}

void CudaBackend::dpm_solver_step(float* x, const float* eps_hat, float* x0_prev, int rows, int cols, const cpu::DpmStep& c) {
  const float coefs[6] = {c.x_coef, c.d_coef, c.cur_weight, c.prev_weight, c.x0_from_x, c.x0_from_eps};
  check(api_.dpm_step(x, eps_hat, x0_prev, rows, cols, coefs));
}

void CudaBackend::inpaint_step(float* x, const float* eps_hat, int rows, int cols, const cpu::AffineStep& c,
                               const double* alpha_bars, int T, int t, int prev, uint32_t pass, uint64_t seed,
                               uint64_t row_offset, const cpu::KnownCells& known) {
  const cpu::Renoise r = cpu::renoise_to(alpha_bars, prev);
  check(api_.inpaint_step(x, eps_hat, rows, cols, c.x_coef, c.eps_coef, c.sigma, seed, row_offset,
                          cpu::visit_step(t, T, pass), known.values, known.mask, known.rows, r.a, r.s));
}

void CudaBackend::inpaint_jump(float* x, int rows, int cols, double abar_from, double abar_to, uint64_t seed,
                               uint64_t row_offset, uint32_t step) {
  const cpu::JumpCoef j = cpu::jump_coef(abar_from, abar_to);
  check(api_.inpaint_jump(x, rows, cols, j.a, j.s, seed, row_offset, step));
}

void CudaBackend::adamw_step(float* params, const float* grads, float* m, float* v, size_t n, int64_t step,
                             const cpu::AdamWConfig& cfg) {
  check(api_.adamw(params, grads, m, v, n, step, cfg.lr, cfg.beta1, cfg.beta2, cfg.eps, cfg.weight_decay));
}

// The library's sgemm takes dense row-major operands (lda, ldb, ldc implied); threads,
// reference and abortable are CPU options.
void CudaBackend::sgemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float* a, int, const float* b,
                        int, float beta, float* c, int, Precision precision, int, bool, bool) {
  check(api_.sgemm(trans_a, trans_b, m, n, k, alpha, a, b, beta, c, static_cast<int>(precision)));
}

void CudaBackend::cat_corrupt(const int32_t* x0, int rows, const CatLayout& L, const double* move, uint64_t seed,
                              uint64_t row_offset, uint32_t step, uint32_t column_base, int32_t* xt) {
  const TdCatLayout l = ToCuda(L);
  check(api_.cat_corrupt(x0, rows, &l, move, seed, row_offset, step, column_base, xt));
}

void CudaBackend::cat_init(int32_t* x, int rows, const CatLayout& L, double keep, uint64_t seed, uint64_t row_offset) {
  const TdCatLayout l = ToCuda(L);
  check(api_.cat_init(x, rows, &l, keep, seed, row_offset));
}

void CudaBackend::sedd_scale_log_scores(float* ls, int ld, const int32_t* x, int rows, const CatLayout& L,
                                        const double* sigma) {
  const TdCatLayout l = ToCuda(L);
  check(api_.sedd_scale_log_scores(ls, ld, x, rows, &l, sigma));
}

double CudaBackend::sedd_score_entropy(const float* ls, int ld, const int32_t* xt, const int32_t* x0, int rows,
                                       const CatLayout& L, const double* sigma, const double* weight, float* grad,
                                       double* row_loss) {
  const TdCatLayout l = ToCuda(L);
  double loss = 0.0;
  check(api_.sedd_score_entropy(ls, ld, xt, x0, rows, &l, sigma, weight, grad, row_loss, &loss));
  return loss;
}

void CudaBackend::sedd_reverse_step(const float* ls, int ld, int32_t* x, int rows, const CatLayout& L,
                                    const sedd::StepCoef& c, uint64_t seed, uint64_t row_offset, uint32_t step) {
  const TdCatLayout l = ToCuda(L);
  const TdSeddStep coef = {c.delta_em1, c.delta_move, c.euler_h, c.euler ? 1 : 0, c.final ? 1 : 0};
  check(api_.sedd_reverse_step(ls, ld, x, rows, &l, &coef, seed, row_offset, step));
}

double CudaBackend::multinomial_loss(const float* logits, int ld, const int32_t* xt, const int32_t* x0, int rows,
                                     const CatLayout& L, const multinomial::StepCoef* coef, const double* weight,
                                     float* grad, double* row_loss) {
  const TdCatLayout l = ToCuda(L);
  std::vector<TdMultinomialStep> steps(static_cast<size_t>(rows));
  for (int i = 0; i < rows; ++i) steps[i] = {coef[i].a, coef[i].b};
  double loss = 0.0;
  check(api_.multinomial_loss(logits, ld, xt, x0, rows, &l, steps.data(), weight, grad, row_loss, &loss));
  return loss;
}

void CudaBackend::multinomial_step(const float* logits, int ld, int32_t* x, int rows, const CatLayout& L,
                                   const multinomial::StepCoef& c, uint64_t seed, uint64_t row_offset, uint32_t step) {
  const TdCatLayout l = ToCuda(L);
  const TdMultinomialStep coef = {c.a, c.b};
  check(api_.multinomial_step(logits, ld, x, rows, &l, &coef, seed, row_offset, step));
}

}  // namespace backend
}  // namespace td
