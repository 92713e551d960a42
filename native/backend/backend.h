// The compute backend: one interface, implemented by the CPU (cpu_backend.h) and CUDA
// (cuda_backend.h) backends. A NativeModel picks its backend once, when it is created
// (registry.h); a standalone op picks one from its `device` option. The addon only reads
// arguments, calls a backend and returns, so no layer above this one asks which device runs.
//
// The numbers every backend must produce are the CPU's: native/cpu/ is the reference, and the
// GPU parity suite checks each CUDA twin against it (docs/design.md section 5).
//
// Seams for later work belong here, not in the addon:
// - inpainting substitution: every sample() honours options.known (cpu/inpaint.h, cuda/inpaint.cuh);
// - guidance terms: they enter through cpu::SampleOptions, which every sample() receives;
// - density passes: density_logp() takes the model, the rows and an abort flag, like
//   evaluate(); a backend without a twin runs it on its host backend, as CudaBackend does.
#pragma once
#include <atomic>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "../core/categorical_spec.h"
#include "../cpu/density_mixed.h"
#include "../cpu/diffusion_ops.h"
#include "../cpu/model.h"
#include "../cpu/optimizer.h"
#include "../cpu/sampler.h"
#include "../cpu/multinomial.h"
#include "../cpu/sedd.h"
#include "../cpu/trainer.h"

namespace td {
namespace backend {

// A failure inside a backend; the addon rethrows it as a JS Error with exactly this message.
struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// An option the backend cannot honour; the addon rethrows it as a RangeError "<option>: <what>".
struct OptionError : std::runtime_error {
  OptionError(const std::string& option, const std::string& what) : std::runtime_error(option + ": " + what) {}
};

// Compute precision of the CUDA backend (the values of TD_PRECISION_* in cuda/cuda_api.h).
enum class Precision { Fp32 = 0, Bf16 = 1, Fp16 = 2 };

// The interface's methods, written once: Backend declares them pure virtual, each backend
// declares them `override` (TD_BACKEND_METHODS(, override)).
#define TD_BACKEND_METHODS(VIRTUAL, SPEC) \
  /* ---- a model's work; numeric or mixed (model.cat) is decided inside each backend ---- */ \
  VIRTUAL cpu::TrainResult train(cpu::DenoiserModel& model, const cpu::TrainData& data, const cpu::TrainOptions& options, \
                                 std::atomic<bool>& abort, const cpu::TrainProgress& progress) SPEC; \
  /* out [n x numeric dim]; mixed models also fill out_categorical [n x categorical columns]. */ \
  /* False when aborted. */ \
  VIRTUAL bool sample(const cpu::DenoiserModel& model, int64_t n, const cpu::SampleOptions& options, float* out, \
                      int32_t* out_categorical, std::atomic<bool>& abort, const cpu::SampleProgress& progress) SPEC; \
  VIRTUAL void predict_eps(const cpu::DenoiserModel& model, const float* params, const float* x, int rows, int t, \
                           const float* context, int64_t context_rows, float* eps_out) SPEC; \
  /* Mixed models: per-(row, draw) loss terms (mse, cat: [rows x draws]) and the categorical */ \
  /* prior term per row. False when aborted. */ \
  VIRTUAL bool evaluate(const cpu::DenoiserModel& model, const float* params, const cpu::TrainData& data, const int32_t* k, \
                        int draws, uint64_t seed, double* mse, double* cat, double* prior, std::atomic<bool>& abort) SPEC; \
  /* Log-density of rows (cpu/density_*.h) on the model's network: the path integral, or the */ \
  /* probability-flow ODE (ode); mixed models (model.cat) take the joint path integral and also */ \
  /* fill discrete / discrete_se. rows.categorical and rows.observed are null for numeric models. */ \
  /* False when aborted. */ \
  VIRTUAL bool density_logp(const cpu::DenoiserModel& model, const float* context, int64_t context_rows, \
                            const cpu::MixedRows& rows, const cpu::DensityOptions& options, bool ode, double* logp, \
                            double* se, double* discrete, double* discrete_se, std::atomic<bool>& abort) SPEC; \
  /* The unfolded network on the training weights, dropout off. */ \
  VIRTUAL void mlp_forward(const cpu::DenoiserModel& model, const float* input, int rows, float* out) SPEC; \
  VIRTUAL void mlp_backward(const cpu::DenoiserModel& model, const float* input, const float* grad_out, int rows, \
                            float* grad_params, float* grad_input) SPEC; \
  /* ---- standalone ops with a CUDA twin (parity tests call them with device 'cuda') ---- */ \
  VIRTUAL void normals(uint64_t seed, uint32_t stream, uint64_t first_row, int rows, uint32_t step, int cols, float* out, \
                       bool reference) SPEC; \
  VIRTUAL void uniforms(uint64_t seed, uint32_t stream, uint64_t first_row, int rows, uint32_t step, int cols, float* out) SPEC; \
  VIRTUAL void forward_noise(const float* x0, int rows, int cols, const int32_t* t, const float* sqrt_abar, \
                             const float* sqrt_1m_abar, int T, uint64_t seed, uint32_t stream, uint64_t row_offset, \
                             uint32_t step, float* xt, float* eps) SPEC; \
  /* observed may be null (every value counts). Returns the loss. */ \
  VIRTUAL double eps_mse(const float* eps_hat, const float* eps, const uint8_t* observed, size_t n, float* grad) SPEC; \
  VIRTUAL void affine_step(float* x, const float* eps_hat, int rows, int cols, const cpu::AffineStep& c, uint64_t seed, \
                           uint64_t row_offset, uint32_t step) SPEC; \
  VIRTUAL void dpm_solver_step(float* x, const float* eps_hat, float* x0_prev, int rows, int cols, const cpu::DpmStep& c) SPEC; \
  /* Inpainting (cpu/inpaint.h): one reverse step t -> prev fused with the substitution, in pass `pass`; */ \
  /* a jump back up from abar_from to abar_to. */ \
  VIRTUAL void inpaint_step(float* x, const float* eps_hat, int rows, int cols, const cpu::AffineStep& c, \
                            const double* alpha_bars, int T, int t, int prev, uint32_t pass, uint64_t seed, \
                            uint64_t row_offset, const cpu::KnownCells& known) SPEC; \
  VIRTUAL void inpaint_jump(float* x, int rows, int cols, double abar_from, double abar_to, uint64_t seed, \
                            uint64_t row_offset, uint32_t step) SPEC; \
  VIRTUAL void adamw_step(float* params, const float* grads, float* m, float* v, size_t n, int64_t step, \
                          const cpu::AdamWConfig& config) SPEC; \
  /* Row-major C = alpha op(A) op(B) + beta C; threads, reference and abortable (split as a fit's GEMMs */ \
  /* are, for tests) apply to the CPU backend. */ \
  VIRTUAL void sgemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float* a, int lda, const float* b, \
                     int ldb, float beta, float* c, int ldc, Precision precision, int threads, bool reference, \
                     bool abortable) SPEC; \
  /* ---- the discrete chains' ops with a CUDA twin (cpu/sedd.h, cpu/multinomial.h) ---- */ \
  VIRTUAL void cat_corrupt(const int32_t* x0, int rows, const CatLayout& L, const double* move, uint64_t seed, \
                           uint64_t row_offset, uint32_t step, uint32_t column_base, int32_t* xt) SPEC; \
  VIRTUAL void cat_init(int32_t* x, int rows, const CatLayout& L, double keep, uint64_t seed, uint64_t row_offset) SPEC; \
  VIRTUAL void sedd_scale_log_scores(float* ls, int ld, const int32_t* x, int rows, const CatLayout& L, \
                                     const double* sigma) SPEC; \
  VIRTUAL double sedd_score_entropy(const float* ls, int ld, const int32_t* xt, const int32_t* x0, int rows, \
                                    const CatLayout& L, const double* sigma, const double* weight, float* grad, \
                                    double* row_loss) SPEC; \
  VIRTUAL void sedd_reverse_step(const float* ls, int ld, int32_t* x, int rows, const CatLayout& L, const sedd::StepCoef& c, \
                                 uint64_t seed, uint64_t row_offset, uint32_t step) SPEC; \
  VIRTUAL double multinomial_loss(const float* logits, int ld, const int32_t* xt, const int32_t* x0, int rows, \
                                  const CatLayout& L, const multinomial::StepCoef* coef, const double* weight, float* grad, \
                                  double* row_loss) SPEC; \
  VIRTUAL void multinomial_step(const float* logits, int ld, int32_t* x, int rows, const CatLayout& L, \
                                const multinomial::StepCoef& c, uint64_t seed, uint64_t row_offset, uint32_t step) SPEC;

class Backend {
 public:
  virtual ~Backend() = default;
  virtual const char* name() const = 0;  // "cpu" or "cuda"
  TD_BACKEND_METHODS(virtual, = 0)
};

}  // namespace backend
}  // namespace td
