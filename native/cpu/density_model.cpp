#include "density_model.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "activation.h"
#include "gemm.h"
#include "mlp.h"

namespace td {
namespace cpu {

Level Level::from_eta(double t, double eta) {
  Level lv;
  lv.t = t;
  lv.eta = eta;
  lv.alpha = 1.0 / std::sqrt(1.0 + eta * eta);
  lv.sigma = eta * lv.alpha;
  return lv;
}

DensityClock::DensityClock(const double* alpha_bars, int T) : rho(T) {
  for (int t = 0; t < T; ++t) rho[t] = 0.5 * std::log((1.0 - alpha_bars[t]) / alpha_bars[t]);
}

double DensityClock::t_of(double r) const {
  const int T = static_cast<int>(rho.size());
  if (T == 1 || r <= rho[0]) return 0.0;
  if (r >= rho[T - 1]) return T - 1;
  const int hi = static_cast<int>(std::upper_bound(rho.begin(), rho.end(), r) - rho.begin());
  const int lo = hi - 1;
  return lo + (r - rho[lo]) / (rho[hi] - rho[lo]);
}

double DensityClock::dt_drho(double r) const {
  const int T = static_cast<int>(rho.size());
  if (T == 1 || r < rho[0] || r > rho[T - 1]) return 0.0;
  int hi = static_cast<int>(std::upper_bound(rho.begin(), rho.end(), r) - rho.begin());
  hi = std::min(std::max(hi, 1), T - 1);
  return 1.0 / (rho[hi] - rho[hi - 1]);
}

namespace {

// ---- The trained MLP ------------------------------------------------------------------

struct MlpEpsWorkspace : EpsWorkspace {
  MlpWorkspace ws;
  std::vector<float> first_bias, row_bias;
  double bias_t = -1;
  int64_t row_bias_first = -1;
  int row_bias_rows = -1;
  std::vector<float> tan_a, tan_b;  // tangents [K * rows x width]
};

class MlpEps : public EpsModel {
 public:
  MlpEps(const DenoiserModel& m, const float* context, int64_t context_rows)
      : m_(m), params_(m.sampling_params()), context_(context), context_rows_(context_rows) {}

  int dim() const override { return m_.cfg.data_dim; }
  std::unique_ptr<EpsWorkspace> workspace() const override { return std::unique_ptr<EpsWorkspace>(new MlpEpsWorkspace()); }

  void eps(EpsWorkspace& base, const Level& lv, const float* x, int rows, int64_t first_row, float* out) const override {
    MlpEpsWorkspace& w = static_cast<MlpEpsWorkspace&>(base);
    const float* z = forward(w, lv, x, rows, first_row);
    std::memcpy(out, z, sizeof(float) * static_cast<size_t>(rows) * dim());
  }

  void eps_trace(EpsWorkspace& base, const Level& lv, const float* x, int rows, int64_t first_row, const float* probes,
                 int n_probes, float* out, double* trace) const override {
    MlpEpsWorkspace& w = static_cast<MlpEpsWorkspace&>(base);
    const int d = dim();
    const float* z = forward(w, lv, x, rows, first_row);
    std::memcpy(out, z, sizeof(float) * static_cast<size_t>(rows) * d);
    // Forward-mode pass: tangents of K directions per row, block k = rows [k*rows, (k+1)*rows).
    const int K = probes ? n_probes : d;
    const int K_rows = K * rows;
    const auto& layers = m_.layout.layers;
    const int n_layers = static_cast<int>(layers.size());
    size_t widest = 0;
    for (const auto& L : layers) widest = std::max<size_t>(widest, L.out);
    w.tan_a.resize(static_cast<size_t>(K_rows) * widest);
    w.tan_b.resize(static_cast<size_t>(K_rows) * widest);
    float* cur = w.tan_a.data();
    float* next = w.tan_b.data();
    const LayerLayout& L0 = layers[0];
    const float* w0 = params_ + L0.weight_offset;  // rows 0..d-1 are the x part
    if (probes) {
      sgemm(false, false, K_rows, L0.out, d, 1.0f, probes, d, w0, L0.out, 0.0f, cur, L0.out, nullptr);
    } else {
      // The tangent of e_k through the first layer is row k of W_0, for every row.
      for (int k = 0; k < K; ++k)
        for (int i = 0; i < rows; ++i)
          std::memcpy(cur + (static_cast<size_t>(k) * rows + i) * L0.out, w0 + static_cast<size_t>(k) * L0.out,
                      sizeof(float) * L0.out);
    }
    for (int l = 0; l + 1 < n_layers; ++l) {
      const LayerLayout& L = layers[l];
      const LayerLayout& N = layers[l + 1];
      for (int k = 0; k < K; ++k)
        activation_backward(m_.cfg.activation, w.ws.pre[l].data(), nullptr, cur + static_cast<size_t>(k) * rows * L.out,
                            static_cast<size_t>(rows) * L.out);
      sgemm(false, false, K_rows, N.out, N.in, 1.0f, cur, N.in, params_ + N.weight_offset, N.out, 0.0f, next, N.out,
            nullptr);
      std::swap(cur, next);
    }
    // cur: output tangents [K * rows x d].
    for (int i = 0; i < rows; ++i) {
      double exact = 0;
      for (int k = 0; k < K; ++k) {
        const float* jv = cur + (static_cast<size_t>(k) * rows + i) * d;
        if (probes) {
          const float* v = probes + (static_cast<size_t>(k) * rows + i) * d;
          double tr = 0;
          for (int j = 0; j < d; ++j) tr += static_cast<double>(v[j]) * jv[j];
          trace[static_cast<size_t>(i) * K + k] = tr;
        } else {
          exact += jv[k];
        }
      }
      if (!probes) trace[i] = exact;
    }
  }

 private:
  const float* forward(MlpEpsWorkspace& w, const Level& lv, const float* x, int rows, int64_t first_row) const {
    const int hidden0 = m_.layout.layers[0].out;
    if (w.bias_t != lv.t || w.first_bias.empty()) {
      w.first_bias.resize(hidden0);
      first_layer_bias(m_, params_, lv.t, context_rows_ == 1 ? context_ : nullptr, w.first_bias.data());
      w.bias_t = lv.t;
    }
    const float* row_bias = nullptr;
    if (context_rows_ > 1 && m_.cfg.context_dim > 0) {
      if (w.row_bias_first != first_row || w.row_bias_rows != rows) {
        w.row_bias.resize(static_cast<size_t>(rows) * hidden0);
        context_row_bias(m_, params_, context_ + first_row * m_.cfg.context_dim, rows, w.row_bias.data());
        w.row_bias_first = first_row;
        w.row_bias_rows = rows;
      }
      row_bias = w.row_bias.data();
    }
    // The network sees x_t; only its x rows of W_0 are multiplied (time and context folded).
    return mlp_forward_folded(m_.cfg, m_.layout, params_, x, rows, w.first_bias.data(), row_bias, w.ws, nullptr);
  }

  const DenoiserModel& m_;
  const float* params_;
  const float* context_;
  int64_t context_rows_;
};

// ---- The Gaussian mixture oracle -------------------------------------------------------

struct MixtureWorkspace : EpsWorkspace {
  double alpha = -1, sigma = -1;
  std::vector<double> prec, mean, log_norm;  // per component: precision [d x d], alpha m_k, log w_k - logdet/2
  std::vector<double> g, r;
};

// Inverse and log-determinant of an SPD matrix by Cholesky (d is small: tests only).
void spd_inverse(const double* a, int d, double* inv, double* logdet) {
  std::vector<double> l(static_cast<size_t>(d) * d, 0.0);
  double ld = 0;
  for (int i = 0; i < d; ++i)
    for (int j = 0; j <= i; ++j) {
      double s = a[i * d + j];
      for (int k = 0; k < j; ++k) s -= l[i * d + k] * l[j * d + k];
      if (i == j) {
        l[i * d + i] = std::sqrt(std::max(s, 1e-300));
        ld += 2 * std::log(l[i * d + i]);
      } else {
        l[i * d + j] = s / l[j * d + j];
      }
    }
  // inv = L^-T L^-1, column by column.
  std::vector<double> col(d);
  for (int c = 0; c < d; ++c) {
    for (int i = 0; i < d; ++i) {
      double s = i == c ? 1.0 : 0.0;
      for (int k = 0; k < i; ++k) s -= l[i * d + k] * col[k];
      col[i] = s / l[i * d + i];
    }
    for (int i = d - 1; i >= 0; --i) {
      double s = col[i];
      for (int k = i + 1; k < d; ++k) s -= l[k * d + i] * inv[k * d + c];
      inv[i * d + c] = s / l[i * d + i];
    }
  }
  *logdet = ld;
}

class MixtureEps : public EpsModel {
 public:
  explicit MixtureEps(const MixtureSpec& s) : s_(s) {}
  int dim() const override { return s_.d; }
  std::unique_ptr<EpsWorkspace> workspace() const override { return std::unique_ptr<EpsWorkspace>(new MixtureWorkspace()); }

  void eps(EpsWorkspace& base, const Level& lv, const float* x, int rows, int64_t, float* out) const override {
    run(static_cast<MixtureWorkspace&>(base), lv, x, rows, nullptr, 0, out, nullptr);
  }
  void eps_trace(EpsWorkspace& base, const Level& lv, const float* x, int rows, int64_t, const float* probes,
                 int n_probes, float* out, double* trace) const override {
    run(static_cast<MixtureWorkspace&>(base), lv, x, rows, probes, n_probes, out, trace);
  }

 private:
  void prepare(MixtureWorkspace& w, const Level& lv) const {
    if (w.alpha == lv.alpha && w.sigma == lv.sigma) return;
    const int d = s_.d, K = s_.k;
    w.prec.assign(static_cast<size_t>(K) * d * d, 0.0);
    w.mean.assign(static_cast<size_t>(K) * d, 0.0);
    w.log_norm.assign(K, 0.0);
    std::vector<double> c(static_cast<size_t>(d) * d);
    for (int k = 0; k < K; ++k) {
      for (int i = 0; i < d * d; ++i) c[i] = lv.alpha * lv.alpha * s_.covs[static_cast<size_t>(k) * d * d + i];
      for (int i = 0; i < d; ++i) c[i * d + i] += lv.sigma * lv.sigma;
      double logdet = 0;
      spd_inverse(c.data(), d, w.prec.data() + static_cast<size_t>(k) * d * d, &logdet);
      for (int i = 0; i < d; ++i) w.mean[k * d + i] = lv.alpha * s_.means[k * d + i];
      w.log_norm[k] = std::log(s_.weights[k]) - 0.5 * logdet;
    }
    w.alpha = lv.alpha;
    w.sigma = lv.sigma;
  }

  void run(MixtureWorkspace& w, const Level& lv, const float* x, int rows, const float* probes, int n_probes,
           float* out, double* trace) const {
    prepare(w, lv);
    const int d = s_.d, K = s_.k;
    w.g.resize(static_cast<size_t>(K) * d);
    w.r.resize(K);
    std::vector<double> diff(d), s(d);
    for (int i = 0; i < rows; ++i) {
      const float* xi = x + static_cast<size_t>(i) * d;
      double top = -INFINITY;
      for (int k = 0; k < K; ++k) {
        const double* P = w.prec.data() + static_cast<size_t>(k) * d * d;
        for (int a = 0; a < d; ++a) diff[a] = xi[a] - w.mean[k * d + a];
        double q = 0;
        for (int a = 0; a < d; ++a) {
          double pa = 0;
          for (int b = 0; b < d; ++b) pa += P[a * d + b] * diff[b];
          w.g[k * d + a] = -pa;  // grad log N_k
          q += diff[a] * pa;
        }
        w.r[k] = w.log_norm[k] - 0.5 * q;
        top = std::max(top, w.r[k]);
      }
      double z = 0;
      for (int k = 0; k < K; ++k) z += (w.r[k] = std::exp(w.r[k] - top));
      std::fill(s.begin(), s.end(), 0.0);
      for (int k = 0; k < K; ++k) {
        w.r[k] /= z;
        for (int a = 0; a < d; ++a) s[a] += w.r[k] * w.g[k * d + a];
      }
      for (int a = 0; a < d; ++a) out[static_cast<size_t>(i) * d + a] = static_cast<float>(-lv.sigma * s[a]);
      if (!trace) continue;
      // J_score = sum_k r_k (-P_k) + sum_k r_k g_k (g_k - s)^T; eps = -sigma score.
      const int n = probes ? n_probes : 1;
      for (int p = 0; p < n; ++p) {
        const float* v = probes ? probes + (static_cast<size_t>(p) * rows + i) * d : nullptr;
        double acc = 0;
        for (int k = 0; k < K; ++k) {
          const double* P = w.prec.data() + static_cast<size_t>(k) * d * d;
          double quad = 0, gv = 0, gsv = 0;
          if (v) {
            for (int a = 0; a < d; ++a)
              for (int b = 0; b < d; ++b) quad += v[a] * P[a * d + b] * v[b];
            for (int a = 0; a < d; ++a) {
              gv += w.g[k * d + a] * v[a];
              gsv += (w.g[k * d + a] - s[a]) * v[a];
            }
            acc += w.r[k] * (-quad + gv * gsv);
          } else {
            for (int a = 0; a < d; ++a) {
              quad += P[a * d + a];
              gv += w.g[k * d + a] * (w.g[k * d + a] - s[a]);
            }
            acc += w.r[k] * (-quad + gv);
          }
        }
        trace[static_cast<size_t>(i) * n + p] = -lv.sigma * acc;
      }
    }
  }

  MixtureSpec s_;
};

}  // namespace

std::unique_ptr<EpsModel> make_mlp_eps(const DenoiserModel& model, const float* context, int64_t context_rows) {
  return std::unique_ptr<EpsModel>(new MlpEps(model, context, context_rows));
}

std::unique_ptr<EpsModel> make_mixture_eps(const MixtureSpec& spec) {
  return std::unique_ptr<EpsModel>(new MixtureEps(spec));
}

}  // namespace cpu
}  // namespace td
