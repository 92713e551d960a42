#include "gbdt.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>

#include "guarded_for.h"

namespace td {
namespace cpu {

namespace {

constexpr int kMissing = 255;  // the bin of NaN; value bins are 0..max_bins-1 <= 254
constexpr int kHistBins = 256;
constexpr int kRowChunk = 4096;
constexpr int64_t kSerialCells = 1 << 16;

void run(ThreadPool* pool, int tasks, const std::function<void(int, int)>& fn) { guarded_for(pool, tasks, fn); }

int row_chunks(int rows) { return (rows + kRowChunk - 1) / kRowChunk; }

// splitmix64: the subsampling draws (a function of the seed, round and output only).
struct SplitMix {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
};

// Quantile bins of every feature: bin b holds x <= cuts[b] (and > cuts[b-1]); the last value
// bin holds x > every cut. Cuts are data values, so a split's threshold is exact.
struct Binned {
  std::vector<std::vector<double>> cuts;
  std::vector<uint8_t> bins;  // [features x rows]
};

Binned make_bins(const double* x, int rows, int features, int max_bins, ThreadPool* pool) {
  Binned b;
  b.cuts.resize(features);
  b.bins.resize(static_cast<size_t>(features) * rows);
  run(pool, features, [&](int f, int) {
    std::vector<double> v;
    v.reserve(rows);
    for (int i = 0; i < rows; ++i) {
      const double xi = x[static_cast<size_t>(i) * features + f];
      if (!std::isnan(xi)) v.push_back(xi);
    }
    std::sort(v.begin(), v.end());
    std::vector<double>& cuts = b.cuts[f];
    if (!v.empty()) {
      const double top = v.back();
      size_t unique = 1;
      for (size_t i = 1; i < v.size(); ++i) unique += v[i] != v[i - 1];
      if (unique <= static_cast<size_t>(max_bins)) {
        for (size_t i = 0; i < v.size(); ++i) {
          if (v[i] != top && (cuts.empty() || v[i] != cuts.back())) cuts.push_back(v[i]);
        }
      } else {
        for (int q = 1; q < max_bins; ++q) {
          const double c = v[static_cast<size_t>(q) * v.size() / static_cast<size_t>(max_bins)];
          if (c != top && (cuts.empty() || c > cuts.back())) cuts.push_back(c);
        }
      }
    }
    uint8_t* out = b.bins.data() + static_cast<size_t>(f) * rows;
    for (int i = 0; i < rows; ++i) {
      const double xi = x[static_cast<size_t>(i) * features + f];
      out[i] = std::isnan(xi) ? kMissing
                              : static_cast<uint8_t>(std::lower_bound(cuts.begin(), cuts.end(), xi) - cuts.begin());
    }
  });
  return b;
}

struct GH {
  double g;
  double h;
};

struct Split {
  double gain = 0;
  int feature = -1;
  int bin = 0;
  bool default_left = true;
};

struct Open {
  int node = 0;   // index into the tree being grown
  int begin = 0;  // its rows: order[begin, end)
  int end = 0;
  double G = 0;
  double H = 0;
  std::vector<GH> hist;  // [features x kHistBins], filled for the sampled features
};

inline double score(double g, double h, double lambda) { return g * g / (h + lambda); }

class TreeBuilder {
 public:
  TreeBuilder(const Binned& binned, int rows, int features, const GbdtParams& p, ThreadPool* pool)
      : b_(binned), rows_(rows), features_(features), p_(p), pool_(pool) {}

  // Grows one tree on rows `order` with gradients g/h; appends its nodes to `nodes`.
  void grow(std::vector<int>& order, const std::vector<int>& feats, const double* g, const double* h,
            std::vector<GbdtNode>& nodes) {
    const int base = static_cast<int>(nodes.size());
    nodes.push_back(leaf(0));
    std::vector<Open> level(1);
    level[0].node = base;
    level[0].begin = 0;
    level[0].end = static_cast<int>(order.size());
    for (int i : order) {
      level[0].G += g[i];
      level[0].H += h[i];
    }
    level[0].hist.assign(static_cast<size_t>(features_) * kHistBins, GH{0, 0});
    std::vector<Open*> build = {&level[0]};
    fill_histograms(build, order, feats, g, h);

    for (int depth = 0; !level.empty(); ++depth) {
      std::vector<Open> next;
      std::vector<Open*> to_build;
      std::vector<std::pair<size_t, size_t>> subtract;  // (built child, derived child) in next
      for (Open& o : level) {
        const Split s = depth < p_.max_depth ? best_split(o, feats) : Split{};
        if (s.feature < 0) {
          // No rows (an empty subsample) or no curvature with lambda = 0: a zero leaf, not NaN.
          nodes[o.node] = leaf(o.H + p_.lambda > 0 ? -o.G / (o.H + p_.lambda) * p_.learning_rate : 0.0);
          continue;
        }
        const int mid = partition(order, o, s);
        GbdtNode& n = nodes[o.node];
        n.feature = s.feature;
        n.default_left = s.default_left ? 1 : 0;
        const std::vector<double>& cuts = b_.cuts[s.feature];
        n.threshold = s.bin < static_cast<int>(cuts.size()) ? cuts[s.bin] : std::numeric_limits<double>::infinity();
        n.left = static_cast<int>(nodes.size());
        n.right = n.left + 1;
        const int left = n.left, right = n.right;
        nodes.push_back(leaf(0));
        nodes.push_back(leaf(0));
        Open l, r;
        l.node = left;
        l.begin = o.begin;
        l.end = mid;
        r.node = right;
        r.begin = mid;
        r.end = o.end;
        for (int k = l.begin; k < l.end; ++k) {
          l.G += g[order[k]];
          l.H += h[order[k]];
        }
        r.G = o.G - l.G;
        r.H = o.H - l.H;
        // The smaller child's histogram is summed; the larger one's is the parent's minus it.
        const bool left_small = (l.end - l.begin) <= (r.end - r.begin);
        Open& small = left_small ? l : r;
        small.hist.assign(static_cast<size_t>(features_) * kHistBins, GH{0, 0});
        Open& large = left_small ? r : l;
        large.hist = std::move(o.hist);
        next.push_back(std::move(l));
        next.push_back(std::move(r));
        const size_t si = next.size() - (left_small ? 2 : 1), li = next.size() - (left_small ? 1 : 2);
        subtract.emplace_back(si, li);
      }
      to_build.reserve(subtract.size());
      for (auto& sl : subtract) to_build.push_back(&next[sl.first]);
      fill_histograms(to_build, order, feats, g, h);
      for (auto& sl : subtract) {
        std::vector<GH>& small = next[sl.first].hist;
        std::vector<GH>& large = next[sl.second].hist;
        for (int f : feats) {
          for (int k = 0; k < kHistBins; ++k) {
            const size_t at = static_cast<size_t>(f) * kHistBins + k;
            large[at].g -= small[at].g;
            large[at].h -= small[at].h;
          }
        }
      }
      level = std::move(next);
    }
  }

 private:
  static GbdtNode leaf(double value) { return GbdtNode{-1, -1, -1, 1, 0.0, value}; }

  // One task per (node, feature): each histogram entry is summed in row order by one thread.
  void fill_histograms(const std::vector<Open*>& opens, const std::vector<int>& order, const std::vector<int>& feats,
                       const double* g, const double* h) {
    const int nf = static_cast<int>(feats.size());
    run(pool_, static_cast<int>(opens.size()) * nf, [&](int task, int) {
      Open& o = *opens[task / nf];
      const int f = feats[task % nf];
      GH* hist = o.hist.data() + static_cast<size_t>(f) * kHistBins;
      const uint8_t* col = b_.bins.data() + static_cast<size_t>(f) * rows_;
      for (int k = o.begin; k < o.end; ++k) {
        const int i = order[k];
        GH& e = hist[col[i]];
        e.g += g[i];
        e.h += h[i];
      }
    });
  }

  Split best_split(const Open& o, const std::vector<int>& feats) const {
    Split best;
    const double lambda = p_.lambda, mcw = p_.min_child_weight;
    const double parent = score(o.G, o.H, lambda);
    auto consider = [&](double gl, double hl, double gr, double hr, int f, int bin, bool dl) {
      if (hl < mcw || hr < mcw) return;
      const double gain = 0.5 * (score(gl, hl, lambda) + score(gr, hr, lambda) - parent) - p_.gamma;
      if (gain > best.gain) best = Split{gain, f, bin, dl};
    };
    for (int f : feats) {
      const GH* hist = o.hist.data() + static_cast<size_t>(f) * kHistBins;
      const int nb = static_cast<int>(b_.cuts[f].size()) + 1;
      const double gm = hist[kMissing].g, hm = hist[kMissing].h;
      const bool has_missing = hm > 0;
      double gl = 0, hl = 0;
      for (int bin = 0; bin < nb; ++bin) {
        gl += hist[bin].g;
        hl += hist[bin].h;
        const double gr = o.G - gl - gm, hr = o.H - hl - hm;
        if (bin < nb - 1) {
          if (has_missing) {
            consider(gl + gm, hl + hm, gr, hr, f, bin, true);
            consider(gl, hl, gr + gm, hr + hm, f, bin, false);
          } else {
            // No NaN seen here: unseen NaN follows the heavier side.
            consider(gl, hl, gr, hr, f, bin, hl >= hr);
          }
        } else if (has_missing) {
          consider(gl, hl, gm, hm, f, bin, false);  // every value left, NaN right
        }
      }
    }
    return best;
  }

  // Stable partition of the node's rows: left rows first. Returns the first right row.
  int partition(std::vector<int>& order, const Open& o, const Split& s) {
    const uint8_t* col = b_.bins.data() + static_cast<size_t>(s.feature) * rows_;
    scratch_.clear();
    int out = o.begin;
    for (int k = o.begin; k < o.end; ++k) {
      const int i = order[k];
      const int bin = col[i];
      const bool left = bin == kMissing ? s.default_left : bin <= s.bin;
      if (left) order[out++] = i;
      else scratch_.push_back(i);
    }
    std::copy(scratch_.begin(), scratch_.end(), order.begin() + out);
    return out;
  }

  const Binned& b_;
  const int rows_;
  const int features_;
  const GbdtParams& p_;
  ThreadPool* pool_;
  std::vector<int> scratch_;
};

void check_params(const GbdtParams& p, int rows, int features) {
  auto bad = [](const std::string& what) { throw std::invalid_argument(what); };
  if (rows < 1) bad("rows: needs at least one row");
  if (features < 1) bad("features: needs at least one feature");
  if (p.rounds < 0) bad("rounds: must be >= 0");
  if (!(p.learning_rate > 0) || !std::isfinite(p.learning_rate)) bad("learningRate: must be > 0");
  if (p.max_depth < 0 || p.max_depth > 30) bad("maxDepth: must be in [0, 30]");
  if (!(p.min_child_weight >= 0) || !std::isfinite(p.min_child_weight)) bad("minChildWeight: must be >= 0");
  if (!(p.lambda >= 0) || !std::isfinite(p.lambda)) bad("lambda: must be >= 0");
  if (!(p.gamma >= 0) || !std::isfinite(p.gamma)) bad("gamma: must be >= 0");
  if (p.max_bins < 2 || p.max_bins > 255) bad("maxBins: must be in [2, 255]");
  if (!(p.subsample > 0 && p.subsample <= 1)) bad("subsample: must be in (0, 1]");
  if (!(p.colsample > 0 && p.colsample <= 1)) bad("colsample: must be in (0, 1]");
  if (p.objective == GbdtObjective::kSoftmax && (p.classes < 2 || p.classes > 4096)) bad("classes: must be in [2, 4096]");
}

void check_labels(const double* y, int rows, const GbdtParams& p) {
  for (int i = 0; i < rows; ++i) {
    const double v = y[i];
    if (!std::isfinite(v)) throw std::invalid_argument("y: value at index " + std::to_string(i) + " is not finite");
    if (p.objective == GbdtObjective::kBinaryLogistic && v != 0 && v != 1) {
      throw std::invalid_argument("y: binary labels must be 0 or 1; index " + std::to_string(i) + " is not");
    }
    if (p.objective == GbdtObjective::kSoftmax && (v < 0 || v >= p.classes || v != std::floor(v))) {
      throw std::invalid_argument("y: class labels must be integers in [0, classes); index " + std::to_string(i) + " is not");
    }
  }
}

std::vector<double> base_scores(const double* y, int rows, const GbdtParams& p, int outputs) {
  std::vector<double> base(outputs, 0.0);
  if (p.objective == GbdtObjective::kSquaredError) {
    double s = 0;
    for (int i = 0; i < rows; ++i) s += y[i];
    base[0] = s / rows;
  } else if (p.objective == GbdtObjective::kBinaryLogistic) {
    double s = 0;
    for (int i = 0; i < rows; ++i) s += y[i];
    const double q = std::min(std::max(s / rows, 1e-6), 1 - 1e-6);
    base[0] = std::log(q / (1 - q));
  } else {
    std::vector<double> count(outputs, 0.0);
    for (int i = 0; i < rows; ++i) count[static_cast<int>(y[i])] += 1;
    for (int k = 0; k < outputs; ++k) base[k] = std::log(std::max(count[k] / rows, 1e-6));
  }
  return base;
}

// Gradients and hessians of the loss at the current margins, per output ([outputs x rows]).
void gradients(const GbdtParams& p, const double* y, const std::vector<double>& margin, int rows, int outputs,
               std::vector<double>& g, std::vector<double>& h, ThreadPool* pool) {
  run(pool, row_chunks(rows), [&](int c, int) {
    const int end = std::min(rows, (c + 1) * kRowChunk);
    for (int i = c * kRowChunk; i < end; ++i) {
      const double* m = margin.data() + static_cast<size_t>(i) * outputs;
      if (p.objective == GbdtObjective::kSquaredError) {
        g[i] = m[0] - y[i];
        h[i] = 1.0;
      } else if (p.objective == GbdtObjective::kBinaryLogistic) {
        const double q = 1.0 / (1.0 + std::exp(-m[0]));
        g[i] = q - y[i];
        h[i] = std::max(q * (1 - q), 1e-16);
      } else {
        double top = m[0];
        for (int k = 1; k < outputs; ++k) top = std::max(top, m[k]);
        double z = 0;
        for (int k = 0; k < outputs; ++k) z += std::exp(m[k] - top);
        for (int k = 0; k < outputs; ++k) {
          const double q = std::exp(m[k] - top) / z;
          const size_t at = static_cast<size_t>(k) * rows + i;
          g[at] = q - (static_cast<int>(y[i]) == k ? 1.0 : 0.0);
          h[at] = std::max(2 * q * (1 - q), 1e-16);
        }
      }
    }
  });
}

inline double tree_value(const GbdtNode* nodes, int at, const double* row) {
  while (nodes[at].feature >= 0) {
    const GbdtNode& n = nodes[at];
    const double v = row[n.feature];
    at = std::isnan(v) ? (n.default_left ? n.left : n.right) : (v <= n.threshold ? n.left : n.right);
  }
  return nodes[at].value;
}

}  // namespace

GbdtModel gbdt_fit(const double* x, int rows, int features, const double* y, const GbdtParams& params, ThreadPool* pool) {
  check_params(params, rows, features);
  // Small tables: waking threads for every node costs more than it saves (and only the speed changes).
  if (static_cast<int64_t>(rows) * features < kSerialCells) pool = nullptr;
  check_labels(y, rows, params);
  GbdtModel model;
  model.features = features;
  model.outputs = params.objective == GbdtObjective::kSoftmax ? params.classes : 1;
  const int outputs = model.outputs;
  model.base_score = base_scores(y, rows, params, outputs);

  const Binned binned = make_bins(x, rows, features, params.max_bins, pool);
  std::vector<double> margin(static_cast<size_t>(rows) * outputs);
  for (int i = 0; i < rows; ++i) {
    for (int k = 0; k < outputs; ++k) margin[static_cast<size_t>(i) * outputs + k] = model.base_score[k];
  }
  std::vector<double> g(static_cast<size_t>(rows) * outputs), h(g.size());
  TreeBuilder builder(binned, rows, features, params, pool);
  std::vector<int> order;
  order.reserve(rows);
  std::vector<int> all_features(features);
  for (int f = 0; f < features; ++f) all_features[f] = f;
  const int keep_features = std::max(1, static_cast<int>(std::lround(params.colsample * features)));

  for (int round = 0; round < params.rounds; ++round) {
    gradients(params, y, margin, rows, outputs, g, h, pool);
    for (int k = 0; k < outputs; ++k) {
      SplitMix rng{params.seed * 0x2545f4914f6cdd1dull + static_cast<uint64_t>(round) * 4099 + k};
      order.clear();
      for (int i = 0; i < rows; ++i) {
        if (params.subsample >= 1 || rng.uniform() < params.subsample) order.push_back(i);
      }
      std::vector<int> feats = all_features;
      if (keep_features < features) {
        for (int j = 0; j < keep_features; ++j) {
          const int pick = j + static_cast<int>(rng.next() % static_cast<uint64_t>(features - j));
          std::swap(feats[j], feats[pick]);
        }
        feats.resize(keep_features);
        std::sort(feats.begin(), feats.end());
      }
      const int start = static_cast<int>(model.nodes.size());
      model.tree_start.push_back(start);
      const double* gk = g.data() + static_cast<size_t>(k) * rows;
      const double* hk = h.data() + static_cast<size_t>(k) * rows;
      builder.grow(order, feats, gk, hk, model.nodes);
      const GbdtNode* nodes = model.nodes.data();
      run(pool, row_chunks(rows), [&](int c, int) {
        const int end = std::min(rows, (c + 1) * kRowChunk);
        for (int i = c * kRowChunk; i < end; ++i) {
          margin[static_cast<size_t>(i) * outputs + k] += tree_value(nodes, start, x + static_cast<size_t>(i) * features);
        }
      });
    }
  }
  return model;
}

void gbdt_predict(const GbdtModel& model, const double* x, int rows, double* out, ThreadPool* pool) {
  const int outputs = model.outputs, features = model.features;
  const int trees = static_cast<int>(model.tree_start.size());
  run(pool, row_chunks(rows), [&](int c, int) {
    const int end = std::min(rows, (c + 1) * kRowChunk);
    for (int i = c * kRowChunk; i < end; ++i) {
      double* o = out + static_cast<size_t>(i) * outputs;
      for (int k = 0; k < outputs; ++k) o[k] = model.base_score[k];
      const double* row = x + static_cast<size_t>(i) * features;
      for (int t = 0; t < trees; ++t) o[t % outputs] += tree_value(model.nodes.data(), model.tree_start[t], row);
    }
  });
}

}  // namespace cpu
}  // namespace td
