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

template <typename V>
NABLA_SIMD_TARGET void gemm_small(bool ta, bool tb, int64_t m, int64_t n, int64_t k, S_t<V> alpha,
                                  const S_t<V>* a, int64_t lda, const S_t<V>* b, int64_t ldb, S_t<V> beta,
                                  S_t<V>* c, int64_t ldc, S_t<V>* panel) {
  using S = S_t<V>;
  constexpr int W = Traits<V>::kW;
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
