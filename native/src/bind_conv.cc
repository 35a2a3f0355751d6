// im2col/col2im and pooling bindings. Geometry comes as a plain object so
// call sites stay readable; reading a dozen properties is negligible next to
// the work itself.
#include <cstdint>

#include "bindings.h"
#include "conv.h"
#include "napi_util.h"

namespace nabla {
namespace {

Conv2dGeometry parse_geometry(const Napi::CallbackInfo& info, size_t i) {
  Napi::Env env = info.Env();
  if (i >= info.Length() || !info[i].IsObject()) throw_type_error(env, "geometry must be an object");
  Napi::Object o = info[i].As<Napi::Object>();
  Conv2dGeometry g;
  g.n = get_index_prop(env, o, "batch", -1, 0);
  g.c = get_index_prop(env, o, "channels", -1, 0);
  g.h = get_index_prop(env, o, "height", -1, 1);
  g.w = get_index_prop(env, o, "width", -1, 1);
  g.kh = get_index_prop(env, o, "kernelH", -1, 1);
  g.kw = get_index_prop(env, o, "kernelW", -1, 1);
  g.sh = get_index_prop(env, o, "strideH", 1, 1);
  g.sw = get_index_prop(env, o, "strideW", 1, 1);
  g.ph = get_index_prop(env, o, "padH", 0, 0);
  g.pw = get_index_prop(env, o, "padW", 0, 0);
  g.dh = get_index_prop(env, o, "dilationH", 1, 1);
  g.dw = get_index_prop(env, o, "dilationW", 1, 1);
  Napi::Value cip = o.Get("countIncludePad");
  if (!cip.IsUndefined()) {
    if (!cip.IsBoolean()) throw_type_error(env, "countIncludePad must be a boolean");
    g.count_include_pad = cip.As<Napi::Boolean>().Value();
  }
  if (g.n < 0 || g.c < 0 || g.h < 0 || g.w < 0 || g.kh < 0 || g.kw < 0)
    throw_type_error(env, "geometry needs batch, channels, height, width, kernelH, kernelW");
  if (g.h + 2 * g.ph < checked_mul(env, g.dh, g.kh - 1) + 1 || g.w + 2 * g.pw < checked_mul(env, g.dw, g.kw - 1) + 1)
    throw_range_error(env, "kernel (with dilation) is larger than the padded input");
  // Keeps every intermediate product below 2^62 and argmax within int32.
  const int64_t planes = checked_mul(env, g.n, g.c);
  checked_mul(env, checked_mul(env, planes, checked_mul(env, g.kh, g.kw)),
              checked_mul(env, g.out_h(), g.out_w()));
  checked_mul(env, planes, checked_mul(env, g.h, g.w));
  if (g.h * g.w > INT32_MAX) throw_range_error(env, "plane too large for int32 indices");
  return g;
}

int64_t input_size(const Conv2dGeometry& g) { return g.n * g.c * g.h * g.w; }
int64_t output_size(const Conv2dGeometry& g) { return g.n * g.c * g.out_h() * g.out_w(); }
int64_t cols_size(const Conv2dGeometry& g) { return g.n * g.c * g.kh * g.kw * g.out_h() * g.out_w(); }
int64_t nbytes(const FloatArray& a, int64_t n) { return n * (a.dtype == DType::kFloat32 ? 4 : 8); }

void check(Napi::Env env, const FloatArray& in, int64_t in_n, const char* in_name, const FloatArray& out,
           int64_t out_n, const char* out_name) {
  require_same_dtype(env, in, out, out_name);
  require_extent(env, in_name, in.length, 0, in_n);
  require_extent(env, out_name, out.length, 0, out_n);
  if (memory_overlaps(in.data, nbytes(in, in_n), out.data, nbytes(out, out_n)))
    throw_range_error(env, std::string(in_name) + " and " + out_name + " must not share memory");
}

Napi::Value Im2col(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  FloatArray x = get_float_array(info, 0, "x");
  FloatArray cols = get_float_array(info, 1, "cols");
  Conv2dGeometry g = parse_geometry(info, 2);
  check(env, x, input_size(g), "x", cols, cols_size(g), "cols");
  if (x.dtype == DType::kFloat32) {
    im2col(x.as<float>(), cols.as<float>(), g);
  } else {
    im2col(x.as<double>(), cols.as<double>(), g);
  }
  return env.Undefined();
}

Napi::Value Col2im(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  FloatArray cols = get_float_array(info, 0, "cols");
  FloatArray dx = get_float_array(info, 1, "dx");
  Conv2dGeometry g = parse_geometry(info, 2);
  const bool accumulate = !is_undefined_or_null(info, 3) && get_bool(info, 3, "accumulate");
  check(env, cols, cols_size(g), "cols", dx, input_size(g), "dx");
  if (cols.dtype == DType::kFloat32) {
    col2im(cols.as<float>(), dx.as<float>(), g, accumulate);
  } else {
    col2im(cols.as<double>(), dx.as<double>(), g, accumulate);
  }
  return env.Undefined();
}

Napi::Value MaxPool(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  FloatArray x = get_float_array(info, 0, "x");
  FloatArray y = get_float_array(info, 1, "y");
  Int32Array idx = get_int32_array(info, 2, "argmax");
  Conv2dGeometry g = parse_geometry(info, 3);
  check(env, x, input_size(g), "x", y, output_size(g), "y");
  require_extent(env, "argmax", idx.length, 0, output_size(g));
  if (memory_overlaps(idx.data, idx.length * 4, x.data, nbytes(x, input_size(g))) ||
      memory_overlaps(idx.data, idx.length * 4, y.data, nbytes(y, output_size(g))))
    throw_range_error(env, "argmax must not share memory with x or y");
  if (x.dtype == DType::kFloat32) {
    maxpool2d(x.as<float>(), y.as<float>(), idx.data, g);
  } else {
    maxpool2d(x.as<double>(), y.as<double>(), idx.data, g);
  }
  return env.Undefined();
}

Napi::Value MaxPoolBackward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  FloatArray dy = get_float_array(info, 0, "dy");
  Int32Array idx = get_int32_array(info, 1, "argmax");
  FloatArray dx = get_float_array(info, 2, "dx");
  Conv2dGeometry g = parse_geometry(info, 3);
  check(env, dy, output_size(g), "dy", dx, input_size(g), "dx");
  require_extent(env, "argmax", idx.length, 0, output_size(g));
  if (memory_overlaps(idx.data, idx.length * 4, dx.data, nbytes(dx, input_size(g))))
    throw_range_error(env, "argmax must not share memory with dx");
  if (dy.dtype == DType::kFloat32) {
    maxpool2d_backward(dy.as<float>(), idx.data, dx.as<float>(), g);
  } else {
    maxpool2d_backward(dy.as<double>(), idx.data, dx.as<double>(), g);
  }
  return env.Undefined();
}

Napi::Value AvgPool(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  FloatArray x = get_float_array(info, 0, "x");
  FloatArray y = get_float_array(info, 1, "y");
  Conv2dGeometry g = parse_geometry(info, 2);
  check(env, x, input_size(g), "x", y, output_size(g), "y");
  if (x.dtype == DType::kFloat32) {
    avgpool2d(x.as<float>(), y.as<float>(), g);
  } else {
    avgpool2d(x.as<double>(), y.as<double>(), g);
  }
  return env.Undefined();
}

Napi::Value AvgPoolBackward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  FloatArray dy = get_float_array(info, 0, "dy");
  FloatArray dx = get_float_array(info, 1, "dx");
  Conv2dGeometry g = parse_geometry(info, 2);
  check(env, dy, output_size(g), "dy", dx, input_size(g), "dx");
  if (dy.dtype == DType::kFloat32) {
    avgpool2d_backward(dy.as<float>(), dx.as<float>(), g);
  } else {
    avgpool2d_backward(dy.as<double>(), dx.as<double>(), g);
  }
  return env.Undefined();
}

}  // namespace

void register_conv(Napi::Env env, Napi::Object exports) {
  exports.Set("im2col", Napi::Function::New(env, Im2col, "im2col"));
  exports.Set("col2im", Napi::Function::New(env, Col2im, "col2im"));
  exports.Set("maxpool2d", Napi::Function::New(env, MaxPool, "maxpool2d"));
  exports.Set("maxpool2dBackward", Napi::Function::New(env, MaxPoolBackward, "maxpool2dBackward"));
  exports.Set("avgpool2d", Napi::Function::New(env, AvgPool, "avgpool2d"));
  exports.Set("avgpool2dBackward", Napi::Function::New(env, AvgPoolBackward, "avgpool2dBackward"));
}

}  // namespace nabla
