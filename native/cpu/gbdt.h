// Histogram gradient-boosted decision trees (the learner of the utility and detection metrics,
// docs/evaluation.md). XGBoost's "hist" algorithm in its plain form: per-feature quantile bins,
// depth-wise growth to max_depth, second-order gain with L2 (lambda) and min_child_weight, a
// learned direction for missing values (NaN), row and column subsampling per tree.
//
// Determinism: histograms are summed per feature, in row order, by one thread; features and
// bins are scanned in order with strict '>' on the gain; the subsampling draws come from the
// seed only. So the model is the same, bit for bit, whatever the thread count.
#pragma once
#include <cstdint>
#include <vector>

#include "thread_pool.h"

namespace td {
namespace cpu {

enum class GbdtObjective { kSquaredError = 0, kBinaryLogistic = 1, kSoftmax = 2 };

struct GbdtParams {
  GbdtObjective objective = GbdtObjective::kBinaryLogistic;
  int classes = 2;            // kSoftmax only: labels are 0..classes-1
  int rounds = 400;
  double learning_rate = 0.05;
  int max_depth = 6;
  double min_child_weight = 1.0;
  double lambda = 1.0;
  double gamma = 0.0;         // minimum gain of a split
  int max_bins = 255;         // value bins per feature (<= 255; one more holds NaN)
  double subsample = 0.8;     // share of rows per tree
  double colsample = 0.8;     // share of features per tree
  uint64_t seed = 0;
};

// One node of a tree: a leaf when feature < 0. x[feature] <= threshold goes left; NaN goes left
// when default_left.
struct GbdtNode {
  int32_t feature;
  int32_t left;
  int32_t right;
  int32_t default_left;
  double threshold;
  double value;  // leaf output (already scaled by the learning rate)
};

struct GbdtModel {
  int features = 0;
  int outputs = 1;                   // 1, or classes for kSoftmax
  std::vector<double> base_score;    // per output, added to every prediction
  std::vector<int32_t> tree_start;   // first node of each tree; tree t adds to output t % outputs
  std::vector<GbdtNode> nodes;
};

// x: [rows x features] row-major, NaN = missing; y: targets (class index as a double for the
// classification objectives). Throws std::invalid_argument on bad parameters or labels.
GbdtModel gbdt_fit(const double* x, int rows, int features, const double* y, const GbdtParams& params, ThreadPool* pool);

// Raw scores [rows x outputs] (margins: apply the sigmoid / softmax for probabilities).
void gbdt_predict(const GbdtModel& model, const double* x, int rows, double* out, ThreadPool* pool);

}  // namespace cpu
}  // namespace td
