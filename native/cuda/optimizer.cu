#include <cmath>

#include "kernels_train.cuh"
#include "optimizer.cuh"

namespace tdc {

int DeviceOptimizer::init(const TdTrainArgs& args, size_t n_params, const float* params, const float* m,
                          const float* v, const float* ema) {
  args_ = &args;
  n_ = n_params;
  TDC_CHECK(p_.upload(params, n_params));
  TDC_CHECK(m_.upload(m, n_params));
  TDC_CHECK(v_.upload(v, n_params));
  has_ema_ = ema != nullptr;
  if (has_ema_) TDC_CHECK(e_.upload(ema, n_params));
  TDC_CHECK(grads_.alloc(n_params));
  TDC_CHECK(partial_.alloc(reduce_blocks(n_params)));
  host_partial_.resize(reduce_blocks(n_params));
  return 0;
}

int DeviceOptimizer::apply(int64_t local, int64_t* step, cudaStream_t s) {
  const TdTrainArgs& a = *args_;
  if (a.max_grad_norm > 0.0) {
    launch_sum_squares(grads_.get(), n_, partial_.get(), s);
    TDC_CHECK_LAUNCH();
    TDC_CHECK(cudaMemcpy(host_partial_.data(), partial_.get(), host_partial_.size() * sizeof(double),
                         cudaMemcpyDeviceToHost));
    double sum = 0.0;
    for (double q : host_partial_) sum += q;  // in block order: the same total on every run
    const double factor = a.max_grad_norm / (std::sqrt(sum) + 1e-6);
    if (factor < 1.0) {
      launch_scale(grads_.get(), n_, static_cast<float>(factor), s);
      TDC_CHECK_LAUNCH();
    }
  }
  float lr = a.lr;
  if (a.lr_decay_total > 0) {
    const double frac = static_cast<double>(a.lr_decay_offset + local) / static_cast<double>(a.lr_decay_total);
    lr = static_cast<float>(a.lr * (frac < 1.0 ? 1.0 - frac : 0.0));
  }
  *step += 1;
  const double bc1 = 1.0 - std::pow(static_cast<double>(a.beta1), static_cast<double>(*step));
  const double bc2 = 1.0 - std::pow(static_cast<double>(a.beta2), static_cast<double>(*step));
  launch_adamw(p_.get(), grads_.get(), m_.get(), v_.get(), n_, static_cast<float>(lr / bc1),
               static_cast<float>(1.0 / std::sqrt(bc2)), 1.0f - lr * a.weight_decay, a.beta1, a.beta2, a.eps, s);
  TDC_CHECK_LAUNCH();
  if (has_ema_) {
    launch_ema(e_.get(), p_.get(), n_, a.ema_decay, s);
    TDC_CHECK_LAUNCH();
  }
  return 0;
}

void DeviceOptimizer::report(double loss, TdProgressFn progress, void* user, double* last_loss, int64_t* steps_done) {
  *steps_done += 1;
  *last_loss = loss;
  window_ += loss;
  window_steps_ += 1;
  if (args_->progress_interval > 0 && *steps_done % args_->progress_interval == 0) {
    if (progress) progress(user, static_cast<double>(*steps_done), window_ / window_steps_);
    window_ = 0.0;
    window_steps_ = 0;
  }
}

int DeviceOptimizer::download(float* params, float* m, float* v, float* ema) const {
  TDC_CHECK(p_.download(params, n_));
  TDC_CHECK(m_.download(m, n_));
  TDC_CHECK(v_.download(v, n_));
  if (has_ema_ && ema) TDC_CHECK(e_.download(ema, n_));
  return 0;
}

}  // namespace tdc
