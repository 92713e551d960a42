#include <algorithm>

#include "../core/minibatch.h"
#include "../core/philox.h"
#include "diffusion_ops.cuh"
#include "normals.cuh"
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
  masked_ = a.observed != nullptr && d > 0;
  if (masked_) {
    const size_t cells = static_cast<size_t>(a.rows) * d;
    TDC_CHECK(observed_.upload(a.observed, cells));
    TDC_CHECK(obs_.alloc(batch * d));
    row_counts_.assign(static_cast<size_t>(a.rows), 0);
    for (int64_t r = 0; r < a.rows; ++r) {
      int32_t n = 0;
      for (int j = 0; j < d; ++j) n += a.observed[static_cast<size_t>(r) * d + j] != 0;
      row_counts_[static_cast<size_t>(r)] = n;
    }
  }
  return 0;
}

size_t GaussianBatch::observed_count(int64_t k) const {
  const TdTrainArgs& a = *args_;
  if (!masked_) return static_cast<size_t>(a.batch_size) * d_;
  size_t count = 0;
  for (int i = 0; i < a.batch_size; ++i) count += row_counts_[static_cast<size_t>(td::minibatch_row(a.seed, k, i, a.rows))];
  return count;
}

int GaussianBatch::prepare(int64_t k, int lead, cudaStream_t s) {
  const TdTrainArgs& a = *args_;
  launch_assemble_batch(x_.get(), c_ > 0 ? ctx_.get() : nullptr, a.rows, d_, c_, lead, table_.get(), time_dim_, a.T,
                        a.seed, k, a.batch_size, input_.get(), in_dim_, x0_.get(), t_.get(),
                        masked_ ? observed_.get() : nullptr, masked_ ? obs_.get() : nullptr, s);
  TDC_CHECK_LAUNCH();
  if (d_ > 0) {
    launch_forward_noise(x0_.get(), d_, a.batch_size, d_, t_.get(), sa_.get(), sb_.get(), a.seed, td::kStreamTrainNoise,
                         0, static_cast<uint32_t>(k), input_.get(), in_dim_, eps_.get(), s);
    TDC_CHECK_LAUNCH();
  }
  return 0;
}

}  // namespace tdc
