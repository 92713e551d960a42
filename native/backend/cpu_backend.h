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

  TD_BACKEND_METHODS(, override)

  // ---- host ops: no CUDA twin yet ----
  void sedd_reverse_rate(const float* ls, int ld, const int32_t* x, int rows, const CatLayout& L, float* rate);
  void sedd_step_probs(const float* ls, int ld, const int32_t* x, int rows, const CatLayout& L, const sedd::StepCoef& c,
                       float* probs);
  void multinomial_step_probs(const float* logits, int ld, const int32_t* x, int rows, const CatLayout& L,
                              const multinomial::StepCoef& c, float* probs);
  // Inpainting's schedule (cpu/inpaint.h); the plan, computed on the host for either backend.
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
