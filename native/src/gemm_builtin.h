// Builtin cache-blocked GEMM used when no BLAS library is loaded.
#pragma once

#include <cstdint>

namespace nabla {

// Row-major C = alpha * op(A) * op(B) + beta * C on up to max_threads threads
// (0 = the whole pool). Dimensions must already be validated.
template <typename T>
void gemm_builtin(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, T alpha, const T* a,
                  int64_t lda, const T* b, int64_t ldb, T beta, T* c, int64_t ldc, int max_threads);

// C := beta * C on an m x n block (beta == 0 writes zeros without reading,
// so NaN/Inf in uninitialised C do not leak through).
template <typename T>
void scale_matrix(int64_t m, int64_t n, T beta, T* c, int64_t ldc);

}  // namespace nabla
