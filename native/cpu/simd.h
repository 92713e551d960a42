#pragma once
// The x86 SIMD paths use GCC/clang extensions: __attribute__((target("avx2"))) on single
// functions and __builtin_cpu_supports (which needs libgcc or compiler-rt at link time). They are
// built only where the compiler's own macros say those exist: GCC and clang targeting x86, but not
// clang-cl (_MSC_VER, MSVC runtime without __cpu_model). MSVC and every other target use the
// portable kernels (gemm_kernel_portable.cpp: slower; the FMA kernel rounds differently in the
// last bits, as on any CPU without AVX2+FMA). -DTD_NO_X86_SIMD
// forces the portable build (it is how that build is compile-checked on x86).
#if !defined(TD_NO_X86_SIMD) && (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__)) && !defined(_MSC_VER)
#define TD_X86_SIMD 1
#else
#define TD_X86_SIMD 0
#endif
