// AVX2 + FMA micro-kernels (Haswell and later, Zen 1-3), selected at run time.
// Named accumulators for the same reason as in gemm_kernel_avx512.cc.
#include "gemm_kernel.h"

#if NABLA_X86
#include <immintrin.h>

namespace nabla::avx2 {
namespace {

// 6 x 16 floats / 6 x 8 doubles: 12 ymm accumulators + 2 B vectors + 1
// broadcast = 15 of the 16 registers (the classic Haswell shape).
constexpr int kMr = 6;

#define NABLA_ROWS(X) X(0) X(1) X(2) X(3) X(4) X(5)

#define NABLA_KERNEL_BODY()                                            \
  const VEC zero = VZERO();                                                  \
  NABLA_ROWS(DECL)                                                                          \
  for (int i = 0; i < m; ++i) _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0); \
  for (int64_t k = 0; k < kc; ++k) {                                                        \
    const VEC b0 = VLOAD(b);                                                    \
    const VEC b1 = VLOAD(b + W);                                                \
    NABLA_ROWS(STEP)                                                                        \
    a += kMr;                                                                               \
    b += 2 * W;                                                                             \
  }                                                                                         \
  const VEC va = VSET1(alpha);                                                  \
  if (m == kMr && n == 2 * W) {                                                             \
    NABLA_ROWS(STORE_FULL)                                                                  \
    return;                                                                                 \
  }                                                                                         \
  alignas(32) T tile[kMr * 2 * W];                                                          \
  NABLA_ROWS(STORE_TILE)                                                                    \
  for (int i = 0; i < m; ++i)                                                               \
    for (int j = 0; j < n; ++j) c[i * ldc + j] += alpha * tile[i * 2 * W + j];

#define DECL(i) VEC c##i##0 = zero, c##i##1 = zero;
#define STEP(i)                                   \
  {                                               \
    const VEC ai = BCAST(a + i);                  \
    c##i##0 = VFMA(ai, b0, c##i##0); \
    c##i##1 = VFMA(ai, b1, c##i##1); \
  }
#define STORE_FULL(i)                                                                          \
  {                                                                                            \
    T* ci = c + i * ldc;                                                                       \
    VSTOREU(ci, VFMA(c##i##0, va, VLOADU(ci)));          \
    VSTOREU(ci + W, VFMA(c##i##1, va, VLOADU(ci + W)));  \
  }
#define STORE_TILE(i)                            \
  VSTORE(tile + i * 2 * W, c##i##0); \
  VSTORE(tile + i * 2 * W + W, c##i##1);

NABLA_TARGET_AVX2 void kernel_f32(int64_t kc, const float* NABLA_RESTRICT a, const float* NABLA_RESTRICT b,
                                  float* c, int64_t ldc, float alpha, int m, int n) {
#define VEC __m256
#define VZERO _mm256_setzero_ps
#define VLOADU _mm256_loadu_ps
#define VLOAD _mm256_load_ps
#define VSTOREU _mm256_storeu_ps
#define VSTORE _mm256_store_ps
#define VFMA _mm256_fmadd_ps
#define VSET1 _mm256_set1_ps
#define W 8
#define T float
#define BCAST _mm256_broadcast_ss
  NABLA_KERNEL_BODY()
#undef VEC
#undef VZERO
#undef VLOADU
#undef VLOAD
#undef VSTOREU
#undef VSTORE
#undef VFMA
#undef VSET1
#undef W
#undef T
#undef BCAST
}

NABLA_TARGET_AVX2 void kernel_f64(int64_t kc, const double* NABLA_RESTRICT a, const double* NABLA_RESTRICT b,
                                  double* c, int64_t ldc, double alpha, int m, int n) {
#define VEC __m256d
#define VZERO _mm256_setzero_pd
#define VLOADU _mm256_loadu_pd
#define VLOAD _mm256_load_pd
#define VSTOREU _mm256_storeu_pd
#define VSTORE _mm256_store_pd
#define VFMA _mm256_fmadd_pd
#define VSET1 _mm256_set1_pd
#define W 4
#define T double
#define BCAST _mm256_broadcast_sd
  NABLA_KERNEL_BODY()
#undef VEC
#undef VZERO
#undef VLOADU
#undef VLOAD
#undef VSTOREU
#undef VSTORE
#undef VFMA
#undef VSET1
#undef W
#undef T
#undef BCAST
}

#undef DECL
#undef STEP
#undef STORE_FULL
#undef STORE_TILE
#undef NABLA_KERNEL_BODY
#undef NABLA_ROWS

}  // namespace

KernelSpec<float> gemm_spec_f32() {
  KernelSpec<float> s;
  s.mr = kMr;
  s.nr = 16;
  s.mc = 120;
  s.kc = 256;
  s.nc = 4096;
  s.kernel = kernel_f32;
  s.isa = Isa::kAvx2;
  return s;
}

KernelSpec<double> gemm_spec_f64() {
  KernelSpec<double> s;
  s.mr = kMr;
  s.nr = 8;
  s.mc = 120;
  s.kc = 256;
  s.nc = 4096;
  s.kernel = kernel_f64;
  s.isa = Isa::kAvx2;
  return s;
}

}  // namespace nabla::avx2
#endif  // NABLA_X86
