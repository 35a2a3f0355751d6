// Unpacked GEMM for small products (see gemm_small_impl.h), one entry per ISA.
#pragma once

#include <cstdint>

#include "platform.h"

namespace nabla {

// Largest product (m * n * k multiply-adds) and B panel (k * n) the small path takes.
constexpr int64_t kSmallGemmMaxMacs = int64_t{1} << 18;
constexpr int64_t kSmallGemmMaxPanel = int64_t{1} << 15;

// C = alpha * op(A) * op(B) + beta * C, single-threaded; `panel` holds
// k * round_up(n, 16) elements of scratch.
template <typename T>
using SmallGemmFn = void (*)(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda,
                             const T* b, int64_t ldb, T beta, T* c, int64_t ldc, T* panel);

#define NABLA_DECLARE_SMALL_GEMM(ns)          \
  namespace ns {                              \
  extern const SmallGemmFn<float> gemm_small_f32;  \
  extern const SmallGemmFn<double> gemm_small_f64; \
  }
NABLA_DECLARE_SMALL_GEMM(generic)
#if NABLA_X86
NABLA_DECLARE_SMALL_GEMM(avx2)
NABLA_DECLARE_SMALL_GEMM(avx512)
#endif
#undef NABLA_DECLARE_SMALL_GEMM

}  // namespace nabla
