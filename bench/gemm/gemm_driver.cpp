// Standalone test + benchmark driver for td::cpu::sgemm (native/cpu/gemm*.cpp).
//   ./gemm_driver test          correctness vs sgemm_reference + determinism contract
//   ./gemm_driver bench [--json] GFLOP/s on the MLP shapes, 1 and 2 threads (bench1: 1 thread only)
//   ./gemm_driver               both
// TABULAR_DIFFUSION_GEMM=portable selects the portable kernel.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <array>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "../../native/cpu/gemm.h"
#include "../../native/cpu/thread_pool.h"

using td::ThreadPool;
using td::cpu::sgemm;
using td::cpu::sgemm_reference;

namespace {

std::mt19937 rng(12345);

std::vector<float> random_vec(std::size_t n) {
  std::uniform_real_distribution<float> d(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

int failures = 0;

#define CHECK(cond, ...)                     \
  do {                                       \
    if (!(cond)) {                           \
      ++failures;                            \
      if (failures < 20) {                   \
        std::printf("FAIL: " __VA_ARGS__);   \
        std::printf("\n");                   \
      }                                      \
    }                                        \
  } while (0)

// Storage of op(X) (rows x cols) with leading dimension ld: trans -> stored cols x rows.
struct Mat {
  std::vector<float> v;
  int ld;
};
Mat make(bool trans, int rows, int cols, int pad) {
  const int sr = trans ? cols : rows, sc = trans ? rows : cols;
  Mat m;
  m.ld = sc + pad;
  m.v = random_vec(static_cast<std::size_t>(sr) * m.ld + 1);
  return m;
}

void check_against_reference(bool ta, bool tb, int m, int n, int k, float alpha, float beta, ThreadPool* pool,
                             int pad) {
  Mat A = make(ta, m, k, pad), B = make(tb, k, n, pad);
  const int ldc = n + pad;
  std::vector<float> c0 = random_vec(static_cast<std::size_t>(m) * ldc);
  if (beta == 0.0f)  // beta == 0 must not read C
    for (auto& x : c0) x = std::numeric_limits<float>::quiet_NaN();
  std::vector<float> c = c0, cr = c0;
  sgemm(ta, tb, m, n, k, alpha, A.v.data(), A.ld, B.v.data(), B.ld, beta, c.data(), ldc, pool);
  sgemm_reference(ta, tb, m, n, k, alpha, A.v.data(), A.ld, B.v.data(), B.ld, beta, cr.data(), ldc);
  const double eps = std::numeric_limits<float>::epsilon();
  for (int i = 0; i < m; ++i) {
    for (int j = 0; j < n; ++j) {
      double mag = 0;
      for (int p = 0; p < k; ++p) {
        const double av = ta ? A.v[p * A.ld + i] : A.v[i * A.ld + p];
        const double bv = tb ? B.v[j * B.ld + p] : B.v[p * B.ld + j];
        mag += std::fabs(av * bv);
      }
      const double cold = beta == 0.0f ? 0.0 : std::fabs(beta * c0[i * ldc + j]);
      const double bound = 2.0 * eps * (k + 4) * std::fabs(alpha) * mag + 4.0 * eps * cold + 1e-30;
      const double err = std::fabs(static_cast<double>(c[i * ldc + j]) - cr[i * ldc + j]);
      if (!(err <= bound)) {
        CHECK(false, "ta=%d tb=%d m=%d n=%d k=%d alpha=%g beta=%g: C(%d,%d)=%.9g ref=%.9g", ta, tb, m, n, k, alpha, beta,
              i, j, c[i * ldc + j], cr[i * ldc + j]);
        return;
      }
    }
    // padding columns untouched
    for (int j = n; j < ldc; ++j)
      if (std::memcmp(&c[i * ldc + j], &c0[i * ldc + j], sizeof(float)) != 0) {
        CHECK(false, "wrote padding ta=%d tb=%d m=%d n=%d k=%d", ta, tb, m, n, k);
        return;
      }
  }
}

bool bits_equal(const float* x, const float* y, std::size_t n) { return std::memcmp(x, y, n * sizeof(float)) == 0; }

// Row/column sub-problem determinism: rows [r0, r0+ms) and columns [c0, c0+ns) of a big call
// must equal, bit for bit, the result of a call restricted to those rows and columns.
void check_subproblem(bool ta, bool tb, int m, int n, int k, float alpha, float beta, int r0, int ms, int c0, int ns,
                      ThreadPool* pool) {
  Mat A = make(ta, m, k, 3), B = make(tb, k, n, 5);
  std::vector<float> cinit = random_vec(static_cast<std::size_t>(m) * n);
  std::vector<float> big = cinit;
  sgemm(ta, tb, m, n, k, alpha, A.v.data(), A.ld, B.v.data(), B.ld, beta, big.data(), n, pool);
  const float* asub = ta ? A.v.data() + r0 : A.v.data() + static_cast<long>(r0) * A.ld;
  const float* bsub = tb ? B.v.data() + static_cast<long>(c0) * B.ld : B.v.data() + c0;
  std::vector<float> small(static_cast<std::size_t>(ms) * ns);
  for (int i = 0; i < ms; ++i)
    for (int j = 0; j < ns; ++j) small[i * ns + j] = cinit[(r0 + i) * n + c0 + j];
  sgemm(ta, tb, ms, ns, k, alpha, asub, A.ld, bsub, B.ld, beta, small.data(), ns, nullptr);
  for (int i = 0; i < ms; ++i)
    if (!bits_equal(&small[i * ns], &big[(r0 + i) * n + c0], ns)) {
      CHECK(false, "sub-problem differs ta=%d tb=%d m=%d n=%d k=%d rows %d+%d cols %d+%d (row %d)", ta, tb, m, n, k, r0,
            ms, c0, ns, i);
      return;
    }
}

void run_tests() {
  ThreadPool pool2(2), pool3(3);
  ThreadPool* pools[] = {nullptr, &pool2, &pool3};
  const float alphas[] = {1.0f, 0.5f, -1.25f};
  const float betas[] = {0.0f, 1.0f, 0.7f};
  int cases = 0;
  // 1. Against the reference, random shapes, all transposes.
  std::uniform_int_distribution<int> small(1, 40), mid(1, 140), kbig(200, 700);
  for (int it = 0; it < 400; ++it) {
    const bool ta = it & 1, tb = (it >> 1) & 1;
    int m, n, k;
    if (it % 5 == 0) { m = mid(rng); n = mid(rng); k = kbig(rng); }  // several k blocks
    else if (it % 5 == 1) { m = small(rng); n = small(rng); k = small(rng); }
    else { m = mid(rng); n = mid(rng); k = mid(rng); }
    check_against_reference(ta, tb, m, n, k, alphas[it % 3], betas[(it / 3) % 3], pools[(it / 9) % 3], it % 4);
    ++cases;
  }
  for (int t = 0; t < 4; ++t)  // exact MLP shapes, threaded
    for (auto s : {std::array<int, 3>{256, 128, 74}, {256, 10, 128}, {74, 128, 256}, {256, 128, 10}, {1, 128, 64}})
      check_against_reference(t & 1, t & 2, s[0], s[1], s[2], 1.0f, t == 0 ? 1.0f : 0.0f, &pool2, 0), ++cases;
  // k == 0
  check_against_reference(false, false, 5, 7, 0, 1.0f, 0.5f, nullptr, 0);
  std::printf("reference comparison: %d cases\n", cases);

  // 2. Thread-count independence (bitwise), shapes big enough to actually run in parallel.
  int det = 0;
  for (auto s : {std::array<int, 3>{256, 128, 128}, {300, 77, 530}, {7, 600, 300}, {1000, 10, 128}, {129, 129, 129},
                 {256, 128, 10}, {74, 128, 256}})
    for (int t = 0; t < 4; ++t) {
      const bool ta = t & 1, tb = t & 2;
      Mat A = make(ta, s[0], s[2], 1), B = make(tb, s[2], s[1], 2);
      std::vector<float> c0 = random_vec(static_cast<std::size_t>(s[0]) * s[1]);
      std::vector<float> r[3];
      for (int p = 0; p < 3; ++p) {
        r[p] = c0;
        sgemm(ta, tb, s[0], s[1], s[2], 0.75f, A.v.data(), A.ld, B.v.data(), B.ld, 0.5f, r[p].data(), s[1], pools[p]);
      }
      CHECK(bits_equal(r[0].data(), r[1].data(), r[0].size()), "threads 1 vs 2 differ %dx%dx%d t=%d", s[0], s[1], s[2], t);
      CHECK(bits_equal(r[0].data(), r[2].data(), r[0].size()), "threads 1 vs 3 differ %dx%dx%d t=%d", s[0], s[1], s[2], t);
      ++det;
    }
  // 3. A row/column inside small calls (m = 7, 37, 1) equals the same row of an m = 1000 call,
  // at various offsets (so positions inside tiles differ), edge columns included.
  for (int t = 0; t < 4; ++t) {
    const bool ta = t & 1, tb = t & 2;
    for (int k : {10, 74, 128, 300, 600}) {
      for (float beta : {0.0f, 1.0f, 0.3f}) {
        check_subproblem(ta, tb, 1000, 45, k, 1.0f, beta, 0, 7, 0, 45, &pool2);
        check_subproblem(ta, tb, 1000, 45, k, 1.0f, beta, 3, 7, 0, 45, &pool3);
        check_subproblem(ta, tb, 1000, 45, k, -0.5f, beta, 500, 37, 0, 45, &pool2);
        check_subproblem(ta, tb, 1000, 45, k, 1.0f, beta, 997, 1, 0, 45, nullptr);
        check_subproblem(ta, tb, 1000, 45, k, 1.0f, beta, 11, 37, 17, 13, &pool2);  // column subset: col tile offset 1
        check_subproblem(ta, tb, 64, 300, k, 2.0f, beta, 5, 1, 33, 200, &pool2);
        // narrow C (n = 10, 3): the big call runs in transposed form, the small ones may not
        check_subproblem(ta, tb, 1000, 10, k, 1.0f, beta, 3, 7, 0, 10, &pool2);
        check_subproblem(ta, tb, 1000, 10, k, 1.0f, beta, 600, 1, 0, 10, nullptr);
        check_subproblem(ta, tb, 4096, 3, k, 0.5f, beta, 100, 37, 1, 2, &pool3);
        check_subproblem(ta, tb, 300, 10, k, 1.0f, beta, 17, 250, 0, 7, &pool2);
        det += 10;
      }
    }
  }
  std::printf("determinism checks: %d\n", det);
}

// ---------------------------------------------------------------------------------------
struct Shape {
  const char* name;
  bool ta, tb;
  int m, n, k;
};

const Shape kShapes[] = {
    {"fwd_in    256x128x74  NN", false, false, 256, 128, 74},
    {"fwd_hid   256x128x128 NN", false, false, 256, 128, 128},
    {"fwd_out   256x10x128  NN", false, false, 256, 10, 128},
    {"dW_in     74x128x256  TN", true, false, 74, 128, 256},
    {"dW_hid    128x128x256 TN", true, false, 128, 128, 256},
    {"dW_out    128x10x256  TN", true, false, 128, 10, 256},
    {"dX_hid    256x128x128 NT", false, true, 256, 128, 128},
    {"dX_out    256x128x10  NT", false, true, 256, 128, 10},
    {"wide_fwd  256x512x512 NN", false, false, 256, 512, 512},
    {"wide_dW   512x512x256 TN", true, false, 512, 512, 256},
    {"wide_dX   256x512x512 NT", false, true, 256, 512, 512},
    {"sq512     512x512x512 NN", false, false, 512, 512, 512},
    {"sample_in 4096x128x74 NN", false, false, 4096, 128, 74},
    {"sample_h  4096x128x128NN", false, false, 4096, 128, 128},
    {"sample_o  4096x10x128 NN", false, false, 4096, 10, 128},
};

double bench_one(const Shape& s, ThreadPool* pool) {
  Mat A = make(s.ta, s.m, s.k, 0), B = make(s.tb, s.k, s.n, 0);
  std::vector<float> c(static_cast<std::size_t>(s.m) * s.n, 0.0f);
  auto call = [&] {
    sgemm(s.ta, s.tb, s.m, s.n, s.k, 1.0f, A.v.data(), A.ld, B.v.data(), B.ld, 0.0f, c.data(), s.n, pool);
  };
  for (int i = 0; i < 3; ++i) call();
  // Best of many short batches (each >= ~1 ms): robust against other load on the machine.
  const double flops = 2.0 * s.m * s.n * s.k;
  const int batch = std::max(1, static_cast<int>(2e6 / flops * 40));
  double best = 0;
  const auto start = std::chrono::steady_clock::now();
  do {
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < batch; ++i) call();
    const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best = std::max(best, flops * batch / el / 1e9);
  } while (std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < 0.4);
  return best;
}

void run_bench(bool json, bool single) {
  ThreadPool pool2(2);
  if (json) std::printf("{\"kernel\": \"%s\", \"gflops\": {", td::cpu::gemm_kernel_name());
  else std::printf("kernel: %s\n%-28s %10s %10s\n", td::cpu::gemm_kernel_name(), "shape (m x n x k)", "1 thread", "2 threads");
  bool first = true;
  for (const Shape& s : kShapes) {
    const double g1 = bench_one(s, nullptr), g2 = single ? 0.0 : bench_one(s, &pool2);
    if (json) {
      std::printf("%s\"%dx%dx%d_%c%c\": [%.2f, %.2f]", first ? "" : ", ", s.m, s.n, s.k, s.ta ? 'T' : 'N',
                  s.tb ? 'T' : 'N', g1, g2);
      first = false;
    } else {
      std::printf("%-28s %10.2f %10.2f\n", s.name, g1, g2);
    }
    std::fflush(stdout);
  }
  if (json) std::printf("}}\n");
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "all";
  const bool json = argc > 2 && std::string(argv[2]) == "--json";
  std::printf("%skernel: %s\n", json ? "# " : "", td::cpu::gemm_kernel_name());
  if (mode == "test" || mode == "all") {
    run_tests();
    std::printf("%s (%d failures)\n", failures ? "TESTS FAILED" : "all tests passed", failures);
    if (failures) return 1;
  }
  if (mode == "bench" || mode == "bench1" || mode == "all") run_bench(json, mode == "bench1");
  return 0;
}
