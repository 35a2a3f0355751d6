// Public GEMM entry points: route to the loaded BLAS or the builtin kernels.
#pragma once

#include <cstdint>

namespace nabla {

// Row-major C = alpha * op(A) * op(B) + beta * C with op(A): m x k, op(B): k x n.
// Arguments must already be validated (leading dimensions, bounds).
// Small products (<= 2^18 multiply-adds) skip packing (gemm_small_impl.h); the
// switch exists to test and time the packed kernel on them.
void gemm_set_small_enabled(bool on);
bool gemm_small_enabled();

template <typename T>
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda,
          const T* b, int64_t ldb, T beta, T* c, int64_t ldc);

// `batch` independent GEMMs; item i uses a + i*stride_a, b + i*stride_b and
// c + i*stride_c (strides in elements, 0 = broadcast). With stride_c == 0 the
// products are summed: C = beta*C + alpha * sum_i op(A_i) op(B_i).
template <typename T>
void gemm_batched(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, T alpha, const T* a,
                  int64_t lda, const T* b, int64_t ldb, T beta, T* c, int64_t ldc, int64_t batch,
                  int64_t stride_a, int64_t stride_b, int64_t stride_c);

}  // namespace nabla
