#include "lapack.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "blas_loader.h"

namespace nabla {
namespace {

template <typename T>
const LapackFns& fns() {
  const BlasLibrary& lib = blas_library();
  return sizeof(T) == 4 ? lib.lapack_s : lib.lapack_d;
}

// dst (cols x rows) = src (rows x cols)^T, both dense row-major; blocked so
// both sides stay in cache.
template <typename T>
void transpose(const T* src, int64_t rows, int64_t cols, T* dst) {
  constexpr int64_t kB = 32;
  for (int64_t i0 = 0; i0 < rows; i0 += kB)
    for (int64_t j0 = 0; j0 < cols; j0 += kB)
      for (int64_t i = i0; i < std::min(rows, i0 + kB); ++i)
        for (int64_t j = j0; j < std::min(cols, j0 + kB); ++j) dst[j * rows + i] = src[i * cols + j];
}

template <typename T>
void transpose_square_inplace(T* a, int64_t n) {
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = i + 1; j < n; ++j) std::swap(a[i * n + j], a[j * n + i]);
}

// Workspace queries return the size as a floating-point value.
template <typename T>
int work_size(T w) {
  return std::max(1, static_cast<int>(w + T(0.5)));
}

}  // namespace

template <typename T>
bool lapack_available() {
  const LapackFns& f = fns<T>();
  return f.potrf != nullptr && f.gesv != nullptr && f.getrf != nullptr && f.syevd != nullptr &&
         f.gesdd != nullptr && f.geqrf != nullptr && f.orgqr != nullptr;
}

template <typename T>
int lapack_potrf(T* a, int n) {
  const LapackFns& f = fns<T>();
  if (f.potrf == nullptr) return kLapackUnavailable;
  if (n == 0) return 0;
  // Row-major lower == column-major upper of the same memory, and U^T U = A
  // with U upper (col-major) is exactly L L^T with L lower (row-major).
  int info = 0;
  const char uplo = 'U';
  f.potrf(&uplo, &n, a, &n, &info, 1);
  if (info == 0)
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = i + 1; j < n; ++j) a[i * n + j] = T(0);
  return info;
}

template <typename T>
int lapack_getrf(T* a, int m, int n, int32_t* ipiv) {
  const LapackFns& f = fns<T>();
  if (f.getrf == nullptr) return kLapackUnavailable;
  if (m == 0 || n == 0) return 0;
  std::vector<T> col(static_cast<size_t>(m) * n);
  transpose(a, m, n, col.data());  // col-major m x n, lda = m
  int info = 0;
  const int lda = m;
  f.getrf(&m, &n, col.data(), &lda, ipiv, &info);
  transpose(col.data(), n, m, a);
  for (int i = 0; i < std::min(m, n); ++i) ipiv[i] -= 1;
  return info;
}

template <typename T>
int lapack_gesv(T* a, T* b, int n, int nrhs, int32_t* ipiv) {
  const LapackFns& f = fns<T>();
  if (f.gesv == nullptr) return kLapackUnavailable;
  if (n == 0) return 0;
  std::vector<T> ca(static_cast<size_t>(n) * n), cb(static_cast<size_t>(n) * std::max(nrhs, 1));
  std::vector<int32_t> piv(static_cast<size_t>(n));
  transpose(a, n, n, ca.data());
  transpose(b, n, nrhs, cb.data());
  int info = 0;
  f.gesv(&n, &nrhs, ca.data(), &n, piv.data(), cb.data(), &n, &info);
  transpose(ca.data(), n, n, a);
  transpose(cb.data(), nrhs, n, b);
  if (ipiv != nullptr)
    for (int i = 0; i < n; ++i) ipiv[i] = piv[i] - 1;
  return info;
}

template <typename T>
int lapack_syevd(T* a, int n, T* w) {
  const LapackFns& f = fns<T>();
  if (f.syevd == nullptr) return kLapackUnavailable;
  if (n == 0) return 0;
  // Symmetric input: the column-major view is the same matrix; row-major
  // lower triangle == column-major upper.
  const char jobz = 'V', uplo = 'U';
  int info = 0, lwork = -1, liwork = -1, iwq = 0;
  T wq = 0;
  f.syevd(&jobz, &uplo, &n, a, &n, w, &wq, &lwork, &iwq, &liwork, &info, 1, 1);
  if (info != 0) return info;
  lwork = work_size(wq);
  liwork = std::max(1, iwq);
  std::vector<T> work(static_cast<size_t>(lwork));
  std::vector<int> iwork(static_cast<size_t>(liwork));
  f.syevd(&jobz, &uplo, &n, a, &n, w, work.data(), &lwork, iwork.data(), &liwork, &info, 1, 1);
  // Column-major eigenvectors (in columns) read row-major as V^T.
  transpose_square_inplace(a, n);
  return info;
}

template <typename T>
int lapack_gesdd(T* a, int m, int n, T* s, T* u, T* vt) {
  const LapackFns& f = fns<T>();
  if (f.gesdd == nullptr) return kLapackUnavailable;
  const int k = std::min(m, n);
  if (k == 0) return 0;
  // Row-major A (m x n) is column-major A^T (n x m) = V S U^T. LAPACK's "U"
  // of A^T (n x k col-major) is Vt row-major, its "VT" (k x m col-major) is U
  // row-major: no transposes needed.
  const char jobz = 'S';
  const int mm = n, nn = m, lda = n, ldu = n, ldvt = k;
  int info = 0, lwork = -1;
  T wq = 0;
  std::vector<int> iwork(static_cast<size_t>(8) * k);
  f.gesdd(&jobz, &mm, &nn, a, &lda, s, vt, &ldu, u, &ldvt, &wq, &lwork, iwork.data(), &info, 1);
  if (info != 0) return info;
  lwork = work_size(wq);
  std::vector<T> work(static_cast<size_t>(lwork));
  f.gesdd(&jobz, &mm, &nn, a, &lda, s, vt, &ldu, u, &ldvt, work.data(), &lwork, iwork.data(), &info, 1);
  return info;
}

template <typename T>
int lapack_qr(const T* a, int m, int n, T* q, T* r) {
  const LapackFns& f = fns<T>();
  if (f.geqrf == nullptr || f.orgqr == nullptr) return kLapackUnavailable;
  const int k = std::min(m, n);
  if (k == 0) return 0;
  std::vector<T> col(static_cast<size_t>(m) * n);
  transpose(a, m, n, col.data());  // col-major m x n, lda = m
  std::vector<T> tau(static_cast<size_t>(k));
  int info = 0, lwork = -1;
  T wq = 0;
  f.geqrf(&m, &n, col.data(), &m, tau.data(), &wq, &lwork, &info);
  if (info != 0) return info;
  lwork = work_size(wq);
  std::vector<T> work(static_cast<size_t>(lwork));
  f.geqrf(&m, &n, col.data(), &m, tau.data(), work.data(), &lwork, &info);
  if (info != 0) return info;
  for (int64_t i = 0; i < k; ++i)  // R: upper triangle of the first k rows
    for (int64_t j = 0; j < n; ++j) r[i * n + j] = j >= i ? col[static_cast<size_t>(j * m + i)] : T(0);
  lwork = -1;
  f.orgqr(&m, &k, &k, col.data(), &m, tau.data(), &wq, &lwork, &info);
  if (info != 0) return info;
  lwork = work_size(wq);
  work.resize(static_cast<size_t>(lwork));
  f.orgqr(&m, &k, &k, col.data(), &m, tau.data(), work.data(), &lwork, &info);
  transpose(col.data(), k, m, q);  // first k columns (col-major) -> row-major m x k
  return info;
}

#define NABLA_INSTANTIATE(T)                                   \
  template bool lapack_available<T>();                         \
  template int lapack_potrf<T>(T*, int);                       \
  template int lapack_getrf<T>(T*, int, int, int32_t*);        \
  template int lapack_gesv<T>(T*, T*, int, int, int32_t*);     \
  template int lapack_syevd<T>(T*, int, T*);                   \
  template int lapack_gesdd<T>(T*, int, int, T*, T*, T*);      \
  template int lapack_qr<T>(const T*, int, int, T*, T*);
NABLA_INSTANTIATE(float)
NABLA_INSTANTIATE(double)
#undef NABLA_INSTANTIATE

}  // namespace nabla
