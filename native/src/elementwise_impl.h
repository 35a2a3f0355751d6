// Elementwise kernel bodies, compiled once per ISA (see simd_math.h for the
// inclusion contract). Functors instead of lambdas: a lambda would not
// inherit the target attribute and could not inline the SIMD helpers.
#pragma once

#include <cmath>

#include "elementwise_kernels.h"
#include "simd_math.h"

namespace nabla::NABLA_SIMD_NS {
namespace {

template <typename V>
using S_t = typename Traits<V>::S;

// Applies f to whole vectors, then once to a padded tail vector (padding 1 is
// in every function's domain, so no spurious FP exceptions or slow paths).
template <typename V, typename F>
NABLA_SIMD_INLINE void map1(const S_t<V>* x, S_t<V>* out, int64_t n, F f) {
  constexpr int W = Traits<V>::kW;
  int64_t i = 0;
  for (; i + 2 * W <= n; i += 2 * W) {
    V a = load<V>(x + i), b = load<V>(x + i + W);
    store(out + i, f(a));
    store(out + i + W, f(b));
  }
  for (; i + W <= n; i += W) store(out + i, f(load<V>(x + i)));
  if (i < n) store_partial(out + i, f(load_partial<V>(x + i, n - i, S_t<V>(1))), n - i);
}

template <typename V, typename F>
NABLA_SIMD_INLINE void map2(const S_t<V>* a, const S_t<V>* b, S_t<V>* out, int64_t n, F f) {
  constexpr int W = Traits<V>::kW;
  int64_t i = 0;
  for (; i + W <= n; i += W) store(out + i, f(load<V>(a + i), load<V>(b + i)));
  if (i < n)
    store_partial(out + i, f(load_partial<V>(a + i, n - i, S_t<V>(1)), load_partial<V>(b + i, n - i, S_t<V>(1))),
                  n - i);
}

struct Exp {
  template <typename V>
  NABLA_SIMD_MEMBER V operator()(V x) const { return vexp(x); }
};
struct Log {
  template <typename V>
  NABLA_SIMD_MEMBER V operator()(V x) const { return vlog(x); }
};
struct Tanh {
  template <typename V>
  NABLA_SIMD_MEMBER V operator()(V x) const { return vtanh(x); }
};
struct Sigmoid {
  template <typename V>
  NABLA_SIMD_MEMBER V operator()(V x) const { return vsigmoid(x); }
};
struct Relu {
  template <typename V>
  NABLA_SIMD_MEMBER V operator()(V x) const { return vrelu(x); }
};
struct Sqrt {
  template <typename V>
  NABLA_SIMD_MEMBER V operator()(V x) const {
    V r;
    for (int l = 0; l < Traits<V>::kW; ++l) r[l] = __builtin_sqrt(x[l]);  // vectorised to vsqrtp*
    return r;
  }
};
struct Neg {
  template <typename V>
  NABLA_SIMD_MEMBER V operator()(V x) const { return -x; }
};
struct Abs {
  template <typename V>
  NABLA_SIMD_MEMBER V operator()(V x) const { return vabs(x); }
};
struct Silu {
  template <typename V>
  NABLA_SIMD_MEMBER V operator()(V x) const { return vsilu(x); }
};
struct GeluTanh {
  template <typename V>
  NABLA_SIMD_MEMBER V operator()(V x) const { return vgelu_tanh(x); }
};
struct Square {
  template <typename V>
  NABLA_SIMD_MEMBER V operator()(V x) const { return x * x; }
};
struct Reciprocal {
  template <typename V>
  NABLA_SIMD_MEMBER V operator()(V x) const { return S_t<V>(1) / x; }
};
struct Rsqrt {
  template <typename V>
  NABLA_SIMD_MEMBER V operator()(V x) const { return S_t<V>(1) / Sqrt()(x); }
};
struct GeluF32 {
  NABLA_SIMD_MEMBER vf operator()(vf x) const { return vgelu(x); }
};

struct Add {
  template <typename V>
  NABLA_SIMD_MEMBER V operator()(V a, V b) const { return a + b; }
};
struct Sub {
  template <typename V>
  NABLA_SIMD_MEMBER V operator()(V a, V b) const { return a - b; }
};
struct Mul {
  template <typename V>
  NABLA_SIMD_MEMBER V operator()(V a, V b) const { return a * b; }
};
struct Div {
  template <typename V>
  NABLA_SIMD_MEMBER V operator()(V a, V b) const { return a / b; }
};
// NaN in either operand gives NaN, matching Math.max/Math.min.
struct Max {
  template <typename V>
  NABLA_SIMD_MEMBER V operator()(V a, V b) const { return select((a > b) | (a != a), a, b); }
};
struct Min {
  template <typename V>
  NABLA_SIMD_MEMBER V operator()(V a, V b) const { return select((a < b) | (a != a), a, b); }
};

struct TanhGrad {
  template <typename V>
  NABLA_SIMD_MEMBER V operator()(V g, V y) const { return g * (S_t<V>(1) - y * y); }
};
struct SigmoidGrad {
  template <typename V>
  NABLA_SIMD_MEMBER V operator()(V g, V y) const { return g * (y * (S_t<V>(1) - y)); }
};
// Like PyTorch's threshold_backward: the gradient passes where x > 0 (NaN x gives 0).
struct ReluGrad {
  template <typename V>
  NABLA_SIMD_MEMBER V operator()(V g, V x) const { return select(x > S_t<V>(0), g, V{}); }
};

template <typename V, typename Op>
struct WithScalar {  // a op s
  V s;
  NABLA_SIMD_MEMBER V operator()(V a) const { return Op()(a, s); }
};
template <typename V, typename Op>
struct ScalarFirst {  // s op a
  V s;
  NABLA_SIMD_MEMBER V operator()(V a) const { return Op()(s, a); }
};

// GELU in double via libm erfc (a vectorised erf good to 1e-15 is not worth
// its size here); erfc(-x/sqrt2) keeps relative accuracy for negative x.
NABLA_SIMD_TARGET void gelu_f64(const double* x, double* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = 0.5 * x[i] * std::erfc(-x[i] * 0.70710678118654752440);
}

template <typename V>
NABLA_SIMD_TARGET void unary_kernel(UnaryOp op, const S_t<V>* x, S_t<V>* out, int64_t n) {
  switch (op) {
    case UnaryOp::kExp:
      return map1<V>(x, out, n, Exp());
    case UnaryOp::kLog:
      return map1<V>(x, out, n, Log());
    case UnaryOp::kTanh:
      return map1<V>(x, out, n, Tanh());
    case UnaryOp::kSigmoid:
      return map1<V>(x, out, n, Sigmoid());
    case UnaryOp::kRelu:
      return map1<V>(x, out, n, Relu());
    case UnaryOp::kSqrt:
      return map1<V>(x, out, n, Sqrt());
    case UnaryOp::kNeg:
      return map1<V>(x, out, n, Neg());
    case UnaryOp::kAbs:
      return map1<V>(x, out, n, Abs());
    case UnaryOp::kSilu:
      return map1<V>(x, out, n, Silu());
    case UnaryOp::kGeluTanh:
      return map1<V>(x, out, n, GeluTanh());
    case UnaryOp::kSquare:
      return map1<V>(x, out, n, Square());
    case UnaryOp::kReciprocal:
      return map1<V>(x, out, n, Reciprocal());
    case UnaryOp::kRsqrt:
      return map1<V>(x, out, n, Rsqrt());
    case UnaryOp::kGelu:
      if constexpr (sizeof(S_t<V>) == 4) {
        return map1<V>(x, out, n, GeluF32());
      } else {
        return gelu_f64(x, out, n);
      }
  }
}

template <typename V>
NABLA_SIMD_TARGET void binary_kernel(BinaryOp op, const S_t<V>* a, const S_t<V>* b, S_t<V>* out, int64_t n) {
  switch (op) {
    case BinaryOp::kAdd:
      return map2<V>(a, b, out, n, Add());
    case BinaryOp::kSub:
      return map2<V>(a, b, out, n, Sub());
    case BinaryOp::kMul:
      return map2<V>(a, b, out, n, Mul());
    case BinaryOp::kDiv:
      return map2<V>(a, b, out, n, Div());
    case BinaryOp::kMax:
      return map2<V>(a, b, out, n, Max());
    case BinaryOp::kMin:
      return map2<V>(a, b, out, n, Min());
    case BinaryOp::kRsub:
      return map2<V>(b, a, out, n, Sub());
    case BinaryOp::kRdiv:
      return map2<V>(b, a, out, n, Div());
    case BinaryOp::kTanhGrad:
      return map2<V>(a, b, out, n, TanhGrad());
    case BinaryOp::kSigmoidGrad:
      return map2<V>(a, b, out, n, SigmoidGrad());
    case BinaryOp::kReluGrad:
      return map2<V>(a, b, out, n, ReluGrad());
  }
}

template <typename V>
NABLA_SIMD_TARGET void binary_scalar_kernel(BinaryOp op, const S_t<V>* a, S_t<V> s, S_t<V>* out, int64_t n) {
  const V sv = splat<V>(s);
  switch (op) {
    case BinaryOp::kAdd:
      return map1<V>(a, out, n, WithScalar<V, Add>{sv});
    case BinaryOp::kSub:
      return map1<V>(a, out, n, WithScalar<V, Sub>{sv});
    case BinaryOp::kMul:
      return map1<V>(a, out, n, WithScalar<V, Mul>{sv});
    case BinaryOp::kDiv:
      return map1<V>(a, out, n, WithScalar<V, Div>{sv});
    case BinaryOp::kMax:
      return map1<V>(a, out, n, WithScalar<V, Max>{sv});
    case BinaryOp::kMin:
      return map1<V>(a, out, n, WithScalar<V, Min>{sv});
    case BinaryOp::kRsub:
      return map1<V>(a, out, n, ScalarFirst<V, Sub>{sv});
    case BinaryOp::kRdiv:
      return map1<V>(a, out, n, ScalarFirst<V, Div>{sv});
    case BinaryOp::kTanhGrad:
      return map1<V>(a, out, n, WithScalar<V, TanhGrad>{sv});
    case BinaryOp::kSigmoidGrad:
      return map1<V>(a, out, n, WithScalar<V, SigmoidGrad>{sv});
    case BinaryOp::kReluGrad:
      return map1<V>(a, out, n, WithScalar<V, ReluGrad>{sv});
  }
}

// Sum of one block in double vector accumulators.
NABLA_SIMD_INLINE double block_sum(const double* x, int64_t n) {
  vd a0 = vd{}, a1 = vd{}, a2 = vd{}, a3 = vd{};
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    a0 += load<vd>(x + i);
    a1 += load<vd>(x + i + 8);
    a2 += load<vd>(x + i + 16);
    a3 += load<vd>(x + i + 24);
  }
  for (; i + 8 <= n; i += 8) a0 += load<vd>(x + i);
  if (i < n) a1 += load_partial<vd>(x + i, n - i, 0.0);
  vd t = (a0 + a1) + (a2 + a3);
  double s = 0;
  for (int l = 0; l < 8; ++l) s += t[l];
  return s;
}

NABLA_SIMD_INLINE double block_sum(const float* x, int64_t n) {
  // Widen to double before adding: f32 sums of ~1e6 terms would lose digits.
  vd a0 = vd{}, a1 = vd{};
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    vf8 lo, hi;
    std::memcpy(&lo, x + i, sizeof lo);
    std::memcpy(&hi, x + i + 8, sizeof hi);
    a0 += __builtin_convertvector(lo, vd);
    a1 += __builtin_convertvector(hi, vd);
  }
  double s = 0;
  for (; i < n; ++i) s += x[i];
  vd t = a0 + a1;
  for (int l = 0; l < 8; ++l) s += t[l];
  return s;
}

// Blocked summation with Kahan compensation across blocks: error stays near
// one rounding per block regardless of n.
template <typename T>
NABLA_SIMD_TARGET double sum_kernel(const T* x, int64_t n) {
  constexpr int64_t kBlock = 2048;
  double sum = 0, comp = 0;
  for (int64_t i = 0; i < n; i += kBlock) {
    double y = block_sum(x + i, n - i < kBlock ? n - i : kBlock) - comp;
    double t = sum + y;
    comp = (t - sum) - y;
    sum = t;
  }
  return sum;
}

template <typename V>
NABLA_SIMD_TARGET void axpy_kernel(S_t<V> alpha, const S_t<V>* x, S_t<V>* y, int64_t n) {
  constexpr int W = Traits<V>::kW;
  const V av = splat<V>(alpha);
  int64_t i = 0;
  for (; i + W <= n; i += W) store(y + i, load<V>(y + i) + av * load<V>(x + i));
  for (; i < n; ++i) y[i] += alpha * x[i];
}

// Column sums of a [red, inner] block; acc holds `inner` doubles of scratch.
template <typename T>
NABLA_SIMD_TARGET void sum_rows_kernel(const T* x, T* out, int64_t red, int64_t inner, double* acc) {
  for (int64_t i = 0; i < inner; ++i) acc[i] = 0;
  for (int64_t r = 0; r < red; ++r) {
    const T* row = x + r * inner;
    for (int64_t i = 0; i < inner; ++i) acc[i] += static_cast<double>(row[i]);
  }
  for (int64_t i = 0; i < inner; ++i) out[i] = static_cast<T>(acc[i]);
}

// Sum of a vector's lanes in double precision.
template <typename V>
NABLA_SIMD_INLINE double lane_sum(V v) {
  double s = 0;
  for (int l = 0; l < Traits<V>::kW; ++l) s += static_cast<double>(v[l]);
  return s;
}

template <typename V>
NABLA_SIMD_TARGET void softmax_rows_kernel(const S_t<V>* x, S_t<V>* out, int64_t rows, int64_t cols, bool log) {
  using S = S_t<V>;
  constexpr int W = Traits<V>::kW;
  const int64_t cw = cols / W * W;
  for (int64_t r = 0; r < rows; ++r) {
    const S* xr = x + r * cols;
    S* o = out + r * cols;
    // Row max, NaN-propagating: a lane that saw a NaN keeps it.
    V mv = splat<V>(-INFINITY);
    for (int64_t i = 0; i < cw; i += W) {
      const V v = load<V>(xr + i);
      mv = (v > mv) | (v != v) ? v : mv;
    }
    S mx = -INFINITY;
    for (int l = 0; l < W; ++l)
      if (mv[l] > mx || mv[l] != mv[l]) mx = mv[l];
    for (int64_t i = cw; i < cols; ++i)
      if (xr[i] > mx || xr[i] != xr[i]) mx = xr[i];
    const V mxv = splat<V>(mx);
    // exp(x - max), summed (lanes in S, the total in double).
    V sv{};
    double s = 0;
    int64_t i = 0;
    for (; i < cw; i += W) {
      const V e = vexp(load<V>(xr + i) - mxv);
      if (!log) store(o + i, e);
      sv += e;
    }
    if (i < cols) {
      // Padding with max + (-inf) would give NaN for an infinite max; pad with the max itself and
      // subtract the padding's exp(0) = 1 per lane afterwards.
      const V e = vexp(load_partial<V>(xr + i, cols - i, mx) - mxv);
      if (!log) store_partial(o + i, e, cols - i);
      sv += e;
      s -= static_cast<double>(W - (cols - i));
    }
    s += lane_sum(sv);
    if (log) {
      // (x - max) - log(sum), not x - (max + log(sum)): the first difference is exact, while
      // max + log(sum) would round away log(sum)'s low bits next to a large max.
      const S ls = static_cast<S>(std::log(s));
      const V lv = splat<V>(ls);
      for (i = 0; i < cw; i += W) store(o + i, (load<V>(xr + i) - mxv) - lv);
      for (; i < cols; ++i) o[i] = (xr[i] - mx) - ls;
    } else {
      const S inv = static_cast<S>(1 / s);
      const V iv = splat<V>(inv);
      for (i = 0; i < cw; i += W) store(o + i, load<V>(o + i) * iv);
      for (; i < cols; ++i) o[i] *= inv;
    }
  }
}

template <typename V>
NABLA_SIMD_TARGET void softmax_grad_rows_kernel(const S_t<V>* y, const S_t<V>* g, S_t<V>* out, int64_t rows,
                                                int64_t cols, bool log) {
  using S = S_t<V>;
  constexpr int W = Traits<V>::kW;
  const int64_t cw = cols / W * W;
  for (int64_t r = 0; r < rows; ++r) {
    const S* yr = y + r * cols;
    const S* gr = g + r * cols;
    S* o = out + r * cols;
    V dv{};
    int64_t i = 0;
    for (; i < cw; i += W) dv += log ? load<V>(gr + i) : load<V>(gr + i) * load<V>(yr + i);
    double d = lane_sum(dv);
    for (; i < cols; ++i) d += log ? static_cast<double>(gr[i]) : static_cast<double>(gr[i]) * yr[i];
    const S ds = static_cast<S>(d);
    const V dsv = splat<V>(ds);
    for (i = 0; i < cw; i += W) {
      const V yv = load<V>(yr + i), gv = load<V>(gr + i);
      store(o + i, log ? gv - vexp(yv) * dsv : yv * (gv - dsv));
    }
    for (; i < cols; ++i) o[i] = log ? gr[i] - std::exp(yr[i]) * ds : yr[i] * (gr[i] - ds);
  }
}

}  // namespace

const EwKernels<float>& ew_kernels_f32() {
  static const EwKernels<float> k{unary_kernel<vf>, binary_kernel<vf>, binary_scalar_kernel<vf>,
                                  sum_kernel<float>, axpy_kernel<vf>, sum_rows_kernel<float>,
                                  softmax_rows_kernel<vf>, softmax_grad_rows_kernel<vf>};
  return k;
}

const EwKernels<double>& ew_kernels_f64() {
  static const EwKernels<double> k{unary_kernel<vd>, binary_kernel<vd>, binary_scalar_kernel<vd>,
                                   sum_kernel<double>, axpy_kernel<vd>, sum_rows_kernel<double>,
                                   softmax_rows_kernel<vd>, softmax_grad_rows_kernel<vd>};
  return k;
}

}  // namespace nabla::NABLA_SIMD_NS
