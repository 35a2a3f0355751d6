#include "napi_util.h"

#include <cmath>
#include <cstring>

namespace nabla {
namespace {
constexpr int64_t kMaxIndex = int64_t{1} << 53;
constexpr int64_t kOverflow = int64_t{1} << 62;
}  // namespace

void throw_type_error(Napi::Env env, const std::string& msg) {
  throw Napi::TypeError::New(env, "nabla_native: " + msg);
}

void throw_range_error(Napi::Env env, const std::string& msg) {
  throw Napi::RangeError::New(env, "nabla_native: " + msg);
}

FloatArray get_float_array(const Napi::CallbackInfo& info, size_t i, const char* name) {
  Napi::Env env = info.Env();
  napi_value v = info[i];
  bool is_ta = false;
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta)
    throw_type_error(env, std::string(name) + " must be a Float32Array or Float64Array");
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  // `data` already includes the view's byteOffset.
  if (napi_get_typedarray_info(env, v, &type, &length, &data, nullptr, nullptr) != napi_ok)
    throw_type_error(env, std::string(name) + ": cannot read typed array");
  FloatArray a;
  if (type == napi_float32_array) {
    a.dtype = DType::kFloat32;
  } else if (type == napi_float64_array) {
    a.dtype = DType::kFloat64;
  } else {
    throw_type_error(env, std::string(name) + " must be a Float32Array or Float64Array");
  }
  a.data = data;
  a.length = data == nullptr ? 0 : static_cast<int64_t>(length);  // detached buffers read as empty
  return a;
}

Int32Array get_int32_array(const Napi::CallbackInfo& info, size_t i, const char* name) {
  Napi::Env env = info.Env();
  napi_value v = info[i];
  bool is_ta = false;
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta ||
      napi_get_typedarray_info(env, v, &type, &length, &data, nullptr, nullptr) != napi_ok ||
      type != napi_int32_array)
    throw_type_error(env, std::string(name) + " must be an Int32Array");
  Int32Array a;
  a.data = static_cast<int32_t*>(data);
  a.length = data == nullptr ? 0 : static_cast<int64_t>(length);
  return a;
}

bool is_undefined_or_null(const Napi::CallbackInfo& info, size_t i) {
  return i >= info.Length() || info[i].IsUndefined() || info[i].IsNull();
}

double get_number(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (i >= info.Length() || !info[i].IsNumber()) throw_type_error(info.Env(), std::string(name) + " must be a number");
  return info[i].As<Napi::Number>().DoubleValue();
}

int64_t get_index(const Napi::CallbackInfo& info, size_t i, const char* name) {
  double d = get_number(info, i, name);
  if (!(d >= 0) || d > static_cast<double>(kMaxIndex) || std::floor(d) != d)
    throw_range_error(info.Env(), std::string(name) + " must be a non-negative integer");
  return static_cast<int64_t>(d);
}

bool get_bool(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (i >= info.Length() || !info[i].IsBoolean())
    throw_type_error(info.Env(), std::string(name) + " must be a boolean");
  return info[i].As<Napi::Boolean>().Value();
}

std::string get_string(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (i >= info.Length() || !info[i].IsString()) throw_type_error(info.Env(), std::string(name) + " must be a string");
  return info[i].As<Napi::String>().Utf8Value();
}

int64_t get_index_prop(Napi::Env env, const Napi::Object& obj, const char* key, int64_t def, int64_t min) {
  Napi::Value v = obj.Get(key);
  if (v.IsUndefined()) return def;
  if (!v.IsNumber()) throw_type_error(env, std::string(key) + " must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= static_cast<double>(min)) || d > static_cast<double>(kMaxIndex) || std::floor(d) != d)
    throw_range_error(env, std::string(key) + " must be an integer >= " + std::to_string(min));
  return static_cast<int64_t>(d);
}

void require_same_dtype(Napi::Env env, const FloatArray& first, const FloatArray& other, const char* name) {
  if (first.dtype != other.dtype) throw_type_error(env, std::string(name) + " must have the same dtype as the other arrays");
}

int64_t checked_mul(Napi::Env env, int64_t a, int64_t b) {
  if (a != 0 && b > kOverflow / a) throw_range_error(env, "size overflow");
  return a * b;
}

int64_t checked_add(Napi::Env env, int64_t a, int64_t b) {
  if (a > kOverflow - b) throw_range_error(env, "size overflow");
  return a + b;
}

void require_extent(Napi::Env env, const char* name, int64_t length, int64_t offset, int64_t needed) {
  if (checked_add(env, offset, needed) > length)
    throw_range_error(env, std::string(name) + " is too short: needs " + std::to_string(offset + needed) +
                               " elements, has " + std::to_string(length));
}

int64_t matrix_span(Napi::Env env, const char* name, int64_t rows, int64_t cols, int64_t ld) {
  if (rows == 0 || cols == 0) return 0;  // never dereferenced; any ld is fine
  if (ld < cols)
    throw_range_error(env, std::string("leading dimension of ") + name + " (" + std::to_string(ld) +
                               ") must be >= " + std::to_string(cols));
  return checked_add(env, checked_mul(env, rows - 1, ld), cols);
}

bool memory_overlaps(const void* a, int64_t a_bytes, const void* b, int64_t b_bytes) {
  if (a_bytes <= 0 || b_bytes <= 0) return false;
  auto pa = reinterpret_cast<uintptr_t>(a), pb = reinterpret_cast<uintptr_t>(b);
  return pa < pb + static_cast<uintptr_t>(b_bytes) && pb < pa + static_cast<uintptr_t>(a_bytes);
}

}  // namespace nabla
