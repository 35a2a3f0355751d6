// Portable SIMD math on GCC/Clang vector extensions.
//
// Included by the per-ISA elementwise translation units with NABLA_SIMD_TARGET
// set to a target attribute (or empty) and NABLA_SIMD_NS naming the ISA;
// every function is internal to that namespace and force-inlined, so the same
// source compiles to AVX-512, AVX2 or SSE2/NEON code without ODR clashes.
//
// Accuracy: exp/log/expm1 use Cody-Waite range reduction and polynomials
// good to a few ulp in both precisions (f64 well inside 1e-12 relative).
#pragma once

#include <cstdint>
#include <cstring>

#ifndef NABLA_SIMD_TARGET
#error "define NABLA_SIMD_TARGET before including simd_math.h"
#endif

#define NABLA_SIMD_INLINE static inline __attribute__((always_inline)) NABLA_SIMD_TARGET
#define NABLA_SIMD_MEMBER inline __attribute__((always_inline)) NABLA_SIMD_TARGET

namespace nabla::NABLA_SIMD_NS {

// 64-byte vectors everywhere: one zmm on AVX-512, lowered to ymm/xmm pairs
// or quads elsewhere, which keeps a single source for all ISAs.
typedef float vf __attribute__((vector_size(64)));
typedef int32_t vi __attribute__((vector_size(64)));
typedef double vd __attribute__((vector_size(64)));
typedef int64_t vl __attribute__((vector_size(64)));
typedef float vf8 __attribute__((vector_size(32)));

template <typename V>
struct Traits;
template <>
struct Traits<vf> {
  using S = float;
  using I = vi;
  static constexpr int kW = 16;
};
template <>
struct Traits<vd> {
  using S = double;
  using I = vl;
  static constexpr int kW = 8;
};

template <typename V>
NABLA_SIMD_INLINE V splat(typename Traits<V>::S s) {
  return V{} + s;
}

template <typename V>
NABLA_SIMD_INLINE V load(const typename Traits<V>::S* p) {
  V v;
  std::memcpy(&v, p, sizeof(V));
  return v;
}

template <typename V>
NABLA_SIMD_INLINE void store(typename Traits<V>::S* p, V v) {
  std::memcpy(p, &v, sizeof(V));
}

// Partial load/store for loop tails; unused lanes are filled with `fill`.
template <typename V>
NABLA_SIMD_INLINE V load_partial(const typename Traits<V>::S* p, int64_t n, typename Traits<V>::S fill) {
  V v = splat<V>(fill);
  std::memcpy(&v, p, sizeof(typename Traits<V>::S) * static_cast<size_t>(n));
  return v;
}

template <typename V>
NABLA_SIMD_INLINE void store_partial(typename Traits<V>::S* p, V v, int64_t n) {
  std::memcpy(p, &v, sizeof(typename Traits<V>::S) * static_cast<size_t>(n));
}

template <typename V>
NABLA_SIMD_INLINE V select(typename Traits<V>::I mask, V a, V b) {
  return mask ? a : b;
}

NABLA_SIMD_INLINE vf vabs(vf x) { return (vf)((vi)x & 0x7fffffff); }
NABLA_SIMD_INLINE vd vabs(vd x) { return (vd)((vl)x & INT64_C(0x7fffffffffffffff)); }

// Copies the sign of s onto |x|.
NABLA_SIMD_INLINE vf copysign(vf x, vf s) { return (vf)(((vi)x & 0x7fffffff) | ((vi)s & INT32_MIN)); }
NABLA_SIMD_INLINE vd copysign(vd x, vd s) {
  return (vd)(((vl)x & INT64_C(0x7fffffffffffffff)) | ((vl)s & INT64_MIN));
}

// Clamp that keeps NaN (comparisons with NaN are false).
template <typename V>
NABLA_SIMD_INLINE V clamp(V x, typename Traits<V>::S lo, typename Traits<V>::S hi) {
  x = select(x < lo, splat<V>(lo), x);
  return select(x > hi, splat<V>(hi), x);
}

// ---- exp family --------------------------------------------------------
// x = k ln2 + r with |r| <= ln2/2; expm1(r) by its Taylor series (the 1 is
// left out so expm1 keeps full relative accuracy near 0).

NABLA_SIMD_INLINE vd expm1_poly(vd r) {
  vd p = splat<vd>(1.0 / 6227020800.0);  // 1/13!
  p = p * r + 1.0 / 479001600.0;
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  return (p * r) * r + r;
}

NABLA_SIMD_INLINE vf expm1_poly(vf r) {
  vf p = splat<vf>(1.0f / 5040.0f);
  p = p * r + 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  return (p * r) * r + r;
}

// Rounds to the nearest integer-valued double and returns it as int64 too.
NABLA_SIMD_INLINE vd round_int(vd t, vl& k) {
  const double magic = 6755399441055744.0;  // 1.5 * 2^52
  vd big = t + magic;
  k = (vl)big - (vl)splat<vd>(magic);
  return big - magic;
}

NABLA_SIMD_INLINE vf round_int(vf t, vi& k) {
  const float magic = 12582912.0f;  // 1.5 * 2^23
  vf big = t + magic;
  k = (vi)big - (vi)splat<vf>(magic);
  return big - magic;
}

NABLA_SIMD_INLINE vd pow2(vl k) { return (vd)((k + 1023) << 52); }
NABLA_SIMD_INLINE vf pow2(vi k) { return (vf)((k + 127) << 23); }

NABLA_SIMD_INLINE vd vexp(vd x) {
  // Beyond the clamp the result is 0 or inf anyway; NaN passes through.
  x = clamp(x, -746.0, 710.0);
  vl k;
  vd kd = round_int(x * 1.4426950408889634, k);
  vd r = x - kd * 6.93147180369123816490e-01;  // ln2 hi (exact product)
  r = r - kd * 1.90821492927058770002e-10;     // ln2 lo
  vd p = expm1_poly(r);
  // 2^k as two factors so subnormal results and k = 1024 stay representable.
  vl k1 = k >> 1;
  return ((p + 1.0) * pow2(k1)) * pow2(k - k1);
}

NABLA_SIMD_INLINE vf vexp(vf x) {
  x = clamp(x, -104.0f, 89.0f);
  vi k;
  vf kd = round_int(x * 1.44269504f, k);
  vf r = x - kd * 0.693359375f;
  r = r - kd * -2.12194440e-4f;
  vf p = expm1_poly(r);
  vi k1 = k >> 1;
  return ((p + 1.0f) * pow2(k1)) * pow2(k - k1);
}

// expm1 for x in [-60, 0] (what tanh needs): 2^k (1 + p) - 1 = (2^k - 1) + 2^k p,
// exact subtraction for k <= 0 and exactly p when k == 0.
template <typename V>
NABLA_SIMD_INLINE V expm1_neg(V x) {
  using S = typename Traits<V>::S;
  typename Traits<V>::I k;
  V kd = round_int(x * S(1.4426950408889634), k);
  V r;
  if constexpr (sizeof(S) == 8) {
    r = x - kd * 6.93147180369123816490e-01;
    r = r - kd * 1.90821492927058770002e-10;
  } else {
    r = x - kd * 0.693359375f;
    r = r - kd * -2.12194440e-4f;
  }
  V p = expm1_poly(r);
  V s = pow2(k);
  return (s - S(1)) + s * p;
}

// ---- log ---------------------------------------------------------------
// x = 2^e m with m in [sqrt(1/2), sqrt(2)); log m = 2 atanh(s), s = (m-1)/(m+1),
// |s| <= 0.1716 so the odd series converges fast.

NABLA_SIMD_INLINE vd vlog(vd x) {
  // Subnormals: scale into the normal range first.
  vl tiny = x < 2.2250738585072014e-308;
  vd xs = select(tiny, x * 18014398509481984.0, x);  // 2^54
  vl bits = (vl)xs;
  vl e = ((bits >> 52) & 0x7ff) - 1023;
  e = e - (tiny & 54);
  vd m = (vd)((bits & INT64_C(0x000fffffffffffff)) | INT64_C(0x3ff0000000000000));
  vl big = m > 1.4142135623730951;
  m = select(big, m * 0.5, m);
  e = e - big;  // big is -1 where true
  vd s = (m - 1.0) / (m + 1.0);
  vd z = s * s;
  vd q = splat<vd>(1.0 / 23.0);
  q = q * z + 1.0 / 21.0;
  q = q * z + 1.0 / 19.0;
  q = q * z + 1.0 / 17.0;
  q = q * z + 1.0 / 15.0;
  q = q * z + 1.0 / 13.0;
  q = q * z + 1.0 / 11.0;
  q = q * z + 1.0 / 9.0;
  q = q * z + 1.0 / 7.0;
  q = q * z + 1.0 / 5.0;
  q = q * z + 1.0 / 3.0;
  vd two_s = s + s;
  vd logm = two_s + two_s * (z * q);
  const double magic = 6755399441055744.0;
  vd ed = (vd)(e + (vl)splat<vd>(magic)) - magic;
  vd res = ed * 6.93147180369123816490e-01 + (ed * 1.90821492927058770002e-10 + logm);
  // Special cases: log(0) = -inf, log(<0) = NaN, log(inf) = inf, NaN stays.
  res = select(x == 0.0, splat<vd>(-__builtin_inf()), res);
  res = select(x < 0.0, splat<vd>(__builtin_nan("")), res);
  res = select(x == __builtin_inf(), x, res);
  return select(x != x, x, res);
}

NABLA_SIMD_INLINE vf vlog(vf x) {
  vi tiny = x < 1.17549435e-38f;
  vf xs = select(tiny, x * 16777216.0f, x);  // 2^24
  vi bits = (vi)xs;
  vi e = ((bits >> 23) & 0xff) - 127;
  e = e - (tiny & 24);
  vf m = (vf)((bits & 0x007fffff) | 0x3f800000);
  vi big = m > 1.41421356f;
  m = select(big, m * 0.5f, m);
  e = e - big;
  vf s = (m - 1.0f) / (m + 1.0f);
  vf z = s * s;
  vf q = splat<vf>(1.0f / 13.0f);
  q = q * z + 1.0f / 11.0f;
  q = q * z + 1.0f / 9.0f;
  q = q * z + 1.0f / 7.0f;
  q = q * z + 1.0f / 5.0f;
  q = q * z + 1.0f / 3.0f;
  vf two_s = s + s;
  vf logm = two_s + two_s * (z * q);
  vf ed = __builtin_convertvector(e, vf);
  vf res = ed * 0.693359375f + (ed * -2.12194440e-4f + logm);
  res = select(x == 0.0f, splat<vf>(-__builtin_inff()), res);
  res = select(x < 0.0f, splat<vf>(__builtin_nanf("")), res);
  res = select(x == __builtin_inff(), x, res);
  return select(x != x, x, res);
}

// ---- derived functions ------------------------------------------------

// tanh(x) = sign(x) * -t / (t + 2) with t = expm1(-2|x|); |x| clamped where
// tanh is already +-1 in the precision.
template <typename V>
NABLA_SIMD_INLINE V vtanh(V x) {
  using S = typename Traits<V>::S;
  V ax = vabs(x);
  ax = select(ax > S(sizeof(S) == 8 ? 20 : 10), splat<V>(S(sizeof(S) == 8 ? 20 : 10)), ax);
  V t = expm1_neg(ax * S(-2));
  V y = -t / (t + S(2));
  return copysign(y, x);  // NaN: ax is NaN, so y is NaN too
}

template <typename V>
NABLA_SIMD_INLINE V vsigmoid(V x) {
  using S = typename Traits<V>::S;
  return S(1) / (vexp(-x) + S(1));
}

template <typename V>
NABLA_SIMD_INLINE V vrelu(V x) {
  using S = typename Traits<V>::S;
  return select(x < S(0), splat<V>(S(0)), x);  // keeps NaN, like PyTorch
}

template <typename V>
NABLA_SIMD_INLINE V vsilu(V x) {
  using S = typename Traits<V>::S;
  return x / (vexp(-x) + S(1));
}

// Tanh-approximated GELU: 0.5 x (1 + tanh(u)) == x * sigmoid(2u), and the
// sigmoid form has no cancellation for negative x.
template <typename V>
NABLA_SIMD_INLINE V vgelu_tanh(V x) {
  using S = typename Traits<V>::S;
  V u2 = (x + S(0.044715) * x * x * x) * S(1.5957691216057308);  // 2 * sqrt(2 / pi)
  return x / (vexp(-u2) + S(1));
}

// erfc for float via the Numerical Recipes Chebyshev fit (fractional error
// < 1.2e-7 everywhere, so also in the tails where GELU is tiny).
NABLA_SIMD_INLINE vf verfc(vf x) {
  vf z = vabs(x);
  vf t = 1.0f / (z * 0.5f + 1.0f);
  vf p = splat<vf>(0.17087277f);
  p = p * t + -0.82215223f;
  p = p * t + 1.48851587f;
  p = p * t + -1.13520398f;
  p = p * t + 0.27886807f;
  p = p * t + -0.18628806f;
  p = p * t + 0.09678418f;
  p = p * t + 0.37409196f;
  p = p * t + 1.00002368f;
  p = p * t + -1.26551223f;
  vf ans = t * vexp(p - z * z);
  return select(x >= 0.0f, ans, 2.0f - ans);
}

// gelu(x) = x * Phi(x) = 0.5 x erfc(-x / sqrt 2).
NABLA_SIMD_INLINE vf vgelu(vf x) { return (x * 0.5f) * verfc(x * -0.70710678118654752f); }

}  // namespace nabla::NABLA_SIMD_NS
