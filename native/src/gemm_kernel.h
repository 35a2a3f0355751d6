// Micro-kernel interface for the builtin (Goto/BLIS-style) GEMM.
//
// A micro-kernel multiplies a packed MR x kc sliver of A by a packed kc x NR
// sliver of B and accumulates alpha * (A*B) into an m x n (m <= MR, n <= NR)
// tile of row-major C. Packed layouts:
//   A sliver: a[k * MR + i]   (MR values of column k, zero padded)
//   B sliver: b[k * NR + j]   (NR values of row k, zero padded)
#pragma once

#include <cstdint>

#include "platform.h"

namespace nabla {

template <typename T>
using MicroKernel = void (*)(int64_t kc, const T* NABLA_RESTRICT a, const T* NABLA_RESTRICT b, T* c,
                             int64_t ldc, T alpha, int m, int n);

template <typename T>
struct KernelSpec {
  int mr = 0;  // rows of the micro-tile
  int nr = 0;  // columns of the micro-tile
  int mc = 0;  // rows of A packed per block (fits L2)
  int kc = 0;  // depth per block (B sliver kc x NR fits L1)
  int nc = 0;  // columns of B packed per panel (fits L3)
  MicroKernel<T> kernel = nullptr;
  Isa isa = Isa::kGeneric;
};

namespace generic {
KernelSpec<float> gemm_spec_f32();
KernelSpec<double> gemm_spec_f64();
}  // namespace generic

#if NABLA_X86
namespace avx2 {
KernelSpec<float> gemm_spec_f32();
KernelSpec<double> gemm_spec_f64();
}  // namespace avx2
namespace avx512 {
KernelSpec<float> gemm_spec_f32();
KernelSpec<double> gemm_spec_f64();
}  // namespace avx512
#endif

// Spec for the given ISA (falls back to lower ISAs when not compiled in);
// NABLA_GEMM_MC/KC/NC override the blocking (for tuning).
template <typename T>
KernelSpec<T> gemm_kernel_spec(Isa isa);

}  // namespace nabla
