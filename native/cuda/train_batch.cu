#include <algorithm>

#include "../core/philox.h"
#include "kernels_rng.cuh"
#include "kernels_train.cuh"
#include "train_batch.cuh"

namespace tdc {

int GaussianBatch::init(const TdTrainArgs& a, int d, int c, int time_dim, int in_dim) {
  args_ = &a;
  d_ = d;
  c_ = c;
  time_dim_ = time_dim;
  in_dim_ = in_dim;
  const size_t batch = static_cast<size_t>(a.batch_size);
  if (d > 0) TDC_CHECK(x_.upload(a.x, static_cast<size_t>(a.rows) * d));
  if (c > 0) TDC_CHECK(ctx_.upload(a.context, static_cast<size_t>(a.rows) * c));
  TDC_CHECK(table_.upload(a.time_table, static_cast<size_t>(a.T) * time_dim));
  TDC_CHECK(sa_.upload(a.sqrt_alpha_bars, a.T));
  TDC_CHECK(sb_.upload(a.sqrt_one_minus_alpha_bars, a.T));
  TDC_CHECK(input_.alloc(batch * in_dim));
  TDC_CHECK(x0_.alloc(batch * std::max(d, 1)));
  TDC_CHECK(eps_.alloc(batch * std::max(d, 1)));
  TDC_CHECK(t_.alloc(batch));
  return 0;
}

int GaussianBatch::prepare(int64_t k, int lead, cudaStream_t s) {
  const TdTrainArgs& a = *args_;
  launch_assemble_batch(x_.get(), c_ > 0 ? ctx_.get() : nullptr, a.rows, d_, c_, lead, table_.get(), time_dim_, a.T,
                        a.seed, k, a.batch_size, input_.get(), in_dim_, x0_.get(), t_.get(), s);
  TDC_CHECK_LAUNCH();
  if (d_ > 0) {
    launch_forward_noise(x0_.get(), d_, a.batch_size, d_, t_.get(), sa_.get(), sb_.get(), a.seed, td::kStreamTrainNoise,
                         0, static_cast<uint32_t>(k), input_.get(), in_dim_, eps_.get(), s);
    TDC_CHECK_LAUNCH();
  }
  return 0;
}

}  // namespace tdc
