// The CPU backend: the reference implementation of every op (native/cpu/), on a model's
// worker threads. Ops that have no CUDA twin yet are plain members here ("host ops"); the
// CUDA backend runs its model's host-only work on a CpuBackend too.
#pragma once
#include <vector>

#include "../cpu/gbdt.h"
#include "../cpu/inpaint.h"
#include "../cpu/thread_pool.h"
#include "backend.h"

namespace td {
namespace backend {

class CpuBackend : public Backend {
 public:
  // pool: the model's worker threads (not owned); null runs on the calling thread.
  explicit CpuBackend(ThreadPool* pool) : pool_(pool) {}
  const char* name() const override { return "cpu"; }

  cpu::TrainResult train(cpu::DenoiserModel& model, const cpu::TrainData& data, const cpu::TrainOptions& options,
                         std::atomic<bool>& abort, const cpu::TrainProgress& progress) override;
  bool sample(const cpu::DenoiserModel& model, int64_t n, const cpu::SampleOptions& options, float* out,
              int32_t* out_categorical, std::atomic<bool>& abort, const cpu::SampleProgress& progress) override;
  bool inpaints() const override { return true; }
  void predict_eps(const cpu::DenoiserModel& model, const float* params, const float* x, int rows, int t,
                   const float* context, int64_t context_rows, float* eps_out) override;
  bool evaluate(const cpu::DenoiserModel& model, const float* params, const cpu::TrainData& data, const int32_t* k,
                int draws, uint64_t seed, double* mse, double* cat, double* prior, std::atomic<bool>& abort) override;
  void mlp_forward(const cpu::DenoiserModel& model, const float* input, int rows, float* out) override;
  void mlp_backward(const cpu::DenoiserModel& model, const float* input, const float* grad_out, int rows,
                    float* grad_params, float* grad_input) override;

  void normals(uint64_t seed, uint32_t stream, uint64_t first_row, int rows, uint32_t step, int cols, float* out,
               bool reference) override;
  void uniforms(uint64_t seed, uint32_t stream, uint64_t first_row, int rows, uint32_t step, int cols, float* out) override;
  void forward_noise(const float* x0, int rows, int cols, const int32_t* t, const float* sqrt_abar,
                     const float* sqrt_1m_abar, int T, uint64_t seed, uint32_t stream, uint64_t row_offset, uint32_t step,
                     float* xt, float* eps) override;
  double eps_mse(const float* eps_hat, const float* eps, const uint8_t* observed, size_t n, float* grad) override;
  void affine_step(float* x, const float* eps_hat, int rows, int cols, const cpu::AffineStep& c, uint64_t seed,
                   uint64_t row_offset, uint32_t step) override;
  void dpm_solver_step(float* x, const float* eps_hat, float* x0_prev, int rows, int cols, const cpu::DpmStep& c) override;
  void adamw_step(float* params, const float* grads, float* m, float* v, size_t n, int64_t step,
                  const cpu::AdamWConfig& config) override;
  void sgemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float* a, int lda, const float* b, int ldb,
             float beta, float* c, int ldc, Precision precision, int threads, bool reference) override;

  void cat_corrupt(const int32_t* x0, int rows, const CatLayout& L, const double* move, uint64_t seed, uint64_t row_offset,
                   uint32_t step, uint32_t column_base, int32_t* xt) override;
  void cat_init(int32_t* x, int rows, const CatLayout& L, double keep, uint64_t seed, uint64_t row_offset) override;
  void sedd_scale_log_scores(float* ls, int ld, const int32_t* x, int rows, const CatLayout& L, const double* sigma) override;
  double sedd_score_entropy(const float* ls, int ld, const int32_t* xt, const int32_t* x0, int rows, const CatLayout& L,
                            const double* sigma, const double* weight, float* grad, double* row_loss) override;
  void sedd_reverse_step(const float* ls, int ld, int32_t* x, int rows, const CatLayout& L, const sedd::StepCoef& c,
                         uint64_t seed, uint64_t row_offset, uint32_t step) override;
  double multinomial_loss(const float* logits, int ld, const int32_t* xt, const int32_t* x0, int rows, const CatLayout& L,
                          const multinomial::StepCoef* coef, const double* weight, float* grad, double* row_loss) override;
  void multinomial_step(const float* logits, int ld, int32_t* x, int rows, const CatLayout& L,
                        const multinomial::StepCoef& c, uint64_t seed, uint64_t row_offset, uint32_t step) override;

  // ---- host ops: no CUDA twin yet ----
  void sedd_reverse_rate(const float* ls, int ld, const int32_t* x, int rows, const CatLayout& L, float* rate);
  void sedd_step_probs(const float* ls, int ld, const int32_t* x, int rows, const CatLayout& L, const sedd::StepCoef& c,
                       float* probs);
  void multinomial_step_probs(const float* logits, int ld, const int32_t* x, int rows, const CatLayout& L,
                              const multinomial::StepCoef& c, float* probs);
  // Inpainting (cpu/inpaint.h): one reverse step t -> prev fused with the substitution, in pass `pass`.
  void inpaint_step(float* x, const float* eps_hat, int rows, int cols, const cpu::AffineStep& c, const double* alpha_bars,
                    int T, int t, int prev, uint32_t pass, uint64_t seed, uint64_t row_offset, const cpu::KnownCells& known);
  void inpaint_jump(float* x, int rows, int cols, double abar_from, double abar_to, uint64_t seed, uint64_t row_offset,
                    uint32_t step);
  std::vector<cpu::Move> inpaint_schedule(size_t steps, int jumps, int length, double start);
  // Evaluation (cpu/gbdt.h, cpu/nearest.h); threads > 1 run on a shared pool of that size.
  cpu::GbdtModel gbdt_fit(const double* x, int rows, int features, const double* y, const cpu::GbdtParams& params,
                          int threads);
  void gbdt_predict(const cpu::GbdtModel& model, const double* x, int rows, double* out, int threads);
  void nearest_neighbours(const float* queries, int nq, const float* refs, int nr, int dim, int k, int32_t* index,
                          double* dist2, int threads);

 private:
  ThreadPool* pool_;
};

// The CPU backend of standalone ops (no model, the calling thread).
CpuBackend& Host();

}  // namespace backend
}  // namespace td
