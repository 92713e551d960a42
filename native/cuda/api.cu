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

int forward_noise(const float* x0, int rows, int cols, const int32_t* t, const float* sqrt_abar,
                  const float* sqrt_one_minus_abar, int T, uint64_t seed, uint32_t stream, uint64_t row_offset,
                  uint32_t step, float* xt, float* eps) {
  const size_t count = static_cast<size_t>(rows) * cols;
  DeviceBuffer<float> dx0, dxt, deps, dsa, dsb;
  DeviceBuffer<int32_t> dt;
  TDC_CHECK(dx0.upload(x0, count));
  TDC_CHECK(dt.upload(t, rows));
  TDC_CHECK(dsa.upload(sqrt_abar, T));
  TDC_CHECK(dsb.upload(sqrt_one_minus_abar, T));
  TDC_CHECK(dxt.alloc(count));
  TDC_CHECK(deps.alloc(count));
  launch_forward_noise(dx0.get(), cols, rows, cols, dt.get(), dsa.get(), dsb.get(), seed, stream, row_offset, step,
                       dxt.get(), cols, deps.get(), 0);
  TDC_CHECK_LAUNCH();
  TDC_CHECK(dxt.download(xt, count));
  TDC_CHECK(deps.download(eps, count));
  return 0;
}

int affine_step(float* x, const float* eps_hat, int rows, int cols, float x_coef, float eps_coef, float sigma,
                uint64_t seed, uint64_t row_offset, uint32_t noise_step) {
  const size_t count = static_cast<size_t>(rows) * cols;
  DeviceBuffer<float> dx, de;
  TDC_CHECK(dx.upload(x, count));
  TDC_CHECK(de.upload(eps_hat, count));
  launch_affine_step(dx.get(), de.get(), rows, cols, x_coef, eps_coef, sigma, seed, row_offset, noise_step, 0);
  TDC_CHECK_LAUNCH();
  TDC_CHECK(dx.download(x, count));
  return 0;
}

int dpm_step(float* x, const float* eps_hat, float* x0_prev, int rows, int cols, const float* coefs6) {
  const size_t count = static_cast<size_t>(rows) * cols;
  DeviceBuffer<float> dx, de, dp;
  TDC_CHECK(dx.upload(x, count));
  TDC_CHECK(de.upload(eps_hat, count));
  TDC_CHECK(dp.upload(x0_prev, count));
  launch_dpm_step(dx.get(), de.get(), dp.get(), count, coefs6, 0);
  TDC_CHECK_LAUNCH();
  TDC_CHECK(dx.download(x, count));
  TDC_CHECK(dp.download(x0_prev, count));
  return 0;
}

int eps_mse(const float* eps_hat, const float* eps, size_t n, double* loss, float* grad) {
  DeviceBuffer<float> dh, de, dg;
  DeviceBuffer<double> partial;
  TDC_CHECK(dh.upload(eps_hat, n));
  TDC_CHECK(de.upload(eps, n));
  TDC_CHECK(dg.alloc(n));
  const size_t blocks = reduce_blocks(n);
  TDC_CHECK(partial.alloc(blocks));
  launch_eps_mse(dh.get(), de.get(), n, dg.get(), partial.get(), 0);
  TDC_CHECK_LAUNCH();
  std::vector<double> host(blocks);
  TDC_CHECK(partial.download(host.data(), blocks));
  double total = 0.0;
  for (double p : host) total += p;
  *loss = n > 0 ? total / static_cast<double>(n) : 0.0;
  TDC_CHECK(dg.download(grad, n));
  return 0;
}

int eps_mse_masked(const float* eps_hat, const float* eps, const uint8_t* observed, size_t n, double* loss, float* grad) {
  DeviceBuffer<float> dh, de, dg;
  DeviceBuffer<uint8_t> dm;
  DeviceBuffer<double> partial;
  TDC_CHECK(dh.upload(eps_hat, n));
  TDC_CHECK(de.upload(eps, n));
  TDC_CHECK(dm.upload(observed, n));
  TDC_CHECK(dg.alloc(n));
  size_t count = 0;
  for (size_t i = 0; i < n; ++i) count += observed[i] != 0;
  const size_t blocks = reduce_blocks(n);
  TDC_CHECK(partial.alloc(blocks));
  launch_eps_mse_masked(dh.get(), de.get(), dm.get(), n, count, dg.get(), partial.get(), 0);
  TDC_CHECK_LAUNCH();
  std::vector<double> host(blocks);
  TDC_CHECK(partial.download(host.data(), blocks));
  double total = 0.0;
  for (double p : host) total += p;
  *loss = count > 0 ? total / static_cast<double>(count) : 0.0;
  TDC_CHECK(dg.download(grad, n));
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
  api.train = train;
  api.sample = sample;
  api.train_mixed = train_mixed;
  api.sample_mixed = sample_mixed;
  return api;
}

static_assert((sizeof(TdCudaApi) - offsetof(TdCudaApi, last_error)) / sizeof(void*) == 24,
              "every function slot of cuda_api.h has its line in MakeApi");
const TdCudaApi kApi = MakeApi();

}  // namespace
}  // namespace tdc

extern "C" __attribute__((visibility("default"))) const TdCudaApi* td_cuda_get_api(uint32_t abi) {
  return abi == TD_CUDA_ABI ? &tdc::kApi : nullptr;
}
