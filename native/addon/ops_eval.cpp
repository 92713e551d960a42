#include "ops_eval.h"

#include <cmath>
#include <map>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>

#include "../backend/cpu_backend.h"
#include "boundary.h"
#include "validate.h"

namespace td {
namespace addon {

namespace {

constexpr double kMaxRows = 2147483647;
constexpr double kMaxCols = 1 << 20;

int ThreadsOption(const Napi::Object& o) {
  return static_cast<int>(GetNumber(o, "threads", {1, 256, true}, ThreadPool::default_threads()));
}

// Runs a compute function, turning its C++ exceptions into JS errors (never an abort).
template <typename Fn>
void Compute(Napi::Env env, Fn fn) {
  try {
    fn();
  } catch (const Napi::Error&) {
    throw;  // already a JS error (an argument check)
  } catch (const std::invalid_argument& e) {
    throw Napi::RangeError::New(env, e.what());
  } catch (const std::bad_alloc&) {
    throw Napi::Error::New(env, "out of memory");
  } catch (const std::length_error&) {
    throw Napi::Error::New(env, "out of memory");
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, e.what());
  }
}

cpu::GbdtObjective ReadObjective(Napi::Env env, const std::string& s) {
  if (s == "regression") return cpu::GbdtObjective::kSquaredError;
  if (s == "binary") return cpu::GbdtObjective::kBinaryLogistic;
  if (s == "multiclass") return cpu::GbdtObjective::kSoftmax;
  ThrowRange(env, "objective", "expected 'regression', 'binary' or 'multiclass', got '" + s + "'");
}

// gbdtFit({x: Float64Array [rows x cols] (NaN = missing), rows, cols, y: Float64Array, objective,
//   classes?, rounds?, learningRate?, maxDepth?, minChildWeight?, lambda?, gamma?, maxBins?,
//   subsample?, colsample?, seed?, threads?}) -> {features, outputs, baseScore, treeStart, nodes}
Napi::Value GbdtFit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = OptionsArg(info, 0, "options");
  const double rows = GetNumber(o, "rows", {1, kMaxRows, true}, NAN);
  const double cols = GetNumber(o, "cols", {1, kMaxCols, true}, NAN);
  const size_t count = CheckedElements(env, "x", rows, cols);
  auto x = GetFloat64(env, o.Get("x"), "x", count, false);
  auto y = GetFloat64(env, o.Get("y"), "y", static_cast<size_t>(rows), true);
  cpu::GbdtParams p;
  p.objective = ReadObjective(env, GetString(o, "objective", "binary"));
  p.classes = static_cast<int>(GetNumber(o, "classes", {2, 4096, true}, 2));
  p.rounds = static_cast<int>(GetNumber(o, "rounds", {0, 100000, true}, p.rounds));
  p.learning_rate = GetNumber(o, "learningRate", {1e-9, 1e3, false}, p.learning_rate);
  p.max_depth = static_cast<int>(GetNumber(o, "maxDepth", {0, 30, true}, p.max_depth));
  p.min_child_weight = GetNumber(o, "minChildWeight", {0, 1e12, false}, p.min_child_weight);
  p.lambda = GetNumber(o, "lambda", {0, 1e12, false}, p.lambda);
  p.gamma = GetNumber(o, "gamma", {0, 1e12, false}, p.gamma);
  p.max_bins = static_cast<int>(GetNumber(o, "maxBins", {2, 255, true}, p.max_bins));
  p.subsample = GetNumber(o, "subsample", {1e-9, 1, false}, p.subsample);
  p.colsample = GetNumber(o, "colsample", {1e-9, 1, false}, p.colsample);
  p.seed = GetSeed(o, "seed", 0);
  const int threads = ThreadsOption(o);
  cpu::GbdtModel m;
  Compute(env, [&] { m = backend::Host().gbdt_fit(x.data, static_cast<int>(rows), static_cast<int>(cols), y.data, p, threads); });
  Napi::Object out = Napi::Object::New(env);
  out.Set("features", m.features);
  out.Set("outputs", m.outputs);
  Napi::Float64Array base = Napi::Float64Array::New(env, m.base_score.size());
  for (size_t k = 0; k < m.base_score.size(); ++k) base[k] = m.base_score[k];
  Napi::Int32Array starts = Napi::Int32Array::New(env, m.tree_start.size());
  for (size_t t = 0; t < m.tree_start.size(); ++t) starts[t] = m.tree_start[t];
  Napi::Float64Array nodes = Napi::Float64Array::New(env, m.nodes.size() * 6);
  for (size_t i = 0; i < m.nodes.size(); ++i) {
    const cpu::GbdtNode& n = m.nodes[i];
    double* d = nodes.Data() + i * 6;
    d[0] = n.feature;
    d[1] = n.left;
    d[2] = n.right;
    d[3] = n.default_left;
    d[4] = n.threshold;
    d[5] = n.value;
  }
  out.Set("baseScore", base);
  out.Set("treeStart", starts);
  out.Set("nodes", nodes);
  return out;
}

// Rebuilds a model from its JS form, checking every index so that a tampered model can only
// give a RangeError: children lie after their parent and inside their tree (walks end).
cpu::GbdtModel ReadModel(Napi::Env env, const Napi::Value& v) {
  if (!v.IsObject()) ThrowType(env, "model", "expected the object gbdtFit returned");
  Napi::Object o = v.As<Napi::Object>();
  cpu::GbdtModel m;
  m.features = static_cast<int>(GetNumber(o, "features", {1, kMaxCols, true}, NAN));
  m.outputs = static_cast<int>(GetNumber(o, "outputs", {1, 4096, true}, NAN));
  auto base = GetFloat64(env, o.Get("baseScore"), "model.baseScore", static_cast<size_t>(m.outputs), true);
  m.base_score.assign(base.data, base.data + base.length);
  auto starts = GetInt32(env, o.Get("treeStart"), "model.treeStart", SIZE_MAX);
  auto nodes = GetFloat64(env, o.Get("nodes"), "model.nodes", SIZE_MAX, false);
  if (nodes.length % 6 != 0) ThrowRange(env, "model.nodes", "length must be a multiple of 6");
  const int64_t count = static_cast<int64_t>(nodes.length / 6);
  m.tree_start.assign(starts.data, starts.data + starts.length);
  for (size_t t = 0; t < m.tree_start.size(); ++t) {
    const int64_t begin = m.tree_start[t];
    const int64_t end = t + 1 < m.tree_start.size() ? m.tree_start[t + 1] : count;
    if (begin < 0 || begin >= end || end > count) ThrowRange(env, "model.treeStart", "tree " + std::to_string(t) + " has no valid node range");
  }
  m.nodes.resize(static_cast<size_t>(count));
  size_t tree = 0;
  for (int64_t i = 0; i < count; ++i) {
    while (tree + 1 < m.tree_start.size() && i >= m.tree_start[tree + 1]) ++tree;
    const int64_t end = tree + 1 < m.tree_start.size() ? m.tree_start[tree + 1] : count;
    const double* d = nodes.data + i * 6;
    cpu::GbdtNode& n = m.nodes[static_cast<size_t>(i)];
    const std::string where = "model.nodes: node " + std::to_string(i);
    if (d[0] != std::floor(d[0]) || d[0] < -1 || d[0] >= m.features) ThrowRange(env, where, "has an invalid feature");
    n.feature = static_cast<int32_t>(d[0]);
    n.default_left = d[3] != 0;
    n.threshold = d[4];
    n.value = d[5];
    if (n.feature < 0) {
      if (!std::isfinite(n.value)) ThrowRange(env, where, "has a non-finite leaf value");
      n.left = n.right = -1;
      continue;
    }
    for (int side = 1; side <= 2; ++side) {
      if (d[side] != std::floor(d[side]) || d[side] <= i || d[side] >= end) ThrowRange(env, where, "has a child outside its tree");
    }
    if (std::isnan(n.threshold)) ThrowRange(env, where, "has a NaN threshold");
    n.left = static_cast<int32_t>(d[1]);
    n.right = static_cast<int32_t>(d[2]);
  }
  return m;
}

// gbdtPredict({model, x: Float64Array [rows x model.features], rows, threads?}) -> Float64Array [rows x outputs]
Napi::Value GbdtPredict(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = OptionsArg(info, 0, "options");
  cpu::GbdtModel m;
  Compute(env, [&] { m = ReadModel(env, o.Get("model")); });  // a huge node array can throw bad_alloc
  const double rows = GetNumber(o, "rows", {0, kMaxRows, true}, NAN);
  auto x = GetFloat64(env, o.Get("x"), "x", CheckedElements(env, "x", rows, m.features), false);
  const size_t out_count = CheckedElements(env, "rows", rows, m.outputs);
  const int threads = ThreadsOption(o);
  Napi::Float64Array out = Napi::Float64Array::New(env, out_count);
  Compute(env, [&] { backend::Host().gbdt_predict(m, x.data, static_cast<int>(rows), out.Data(), threads); });
  return out;
}

// nearestNeighbours({queries: Float32Array [rows x cols], rows, refs: Float32Array [refRows x cols],
//   refRows, cols, k?, threads?}) -> {index: Int32Array [rows x k], dist2: Float64Array [rows x k]}
Napi::Value NearestNeighbours(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = OptionsArg(info, 0, "options");
  const double rows = GetNumber(o, "rows", {0, kMaxRows, true}, NAN);
  const double ref_rows = GetNumber(o, "refRows", {1, kMaxRows, true}, NAN);
  const double cols = GetNumber(o, "cols", {1, kMaxCols, true}, NAN);
  const int k = static_cast<int>(GetNumber(o, "k", {1, 16, true}, 1));
  if (k > ref_rows) ThrowRange(env, "k", "must be at most refRows (" + std::to_string(static_cast<int64_t>(ref_rows)) + ")");
  auto q = GetFloat32(env, o.Get("queries"), "queries", CheckedElements(env, "queries", rows, cols), true);
  auto r = GetFloat32(env, o.Get("refs"), "refs", CheckedElements(env, "refs", ref_rows, cols), true);
  const size_t out_count = CheckedElements(env, "rows", rows, k);
  const int threads = ThreadsOption(o);
  Napi::Int32Array index = Napi::Int32Array::New(env, out_count);
  Napi::Float64Array dist2 = Napi::Float64Array::New(env, out_count);
  Compute(env, [&] {
    backend::Host().nearest_neighbours(q.data, static_cast<int>(rows), r.data, static_cast<int>(ref_rows),
                                       static_cast<int>(cols), k, index.Data(), dist2.Data(), threads);
  });
  return NewResult(env, {{"index", index}, {"dist2", dist2}});
}

}  // namespace

void RegisterEvalOps(Napi::Env env, Napi::Object exports) {
  TD_EXPORT(exports, env, "gbdtFit", GbdtFit);
  TD_EXPORT(exports, env, "gbdtPredict", GbdtPredict);
  TD_EXPORT(exports, env, "nearestNeighbours", NearestNeighbours);
}

}  // namespace addon
}  // namespace td
