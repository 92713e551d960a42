/* The C ABI between the CPU addon and the CUDA backend library (libtabular_diffusion_cuda.so).
 *
 * The addon never links CUDA: it dlopen()s the library from its own folder at run time and asks
 * td_cuda_get_api() for this table. Every entry returns 0 on success or a nonzero code, with a
 * message from last_error(). Host pointers in, host pointers out: the library owns all device
 * memory, so a failure on the GPU can never leave the addon with a dangling device pointer.
 *
 * Plain C, so the table is stable across compilers; bump TD_CUDA_ABI on any change. */
#ifndef TD_CUDA_API_H
#define TD_CUDA_API_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TD_CUDA_ABI 5
#define TD_CUDA_MAX_LAYERS 66

enum TdPrecision { TD_PRECISION_FP32 = 0, TD_PRECISION_BF16 = 1, TD_PRECISION_FP16 = 2 };

/* The MLP: layer l maps in[l] -> out[l]; weights [in x out] row-major at weight_offset, bias at
 * bias_offset, in one flat float buffer of param_count floats (the CPU layout). */
typedef struct {
  int layers;
  int in[TD_CUDA_MAX_LAYERS];
  int out[TD_CUDA_MAX_LAYERS];
  size_t weight_offset[TD_CUDA_MAX_LAYERS];
  size_t bias_offset[TD_CUDA_MAX_LAYERS];
  size_t param_count;
  int activation; /* 0 SiLU, 1 ReLU */
  int data_dim, context_dim, time_dim;
} TdMlpDesc;

/* One visit of inpainting's schedule (cpu/inpaint.h Move), its coefficients computed by the CPU
 * code: a reverse step k, or a jump back up before a block is repeated. */
typedef struct {
  int k;                      /* the step: index into timesteps, first_bias and step_coefs */
  int up;                     /* 1: a jump back up (x <- jump_a x + jump_s z), 0: reverse step k */
  uint32_t noise_step;        /* the visit's draws: timesteps[k] + T * pass (cpu/inpaint.h visit_step) */
  float renoise_a, renoise_s; /* steps: observed cells become renoise_a * known + renoise_s * z */
  float jump_a, jump_s;       /* jumps: the Gaussian chain's forward kernel back up */
  double cat_move;            /* jumps of mixed models: each class cell's move probability */
} TdMove;

/* One sampling job. The per-step plan is computed by the CPU code (the reference) and handed
 * over, so both backends run the same coefficients. */
typedef struct {
  int64_t n;
  uint64_t seed;
  uint64_t row_offset;
  int steps;
  const int32_t* timesteps;   /* [steps], the noise step index of each update */
  const float* first_bias;    /* [steps x hidden0]: b0 + time (and broadcast context) term */
  const float* step_coefs;    /* [steps x 6]: sampler-specific, see sampler kind */
  int sampler;                /* 0 affine (DDPM/DDIM: x_coef, eps_coef, sigma), 1 DPM-Solver++ */
  const float* context;       /* [n x context_dim] per-row context, or NULL */
  int chunk_rows;
  int precision;
  /* Inpainting (cpu/inpaint.h), or all NULL: observed cells of the numeric matrix in the
   * transformed space ([known_rows x numeric cols], read where known_mask is 1; known_rows 1
   * broadcasts) held on the chain, which follows `moves` instead of one visit per step. */
  const float* known_values;
  const uint8_t* known_mask;
  int64_t known_rows;
  const TdMove* moves;
  int move_count;
} TdSampleArgs;

typedef struct {
  const float* x; /* [rows x data_dim] */
  const float* context; /* [rows x context_dim] or NULL */
  int64_t rows;
  const float* sqrt_alpha_bars; /* [T] */
  const float* sqrt_one_minus_alpha_bars;
  const float* time_table; /* [T x time_dim] */
  int T;
  int batch_size;
  int64_t steps;
  float lr, beta1, beta2, eps, weight_decay;
  int64_t lr_decay_total, lr_decay_offset;
  double max_grad_norm;
  float ema_decay;
  uint64_t seed;
  int progress_interval;
  float dropout;
  /* Missing values: [rows x numeric columns] 1 = observed, 0 = gap, or NULL (all observed). The
   * eps-MSE runs over the batch's observed cells only (cpu/diffusion_ops.h eps_mse_masked). */
  const uint8_t* observed;
} TdTrainArgs;

/* Categorical layout (core/categorical_spec.h CatLayout): class count and first state of each column
 * within a row's categorical block of `total` states; graph 0 uniform (and multinomial), 1 absorbing. */
typedef struct {
  const int32_t* classes;
  const int32_t* offsets;
  int cols;
  int total;
  int graph;
} TdCatLayout;

/* One SEDD reverse step (core/sedd_graph.h StepCoef). */
typedef struct {
  double delta_em1, delta_move, euler_h;
  int euler, final_step;
} TdSeddStep;

/* One multinomial step: a = abar_k / abar_prev, b = abar_prev. */
typedef struct {
  double a, b;
} TdMultinomialStep;

/* The categorical part of a mixed-type model (core/categorical_spec.h): the network's input and output
 * are [numeric (data_dim - layout.total) | one block of states per categorical column]. */
typedef struct {
  TdCatLayout layout;
  int method; /* 0 SEDD (graph in layout), 1 multinomial */
  /* Training: x0 classes [rows x layout.cols], per noise step k of T the SEDD sigma_bar, its
   * rate and the resampling probability (move, also multinomial's), multinomial's step
   * coefficients, and the loss scale of the categorical term (see cpu/mixed_trainer.cpp). */
  const int32_t* categorical;
  const double* sigma;
  const double* rate;
  const double* move;
  const TdMultinomialStep* coef;
  double cat_scale;
  /* Sampling: per step, SEDD's sigma_bar at the step's time and step coefficients, or the
   * multinomial step; the chain start's keep probability; classes held fixed ([fixed_rows x
   * layout.cols], -1 = free; fixed_rows 1 broadcasts) or NULL. */
  const double* step_sigma;
  const TdSeddStep* sedd_steps;
  const TdMultinomialStep* multinomial_steps;
  double keep;
  const int32_t* fixed;
  int64_t fixed_rows;
} TdMixedArgs;

typedef void (*TdProgressFn)(void* user, double a, double b);
/* Polled between steps (training) or chunks and steps (sampling): nonzero stops the job. */
typedef int (*TdShouldStopFn)(void* user);

typedef struct {
  uint32_t abi;
  const char* (*last_error)(void);
  /* Number of usable devices; 0 with a message when there is no driver or GPU. */
  int (*device_count)(int* count);
  int (*device_name)(int device, char* buf, int len);

  /* Ops, for parity tests against the CPU backend. */
  int (*normals)(uint64_t seed, uint32_t stream, uint64_t first_row, int rows, uint32_t step, int cols, float* out);
  int (*forward_noise)(const float* x0, int rows, int cols, const int32_t* t, const float* sqrt_abar,
                       const float* sqrt_one_minus_abar, int T, uint64_t seed, uint32_t stream, uint64_t row_offset,
                       uint32_t step, float* xt, float* eps);
  int (*affine_step)(float* x, const float* eps_hat, int rows, int cols, float x_coef, float eps_coef, float sigma,
                     uint64_t seed, uint64_t row_offset, uint32_t noise_step);
  int (*dpm_step)(float* x, const float* eps_hat, float* x0_prev, int rows, int cols, const float* coefs6);
  int (*eps_mse)(const float* eps_hat, const float* eps, size_t n, double* loss, float* grad);
  /* eps_mse over the cells with observed[i] = 1; gaps get a zero gradient. */
  int (*eps_mse_masked)(const float* eps_hat, const float* eps, const uint8_t* observed, size_t n, double* loss,
                        float* grad);
  int (*adamw)(float* params, const float* grads, float* m, float* v, size_t n, int64_t step, float lr, float beta1,
               float beta2, float eps, float weight_decay);
  int (*sgemm)(int trans_a, int trans_b, int m, int n, int k, float alpha, const float* a, const float* b, float beta,
               float* c, int precision);
  int (*mlp_forward)(const TdMlpDesc* desc, const float* params, const float* input, int rows, float* out,
                     int precision);
  int (*mlp_backward)(const TdMlpDesc* desc, const float* params, const float* input, const float* grad_output,
                      int rows, float* grad_params, float* grad_input);

  /* Discrete-chain kernels (twins of cpu/sedd.h and cpu/multinomial.h). Score and
   * logit matrices have row stride ld; losses return per-row sums and the weighted total. */
  int (*cat_corrupt)(const int32_t* x0, int rows, const TdCatLayout* layout, const double* move, uint64_t seed,
                     uint64_t row_offset, uint32_t step, uint32_t column_base, int32_t* xt);
  int (*cat_init)(int32_t* x, int rows, const TdCatLayout* layout, double keep, uint64_t seed, uint64_t row_offset);
  int (*sedd_scale_log_scores)(float* ls, int ld, const int32_t* x, int rows, const TdCatLayout* layout,
                               const double* sigma);
  int (*sedd_score_entropy)(const float* ls, int ld, const int32_t* xt, const int32_t* x0, int rows,
                            const TdCatLayout* layout, const double* sigma, const double* weight, float* grad,
                            double* row_loss, double* total);
  int (*sedd_reverse_step)(const float* ls, int ld, int32_t* x, int rows, const TdCatLayout* layout,
                           const TdSeddStep* coef, uint64_t seed, uint64_t row_offset, uint32_t step);
  int (*multinomial_loss)(const float* logits, int ld, const int32_t* xt, const int32_t* x0, int rows,
                          const TdCatLayout* layout, const TdMultinomialStep* coef, const double* weight, float* grad,
                          double* row_loss, double* total);
  int (*multinomial_step)(const float* logits, int ld, int32_t* x, int rows, const TdCatLayout* layout,
                          const TdMultinomialStep* coef, uint64_t seed, uint64_t row_offset, uint32_t step);
  /* Inpainting (twins of cpu/inpaint.h): the affine step fused with the substitution of the
   * observed cells (known_rows 1 broadcasts), and a jump back up (draws at noise_step | jump bit). */
  int (*inpaint_step)(float* x, const float* eps_hat, int rows, int cols, float x_coef, float eps_coef, float sigma,
                      uint64_t seed, uint64_t row_offset, uint32_t noise_step, const float* known_values,
                      const uint8_t* known_mask, int64_t known_rows, float renoise_a, float renoise_s);
  int (*inpaint_jump)(float* x, int rows, int cols, float jump_a, float jump_s, uint64_t seed, uint64_t row_offset,
                      uint32_t noise_step);

  /* Whole loops; `user` is passed to both callbacks. sample returns 2 when stopped. */
  int (*train)(const TdMlpDesc* desc, float* params, float* adam_m, float* adam_v, float* ema, int64_t* step,
               const TdTrainArgs* args, TdShouldStopFn should_stop, TdProgressFn progress, void* user,
               double* last_loss, int64_t* steps_done);
  int (*sample)(const TdMlpDesc* desc, const float* params, const TdSampleArgs* args, float* out,
                TdShouldStopFn should_stop, TdProgressFn progress, void* user);
  /* Mixed-type models: the same loops with the categorical chain beside the Gaussian one. */
  int (*train_mixed)(const TdMlpDesc* desc, const TdMixedArgs* mixed, float* params, float* adam_m, float* adam_v,
                     float* ema, int64_t* step, const TdTrainArgs* args, TdShouldStopFn should_stop,
                     TdProgressFn progress, void* user, double* last_loss, int64_t* steps_done);
  int (*sample_mixed)(const TdMlpDesc* desc, const TdMixedArgs* mixed, const float* params, const TdSampleArgs* args,
                      float* out_numeric, int32_t* out_categorical, TdShouldStopFn should_stop, TdProgressFn progress,
                      void* user);
} TdCudaApi;

/* Returns the table when the library speaks `abi`, else NULL. */
const TdCudaApi* td_cuda_get_api(uint32_t abi);
typedef const TdCudaApi* (*TdCudaGetApiFn)(uint32_t abi);

#ifdef __cplusplus
}
#endif

#endif
