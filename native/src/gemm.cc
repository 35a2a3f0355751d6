#include "gemm.h"

#include <algorithm>
#include <climits>
#include <vector>

#include "blas_loader.h"
#include "cpu_features.h"
#include "gemm_builtin.h"
#include "gemm_small.h"
#include "thread_pool.h"

namespace nabla {
namespace {

// Batched items smaller than this (multiply-adds) run on the builtin kernel,
// one item per pool thread: per-call BLAS overhead dominates tiny products.
constexpr int64_t kBlasBatchMinMacs = int64_t{64} * 64 * 64;

// The unpacked small-product path (on by default; off to test or compare the packed kernel).
bool g_small_gemm = true;

bool fits_int(int64_t v) { return v >= 0 && v <= INT_MAX; }

template <typename T>
bool call_blas(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda,
               const T* b, int64_t ldb, T beta, T* c, int64_t ldc) {
  if (!blas_enabled()) return false;
  if (!fits_int(m) || !fits_int(n) || !fits_int(k) || !fits_int(lda) || !fits_int(ldb) || !fits_int(ldc))
    return false;
  const BlasLibrary& lib = blas_library();
  const int ota = ta ? kCblasTrans : kCblasNoTrans, otb = tb ? kCblasTrans : kCblasNoTrans;
  // CBLAS rejects ld < 1 even for empty dimensions.
  const int ilda = static_cast<int>(std::max<int64_t>(lda, 1)), ildb = static_cast<int>(std::max<int64_t>(ldb, 1));
  const int ildc = static_cast<int>(std::max<int64_t>(ldc, 1));
  if constexpr (sizeof(T) == 4) {
    lib.sgemm(kCblasRowMajor, ota, otb, static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), alpha, a,
              ilda, b, ildb, beta, c, ildc);
  } else {
    lib.dgemm(kCblasRowMajor, ota, otb, static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), alpha, a,
              ilda, b, ildb, beta, c, ildc);
  }
  return true;
}

// Dot product with independent partial sums so the compiler can vectorise it
// without -ffast-math (which would reorder every other float expression).
template <typename T>
T dot(const T* x, const T* y, int64_t n) {
  constexpr int kLanes = 16;
  T acc[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int l = 0; l < kLanes; ++l) acc[l] += x[i + l] * y[i + l];
  T s = 0;
  for (; i < n; ++i) s += x[i] * y[i];
  for (int l = 0; l < kLanes; ++l) s += acc[l];
  return s;
}

// Matrix-vector special cases (m == 1 or n == 1): avoid packing a whole
// operand and wasting MR-1 rows of every micro-tile.
template <typename T>
void gemv_builtin(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda,
                  const T* b, int64_t ldb, T beta, T* c, int64_t ldc, int max_threads) {
  const int threads = (m * n * k >= (int64_t{1} << 18)) ? max_threads : 1;
  if (m == 1) {
    // x = row 0 of op(A) (length k), contiguous copy when strided.
    std::vector<T> xbuf;
    const T* x = a;
    if (ta && k > 1) {
      xbuf.resize(static_cast<size_t>(k));
      for (int64_t p = 0; p < k; ++p) xbuf[p] = a[p * lda];
      x = xbuf.data();
    }
    constexpr int64_t kChunk = 1024;
    const int64_t chunks = (n + kChunk - 1) / kChunk;
    parallel_for(
        chunks,
        [&](int64_t ch) {
          const int64_t j0 = ch * kChunk, j1 = std::min(n, j0 + kChunk);
          scale_matrix<T>(1, j1 - j0, beta, c + j0, ldc);
          if (!tb) {  // c[j] += alpha * sum_p x[p] * b[p, j]: row axpys
            for (int64_t p = 0; p < k; ++p) {
              const T s = alpha * x[p];
              const T* row = b + p * ldb;
              for (int64_t j = j0; j < j1; ++j) c[j] += s * row[j];
            }
          } else {  // c[j] += alpha * dot(x, b[j, :])
            for (int64_t j = j0; j < j1; ++j) c[j] += alpha * dot(x, b + j * ldb, k);
          }
        },
        threads);
    return;
  }
  // n == 1: y = op(A) x with x = column 0 of op(B).
  std::vector<T> xbuf;
  const T* x = b;
  if (!tb && k > 1) {
    xbuf.resize(static_cast<size_t>(k));
    for (int64_t p = 0; p < k; ++p) xbuf[p] = b[p * ldb];
    x = xbuf.data();
  }
  constexpr int64_t kChunk = 256;
  const int64_t chunks = (m + kChunk - 1) / kChunk;
  parallel_for(
      chunks,
      [&](int64_t ch) {
        const int64_t i0 = ch * kChunk, i1 = std::min(m, i0 + kChunk);
        if (!ta) {  // y[i] = dot(a[i, :], x)
          for (int64_t i = i0; i < i1; ++i) {
            const T v = alpha * dot(a + i * lda, x, k);
            T& out = c[i * ldc];
            out = (beta == T(0) ? T(0) : beta * out) + v;
          }
        } else {  // y[i] = sum_p a[p, i] x[p]: axpys over rows of A
          T acc[kChunk] = {};
          for (int64_t p = 0; p < k; ++p) {
            const T xp = x[p];
            const T* row = a + p * lda;
            for (int64_t i = i0; i < i1; ++i) acc[i - i0] += xp * row[i];
          }
          for (int64_t i = i0; i < i1; ++i) {
            T& out = c[i * ldc];
            out = (beta == T(0) ? T(0) : beta * out) + alpha * acc[i - i0];
          }
        }
      },
      threads);
}

// Small products on the unpacked kernel (gemm_small_impl.h); false when too big.
template <typename T>
bool gemm_small_dispatch(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda,
                         const T* b, int64_t ldb, T beta, T* c, int64_t ldc) {
  const int64_t np = (n + 15) / 16 * 16;
  if (m * n * k > kSmallGemmMaxMacs || k * np > kSmallGemmMaxPanel) return false;
  thread_local std::vector<T> panel;
  if (panel.size() < static_cast<size_t>(k * np)) panel.resize(static_cast<size_t>(k * np));
  SmallGemmFn<T> fn = nullptr;
  const Isa isa = active_isa();
#if NABLA_X86
  if constexpr (sizeof(T) == 4) {
    fn = isa == Isa::kAvx512 ? avx512::gemm_small_f32 : isa == Isa::kAvx2 ? avx2::gemm_small_f32 : generic::gemm_small_f32;
  } else {
    fn = isa == Isa::kAvx512 ? avx512::gemm_small_f64 : isa == Isa::kAvx2 ? avx2::gemm_small_f64 : generic::gemm_small_f64;
  }
#else
  (void)isa;
  if constexpr (sizeof(T) == 4) {
    fn = generic::gemm_small_f32;
  } else {
    fn = generic::gemm_small_f64;
  }
#endif
  fn(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, panel.data());
  return true;
}

template <typename T>
void gemm_impl(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda, const T* b,
               int64_t ldb, T beta, T* c, int64_t ldc, int max_threads, bool allow_blas) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0 || alpha == T(0)) {
    scale_matrix(m, n, beta, c, ldc);
    return;
  }
  if (allow_blas && call_blas(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)) return;
  if (m == 1 || n == 1) {
    gemv_builtin(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, max_threads);
    return;
  }
  if (g_small_gemm && gemm_small_dispatch(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)) return;
  gemm_builtin(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, max_threads);
}

}  // namespace

void gemm_set_small_enabled(bool on) { g_small_gemm = on; }
bool gemm_small_enabled() { return g_small_gemm; }

template <typename T>
void gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda,
          const T* b, int64_t ldb, T beta, T* c, int64_t ldc) {
  gemm_impl(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, 0, true);
}

template <typename T>
void gemm_batched(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, T alpha, const T* a,
                  int64_t lda, const T* b, int64_t ldb, T beta, T* c, int64_t ldc, int64_t batch,
                  int64_t stride_a, int64_t stride_b, int64_t stride_c) {
  if (batch <= 0 || m <= 0 || n <= 0) return;
  const int64_t macs = m * n * k;
  const bool big = macs >= kBlasBatchMinMacs;
  // Items whose C blocks may overlap (e.g. broadcast C) must run in order.
  const bool c_disjoint = stride_c >= (m - 1) * ldc + n;
  if (!c_disjoint || batch == 1 || big || pool_num_threads() == 1) {
    // Sequential items; each may use BLAS or all pool threads. With a shared
    // C only the first item applies beta, the rest accumulate.
    for (int64_t i = 0; i < batch; ++i) {
      const T bi = (stride_c == 0 && i > 0) ? T(1) : beta;
      gemm_impl(trans_a, trans_b, m, n, k, alpha, a + i * stride_a, lda, b + i * stride_b, ldb, bi,
                c + i * stride_c, ldc, 0, true);
    }
    return;
  }
  // Many small items: one item per task, each single-threaded on the builtin
  // kernel (no BLAS threads competing with ours).
  parallel_for(batch, [&](int64_t i) {
    gemm_impl(trans_a, trans_b, m, n, k, alpha, a + i * stride_a, lda, b + i * stride_b, ldb, beta,
              c + i * stride_c, ldc, 1, false);
  });
}

template void gemm<float>(bool, bool, int64_t, int64_t, int64_t, float, const float*, int64_t, const float*,
                          int64_t, float, float*, int64_t);
template void gemm<double>(bool, bool, int64_t, int64_t, int64_t, double, const double*, int64_t, const double*,
                           int64_t, double, double*, int64_t);
template void gemm_batched<float>(bool, bool, int64_t, int64_t, int64_t, float, const float*, int64_t,
                                  const float*, int64_t, float, float*, int64_t, int64_t, int64_t, int64_t,
                                  int64_t);
template void gemm_batched<double>(bool, bool, int64_t, int64_t, int64_t, double, const double*, int64_t,
                                   const double*, int64_t, double, double*, int64_t, int64_t, int64_t, int64_t,
                                   int64_t);

}  // namespace nabla
