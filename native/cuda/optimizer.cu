#include <algorithm>
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

int LossLog::init(size_t values, int progress_interval) {
  values_ = values > 0 ? values : 1;
  interval_ = progress_interval > 0 ? progress_interval : 0;
  // A window's slots (64 without reports), at most 32 MB of them: a longer window is added up
  // over several drains.
  const size_t most = std::max<size_t>(1, (size_t{1} << 22) / values_);
  capacity_ = static_cast<int>(std::min<size_t>(interval_ > 0 ? interval_ : 64, most));
  TDC_CHECK(slots_.alloc(static_cast<size_t>(capacity_) * values_));
  host_.resize(static_cast<size_t>(capacity_) * values_);
  return 0;
}

int DeviceOptimizer::download(float* params, float* m, float* v, float* ema) const {
  TDC_CHECK(p_.download(params, n_));
  TDC_CHECK(m_.download(m, n_));
  TDC_CHECK(v_.download(v, n_));
  if (has_ema_ && ema) TDC_CHECK(e_.download(ema, n_));
  return 0;
}

}  // namespace tdc
