// Compiler/ISA plumbing shared by all native sources.
//
// The addon is compiled for the baseline ISA of the target (x86-64 = SSE2);
// faster kernels are compiled per function with target attributes and picked
// at run time, so one binary runs on every x86-64 machine.
#pragma once

#include <cstddef>
#include <cstdint>

#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__)) && \
    !defined(NABLA_NO_X86_KERNELS)
#define NABLA_X86 1
#else
#define NABLA_X86 0
#endif

#if defined(__GNUC__) || defined(__clang__)
#define NABLA_ALWAYS_INLINE inline __attribute__((always_inline))
#define NABLA_RESTRICT __restrict__
#else
#define NABLA_ALWAYS_INLINE inline
#define NABLA_RESTRICT
#endif

#if NABLA_X86
// Zen 4 / Skylake-X / Ice Lake and later. avx512dq gives 64-bit int<->fp conversions.
#define NABLA_TARGET_AVX512 __attribute__((target("avx512f,avx512dq,avx512vl,avx512bw,avx2,fma,bmi2")))
#define NABLA_TARGET_AVX2 __attribute__((target("avx2,fma,bmi2")))
#endif

namespace nabla {

// Instruction-set levels a kernel family can be compiled for.
enum class Isa : int { kGeneric = 0, kAvx2 = 1, kAvx512 = 2 };

const char* isa_name(Isa isa);

}  // namespace nabla
