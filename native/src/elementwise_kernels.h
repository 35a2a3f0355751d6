// Per-ISA table of single-threaded elementwise/reduction kernels. The
// threading and argument handling live in elementwise.cc.
#pragma once

#include <cstdint>

#include "platform.h"

namespace nabla {

enum class UnaryOp : int {
  kExp,
  kLog,
  kTanh,
  kSigmoid,
  kRelu,
  kGelu,
  kSqrt,
  kNeg,
  kAbs,
  kSilu,
  kGeluTanh,
  kSquare,
  kReciprocal,
  kRsqrt,
};
// The *Grad ops are activation backward passes fused into one pass, with a the
// incoming gradient and b the saved tensor: tanh a(1-b^2) with b = tanh(x),
// sigmoid a b(1-b) with b = sigmoid(x), relu (b > 0 ? a : 0) with b = x.
enum class BinaryOp : int { kAdd, kSub, kMul, kDiv, kMax, kMin, kRsub, kRdiv, kTanhGrad, kSigmoidGrad, kReluGrad };

template <typename T>
struct EwKernels {
  void (*unary)(UnaryOp op, const T* x, T* out, int64_t n);
  void (*binary)(BinaryOp op, const T* a, const T* b, T* out, int64_t n);
  void (*binary_scalar)(BinaryOp op, const T* a, T s, T* out, int64_t n);
  double (*sum)(const T* x, int64_t n);  // accumulates in double
  void (*axpy)(T alpha, const T* x, T* y, int64_t n);
  // out[i] = sum over r < red of x[r * inner + i], for i < inner (double accumulators).
  void (*sum_rows)(const T* x, T* out, int64_t red, int64_t inner, double* acc);
  // Softmax of each of `rows` contiguous rows of `cols`: exp(x - max) / sum, or with `log`
  // x - max - log(sum). A NaN in a row makes the whole row NaN (as the TypeScript kernel).
  void (*softmax_rows)(const T* x, T* out, int64_t rows, int64_t cols, bool log);
  // Their backward for gradient g of output y: y (g - sum(g y)), or with `log` g - exp(y) sum(g).
  void (*softmax_grad_rows)(const T* y, const T* g, T* out, int64_t rows, int64_t cols, bool log);
};

namespace generic {
const EwKernels<float>& ew_kernels_f32();
const EwKernels<double>& ew_kernels_f64();
}  // namespace generic
#if NABLA_X86
namespace avx2 {
const EwKernels<float>& ew_kernels_f32();
const EwKernels<double>& ew_kernels_f64();
}  // namespace avx2
namespace avx512 {
const EwKernels<float>& ew_kernels_f32();
const EwKernels<double>& ew_kernels_f64();
}  // namespace avx512
#endif

}  // namespace nabla
