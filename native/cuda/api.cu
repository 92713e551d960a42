// The exported function table of the CUDA backend. Ops take host buffers, copy them to the
// device, run the kernel and copy results back: they exist for parity tests and op-by-op
// debugging; the loops (train, sample) keep everything on the device.
#include <cmath>
#include <cstddef>
#include <cstdarg>
#include <cstdio>
#include <vector>

#include "common.cuh"
#include "cuda_api.h"
#include "gemm.cuh"
#include "inpaint.cuh"
#include "diffusion_ops.cuh"
#include "normals.cuh"
#include "sedd.cuh"
#include "kernels_train.cuh"
#include "mixed_sampler.cuh"
#include "mixed_trainer.cuh"
#include "mlp.cuh"
#include "multinomial.cuh"
#include "sampler.cuh"
#include "trainer.cuh"

namespace tdc {

namespace {
thread_local char g_error[512] = "";
}

void set_error(const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  std::vsnprintf(g_error, sizeof g_error, fmt, args);
  va_end(args);
}

const char* last_error() { return g_error; }

namespace {

int device_count(int* count) {
  *count = 0;
  const cudaError_t err = cudaGetDeviceCount(count);
  if (err != cudaSuccess) {
    *count = 0;
    set_error("no usable CUDA device: %s (%d)", cudaGetErrorString(err), static_cast<int>(err));
    cudaGetLastError();  // clear the sticky-free error so later calls start clean
    return 0;
  }
  return 0;
}

int device_name(int device, char* buf, int len) {
  cudaDeviceProp prop;
  TDC_CHECK(cudaGetDeviceProperties(&prop, device));
  std::snprintf(buf, static_cast<size_t>(len), "%s (sm_%d%d, %.1f GiB)", prop.name, prop.major, prop.minor,
                static_cast<double>(prop.totalGlobalMem) / (1024.0 * 1024.0 * 1024.0));
  return 0;
}

int normals(uint64_t seed, uint32_t stream, uint64_t first_row, int rows, uint32_t step, int cols, float* out) {
  DeviceBuffer<float> d;
  const size_t count = static_cast<size_t>(rows) * cols;
  TDC_CHECK(d.alloc(count));
  launch_normals(seed, stream, first_row, rows, step, cols, d.get(), 0);
  TDC_CHECK_LAUNCH();
  TDC_CHECK(d.download(out, count));
  return 0;
}

int adamw(float* params, const float* grads, float* m, float* v, size_t n, int64_t step, float lr, float beta1,
          float beta2, float eps, float weight_decay) {
  DeviceBuffer<float> dp, dg, dm, dv;
  TDC_CHECK(dp.upload(params, n));
  TDC_CHECK(dg.upload(grads, n));
  TDC_CHECK(dm.upload(m, n));
  TDC_CHECK(dv.upload(v, n));
  const double bc1 = 1.0 - std::pow(static_cast<double>(beta1), static_cast<double>(step));
  const double bc2 = 1.0 - std::pow(static_cast<double>(beta2), static_cast<double>(step));
  launch_adamw(dp.get(), dg.get(), dm.get(), dv.get(), n, static_cast<float>(lr / bc1), static_cast<float>(1.0 / std::sqrt(bc2)),
               1.0f - lr * weight_decay, beta1, beta2, eps, 0);
  TDC_CHECK_LAUNCH();
  TDC_CHECK(dp.download(params, n));
  TDC_CHECK(dm.download(m, n));
  TDC_CHECK(dv.download(v, n));
  return 0;
}

int sgemm(int ta, int tb, int m, int n, int k, float alpha, const float* a, const float* b, float beta, float* c,
          int precision) {
  DeviceBuffer<float> da, db, dc;
  TDC_CHECK(da.upload(a, static_cast<size_t>(m) * k));
  TDC_CHECK(db.upload(b, static_cast<size_t>(k) * n));
  TDC_CHECK(dc.upload(c, static_cast<size_t>(m) * n));
  launch_gemm(ta != 0, tb != 0, m, n, k, alpha, da.get(), ta ? m : k, db.get(), tb ? k : n, beta, dc.get(), n,
              GemmEpilogue(), precision, 0);
  TDC_CHECK_LAUNCH();
  TDC_CHECK(dc.download(c, static_cast<size_t>(m) * n));
  return 0;
}

int mlp_forward(const TdMlpDesc* desc, const float* params, const float* input, int rows, float* out, int precision) {
  DeviceBuffer<float> dp, din;
  TDC_CHECK(dp.upload(params, desc->param_count));
  TDC_CHECK(din.upload(input, static_cast<size_t>(rows) * desc->in[0]));
  DeviceMlp mlp(*desc);
  const float* dout = nullptr;
  if (mlp.forward(dp.get(), din.get(), rows, precision, DropoutArgs(), 0, &dout) != 0) return 1;
  TDC_CHECK(cudaMemcpy(out, dout, static_cast<size_t>(rows) * desc->out[desc->layers - 1] * sizeof(float),
                       cudaMemcpyDeviceToHost));
  return 0;
}

int mlp_backward(const TdMlpDesc* desc, const float* params, const float* input, const float* grad_output, int rows,
                 float* grad_params, float* grad_input) {
  const int out_dim = desc->out[desc->layers - 1];
  DeviceBuffer<float> dp, din, dgo, dgp, dgi;
  TDC_CHECK(dp.upload(params, desc->param_count));
  TDC_CHECK(din.upload(input, static_cast<size_t>(rows) * desc->in[0]));
  TDC_CHECK(dgo.upload(grad_output, static_cast<size_t>(rows) * out_dim));
  TDC_CHECK(dgp.alloc(desc->param_count));
  TDC_CHECK(dgi.alloc(static_cast<size_t>(rows) * desc->in[0]));
  DeviceMlp mlp(*desc);
  const float* dout = nullptr;
  if (mlp.forward(dp.get(), din.get(), rows, TD_PRECISION_FP32, DropoutArgs(), 0, &dout) != 0) return 1;
  if (mlp.backward(dp.get(), din.get(), dgo.get(), rows, dgp.get(), dgi.get(), 0) != 0) return 1;
  TDC_CHECK(dgp.download(grad_params, desc->param_count));
  TDC_CHECK(dgi.download(grad_input, static_cast<size_t>(rows) * desc->in[0]));
  return 0;
}

// Filled slot by slot, by name: a slot that moves in cuda_api.h cannot silently take another
// slot's function (the compiler checks each assignment's type).
TdCudaApi MakeApi() {
  TdCudaApi api{};
  api.abi = TD_CUDA_ABI;
  api.last_error = last_error;
  api.device_count = device_count;
  api.device_name = device_name;
  api.normals = normals;
  api.forward_noise = forward_noise;
  api.affine_step = affine_step;
  api.dpm_step = dpm_step;
  api.eps_mse = eps_mse;
  api.eps_mse_masked = eps_mse_masked;
  api.adamw = adamw;
  api.sgemm = sgemm;
  api.mlp_forward = mlp_forward;
  api.mlp_backward = mlp_backward;
  api.cat_corrupt = cat_corrupt;
  api.cat_init = cat_init;
  api.sedd_scale_log_scores = sedd_scale_log_scores;
  api.sedd_score_entropy = sedd_score_entropy;
  api.sedd_reverse_step = sedd_reverse_step;
  api.multinomial_loss = multinomial_loss;
  api.multinomial_step = multinomial_step;
  api.inpaint_step = inpaint_step;
  api.inpaint_jump = inpaint_jump;
  api.train = train;
  api.sample = sample;
  api.train_mixed = train_mixed;
  api.sample_mixed = sample_mixed;
  return api;
}

static_assert((sizeof(TdCudaApi) - offsetof(TdCudaApi, last_error)) / sizeof(void*) == 26,
              "every function slot of cuda_api.h has its line in MakeApi");
const TdCudaApi kApi = MakeApi();

}  // namespace
}  // namespace tdc

extern "C" __attribute__((visibility("default"))) const TdCudaApi* td_cuda_get_api(uint32_t abi) {
  return abi == TD_CUDA_ABI ? &tdc::kApi : nullptr;
}
