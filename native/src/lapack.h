// Row-major LAPACK wrappers over the dlopened library's Fortran routines.
//
// The library is column-major; each wrapper either reinterprets the row-major
// buffer as the transposed column-major matrix (potrf, syevd, gesdd) or
// transposes into a scratch copy (getrf, gesv, QR), so callers never see the
// layout difference. All functions return LAPACK's info code (0 = success,
// > 0 = numerical failure, < 0 = bad argument) or kLapackUnavailable.
#pragma once

#include <climits>
#include <cstdint>

namespace nabla {

constexpr int kLapackUnavailable = INT_MIN;

template <typename T>
bool lapack_available();

// Cholesky A = L L^T of an n x n SPD matrix; reads the lower triangle, writes
// L there and zeros the strict upper triangle.
template <typename T>
int lapack_potrf(T* a, int n);

// LU with partial pivoting of an m x n matrix: A is overwritten by L (unit,
// strict lower) and U; ipiv[i] (0-based, length min(m, n)) is the row swapped
// with row i.
template <typename T>
int lapack_getrf(T* a, int m, int n, int32_t* ipiv);

// Solves A X = B (A n x n, B n x nrhs); A becomes its LU factors, B becomes X.
// ipiv may be null.
template <typename T>
int lapack_gesv(T* a, T* b, int n, int nrhs, int32_t* ipiv);

// Symmetric eigendecomposition A = V diag(w) V^T (divide and conquer). Reads
// the lower triangle; A is overwritten by V (eigenvectors in columns), w gets
// the eigenvalues in ascending order.
template <typename T>
int lapack_syevd(T* a, int n, T* w);

// Thin SVD A = U diag(s) Vt (divide and conquer), k = min(m, n): s has k
// values (descending), U is m x k, Vt is k x n. A is destroyed.
template <typename T>
int lapack_gesdd(T* a, int m, int n, T* s, T* u, T* vt);

// Thin QR A = Q R via geqrf + orgqr, k = min(m, n): Q is m x k with
// orthonormal columns, R is k x n upper triangular. A is not modified.
template <typename T>
int lapack_qr(const T* a, int m, int n, T* q, T* r);

}  // namespace nabla
