// Portable micro-kernels for CPUs without AVX2 (and non-x86 targets). Plain
// C++ with fixed trip counts so the compiler's SLP vectoriser can map the
// tile onto SSE2/NEON registers.
#include "gemm_kernel.h"

namespace nabla {
namespace generic {
namespace {

template <typename T, int MR, int NR>
void kernel(int64_t kc, const T* NABLA_RESTRICT a, const T* NABLA_RESTRICT b, T* c, int64_t ldc, T alpha,
            int m, int n) {
  T acc[MR][NR] = {};
  for (int64_t k = 0; k < kc; ++k) {
    for (int i = 0; i < MR; ++i) {
      const T ai = a[i];
      for (int j = 0; j < NR; ++j) acc[i][j] += ai * b[j];
    }
    a += MR;
    b += NR;
  }
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) c[i * ldc + j] += alpha * acc[i][j];
}

}  // namespace

KernelSpec<float> gemm_spec_f32() {
  KernelSpec<float> s;
  s.mr = 4;
  s.nr = 8;
  s.mc = 128;
  s.kc = 256;
  s.nc = 2048;
  s.kernel = kernel<float, 4, 8>;
  s.isa = Isa::kGeneric;
  return s;
}

KernelSpec<double> gemm_spec_f64() {
  KernelSpec<double> s;
  s.mr = 4;
  s.nr = 4;
  s.mc = 128;
  s.kc = 256;
  s.nc = 2048;
  s.kernel = kernel<double, 4, 4>;
  s.isa = Isa::kGeneric;
  return s;
}

}  // namespace generic
}  // namespace nabla
