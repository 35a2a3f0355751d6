// Unpacked GEMM for small products, compiled once per ISA (simd_math.h contract).
//
// Below ~64^3 multiply-adds the packed Goto kernel spends more on packing A and B
// than on arithmetic (32^3 took 1.25 us, 52 GFLOP/s). Here B is copied once into a
// row-major panel padded to whole vectors (which also undoes a transposed B), and C
// is computed four rows at a time, two vectors of columns per block, with A read in
// place (a transposed A only changes the stride of its scalar loads).
#pragma once

#include "gemm_small.h"
#include "simd_math.h"

namespace nabla::NABLA_SIMD_NS {
namespace {

template <typename V>
using S_t = typename Traits<V>::S;

// Writes one row of a block: c[0..nj) = alpha * acc + beta * c (beta = 0 ignores c, even NaN).
template <typename V>
NABLA_SIMD_INLINE void store_row(S_t<V>* c, int64_t nj, V acc0, V acc1, S_t<V> alpha, S_t<V> beta) {
  constexpr int W = Traits<V>::kW;
  if (nj == 2 * W) {
    if (beta == S_t<V>(0)) {
      store(c, acc0 * alpha);
      store(c + W, acc1 * alpha);
    } else {
      store(c, acc0 * alpha + load<V>(c) * beta);
      store(c + W, acc1 * alpha + load<V>(c + W) * beta);
    }
    return;
  }
  if (nj == W) {
    store(c, beta == S_t<V>(0) ? acc0 * alpha : acc0 * alpha + load<V>(c) * beta);
    return;
  }
  alignas(64) S_t<V> t[2 * W];
  store(t, acc0 * alpha);
  store(t + W, acc1 * alpha);
  if (beta == S_t<V>(0)) {
    for (int64_t j = 0; j < nj; ++j) c[j] = t[j];
  } else {
    for (int64_t j = 0; j < nj; ++j) c[j] = t[j] + beta * c[j];
  }
}

// c[i * ldc + j] = alpha * t[j][i - i0] + beta * c (beta = 0 ignores c), for a block of mi rows.
template <typename V, int N>
NABLA_SIMD_INLINE void store_columns(S_t<V>* c, int64_t ldc, int64_t mi, const S_t<V> (*t)[Traits<V>::kW],
                                     S_t<V> alpha, S_t<V> beta) {
  for (int64_t l = 0; l < mi; ++l) {
    S_t<V>* cl = c + l * ldc;
    for (int j = 0; j < N; ++j) cl[j] = beta == S_t<V>(0) ? alpha * t[j][l] : alpha * t[j][l] + beta * cl[j];
  }
}

// Narrow products (n = N <= 4 columns): the row-block kernel below would spend 12 of 16 lanes
// on padding (64x32 @ 32x2 took 1.3 us, 5 GFLOP/s), so these vectorise over m or k instead.
// With A stored transposed (A(i, p) = a[p * lda + i], contiguous in i): C columns accumulate
// W rows at a time from A's rows scaled by B(p, j). Otherwise A's rows are contiguous in p, and
// each C(i, j) is a dot product of A's row i with column j of B (gathered into `panel` as a
// row of k when B is not stored transposed).
template <typename V, int N>
NABLA_SIMD_TARGET void gemm_narrow(bool ta, bool tb, int64_t m, int64_t k, S_t<V> alpha, const S_t<V>* a,
                                   int64_t lda, const S_t<V>* b, int64_t ldb, S_t<V> beta, S_t<V>* c,
                                   int64_t ldc, S_t<V>* panel) {
  using S = S_t<V>;
  constexpr int W = Traits<V>::kW;
  alignas(64) S t[N][W];
  if (ta) {
    for (int64_t i0 = 0; i0 < m; i0 += W) {
      const int64_t mi = m - i0 < W ? m - i0 : W;
      V acc[N] = {};
      for (int64_t p = 0; p < k; ++p) {
        const S* ap = a + p * lda + i0;
        const V av = mi == W ? load<V>(ap) : load_partial<V>(ap, mi, S(0));
        for (int j = 0; j < N; ++j) acc[j] += av * splat<V>(tb ? b[j * ldb + p] : b[p * ldb + j]);
      }
      for (int j = 0; j < N; ++j) store(t[j], acc[j]);
      store_columns<V, N>(c + i0 * ldc, ldc, mi, t, alpha, beta);
    }
    return;
  }
  // Column j of op(B) as a contiguous row of k.
  const S* bcol[N];
  for (int j = 0; j < N; ++j) {
    if (tb) {
      bcol[j] = b + j * ldb;
    } else {
      S* row = panel + j * k;
      for (int64_t p = 0; p < k; ++p) row[p] = b[p * ldb + j];
      bcol[j] = row;
    }
  }
  const int64_t kw = k / W * W;
  for (int64_t i = 0; i < m; ++i) {
    const S* ai = a + i * lda;
    V acc[N] = {};
    for (int64_t p = 0; p < kw; p += W) {
      const V av = load<V>(ai + p);
      for (int j = 0; j < N; ++j) acc[j] += av * load<V>(bcol[j] + p);
    }
    if (kw < k) {
      const V av = load_partial<V>(ai + kw, k - kw, S(0));
      for (int j = 0; j < N; ++j) acc[j] += av * load_partial<V>(bcol[j] + kw, k - kw, S(0));
    }
    S* ci = c + i * ldc;
    for (int j = 0; j < N; ++j) {
      // Pairwise lane sum (a chain of log2(W) adds, not W).
      store(t[j], acc[j]);
      for (int w = W / 2; w >= 1; w /= 2)
        for (int l = 0; l < w; ++l) t[j][l] += t[j][l + w];
      ci[j] = beta == S(0) ? alpha * t[j][0] : alpha * t[j][0] + beta * ci[j];
    }
  }
}

template <typename V>
NABLA_SIMD_TARGET void gemm_small(bool ta, bool tb, int64_t m, int64_t n, int64_t k, S_t<V> alpha,
                                  const S_t<V>* a, int64_t lda, const S_t<V>* b, int64_t ldb, S_t<V> beta,
                                  S_t<V>* c, int64_t ldc, S_t<V>* panel) {
  using S = S_t<V>;
  constexpr int W = Traits<V>::kW;
  if (n <= 4 && (ta ? m >= W : k >= W)) {
    switch (n) {
      case 1:
        return gemm_narrow<V, 1>(ta, tb, m, k, alpha, a, lda, b, ldb, beta, c, ldc, panel);
      case 2:
        return gemm_narrow<V, 2>(ta, tb, m, k, alpha, a, lda, b, ldb, beta, c, ldc, panel);
      case 3:
        return gemm_narrow<V, 3>(ta, tb, m, k, alpha, a, lda, b, ldb, beta, c, ldc, panel);
      default:
        return gemm_narrow<V, 4>(ta, tb, m, k, alpha, a, lda, b, ldb, beta, c, ldc, panel);
    }
  }
  const int64_t np = (n + W - 1) / W * W;
  // panel[p * np + j] = op(B)(p, j), zero in the padding.
  for (int64_t p = 0; p < k; ++p) {
    S* row = panel + p * np;
    if (tb) {
      for (int64_t j = 0; j < n; ++j) row[j] = b[j * ldb + p];
    } else {
      for (int64_t j = 0; j < n; ++j) row[j] = b[p * ldb + j];
    }
    for (int64_t j = n; j < np; ++j) row[j] = S(0);
  }
  const int64_t sa_i = ta ? 1 : lda, sa_p = ta ? lda : 1;  // A(i, p) = a[i * sa_i + p * sa_p]
  for (int64_t j0 = 0; j0 < np; j0 += 2 * W) {
    const bool two = j0 + W < np;
    const int64_t nj = (n - j0) < 2 * W ? n - j0 : 2 * W;
    const S* pb = panel + j0;
    int64_t i = 0;
    for (; i + 4 <= m; i += 4) {
      V c00{}, c01{}, c10{}, c11{}, c20{}, c21{}, c30{}, c31{};
      const S* a0 = a + i * sa_i;
      for (int64_t p = 0; p < k; ++p) {
        const V b0 = load<V>(pb + p * np);
        const V b1 = two ? load<V>(pb + p * np + W) : V{};
        const S* ap = a0 + p * sa_p;
        const V x0 = splat<V>(ap[0]), x1 = splat<V>(ap[sa_i]), x2 = splat<V>(ap[2 * sa_i]),
                x3 = splat<V>(ap[3 * sa_i]);
        c00 += x0 * b0;
        c01 += x0 * b1;
        c10 += x1 * b0;
        c11 += x1 * b1;
        c20 += x2 * b0;
        c21 += x2 * b1;
        c30 += x3 * b0;
        c31 += x3 * b1;
      }
      store_row<V>(c + i * ldc + j0, nj, c00, c01, alpha, beta);
      store_row<V>(c + (i + 1) * ldc + j0, nj, c10, c11, alpha, beta);
      store_row<V>(c + (i + 2) * ldc + j0, nj, c20, c21, alpha, beta);
      store_row<V>(c + (i + 3) * ldc + j0, nj, c30, c31, alpha, beta);
    }
    for (; i < m; ++i) {
      V c0{}, c1{};
      const S* ai = a + i * sa_i;
      for (int64_t p = 0; p < k; ++p) {
        const V x = splat<V>(ai[p * sa_p]);
        c0 += x * load<V>(pb + p * np);
        if (two) c1 += x * load<V>(pb + p * np + W);
      }
      store_row<V>(c + i * ldc + j0, nj, c0, c1, alpha, beta);
    }
  }
}

}  // namespace

const SmallGemmFn<float> gemm_small_f32 = gemm_small<vf>;
const SmallGemmFn<double> gemm_small_f64 = gemm_small<vd>;

}  // namespace nabla::NABLA_SIMD_NS
