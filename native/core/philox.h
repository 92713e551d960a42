// Philox4x32-10 counter-based RNG (Salmon et al., SC'11) and the float draws built on it.
// Usable from host and device code: the CUDA backend includes this same header, so the same
// (seed, stream, row, step, column) gives the same bits on both backends.
//
// Bit-identical normals need identical float arithmetic: every function here uses only
// IEEE +, -, *, / and sqrt (no libm), and the project builds with -ffp-contract=off
// (and nvcc --fmad=false for these functions) so no FMA changes the rounding.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

#if defined(__CUDACC__)
#define TD_HD __host__ __device__ __forceinline__
#else
#define TD_HD inline
#endif

// Float multiply and add that the compiler may not fuse into an FMA: on the device the _rn
// intrinsics are never contracted, on the host the build uses -ffp-contract=off.
#if defined(__CUDA_ARCH__)
#define TD_MUL(a, b) __fmul_rn((a), (b))
#define TD_ADD(a, b) __fadd_rn((a), (b))
#else
#define TD_MUL(a, b) ((a) * (b))
#define TD_ADD(a, b) ((a) + (b))
#endif

namespace td {

struct Philox4 {
  uint32_t v[4];
};

TD_HD void mulhilo32(uint32_t a, uint32_t b, uint32_t& hi, uint32_t& lo) {
  const uint64_t p = static_cast<uint64_t>(a) * static_cast<uint64_t>(b);
  hi = static_cast<uint32_t>(p >> 32);
  lo = static_cast<uint32_t>(p);
}

TD_HD Philox4 philox4x32_10(Philox4 c, uint32_t k0, uint32_t k1) {
  for (int round = 0; round < 10; ++round) {
    uint32_t hi0, lo0, hi1, lo1;
    mulhilo32(0xD2511F53u, c.v[0], hi0, lo0);
    mulhilo32(0xCD9E8D57u, c.v[2], hi1, lo1);
    const Philox4 next = {{hi1 ^ c.v[1] ^ k0, lo1, hi0 ^ c.v[3] ^ k1, lo0}};
    c = next;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  return c;
}

// Independent purposes draw from disjoint counter spaces, so e.g. the dropout mask of a
// training step never reuses the bits of its noise.
enum Stream : uint32_t {
  kStreamInit = 1,         // parameter initialisation
  kStreamMinibatch = 2,    // which data rows form a training batch
  kStreamTrainTime = 3,    // timestep per training row
  kStreamTrainNoise = 4,   // eps per training row
  kStreamDropout = 5,      // dropout masks
  kStreamSampleInit = 6,   // x_T at the start of sampling
  kStreamSampleStep = 7,   // the z of each reverse step
  kStreamUser = 8,         // raw draws requested from JS
  kStreamCategorical = 9,  // discrete-diffusion draws
  kStreamInpaint = 10,     // inpainting: re-noised observed cells and resampling jumps (cpu/inpaint.h)
};

// Inpainting's jump draws: kStreamInpaint at the visit's step with this bit set, so they never
// reuse the substitution's draws of the same step.
constexpr uint32_t kJumpStepBit = 1u << 31;

// The counter for 4 draws: c0 = column block (column / 4), c1 = step,
// c2 = row (low 32 bits), c3 = row (high 16 bits) | stream << 16. Key = the 64-bit seed.
TD_HD Philox4 philox_block(uint64_t seed, uint32_t stream, uint64_t row, uint32_t step, uint32_t column_block) {
  const Philox4 counter = {{column_block, step, static_cast<uint32_t>(row),
                            static_cast<uint32_t>((row >> 32) & 0xFFFFu) | (stream << 16)}};
  return philox4x32_10(counter, static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32));
}

// Uniform in [0, 1): exact in float32 (24 random bits).
TD_HD float uniform_closed_open(uint32_t x) { return TD_MUL(static_cast<float>(x >> 8), 5.9604644775390625e-08f); }
// Uniform in (0, 1): the half-step offset keeps log() away from zero.
TD_HD float uniform_open(uint32_t x) {
  return TD_ADD(TD_MUL(static_cast<float>(x >> 8), 5.9604644775390625e-08f), 2.98023223876953125e-08f);
}

// Natural log for x in (0, 1], from IEEE operations only: x = m 2^e with m in
// [sqrt(1/2), sqrt(2)), log m = 2 atanh(s), s = (m - 1)/(m + 1), |s| < 0.172.
// m and e come from the exponent bits (exact), so SIMD versions can do the same.
TD_HD float portable_logf(float x) {
  uint32_t bits;
  memcpy(&bits, &x, sizeof bits);
  int e = static_cast<int>((bits >> 23) & 0xFFu) - 127;  // x >= 2^-25: always a normal number
  bits = (bits & 0x007FFFFFu) | 0x3F800000u;              // m in [1, 2)
  float m;
  memcpy(&m, &bits, sizeof m);
  if (m >= 1.41421353816986083984375f) {  // 2 * float(1/sqrt 2): m/2 lands in [sqrt(1/2), 1)
    m = TD_MUL(m, 0.5f);
    e += 1;
  }
  const float s = (m - 1.0f) / (m + 1.0f);
  const float s2 = TD_MUL(s, s);
  // atanh(s)/s = 1 + s^2/3 + s^4/5 + ...; truncation error < 1e-9 for |s| < 0.172.
  float poly = 1.0f / 13.0f;
  poly = TD_ADD(TD_MUL(poly, s2), 1.0f / 11.0f);
  poly = TD_ADD(TD_MUL(poly, s2), 1.0f / 9.0f);
  poly = TD_ADD(TD_MUL(poly, s2), 1.0f / 7.0f);
  poly = TD_ADD(TD_MUL(poly, s2), 1.0f / 5.0f);
  poly = TD_ADD(TD_MUL(poly, s2), 1.0f / 3.0f);
  poly = TD_ADD(TD_MUL(poly, s2), 1.0f);
  const float log_m = TD_MUL(TD_MUL(2.0f, s), poly);
  return TD_ADD(TD_MUL(static_cast<float>(e), 0.693147180559945309f), log_m);
}

// sin and cos of 2*pi*u for u in [0, 1): exact quarter-turn reduction, then Taylor
// polynomials on [0, pi/4] (|error| < 1e-9 before rounding).
TD_HD void portable_sincos_turns(float u, float& s, float& c) {
  const float q4 = TD_MUL(u, 4.0f);        // exact
  const int quadrant = static_cast<int>(q4);
  float f = q4 - static_cast<float>(quadrant);  // exact, in [0, 1)
  const bool mirrored = f > 0.5f;
  if (mirrored) f = 1.0f - f;              // exact for f in (0.5, 1)
  const float x = TD_MUL(f, 1.57079632679489662f);  // angle in [0, pi/4]
  const float x2 = TD_MUL(x, x);
  float sp = -1.0f / 39916800.0f;
  sp = TD_ADD(TD_MUL(sp, x2), 1.0f / 362880.0f);
  sp = TD_ADD(TD_MUL(sp, x2), -1.0f / 5040.0f);
  sp = TD_ADD(TD_MUL(sp, x2), 1.0f / 120.0f);
  sp = TD_ADD(TD_MUL(sp, x2), -1.0f / 6.0f);
  sp = TD_ADD(TD_MUL(sp, x2), 1.0f);
  const float sin_x = TD_MUL(x, sp);
  float cp = 1.0f / 479001600.0f;
  cp = TD_ADD(TD_MUL(cp, x2), -1.0f / 3628800.0f);
  cp = TD_ADD(TD_MUL(cp, x2), 1.0f / 40320.0f);
  cp = TD_ADD(TD_MUL(cp, x2), -1.0f / 720.0f);
  cp = TD_ADD(TD_MUL(cp, x2), 1.0f / 24.0f);
  cp = TD_ADD(TD_MUL(cp, x2), -0.5f);
  cp = TD_ADD(TD_MUL(cp, x2), 1.0f);
  const float cos_x = cp;
  // In the quarter turn: sin(f*pi/2), cos(f*pi/2), swapped when mirrored about pi/4.
  const float sq = mirrored ? cos_x : sin_x;
  const float cq = mirrored ? sin_x : cos_x;
  switch (quadrant & 3) {
    case 0: s = sq; c = cq; break;
    case 1: s = cq; c = -sq; break;
    case 2: s = -sq; c = -cq; break;
    default: s = -cq; c = sq; break;
  }
}

struct Normal4 {
  float v[4];
};

// Four standard normals from one Philox block by Box-Muller on (v0, v1) and (v2, v3).
TD_HD Normal4 normals_from_block(const Philox4& b) {
  Normal4 out;
  for (int pair = 0; pair < 2; ++pair) {
    const float u1 = uniform_open(b.v[2 * pair]);
    const float u2 = uniform_closed_open(b.v[2 * pair + 1]);
    const float r = sqrtf(TD_MUL(-2.0f, portable_logf(u1)));
    float s, c;
    portable_sincos_turns(u2, s, c);
    out.v[2 * pair] = TD_MUL(r, c);
    out.v[2 * pair + 1] = TD_MUL(r, s);
  }
  return out;
}

// The standard normal for (seed, stream, row, step, column): a pure function of those numbers.
TD_HD float normal_at(uint64_t seed, uint32_t stream, uint64_t row, uint32_t step, uint32_t column) {
  const Normal4 n = normals_from_block(philox_block(seed, stream, row, step, column >> 2));
  return n.v[column & 3u];
}

TD_HD float uniform_at(uint64_t seed, uint32_t stream, uint64_t row, uint32_t step, uint32_t column) {
  return uniform_closed_open(philox_block(seed, stream, row, step, column >> 2).v[column & 3u]);
}

// Fills out[0..cols) with the normals of one row, one Philox block per 4 columns.
TD_HD void normal_row(uint64_t seed, uint32_t stream, uint64_t row, uint32_t step, float* out, int cols) {
  for (int block = 0; block * 4 < cols; ++block) {
    const Normal4 n = normals_from_block(philox_block(seed, stream, row, step, static_cast<uint32_t>(block)));
    for (int k = 0; k < 4 && block * 4 + k < cols; ++k) out[block * 4 + k] = n.v[k];
  }
}

}  // namespace td
