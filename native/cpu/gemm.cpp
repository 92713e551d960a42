// Blocked single-precision GEMM (GotoBLAS/BLIS style): dispatch, cache blocking, threading.
//
// How the determinism contract (gemm.h) is kept:
//  * k is split into blocks of kc = ceil(k / ceil(k / KC_MAX)) — a function of k only.
//  * For every element, each k block is one accumulator chain from 0 over p in order
//    (FMA for AVX2, multiply+add for the portable kernel), followed by
//    C = alpha*acc + beta*C for the first block and C = alpha*acc + 1*C for later ones.
//  * Edge tiles are zero-padded (packed A rows / packed B columns) and run through the same
//    micro-kernel into a temporary full tile, whose valid part is then copied, so an element's
//    arithmetic never depends on where it sits in a tile, on m or n, or on the tiling.
//  * Threads split only the output (row/column chunks); k is never split across threads. An
//    abortable GEMM may run k in phases of whole kc blocks, one phase after the other.
#include "simd.h"
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>

#include "gemm.h"
#include "gemm_internal.h"

namespace td {
namespace cpu {

using namespace gemm_detail;

namespace {

struct KernelChoice {
  MicroKernel kernel;
  const char* name;
  bool simd;
};

KernelChoice choose_kernel() {
  const char* env = std::getenv("TABULAR_DIFFUSION_GEMM");
  const bool force_portable = env != nullptr && std::strcmp(env, "portable") == 0;
#if TD_X86_SIMD
  if (!force_portable && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return {kernel_avx2_6x16, "avx2-fma", true};
#endif
  (void)force_portable;
  return {kernel_portable_6x16, "portable", false};
}

const KernelChoice& kernel_choice() {
  static const KernelChoice choice = choose_kernel();  // read once
  return choice;
}

// Per-thread scratch (thread_local: safe with any number of pools running concurrently).
// Buffers only grow, so a warmed-up thread does not allocate.
struct Scratch {
  float* b = nullptr;
  std::size_t b_cap = 0;
  float* a = nullptr;
  std::size_t a_cap = 0;
  ~Scratch() {
    std::free(b);
    std::free(a);
  }
  static float* grow(float*& buf, std::size_t& cap, std::size_t need) {
    if (need > cap) {
      std::free(buf);
      const std::size_t bytes = (need * sizeof(float) + 63) / 64 * 64;
      buf = static_cast<float*>(std::aligned_alloc(64, bytes));
      if (buf == nullptr) {
        cap = 0;
        throw std::bad_alloc();
      }
      cap = bytes / sizeof(float);
    }
    return buf;
  }
};
thread_local Scratch tl_scratch;

inline int kc_for(int k) {
  const int blocks = (k + KC_MAX - 1) / KC_MAX;
  return (k + blocks - 1) / blocks;
}

struct Problem {
  bool trans_a, trans_b;
  int m, n, k;
  float alpha;
  const float* a;
  int lda;
  const float* b;
  int ldb;
  float beta;
  float* c;
  int ldc;
  bool c_trans;  // computing C^T = op(B)^T op(A)^T: element (i, j) of this problem is c[j * ldc + i]
};

// Computes rows [i_begin, i_end) x columns [j_begin, j_end) of C (i_begin multiple of MR,
// j_begin multiple of NR), accumulating the k blocks in [p_begin, p_end) (multiples of kc_for(k),
// or k) onto what earlier blocks left in C. Columns are processed NC_MAX at a time.
void compute_block(const Problem& P, int i_begin, int i_end, int j_begin, int j_end, int p_begin, int p_end) {
  const KernelChoice& kc_choice = kernel_choice();
  const MicroKernel kernel = kc_choice.kernel;
  const int kc = kc_for(P.k);
  Scratch& s = tl_scratch;
  float* abuf = Scratch::grow(s.a, s.a_cap, static_cast<std::size_t>(kc) * MR);
  float* bbuf = Scratch::grow(s.b, s.b_cap, static_cast<std::size_t>(kc) * std::min(NC_MAX, (j_end - j_begin + NR - 1) / NR * NR));
  alignas(64) float tile[MR * NR];

  for (int j0 = j_begin; j0 < j_end; j0 += NC_MAX) {
    const int cols = std::min(NC_MAX, j_end - j0);
    for (int p0 = p_begin; p0 < p_end; p0 += kc) {
      const int kb = std::min(kc, P.k - p0);
      const float beta = p0 == 0 ? P.beta : 1.0f;
      // Few row panels to amortise packing over: read row-major B in place (edge panel packed).
      const bool b_in_place = !P.trans_b && i_end - i_begin <= 4 * MR;
      if (!b_in_place) {
        pack_b(P.trans_b, P.b, P.ldb, p0, kb, j0, cols, bbuf, kc_choice.simd);
      } else if (cols % NR != 0) {
        const int jl = cols / NR * NR;
        pack_b(P.trans_b, P.b, P.ldb, p0, kb, j0 + jl, cols - jl, bbuf + static_cast<long>(jl) * kb, kc_choice.simd);
      }
      for (int i = i_begin; i < i_end; i += MR) {
        const int rows = std::min(MR, i_end - i);
        const float* ap;
        long rs, cs;
        if (!P.trans_a && rows == MR) {
          ap = P.a + static_cast<long>(i) * P.lda + p0;
          rs = P.lda;
          cs = 1;
        } else {
          pack_a(P.trans_a, P.a, P.lda, i, rows, p0, kb, abuf);
          ap = abuf;
          rs = 1;
          cs = MR;
        }
        for (int j = 0; j < cols; j += NR) {
          const int w = std::min(NR, cols - j);
          const float* bp = bbuf + static_cast<long>(j) * kb;
          long ldbp = NR;
          if (b_in_place && w == NR) {
            bp = P.b + static_cast<long>(p0) * P.ldb + j0 + j;
            ldbp = P.ldb;
          }
          if (!P.c_trans && rows == MR && w == NR) {
            kernel(kb, ap, rs, cs, bp, ldbp, P.c + static_cast<long>(i) * P.ldc + j0 + j, P.ldc, P.alpha, beta);
          } else if (!P.c_trans) {
            // Edge tile: same kernel on a zero-padded full tile, then copy the valid part.
            float* cp = P.c + static_cast<long>(i) * P.ldc + j0 + j;
            std::memset(tile, 0, sizeof(tile));
            if (beta != 0.0f)
              for (int r = 0; r < rows; ++r) std::memcpy(tile + r * NR, cp + static_cast<long>(r) * P.ldc, w * sizeof(float));
            kernel(kb, ap, rs, cs, bp, ldbp, tile, NR, P.alpha, beta);
            for (int r = 0; r < rows; ++r) std::memcpy(cp + static_cast<long>(r) * P.ldc, tile + r * NR, w * sizeof(float));
          } else {
            // Transposed output: gather / scatter through the tile.
            float* cp = P.c + static_cast<long>(j0 + j) * P.ldc + i;
            std::memset(tile, 0, sizeof(tile));
            if (beta != 0.0f)
              for (int jj = 0; jj < w; ++jj)
                for (int r = 0; r < rows; ++r) tile[r * NR + jj] = cp[static_cast<long>(jj) * P.ldc + r];
            kernel(kb, ap, rs, cs, bp, ldbp, tile, NR, P.alpha, beta);
            for (int jj = 0; jj < w; ++jj)
              for (int r = 0; r < rows; ++r) cp[static_cast<long>(jj) * P.ldc + r] = tile[r * NR + jj];
          }
        }
      }
    }
  }
}

// Below this many flops a call runs on the calling thread (pool hand-off costs more).
constexpr double kParallelMinFlops = 1.5e6;
// Largest task of an abortable GEMM: a few ms of one core.
constexpr double kAbortTaskFlops = 2e8;
// Longest k extent of an abortable GEMM's task. Flops alone underrate a small-m GEMM with a
// long k, which streams B from memory: the weight gradient of a narrow output layer at batch
// 8192 (m 8, n 4096, k 8192) ran ~19 ms per task (issue 12). Longer k runs in phases.
constexpr int kAbortTaskK = 2048;

}  // namespace

void sgemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float* a, int lda,
           const float* b, int ldb, float beta, float* c, int ldc, ThreadPool* pool) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    for (int i = 0; i < m; ++i) {
      float* cr = c + static_cast<long>(i) * ldc;
      for (int j = 0; j < n; ++j) cr[j] = beta == 0.0f ? alpha * 0.0f : alpha * 0.0f + beta * cr[j];
    }
    return;
  }
  // Narrow C (few columns, many rows): compute C^T = op(B)^T op(A)^T instead, so the 16-wide
  // vector dimension runs along m. Each element is still the same FMA chain a*b over p (the
  // product is commutative, kc depends on k only), so both forms give identical bits.
  auto waste = [](int x, int tile) { return static_cast<double>(x) / ((x + tile - 1) / tile * tile); };
  const bool swap = waste(n, MR) * waste(m, NR) > 1.15 * waste(n, NR) * waste(m, MR);
  const Problem P = swap ? Problem{!trans_b, !trans_a, n, m, k, alpha, b, ldb, a, lda, beta, c, ldc, true}
                         : Problem{trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, false};
  m = P.m;
  n = P.n;

  int threads = pool ? pool->size() : 1;
  const double flops = 2.0 * m * n * k;
  if (flops < kParallelMinFlops) threads = 1;
  const int m_panels = (m + MR - 1) / MR;
  const int n_panels = (n + NR - 1) / NR;
  // A job that can be aborted (the pool carries its flag) gets tasks of bounded size, so an
  // abort lands within about one task instead of one whole GEMM (issue 12: abort <= 100 ms).
  const bool abortable = pool != nullptr && pool->abort_flag() != nullptr;
  const int min_tasks = abortable ? static_cast<int>(std::min<double>(static_cast<double>(m_panels) * n_panels,
                                                                        std::ceil(flops / kAbortTaskFlops)))
                                  : 1;
  // k phases for abortability: whole kc blocks, run one phase after the other, so every element
  // still sees its k blocks in order with the same beta, i.e. the same bits as one pass.
  const int kc = kc_for(k);
  const int phase_k = abortable ? std::max(1, kAbortTaskK / kc) * kc : k;
  if (threads <= 1 && min_tasks <= 1 && phase_k >= k) {
    compute_block(P, 0, m, 0, n, 0, k);
    return;
  }
  // Output chunks: split rows first (B packing is per chunk, A is read in place), columns when
  // there are too few row panels. Any split gives the same bits; this only balances the load.
  // Up to 4 chunks per thread (>= 8 row panels each) so the pool's dynamic task hand-out can
  // absorb a descheduled worker; a multiple of the thread count keeps the split even.
  int m_chunks = std::min(m_panels, threads * std::max(1, std::min(4, m_panels / (8 * threads))));
  int n_chunks = 1;
  if (m_chunks < threads) n_chunks = std::min(n_panels, (threads + m_chunks - 1) / m_chunks);
  // More tasks for abortability: columns first (each chunk packs only its own columns of B,
  // so the split adds no packing), then rows.
  if (m_chunks * n_chunks < min_tasks) n_chunks = std::min(n_panels, (min_tasks + m_chunks - 1) / m_chunks);
  if (m_chunks * n_chunks < min_tasks) m_chunks = std::min(m_panels, (min_tasks + n_chunks - 1) / n_chunks);
  const int tasks = m_chunks * n_chunks;
  int p_begin = 0, p_end = k;
  auto run = [&](int task, int) {
    const int mi = task / n_chunks, ni = task % n_chunks;
    const int i0 = static_cast<int>(static_cast<long>(m_panels) * mi / m_chunks) * MR;
    const int i1 = std::min(m, static_cast<int>(static_cast<long>(m_panels) * (mi + 1) / m_chunks) * MR);
    const int j0 = static_cast<int>(static_cast<long>(n_panels) * ni / n_chunks) * NR;
    const int j1 = std::min(n, static_cast<int>(static_cast<long>(n_panels) * (ni + 1) / n_chunks) * NR);
    if (i0 < i1 && j0 < j1) compute_block(P, i0, i1, j0, j1, p_begin, p_end);
  };
  for (p_begin = 0; p_begin < k; p_begin = p_end) {
    if (abortable && pool->abort_flag()->load(std::memory_order_relaxed)) return;  // C is discarded
    p_end = std::min(k, p_begin + phase_k);
    pool->parallel_for(tasks, run);
  }
}

const char* gemm_kernel_name() { return kernel_choice().name; }

}  // namespace cpu
}  // namespace td
