// Internals of the blocked SGEMM (gemm.cpp): tile sizes, packing routines and micro-kernels.
//
// Packed layouts (both zero-padded to full tiles, so edge tiles use the full-tile kernel):
//   A micro-panel: MR rows x kc, stored column by column: a[p * MR + r].
//   B micro-panel: kc x NR, stored row by row:            b[p * NR + j].
#pragma once
#include "simd.h"

namespace td {
namespace cpu {
namespace gemm_detail {

constexpr int MR = 6;        // rows of the register tile
constexpr int NR = 16;       // columns of the register tile (two 8-float AVX vectors)
// Tuning knobs (-DTD_GEMM_KC=..., -DTD_GEMM_NC=...) for experiments; the build uses the defaults.
#ifndef TD_GEMM_KC
#define TD_GEMM_KC 256
#endif
#ifndef TD_GEMM_NC
#define TD_GEMM_NC 256
#endif
constexpr int KC_MAX = TD_GEMM_KC;  // k block; the actual kc depends on k only (see kc_for)
constexpr int NC_MAX = TD_GEMM_NC;  // columns per packed B block (kc * NC_MAX floats = 256 KiB, stays in L2)

// Micro-kernel: acc[MR][NR] = sum_{p < kc} A(r, p) * B(p, j), accumulated in order p = 0..kc-1,
// then C = alpha * acc + beta * C (beta == 0: C = alpha * acc, C not read).
// A(r, p) = a[r * rs_a + p * cs_a]; callers pass either rs_a == 1 or cs_a == 1.
// B(p, j) = b[p * ldb + j]: a packed B micro-panel (ldb == NR) or B read in place.
// c is a full MR x NR tile with row stride ldc.
using MicroKernel = void (*)(int kc, const float* a, long rs_a, long cs_a, const float* b, long ldb, float* c, long ldc,
                             float alpha, float beta);

void kernel_portable_6x16(int kc, const float* a, long rs_a, long cs_a, const float* b, long ldb, float* c, long ldc,
                          float alpha, float beta);
#if TD_X86_SIMD
void kernel_avx2_6x16(int kc, const float* a, long rs_a, long cs_a, const float* b, long ldb, float* c, long ldc,
                      float alpha, float beta);
#endif

// Packs op(B)(p0 .. p0+kb, j0 .. j0+cols) into ceil(cols / NR) micro-panels of kb x NR at dst.
void pack_b(bool trans_b, const float* b, int ldb, int p0, int kb, int j0, int cols, float* dst, bool simd);
// Packs op(A)(i0 .. i0+rows, p0 .. p0+kb), rows <= MR, into one MR x kb micro-panel at dst.
void pack_a(bool trans_a, const float* a, int lda, int i0, int rows, int p0, int kb, float* dst);

}  // namespace gemm_detail
}  // namespace cpu
}  // namespace td
