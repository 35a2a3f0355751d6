// Elementwise and reduction bindings: (op, inputs..., output, n).
#include <cstring>

#include "bindings.h"
#include "elementwise.h"
#include "napi_util.h"

namespace nabla {
namespace {

int64_t bytes_of(const FloatArray& a, int64_t n) { return n * (a.dtype == DType::kFloat32 ? 4 : 8); }

// In-place (out === input) is fine for elementwise ops; partial overlap is not.
void require_same_or_disjoint(Napi::Env env, const FloatArray& in, const FloatArray& out, int64_t n,
                              const char* name) {
  if (in.data != out.data && memory_overlaps(in.data, bytes_of(in, n), out.data, bytes_of(out, n)))
    throw_range_error(env, std::string("out partially overlaps ") + name);
}

UnaryOp parse_unary(Napi::Env env, const std::string& s) {
  if (s == "exp") return UnaryOp::kExp;
  if (s == "log") return UnaryOp::kLog;
  if (s == "tanh") return UnaryOp::kTanh;
  if (s == "sigmoid") return UnaryOp::kSigmoid;
  if (s == "relu") return UnaryOp::kRelu;
  if (s == "gelu") return UnaryOp::kGelu;
  if (s == "sqrt") return UnaryOp::kSqrt;
  if (s == "neg") return UnaryOp::kNeg;
  if (s == "abs") return UnaryOp::kAbs;
  if (s == "silu") return UnaryOp::kSilu;
  if (s == "geluTanh") return UnaryOp::kGeluTanh;
  if (s == "square") return UnaryOp::kSquare;
  if (s == "reciprocal") return UnaryOp::kReciprocal;
  if (s == "rsqrt") return UnaryOp::kRsqrt;
  throw_range_error(env, "unknown unary op '" + s + "'");
}

BinaryOp parse_binary(Napi::Env env, const std::string& s) {
  if (s == "add") return BinaryOp::kAdd;
  if (s == "sub") return BinaryOp::kSub;
  if (s == "mul") return BinaryOp::kMul;
  if (s == "div") return BinaryOp::kDiv;
  if (s == "max") return BinaryOp::kMax;
  if (s == "min") return BinaryOp::kMin;
  if (s == "rsub") return BinaryOp::kRsub;
  if (s == "rdiv") return BinaryOp::kRdiv;
  if (s == "tanhGrad") return BinaryOp::kTanhGrad;
  if (s == "sigmoidGrad") return BinaryOp::kSigmoidGrad;
  if (s == "reluGrad") return BinaryOp::kReluGrad;
  throw_range_error(env, "unknown binary op '" + s + "'");
}

Napi::Value Unary(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const UnaryOp op = parse_unary(env, get_string(info, 0, "op"));
  FloatArray x = get_float_array(info, 1, "x");
  FloatArray out = get_float_array(info, 2, "out");
  const int64_t n = get_index(info, 3, "n");
  require_same_dtype(env, x, out, "out");
  require_extent(env, "x", x.length, 0, n);
  require_extent(env, "out", out.length, 0, n);
  require_same_or_disjoint(env, x, out, n, "x");
  if (x.dtype == DType::kFloat32) {
    ew_unary(op, x.as<float>(), out.as<float>(), n);
  } else {
    ew_unary(op, x.as<double>(), out.as<double>(), n);
  }
  return env.Undefined();
}

Napi::Value Binary(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const BinaryOp op = parse_binary(env, get_string(info, 0, "op"));
  FloatArray a = get_float_array(info, 1, "a");
  FloatArray b = get_float_array(info, 2, "b");
  FloatArray out = get_float_array(info, 3, "out");
  const int64_t n = get_index(info, 4, "n");
  require_same_dtype(env, a, b, "b");
  require_same_dtype(env, a, out, "out");
  require_extent(env, "a", a.length, 0, n);
  require_extent(env, "b", b.length, 0, n);
  require_extent(env, "out", out.length, 0, n);
  require_same_or_disjoint(env, a, out, n, "a");
  require_same_or_disjoint(env, b, out, n, "b");
  if (a.dtype == DType::kFloat32) {
    ew_binary(op, a.as<float>(), b.as<float>(), out.as<float>(), n);
  } else {
    ew_binary(op, a.as<double>(), b.as<double>(), out.as<double>(), n);
  }
  return env.Undefined();
}

Napi::Value BinaryScalar(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const BinaryOp op = parse_binary(env, get_string(info, 0, "op"));
  FloatArray a = get_float_array(info, 1, "a");
  const double s = get_number(info, 2, "scalar");
  FloatArray out = get_float_array(info, 3, "out");
  const int64_t n = get_index(info, 4, "n");
  require_same_dtype(env, a, out, "out");
  require_extent(env, "a", a.length, 0, n);
  require_extent(env, "out", out.length, 0, n);
  require_same_or_disjoint(env, a, out, n, "a");
  if (a.dtype == DType::kFloat32) {
    ew_binary_scalar(op, a.as<float>(), static_cast<float>(s), out.as<float>(), n);
  } else {
    ew_binary_scalar(op, a.as<double>(), s, out.as<double>(), n);
  }
  return env.Undefined();
}

bool is_activation_grad(BinaryOp op) {
  return op == BinaryOp::kTanhGrad || op == BinaryOp::kSigmoidGrad || op == BinaryOp::kReluGrad;
}

// (op, dense, vec, out, rows, cols, mode, swap): see ew_binary_broadcast.
Napi::Value BinaryBroadcast(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const BinaryOp op = parse_binary(env, get_string(info, 0, "op"));
  FloatArray dense = get_float_array(info, 1, "dense");
  FloatArray vec = get_float_array(info, 2, "vec");
  FloatArray out = get_float_array(info, 3, "out");
  const int64_t rows = get_index(info, 4, "rows"), cols = get_index(info, 5, "cols");
  const int64_t mode_i = get_index(info, 6, "mode");
  const bool swap = info.Length() > 7 && info[7].ToBoolean().Value();
  if (mode_i > 1) throw_range_error(env, "mode must be 0 (row vector) or 1 (column vector)");
  const Broadcast mode = static_cast<Broadcast>(mode_i);
  if (swap && is_activation_grad(op)) throw_range_error(env, "activation gradients cannot swap operands");
  const int64_t n = checked_mul(env, rows, cols);
  require_same_dtype(env, dense, vec, "vec");
  require_same_dtype(env, dense, out, "out");
  require_extent(env, "dense", dense.length, 0, n);
  require_extent(env, "vec", vec.length, 0, mode == Broadcast::kRowVector ? cols : rows);
  require_extent(env, "out", out.length, 0, n);
  require_same_or_disjoint(env, dense, out, n, "dense");
  if (memory_overlaps(vec.data, bytes_of(vec, mode == Broadcast::kRowVector ? cols : rows), out.data,
                      bytes_of(out, n)))
    throw_range_error(env, "out must not overlap vec");
  if (dense.dtype == DType::kFloat32) {
    ew_binary_broadcast(op, dense.as<float>(), vec.as<float>(), out.as<float>(), rows, cols, mode, swap);
  } else {
    ew_binary_broadcast(op, dense.as<double>(), vec.as<double>(), out.as<double>(), rows, cols, mode, swap);
  }
  return env.Undefined();
}

Napi::Value SumMiddleAxis(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  FloatArray x = get_float_array(info, 0, "x");
  FloatArray out = get_float_array(info, 1, "out");
  const int64_t outer = get_index(info, 2, "outer"), red = get_index(info, 3, "red"),
                inner = get_index(info, 4, "inner");
  require_same_dtype(env, x, out, "out");
  const int64_t n_out = checked_mul(env, outer, inner);
  require_extent(env, "x", x.length, 0, checked_mul(env, n_out, red));
  require_extent(env, "out", out.length, 0, n_out);
  if (memory_overlaps(x.data, bytes_of(x, n_out * red), out.data, bytes_of(out, n_out)))
    throw_range_error(env, "out must not overlap x");
  if (x.dtype == DType::kFloat32) {
    ew_sum_middle_axis(x.as<float>(), out.as<float>(), outer, red, inner);
  } else {
    ew_sum_middle_axis(x.as<double>(), out.as<double>(), outer, red, inner);
  }
  return env.Undefined();
}

// softmax(x, out, rows, cols, log): row-wise softmax / log-softmax of a [rows, cols] block.
Napi::Value Softmax(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  FloatArray x = get_float_array(info, 0, "x");
  FloatArray out = get_float_array(info, 1, "out");
  const int64_t rows = get_index(info, 2, "rows"), cols = get_index(info, 3, "cols");
  const bool log = get_bool(info, 4, "log");
  const int64_t n = checked_mul(env, rows, cols);
  require_same_dtype(env, x, out, "out");
  require_extent(env, "x", x.length, 0, n);
  require_extent(env, "out", out.length, 0, n);
  require_same_or_disjoint(env, x, out, n, "x");
  if (x.dtype == DType::kFloat32) {
    ew_softmax(x.as<float>(), out.as<float>(), rows, cols, log);
  } else {
    ew_softmax(x.as<double>(), out.as<double>(), rows, cols, log);
  }
  return env.Undefined();
}

// softmaxGrad(y, g, out, rows, cols, log): the input gradient of softmax / log-softmax rows.
Napi::Value SoftmaxGrad(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  FloatArray y = get_float_array(info, 0, "y");
  FloatArray g = get_float_array(info, 1, "g");
  FloatArray out = get_float_array(info, 2, "out");
  const int64_t rows = get_index(info, 3, "rows"), cols = get_index(info, 4, "cols");
  const bool log = get_bool(info, 5, "log");
  const int64_t n = checked_mul(env, rows, cols);
  require_same_dtype(env, y, g, "g");
  require_same_dtype(env, y, out, "out");
  require_extent(env, "y", y.length, 0, n);
  require_extent(env, "g", g.length, 0, n);
  require_extent(env, "out", out.length, 0, n);
  // A row's output is written after the whole row of y and g was read, but other rows are not.
  require_same_or_disjoint(env, y, out, n, "y");
  require_same_or_disjoint(env, g, out, n, "g");
  if (y.dtype == DType::kFloat32) {
    ew_softmax_grad(y.as<float>(), g.as<float>(), out.as<float>(), rows, cols, log);
  } else {
    ew_softmax_grad(y.as<double>(), g.as<double>(), out.as<double>(), rows, cols, log);
  }
  return env.Undefined();
}

Napi::Value Sum(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  FloatArray x = get_float_array(info, 0, "x");
  const int64_t n = get_index(info, 1, "n");
  require_extent(env, "x", x.length, 0, n);
  const double s = x.dtype == DType::kFloat32 ? ew_sum(x.as<float>(), n) : ew_sum(x.as<double>(), n);
  return Napi::Number::New(env, s);
}

Napi::Value SumLastAxis(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  FloatArray x = get_float_array(info, 0, "x");
  FloatArray out = get_float_array(info, 1, "out");
  const int64_t rows = get_index(info, 2, "rows"), cols = get_index(info, 3, "cols");
  require_same_dtype(env, x, out, "out");
  require_extent(env, "x", x.length, 0, checked_mul(env, rows, cols));
  require_extent(env, "out", out.length, 0, rows);
  if (memory_overlaps(x.data, bytes_of(x, rows * cols), out.data, bytes_of(out, rows)))
    throw_range_error(env, "out must not overlap x");
  if (x.dtype == DType::kFloat32) {
    ew_sum_last_axis(x.as<float>(), out.as<float>(), rows, cols);
  } else {
    ew_sum_last_axis(x.as<double>(), out.as<double>(), rows, cols);
  }
  return env.Undefined();
}

Napi::Value Axpy(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const double alpha = get_number(info, 0, "alpha");
  FloatArray x = get_float_array(info, 1, "x");
  FloatArray y = get_float_array(info, 2, "y");
  const int64_t n = get_index(info, 3, "n");
  require_same_dtype(env, x, y, "y");
  require_extent(env, "x", x.length, 0, n);
  require_extent(env, "y", y.length, 0, n);
  require_same_or_disjoint(env, x, y, n, "x");
  if (x.dtype == DType::kFloat32) {
    ew_axpy(static_cast<float>(alpha), x.as<float>(), y.as<float>(), n);
  } else {
    ew_axpy(alpha, x.as<double>(), y.as<double>(), n);
  }
  return env.Undefined();
}

}  // namespace

void register_elementwise(Napi::Env env, Napi::Object exports) {
  exports.Set("unary", Napi::Function::New(env, Unary, "unary"));
  exports.Set("binary", Napi::Function::New(env, Binary, "binary"));
  exports.Set("binaryScalar", Napi::Function::New(env, BinaryScalar, "binaryScalar"));
  exports.Set("sum", Napi::Function::New(env, Sum, "sum"));
  exports.Set("sumLastAxis", Napi::Function::New(env, SumLastAxis, "sumLastAxis"));
  exports.Set("axpy", Napi::Function::New(env, Axpy, "axpy"));
  exports.Set("binaryBroadcast", Napi::Function::New(env, BinaryBroadcast, "binaryBroadcast"));
  exports.Set("sumMiddleAxis", Napi::Function::New(env, SumMiddleAxis, "sumMiddleAxis"));
  exports.Set("softmax", Napi::Function::New(env, Softmax, "softmax"));
  exports.Set("softmaxGrad", Napi::Function::New(env, SoftmaxGrad, "softmaxGrad"));
}

}  // namespace nabla
